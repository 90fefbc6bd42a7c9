//! A job notification reaches a real D-Bus session bus as `org.freedesktop.Notifications.Notify` with the
//! job's title and body, and clicking it (dunst's default action) hands the job id back.
//!
//! Needs a session bus with a notification server: run under `scripts/with-session.sh` (a private bus and
//! Xvfb; dunst starts on demand through D-Bus activation when installed).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use brightrun_app_lib::notify::{desktop_notification, show_desktop};
use brightrun_core::store::notifications::{Notification, NotificationKind, Priority};

/// Generous: only a broken session makes the test wait this long, and then it fails with the reason.
const WAIT: Duration = Duration::from_secs(20);

struct Monitor {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn require_session() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        panic!("this test needs a D-Bus session: run it under scripts/with-session.sh");
    }
}

/// dbus-monitor on the Notifications interface, its output as lines; returns once it listens.
fn monitor() -> Monitor {
    let mut child = Command::new("dbus-monitor")
        .args(["--session", "interface='org.freedesktop.Notifications'"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-monitor runs (Debian package dbus)");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // dbus-monitor prints the bus's NameAcquired/NameLost signals once it is a monitor.
    let first = lines.recv_timeout(WAIT).expect("dbus-monitor starts listening");
    assert!(!first.is_empty());
    Monitor { child, lines }
}

fn notification(kind: NotificationKind, title: &str, body: &str) -> Notification {
    Notification {
        id: "0190f0c0-0000-7000-8000-000000000001".into(),
        kind,
        priority: Priority::High,
        title: title.into(),
        body: body.into(),
        job_id: Some("job-42".into()),
        read: false,
        created_at: "2026-11-22T04:00:00Z".into(),
    }
}

/// Reads the monitor until a Notify call carrying `summary` and `body`; returns that call's text.
fn wait_for_notify(monitor: &Monitor, summary: &str, body: &str) -> String {
    let mut call = String::new();
    let mut in_notify = false;
    loop {
        let line = match monitor.lines.recv_timeout(WAIT) {
            Ok(line) => line,
            Err(_) => panic!("no Notify with {summary:?} on the session bus; saw:\n{call}"),
        };
        if line.starts_with("method call") || line.starts_with("signal") || line.starts_with("method return")
        {
            in_notify = line.contains("member=Notify");
            call.clear();
        }
        call.push_str(&line);
        call.push('\n');
        // The arguments follow the header line; the expiry timeout (int32) is the last.
        if in_notify
            && line.trim_start().starts_with("int32")
            && call.contains(&format!("string {summary:?}"))
            && call.contains(&format!("string {body:?}"))
        {
            return call;
        }
    }
}

#[test]
fn a_finished_job_notifies_on_the_session_bus_and_a_click_opens_it() {
    require_session();
    let monitor = monitor();
    let done = notification(
        NotificationKind::JobCompleted,
        "tiny-run completed",
        "The adapter is being downloaded and checked.",
    );
    let (opened_tx, opened) = mpsc::channel();
    show_desktop(&done, move |job_id| {
        let _ = opened_tx.send(job_id);
    });

    let call = wait_for_notify(
        &monitor,
        "tiny-run completed",
        "The adapter is being downloaded and checked.",
    );
    assert!(call.contains("string \"BrightRun\""), "app name missing:\n{call}");
    assert!(call.contains("string \"default\""), "no Open action:\n{call}");

    // A click is the server's ActionInvoked "default"; dunst performs it for its newest notification.
    if Command::new("dunstctl")
        .arg("count")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let status = Command::new("dunstctl")
            .arg("action")
            .status()
            .expect("dunstctl runs");
        assert!(status.success());
        let job = opened.recv_timeout(WAIT).expect("the click reaches the app");
        assert_eq!(job, "job-42");
    } else {
        eprintln!("dunst is not running: the click half of this test was skipped");
    }
}

#[test]
fn budget_alerts_are_critical_only_when_the_core_says_so() {
    let mut alert = notification(
        NotificationKind::BudgetAlert,
        "Budget 100 % used",
        "You reached $50.00.",
    );
    alert.priority = Priority::Critical;
    alert.job_id = None;
    let desktop = desktop_notification(&alert);
    assert_eq!(desktop.summary, "Budget 100 % used");
    assert_eq!(desktop.body, "You reached $50.00.");
    assert!(
        desktop.actions.is_empty(),
        "an alert about no job has nothing to open"
    );
}
