//! A locked keyring gives the typed `Locked` error that says to unlock it, without hanging and without the
//! key in the message. The test runs itself again inside its own private D-Bus session with its own
//! gnome-keyring (locking the shared one would break every other keyring test), and with no display, so the
//! unlock prompt cannot open and is refused at once.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use brightrun_core::cluster::{Keyring, KeyringError, Sensitive};

const CHILD_ENV: &str = "BRIGHTRUN_LOCKED_KEYRING_CHILD";
const SERVICE: &str = "app.brightrun.test.locked";
const SECRET: &str = "brk_locked_secret_never_shown";

#[test]
fn a_locked_keyring_is_a_clear_error() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return in_the_private_session();
    }
    for tool in ["dbus-run-session", "gnome-keyring-daemon", "dbus-send"] {
        assert!(
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .stdout(Stdio::null())
                .status()
                .unwrap()
                .success(),
            "{tool} is missing: install the Debian packages dbus and gnome-keyring"
        );
    }
    let home = tempfile::tempdir().unwrap();
    let me = std::env::current_exe().unwrap();
    let script = r#"eval "$(printf pass | HOME="$KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
exec "$0" --exact a_locked_keyring_is_a_clear_error --nocapture --test-threads=1"#;
    let mut child = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .arg(&me)
        .env(CHILD_ENV, "1")
        .env("KEYRING_HOME", home.path())
        // No display: the unlock prompt fails at once instead of waiting for someone to type a password.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("a locked keyring made the keyring call hang");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the private-session run failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("1 passed"), "the child ran the test:\n{stdout}");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
}

/// Inside the private session: store a key, lock the collection, read the key back.
fn in_the_private_session() {
    let keyring = Keyring::new(SERVICE);
    keyring
        .set_api_key("cluster-1", &Sensitive::new(SECRET.to_string()))
        .expect("the fresh keyring is unlocked");
    let locked = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(locked.success(), "could not lock the collection");

    let err = keyring.api_key("cluster-1").unwrap_err();
    assert!(matches!(err, KeyringError::Locked { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("unlock"), "says what to do: {message}");
    assert!(!message.contains(SECRET) && !format!("{err:?}").contains(SECRET));
}
