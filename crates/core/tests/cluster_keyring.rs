//! API keys round-trip through the real OS keyring (the Secret Service under scripts/with-session.sh).

mod cluster_support;

use brightrun_core::cluster::{KeyringError, Sensitive};

#[test]
fn a_key_is_stored_read_replaced_and_deleted() {
    let keyring = cluster_support::test_keyring("cluster_keyring");
    let cluster = uuid::Uuid::new_v4().to_string();

    keyring
        .set_api_key(&cluster, &Sensitive::new("brk_first".to_string()))
        .unwrap();
    assert_eq!(keyring.api_key(&cluster).unwrap().expose(), "brk_first");

    keyring
        .set_api_key(&cluster, &Sensitive::new("brk_second".to_string()))
        .unwrap();
    assert_eq!(keyring.api_key(&cluster).unwrap().expose(), "brk_second");

    assert!(keyring.delete_api_key(&cluster).unwrap());
    assert!(
        !keyring.delete_api_key(&cluster).unwrap(),
        "a second delete finds nothing"
    );
    let err = keyring.api_key(&cluster).unwrap_err();
    assert!(matches!(err, KeyringError::NotFound { .. }), "{err}");
}

#[test]
fn keys_of_different_clusters_and_services_are_separate() {
    let first = cluster_support::test_keyring("cluster_keyring");
    let second = cluster_support::test_keyring("cluster_keyring");
    let (a, b) = ("cluster-a".to_string(), "cluster-b".to_string());

    first
        .set_api_key(&a, &Sensitive::new("key-a".to_string()))
        .unwrap();
    first
        .set_api_key(&b, &Sensitive::new("key-b".to_string()))
        .unwrap();
    assert_eq!(first.api_key(&a).unwrap().expose(), "key-a");
    assert_eq!(first.api_key(&b).unwrap().expose(), "key-b");
    // Another service name (a dev build against a release one) sees none of them.
    assert!(matches!(second.api_key(&a), Err(KeyringError::NotFound { .. })));

    first.delete_api_key(&a).unwrap();
    assert_eq!(first.api_key(&b).unwrap().expose(), "key-b");
    first.delete_api_key(&b).unwrap();
}

#[test]
fn the_keyring_service_name_comes_from_the_environment() {
    // Only reads the variable the test runner was given; setting it here would race with other tests.
    let keyring = brightrun_core::cluster::Keyring::from_env();
    match std::env::var(brightrun_core::cluster::KEYRING_SERVICE_ENV) {
        Ok(service) if !service.trim().is_empty() => assert_eq!(keyring.service(), service),
        _ => assert_eq!(
            keyring.service(),
            brightrun_core::cluster::DEFAULT_KEYRING_SERVICE
        ),
    }
}
