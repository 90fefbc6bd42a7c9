//! Desktop notifications with notify-rust (DESIGN.md: "the desktop app implements it with notify-rust").
//!
//! Chosen over tauri-plugin-notification because notify-rust gives the click back on Linux
//! (`wait_for_action`): clicking a notification brings the window to the job. On macOS and Windows
//! notify-rust has no click callback; there the notification only informs (docs/app.md).

use brightrun_core::jobs::Notifier;
use brightrun_core::store::notifications::{Notification, NotificationKind, Priority};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::environment::RELEASE_IDENTIFIER;

/// The name of the app's .desktop file on Linux (`/usr/share/applications/brightrun-app.desktop`).
#[cfg(all(unix, not(target_os = "macos")))]
const DESKTOP_ENTRY: &str = "brightrun-app";

/// The action id of a click on the notification's body (freedesktop's "default" action).
pub const OPEN_ACTION: &str = "default";

/// Asks the window to show a job's monitor (a notification or the tray was clicked).
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct OpenJob {
    /// Local job id.
    pub job_id: String,
}

/// Whether a recorded notification also pops up on the desktop: the ends of a job and budget alerts.
/// The others (queued, started, artifact ready, dataset ready) stay in the app's list.
pub fn shows_on_desktop(kind: NotificationKind) -> bool {
    matches!(
        kind,
        NotificationKind::JobCompleted
            | NotificationKind::JobFailed
            | NotificationKind::JobCancelled
            | NotificationKind::BudgetAlert
    )
}

/// The desktop notification for a recorded one: summary = title, body = body, urgency from the priority,
/// and an "Open" action when it is about a job.
pub fn desktop_notification(notification: &Notification) -> notify_rust::Notification {
    let mut desktop = notify_rust::Notification::new();
    desktop
        .appname("BrightRun")
        .summary(&notification.title)
        .body(&notification.body)
        .icon(RELEASE_IDENTIFIER);
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        // The installed .desktop file (the bundler names it after the binary): servers show its name and icon.
        desktop.hint(notify_rust::Hint::DesktopEntry(DESKTOP_ENTRY.to_string()));
        let urgency = match notification.priority {
            Priority::Low => notify_rust::Urgency::Low,
            Priority::Medium | Priority::High => notify_rust::Urgency::Normal,
            Priority::Critical => notify_rust::Urgency::Critical,
        };
        desktop.urgency(urgency);
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let _ = notification.priority;
    // Windows attributes a toast to an AppUserModelID; the installers register the identifier as the Start
    // menu shortcut's. An unbundled debug build has none, so it keeps notify-rust's default (PowerShell's).
    #[cfg(windows)]
    if !cfg!(debug_assertions) {
        desktop.app_id(RELEASE_IDENTIFIER);
    }
    if notification.job_id.is_some() {
        desktop.action(OPEN_ACTION, "Open");
    }
    desktop
}

/// The app's notifier: every notification the poller records is already in the list (and the UI hears of
/// it through `JobEvents`); the ones [`shows_on_desktop`] accepts also pop up, and a click opens the job.
pub struct AppNotifier {
    app: AppHandle,
}

impl AppNotifier {
    /// A notifier that opens jobs in `app`'s window.
    pub fn new(app: AppHandle) -> Self {
        Self { app }
    }
}

impl Notifier for AppNotifier {
    fn deliver(&self, notification: &Notification) {
        if !shows_on_desktop(notification.kind) {
            return;
        }
        let app = self.app.clone();
        show_desktop(notification, move |job_id| open_job(&app, &job_id));
    }
}

/// Shows `notification` on the desktop and calls `on_open` with its job id when the user clicks it.
///
/// Showing talks D-Bus and waiting for the click blocks: both run on a thread of their own, so the poller
/// never waits on the notification server. Where notify-rust reports no clicks (macOS, Windows) the
/// notification only informs.
pub fn show_desktop(notification: &Notification, on_open: impl FnOnce(String) + Send + 'static) {
    let desktop = desktop_notification(notification);
    let job_id = notification.job_id.clone();
    let spawned = std::thread::Builder::new()
        .name("notification".into())
        .spawn(move || match desktop.show() {
            Ok(handle) => {
                #[cfg(all(unix, not(target_os = "macos")))]
                handle.wait_for_action(|action| {
                    if action == OPEN_ACTION {
                        if let Some(job_id) = job_id {
                            on_open(job_id);
                        }
                    }
                });
                #[cfg(not(all(unix, not(target_os = "macos"))))]
                let _ = (handle, job_id, on_open);
            }
            Err(err) => tracing::warn!("cannot show a desktop notification: {err}"),
        });
    if let Err(err) = spawned {
        tracing::warn!("cannot start the notification thread: {err}");
    }
}

/// Attributes notifications to BrightRun where the OS asks the process who it is. macOS names the sender by
/// bundle identifier (without this, notify-rust sends as Terminal); elsewhere [`desktop_notification`] carries it.
pub fn attribute_to_app() {
    #[cfg(target_os = "macos")]
    if let Err(err) = notify_rust::set_application(RELEASE_IDENTIFIER) {
        tracing::warn!("cannot attribute notifications to BrightRun: {err}");
    }
}

/// Shows the window and tells the UI to open the monitor of `job_id`.
pub fn open_job(app: &AppHandle, job_id: &str) {
    show_window(app);
    let event = OpenJob {
        job_id: job_id.to_string(),
    };
    if let Err(err) = event.emit(app) {
        tracing::warn!("cannot ask the window to open a job: {err}");
    }
}

/// Brings the main window back (from the tray or behind other windows).
pub fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        // Best effort: a window that cannot be raised is still there for the user to find.
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_ends_of_jobs_and_budget_alerts_pop_up() {
        let shown: Vec<_> = NotificationKind::ALL
            .into_iter()
            .filter(|k| shows_on_desktop(*k))
            .collect();
        assert_eq!(
            shown,
            vec![
                NotificationKind::JobCompleted,
                NotificationKind::JobFailed,
                NotificationKind::JobCancelled,
                NotificationKind::BudgetAlert
            ]
        );
    }
}
