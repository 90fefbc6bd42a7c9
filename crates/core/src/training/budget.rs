//! Money guards: the monthly budget check before a launch, the budget alerts at 80/90/100 %, and a job's cost
//! against its estimate (DESIGN.md, "Numbers from the original spec worth keeping").

use serde::{Deserialize, Serialize};

/// Shares of the monthly budget, in percent, at which the user is alerted once each.
pub const BUDGET_ALERT_PERCENTS: [u32; 3] = [80, 90, 100];

/// Whether a launch may go ahead under the monthly budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaunchVerdict {
    /// No budget is set, or the spend plus the estimate's high end stays within it.
    Allowed,
    /// The estimate's high end exceeds what remains of the budget; the user did not override.
    Refused,
    /// It exceeds the remaining budget, and the user explicitly chose to launch anyway.
    Overridden,
}

/// The budget check of one launch, with the figures the refusal message shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetCheck {
    /// Allowed, refused or overridden.
    pub verdict: LaunchVerdict,
    /// The monthly budget, in US dollars (`None`: no budget set).
    pub monthly_budget_usd: Option<f64>,
    /// Spent this calendar month so far.
    pub spent_this_month_usd: f64,
    /// What remains of the budget before this launch (never below 0); `None` without a budget.
    pub remaining_usd: Option<f64>,
    /// The spend if this job costs its estimate's high end.
    pub projected_usd: f64,
    /// How much the projection exceeds the budget (0 when within it).
    pub over_budget_usd: f64,
    /// The budget alert thresholds this launch would cross if it cost its high end.
    pub alerts_crossed: Vec<u32>,
}

/// Checks a launch against the monthly budget: the spend so far plus the estimate's high end must stay within
/// the budget, or the launch is refused unless `override_requested` (the user's explicit choice).
pub fn check_launch(
    monthly_budget_usd: Option<f64>,
    spent_this_month_usd: f64,
    estimate_high_usd: f64,
    override_requested: bool,
) -> BudgetCheck {
    // A negative or NaN figure from a broken record must not make a launch look cheaper than it is.
    let spent = finite_or_zero(spent_this_month_usd);
    let estimate = finite_or_zero(estimate_high_usd);
    let projected = spent + estimate;
    let budget = monthly_budget_usd.filter(|b| b.is_finite() && *b >= 0.0);
    let Some(budget) = budget else {
        return BudgetCheck {
            verdict: LaunchVerdict::Allowed,
            monthly_budget_usd: None,
            spent_this_month_usd: spent,
            remaining_usd: None,
            projected_usd: projected,
            over_budget_usd: 0.0,
            alerts_crossed: Vec::new(),
        };
    };
    let over = (projected - budget).max(0.0);
    let verdict = if over <= 0.0 {
        LaunchVerdict::Allowed
    } else if override_requested {
        LaunchVerdict::Overridden
    } else {
        LaunchVerdict::Refused
    };
    BudgetCheck {
        verdict,
        monthly_budget_usd: Some(budget),
        spent_this_month_usd: spent,
        remaining_usd: Some((budget - spent).max(0.0)),
        projected_usd: projected,
        over_budget_usd: over,
        alerts_crossed: alerts_crossed(budget, spent, projected),
    }
}

/// The budget alert thresholds (in percent) crossed when the month's spend goes from `previous_usd` to
/// `new_usd`: those with `previous < threshold ≤ new`, lowest first. Each fires once, on the update that
/// crosses it; a budget of 0 or less has no alerts.
pub fn alerts_crossed(monthly_budget_usd: f64, previous_usd: f64, new_usd: f64) -> Vec<u32> {
    if !(monthly_budget_usd.is_finite() && monthly_budget_usd > 0.0) {
        return Vec::new();
    }
    let previous = finite_or_zero(previous_usd);
    let new = finite_or_zero(new_usd);
    // Compared as spend·100 against percent·budget so that 80 % of 100 is exactly 80, not 80.00000000000001.
    BUDGET_ALERT_PERCENTS
        .into_iter()
        .filter(|p| {
            let line = f64::from(*p) * monthly_budget_usd;
            previous * 100.0 < line && new * 100.0 >= line
        })
        .collect()
}

/// A job's cost so far against its estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostStatus {
    /// Below 80 % of the estimate.
    Normal,
    /// From 80 % to 100 % of the estimate.
    Warning,
    /// Above 100 %, up to 120 %.
    OverEstimate,
    /// Above 120 % of the estimate.
    FarOverEstimate,
}

/// Where a job's cost stands against its estimate: normal below 80 %, warning from 80 % to 100 %, over above
/// 100 %, far over above 120 %. An estimate of 0 (a free local run) is exceeded by any cost.
pub fn cost_status(cost_usd: f64, estimate_usd: f64) -> CostStatus {
    let cost = finite_or_zero(cost_usd);
    let estimate = finite_or_zero(estimate_usd);
    // Percent compared as cost·100 against percent·estimate, exact at the boundaries.
    let at_least = |percent: f64| cost * 100.0 >= percent * estimate;
    let above = |percent: f64| cost * 100.0 > percent * estimate;
    if estimate == 0.0 {
        return if cost > 0.0 {
            CostStatus::FarOverEstimate
        } else {
            CostStatus::Normal
        };
    }
    if above(120.0) {
        CostStatus::FarOverEstimate
    } else if above(100.0) {
        CostStatus::OverEstimate
    } else if at_least(80.0) {
        CostStatus::Warning
    } else {
        CostStatus::Normal
    }
}

/// The new cost status when a job's cost goes from `previous_usd` to `new_usd`, if it got worse: the alert to
/// send once, not on every poll.
pub fn cost_status_crossed(previous_usd: f64, new_usd: f64, estimate_usd: f64) -> Option<CostStatus> {
    let before = cost_status(previous_usd, estimate_usd);
    let after = cost_status(new_usd, estimate_usd);
    (after > before).then_some(after)
}

fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v
    } else {
        0.0
    }
}
