//! The user settings as the Settings page edits them, under the names `brightrun settings` uses.

use serde::{Deserialize, Serialize};

/// The settings a user may change, by the CLI's names (docs/cli.md, `brightrun settings`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SettingKey {
    /// The monthly spending budget in US dollars (`none` removes it).
    MonthlyBudgetUsd,
    /// Seconds between two polls of a running job.
    PollIntervalS,
}

impl SettingKey {
    /// The key as the core and the CLI name it.
    pub fn as_str(self) -> &'static str {
        match self {
            SettingKey::MonthlyBudgetUsd => "monthly_budget_usd",
            SettingKey::PollIntervalS => "poll_interval_s",
        }
    }
}

/// Every user setting's current value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// The monthly budget (USD); `null` when none is set (launches are then never refused).
    pub monthly_budget_usd: Option<f64>,
    /// Seconds between two polls of a running job.
    pub poll_interval_s: u32,
    /// The smallest and largest poll interval accepted, for the form's hints.
    pub poll_interval_range: [u32; 2],
}
