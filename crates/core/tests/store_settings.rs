//! The `settings` table: defaults, typed values, ranges, persistence across opens.

mod store_support;

use brightrun_core::store::settings::{DEFAULT_POLLING_INTERVAL_SECS, MONTHLY_BUDGET_USD};
use brightrun_core::store::{Store, StoreError};
use store_support::temp_store;

#[test]
fn unset_settings_read_as_their_defaults() {
    let (_dir, store) = temp_store();
    assert_eq!(store.settings().monthly_budget_usd().unwrap(), None);
    assert_eq!(
        store.settings().polling_interval_secs().unwrap(),
        DEFAULT_POLLING_INTERVAL_SECS
    );
    assert_eq!(store.settings().get_json::<String>("never_set").unwrap(), None);
}

#[test]
fn values_survive_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store.settings().set_monthly_budget_usd(Some(250.5)).unwrap();
        store.settings().set_polling_interval_secs(10).unwrap();
        store.settings().set_polling_interval_secs(20).unwrap();
        store.settings().set_json("ui_theme", "dark").unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.settings().monthly_budget_usd().unwrap(), Some(250.5));
    assert_eq!(
        store.settings().polling_interval_secs().unwrap(),
        20,
        "the last value wins"
    );
    assert_eq!(
        store
            .settings()
            .get_json::<String>("ui_theme")
            .unwrap()
            .as_deref(),
        Some("dark")
    );

    store.settings().set_monthly_budget_usd(None).unwrap();
    assert_eq!(
        store.settings().monthly_budget_usd().unwrap(),
        None,
        "None removes the budget"
    );
    store.settings().remove("ui_theme").unwrap();
    assert_eq!(store.settings().get_json::<String>("ui_theme").unwrap(), None);
}

#[test]
fn out_of_range_values_are_refused_and_nothing_is_written() {
    let (_dir, store) = temp_store();
    for budget in [-1.0, f64::NAN, f64::INFINITY] {
        let err = store.settings().set_monthly_budget_usd(Some(budget)).unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput { .. }), "{err}");
    }
    assert_eq!(store.settings().monthly_budget_usd().unwrap(), None);
    store.settings().set_monthly_budget_usd(Some(0.0)).unwrap();
    assert_eq!(store.settings().monthly_budget_usd().unwrap(), Some(0.0));

    for secs in [0, 4, 3601] {
        assert!(
            store.settings().set_polling_interval_secs(secs).is_err(),
            "{secs}"
        );
    }
    store.settings().set_polling_interval_secs(5).unwrap();
    store.settings().set_polling_interval_secs(3600).unwrap();
}

#[test]
fn a_value_of_the_wrong_type_is_reported_not_guessed() {
    let (_dir, store) = temp_store();
    store.settings().set_json(MONTHLY_BUDGET_USD, "a lot").unwrap();
    let err = store.settings().monthly_budget_usd().unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    store
        .connection()
        .execute(
            "UPDATE settings SET value = 'not json' WHERE key = ?1",
            [MONTHLY_BUDGET_USD],
        )
        .unwrap();
    assert!(matches!(
        store.settings().monthly_budget_usd(),
        Err(StoreError::Corrupt { .. })
    ));
}
