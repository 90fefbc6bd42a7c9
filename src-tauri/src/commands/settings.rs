//! The Settings page's budget and polling interval, read and written through the core's user settings: the
//! same keys, parsing and ranges as `brightrun settings get|set`.

use std::time::Duration;

use brightrun_core::store::settings::POLLING_INTERVAL_RANGE;
use brightrun_core::store::{Store, StoreError};
use tauri::State;

use crate::core_state::CoreState;
use crate::dto::settings::{SettingKey, SettingsView};
use crate::error::AppError;

/// Every user setting.
#[tauri::command]
#[specta::specta]
pub async fn get_settings(core: State<'_, CoreState>) -> Result<SettingsView, AppError> {
    core.read(read).await
}

/// Changes one setting from the text the user typed (`none` or empty removes the budget); refused with
/// `invalid_input` and the core's message when out of range. Returns every setting as now stored.
#[tauri::command]
#[specta::specta]
pub async fn set_setting(
    core: State<'_, CoreState>,
    key: SettingKey,
    value: String,
) -> Result<SettingsView, AppError> {
    set(&core, key, value).await
}

/// [`set_setting`] without a window. A new poll interval reaches the running poller at once (no restart).
pub async fn set(core: &CoreState, key: SettingKey, value: String) -> Result<SettingsView, AppError> {
    let view = core
        .read(move |s| {
            s.settings().set_user(key.as_str(), &value)?;
            read(s)
        })
        .await?;
    if key == SettingKey::PollIntervalS {
        if let Some(poller) = core.poller() {
            poller.set_interval(Duration::from_secs(u64::from(view.poll_interval_s)));
        }
    }
    Ok(view)
}

/// The settings through the core's typed getters.
pub fn read(store: &Store) -> Result<SettingsView, StoreError> {
    let settings = store.settings();
    let secs = settings.polling_interval_secs()?;
    Ok(SettingsView {
        monthly_budget_usd: settings.monthly_budget_usd()?,
        poll_interval_s: u32::try_from(secs).unwrap_or(u32::MAX),
        poll_interval_range: [
            u32::try_from(*POLLING_INTERVAL_RANGE.start()).unwrap_or(0),
            u32::try_from(*POLLING_INTERVAL_RANGE.end()).unwrap_or(u32::MAX),
        ],
    })
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
