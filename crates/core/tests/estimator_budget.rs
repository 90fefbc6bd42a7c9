//! The monthly budget check, the 80/90/100 % alerts and a job's cost against its estimate.

use brightrun_core::training::budget::{
    alerts_crossed, check_launch, cost_status, cost_status_crossed, CostStatus, LaunchVerdict,
};

#[test]
fn a_launch_within_the_budget_is_allowed() {
    // 60 spent + 30 (high end) = 90 ≤ 100.
    let c = check_launch(Some(100.0), 60.0, 30.0, false);
    assert_eq!(c.verdict, LaunchVerdict::Allowed);
    assert_eq!(c.remaining_usd, Some(40.0));
    assert_eq!(c.projected_usd, 90.0);
    assert_eq!(c.over_budget_usd, 0.0);
    // It would cross the 80 % and 90 % alerts: the form can warn before launch.
    assert_eq!(c.alerts_crossed, [80, 90]);
    // Exactly at the budget is still within it.
    assert_eq!(
        check_launch(Some(100.0), 60.0, 40.0, false).verdict,
        LaunchVerdict::Allowed
    );
}

#[test]
fn a_launch_over_the_remaining_budget_is_refused_unless_overridden() {
    // 60 spent + 45 = 105 > 100: 5 over.
    let refused = check_launch(Some(100.0), 60.0, 45.0, false);
    assert_eq!(refused.verdict, LaunchVerdict::Refused);
    assert_eq!(refused.remaining_usd, Some(40.0));
    assert!((refused.over_budget_usd - 5.0).abs() < 1e-12);
    assert_eq!(refused.alerts_crossed, [80, 90, 100]);
    let overridden = check_launch(Some(100.0), 60.0, 45.0, true);
    assert_eq!(overridden.verdict, LaunchVerdict::Overridden);
    // Already over budget: nothing remains, any paid launch is refused.
    let over = check_launch(Some(100.0), 120.0, 0.5, false);
    assert_eq!(over.verdict, LaunchVerdict::Refused);
    assert_eq!(over.remaining_usd, Some(0.0));
    assert_eq!(over.alerts_crossed, Vec::<u32>::new());
}

#[test]
fn without_a_budget_everything_is_allowed() {
    let c = check_launch(None, 1e6, 1e6, false);
    assert_eq!(c.verdict, LaunchVerdict::Allowed);
    assert_eq!(c.remaining_usd, None);
    // A broken budget value counts as no budget rather than refusing everything.
    assert_eq!(
        check_launch(Some(f64::NAN), 10.0, 10.0, false).verdict,
        LaunchVerdict::Allowed
    );
}

#[test]
fn broken_spend_figures_never_make_a_launch_look_cheaper() {
    // A negative or NaN estimate counts as 0, not as a refund.
    let c = check_launch(Some(100.0), 99.0, -50.0, false);
    assert_eq!(c.projected_usd, 99.0);
    let c = check_launch(Some(100.0), 99.0, f64::NAN, false);
    assert_eq!(c.verdict, LaunchVerdict::Allowed);
    assert_eq!(
        check_launch(Some(100.0), f64::NAN, 101.0, false).verdict,
        LaunchVerdict::Refused
    );
}

#[test]
fn each_alert_threshold_fires_once_when_crossed() {
    // 70 → 85 of 100 crosses 80 only.
    assert_eq!(alerts_crossed(100.0, 70.0, 85.0), [80]);
    // 85 → 95 crosses 90; a later 95 → 99 crosses nothing.
    assert_eq!(alerts_crossed(100.0, 85.0, 95.0), [90]);
    assert_eq!(alerts_crossed(100.0, 95.0, 99.0), Vec::<u32>::new());
    // One big jump crosses all three, lowest first.
    assert_eq!(alerts_crossed(100.0, 10.0, 150.0), [80, 90, 100]);
    // Landing exactly on a threshold crosses it; starting on it does not cross it again.
    assert_eq!(alerts_crossed(100.0, 79.99, 80.0), [80]);
    assert_eq!(alerts_crossed(100.0, 80.0, 85.0), Vec::<u32>::new());
    // 80 % of 0.35 $ is 0.28 $ exactly, though 0.8 × 0.35 in floating point is 0.27999999999999997.
    assert_eq!(alerts_crossed(0.35, 0.0, 0.28), [80]);
    // No budget, no alerts; a spend going down crosses nothing.
    assert_eq!(alerts_crossed(0.0, 0.0, 10.0), Vec::<u32>::new());
    assert_eq!(alerts_crossed(100.0, 95.0, 50.0), Vec::<u32>::new());
}

#[test]
fn job_cost_against_its_estimate() {
    // Estimate 10 $: below 8 normal, 8–10 warning, above 10 over, above 12 far over.
    assert_eq!(cost_status(0.0, 10.0), CostStatus::Normal);
    assert_eq!(cost_status(7.99, 10.0), CostStatus::Normal);
    assert_eq!(cost_status(8.0, 10.0), CostStatus::Warning);
    assert_eq!(cost_status(10.0, 10.0), CostStatus::Warning);
    assert_eq!(cost_status(10.01, 10.0), CostStatus::OverEstimate);
    assert_eq!(cost_status(12.0, 10.0), CostStatus::OverEstimate);
    assert_eq!(cost_status(12.01, 10.0), CostStatus::FarOverEstimate);
    // A free estimate (local CPU run) is exceeded by any cost.
    assert_eq!(cost_status(0.0, 0.0), CostStatus::Normal);
    assert_eq!(cost_status(0.01, 0.0), CostStatus::FarOverEstimate);
}

#[test]
fn a_cost_status_alert_fires_only_when_it_gets_worse() {
    assert_eq!(cost_status_crossed(7.0, 8.5, 10.0), Some(CostStatus::Warning));
    assert_eq!(cost_status_crossed(8.5, 9.5, 10.0), None);
    assert_eq!(
        cost_status_crossed(9.5, 13.0, 10.0),
        Some(CostStatus::FarOverEstimate)
    );
    assert_eq!(cost_status_crossed(13.0, 14.0, 10.0), None);
}
