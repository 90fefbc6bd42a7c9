//! With no Secret Service to talk to, the keyring gives a clear, typed error that says what to do, and no
//! key ever appears in it. One test per file: it changes this process's environment.

use brightrun_core::cluster::{Keyring, KeyringError, Sensitive};

#[test]
fn a_missing_keyring_is_a_clear_error_not_a_crash() {
    let nowhere = tempfile::tempdir().unwrap();
    // A session bus address whose socket does not exist: what a machine without a desktop session looks like.
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", nowhere.path().join("no-bus").display()),
    );
    let keyring = Keyring::new("app.brightrun.test.missing");
    let secret = "brk_must_not_leak_0123456789";

    let err = keyring
        .set_api_key("some-cluster", &Sensitive::new(secret.to_string()))
        .unwrap_err();
    assert!(matches!(err, KeyringError::Unavailable { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("keyring is not available"), "{message}");
    assert!(
        message.contains("gnome-keyring"),
        "says what to install: {message}"
    );
    assert!(!message.contains(secret) && !format!("{err:?}").contains(secret));

    assert!(matches!(
        keyring.api_key("some-cluster"),
        Err(KeyringError::Unavailable { .. })
    ));
    assert!(matches!(keyring.check(), Err(KeyringError::Unavailable { .. })));
}
