//! The tray icon: the number of active jobs in its tooltip and title, and a menu (Open, one entry per active
//! job that opens its monitor, Quit). Closing the window only hides it (see `lib.rs`), so the app stays here,
//! still polling, until Quit.

use brightrun_core::store::training_jobs::TrainingJob;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use crate::core_state::CoreState;
use crate::notify::{open_job, show_window};

const TRAY_ID: &str = "main";
const OPEN: &str = "open";
const QUIT: &str = "quit";
const JOB_PREFIX: &str = "job:";
/// More entries than this would make the menu taller than a screen; the rest are on the Jobs page.
const MAX_JOB_ENTRIES: usize = 10;

/// Puts the BrightRun icon in the system tray, with no jobs yet; the active ones are read on the blocking pool
/// right after (setup runs on the main thread, which never waits on SQLite).
pub fn install(app: &tauri::App) -> tauri::Result<()> {
    let menu = build_menu(app.handle(), &[])?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip(tooltip(0))
        .menu(&menu)
        .on_menu_event(on_menu_event);
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    refresh(app.handle());
    Ok(())
}

/// Reads the active jobs again (on the blocking pool) and updates the tooltip, title and menu on the main
/// thread (where the menu lives on Linux); callers (commands, the event forwarder) never wait for it.
pub fn refresh(app: &AppHandle) {
    let Some(core) = app.try_state::<CoreState>().map(|c| c.inner().clone()) else {
        return;
    };
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let jobs = match core.read(|s| s.training_jobs().list(None)).await {
            Ok(jobs) => active(jobs),
            Err(err) => {
                tracing::warn!("cannot read the active jobs for the tray: {err}");
                return;
            }
        };
        let main = handle.clone();
        if let Err(err) = handle.run_on_main_thread(move || show(&main, &jobs)) {
            tracing::warn!("cannot refresh the tray: {err}");
        }
    });
}

fn show(app: &AppHandle, jobs: &[TrainingJob]) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let _ = tray.set_tooltip(Some(tooltip(jobs.len())));
    let _ = tray.set_title(title(jobs.len()));
    match build_menu(app, jobs) {
        Ok(menu) => {
            let _ = tray.set_menu(Some(menu));
        }
        Err(err) => tracing::warn!("cannot rebuild the tray menu: {err}"),
    }
}

/// The tooltip for `active` running jobs.
pub fn tooltip(active: usize) -> String {
    match active {
        0 => "BrightRun — no active jobs".to_string(),
        1 => "BrightRun — 1 active job".to_string(),
        n => format!("BrightRun — {n} active jobs"),
    }
}

fn title(active: usize) -> Option<String> {
    (active > 0).then(|| active.to_string())
}

fn active(jobs: Vec<TrainingJob>) -> Vec<TrainingJob> {
    jobs.into_iter().filter(|j| !j.status.is_finished()).collect()
}

fn build_menu<R: Runtime>(app: &AppHandle<R>, jobs: &[TrainingJob]) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    menu.append(&MenuItem::with_id(
        app,
        OPEN,
        "Open BrightRun",
        true,
        None::<&str>,
    )?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    if jobs.is_empty() {
        menu.append(&MenuItem::with_id(
            app,
            "none",
            "No active jobs",
            false,
            None::<&str>,
        )?)?;
    }
    for job in jobs.iter().take(MAX_JOB_ENTRIES) {
        let label = format!("{} — {} {:.0} %", job.name, job.status.as_str(), job.progress);
        menu.append(&MenuItem::with_id(
            app,
            format!("{JOB_PREFIX}{}", job.id),
            label,
            true,
            None::<&str>,
        )?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        QUIT,
        "Quit BrightRun",
        true,
        None::<&str>,
    )?)?;
    Ok(menu)
}

fn on_menu_event(app: &AppHandle, event: MenuEvent) {
    let id = event.id().as_ref();
    if id == OPEN {
        show_window(app);
    } else if id == QUIT {
        app.exit(0);
    } else if let Some(job_id) = id.strip_prefix(JOB_PREFIX) {
        open_job(app, job_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tooltip_counts_active_jobs() {
        assert_eq!(tooltip(0), "BrightRun — no active jobs");
        assert_eq!(tooltip(1), "BrightRun — 1 active job");
        assert_eq!(tooltip(3), "BrightRun — 3 active jobs");
        assert_eq!(title(0), None);
        assert_eq!(title(2).as_deref(), Some("2"));
    }
}
