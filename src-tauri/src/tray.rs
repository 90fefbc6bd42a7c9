//! The tray icon. A placeholder for now: show the window or quit. Job status in the tray comes later.

use tauri::menu::{Menu, MenuEvent, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

const SHOW: &str = "show";
const QUIT: &str = "quit";

/// Puts the BrightRun icon in the system tray with a Show / Quit menu.
pub fn install(app: &tauri::App) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, SHOW, "Show BrightRun", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, QUIT, "Quit BrightRun", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut tray = TrayIconBuilder::with_id("main")
        .tooltip("BrightRun")
        .menu(&menu)
        .on_menu_event(on_menu_event);
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

fn on_menu_event(app: &AppHandle, event: MenuEvent) {
    match event.id().as_ref() {
        SHOW => {
            if let Some(window) = app.get_webview_window("main") {
                // Best effort: a window that cannot be raised is still there for the user to find.
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }
        QUIT => app.exit(0),
        _ => {}
    }
}
