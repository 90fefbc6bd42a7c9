//! The settings handlers on a real SQLite file: the values the CLI reads back, and the core's refusals.

use brightrun_core::store::StoreAccess;

use super::*;
use crate::error::ErrorCode;

fn open_core() -> (tempfile::TempDir, CoreState) {
    let dir = tempfile::tempdir().unwrap();
    let core = CoreState::open(dir.path(), "app.brightrun.desktop.test.unused").unwrap();
    (dir, core)
}

#[tokio::test]
async fn the_budget_and_interval_are_the_ones_the_cli_reads() {
    let (_dir, core) = open_core();
    let fresh = core.read(read).await.unwrap();
    assert_eq!(fresh.monthly_budget_usd, None, "no budget until one is set");
    assert_eq!(fresh.poll_interval_s, 5);
    assert_eq!(fresh.poll_interval_range, [5, 3600]);

    let set_budget = set(&core, SettingKey::MonthlyBudgetUsd, " 100 ".into())
        .await
        .unwrap();
    assert_eq!(set_budget.monthly_budget_usd, Some(100.0));
    let set_interval = set(&core, SettingKey::PollIntervalS, "30".into()).await.unwrap();
    assert_eq!(
        (set_interval.monthly_budget_usd, set_interval.poll_interval_s),
        (Some(100.0), 30)
    );

    // What `brightrun settings get` prints, from the same database.
    let (budget, interval) = core.store.with_store(|s| {
        let settings = s.settings();
        (
            settings.get_user("monthly_budget_usd").unwrap(),
            settings.get_user("poll_interval_s").unwrap(),
        )
    });
    assert_eq!(budget, serde_json::json!(100));
    assert_eq!(interval, serde_json::json!(30));

    let removed = set(&core, SettingKey::MonthlyBudgetUsd, "none".into())
        .await
        .unwrap();
    assert_eq!(removed.monthly_budget_usd, None);
}

#[tokio::test]
async fn bad_values_are_refused_and_change_nothing() {
    let (_dir, core) = open_core();
    set(&core, SettingKey::MonthlyBudgetUsd, "50".into())
        .await
        .unwrap();
    for (key, value) in [
        (SettingKey::MonthlyBudgetUsd, "-5"),
        (SettingKey::MonthlyBudgetUsd, "fifty"),
        (SettingKey::PollIntervalS, "1"),
        (SettingKey::PollIntervalS, "7200"),
        (SettingKey::PollIntervalS, "2.5"),
    ] {
        let err = set(&core, key, value.into()).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{key:?} = {value}: {err}");
        assert!(!err.message.is_empty());
    }
    let now = core.read(read).await.unwrap();
    assert_eq!((now.monthly_budget_usd, now.poll_interval_s), (Some(50.0), 5));
}

/// The Settings page changes how often running jobs are polled without a restart: the app's poller follows
/// the new interval from the moment it is saved; a refused value leaves it alone.
#[tokio::test]
async fn a_new_poll_interval_reaches_the_running_poller() {
    use std::sync::Arc;
    use std::time::Duration;

    use brightrun_core::jobs::{Poller, PollerConfig, RecordOnlyNotifier};

    let (_dir, core) = open_core();
    let poller = Poller::new(
        Arc::clone(&core.store),
        core.clients.clone(),
        Arc::new(RecordOnlyNotifier),
        PollerConfig::new(core.data_dir().to_path_buf(), Duration::from_secs(5)),
    );
    core.set_poller(poller.spawn());
    let interval = || core.poller().unwrap().interval();
    assert_eq!(interval(), Duration::from_secs(5));

    set(&core, SettingKey::PollIntervalS, "120".into()).await.unwrap();
    assert_eq!(interval(), Duration::from_secs(120));
    set(&core, SettingKey::PollIntervalS, "1".into())
        .await
        .unwrap_err();
    assert_eq!(
        interval(),
        Duration::from_secs(120),
        "a refused value changes nothing"
    );
    set(&core, SettingKey::MonthlyBudgetUsd, "50".into())
        .await
        .unwrap();
    assert_eq!(interval(), Duration::from_secs(120));
}

#[test]
fn every_key_is_a_core_user_setting() {
    let keys = [SettingKey::MonthlyBudgetUsd, SettingKey::PollIntervalS].map(SettingKey::as_str);
    assert_eq!(keys, brightrun_core::store::settings::USER_SETTINGS);
}
