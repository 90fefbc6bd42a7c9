//! The BrightRun desktop shell: a thin Tauri 2 layer over `brightrun-core`.
//!
//! `run()` builds the app; everything the UI can call is listed once in [`bindings::specta_builder`].

pub mod bindings;
pub mod commands;
mod core_errors;
pub mod core_state;
pub mod dto;
pub mod environment;
pub mod error;
pub mod logging;
pub mod notify;
pub mod poller;
pub mod state;
mod tray;

use tauri::Manager;

pub use bindings::specta_builder;

use crate::core_state::CoreState;
use crate::environment::AppEnvironment;
use crate::error::StartupError;
use crate::state::AppState;

/// Starts the desktop app and blocks until it exits.
pub fn run() {
    let log_file = logging::init();

    let environment = AppEnvironment::detect();
    let mut context = tauri::generate_context!("../tauri.conf.json");
    // The identifier picks the data folder and WebView storage; switching it here keeps flavours apart.
    // The single-instance plugin names its lock after it too, so a test run never hands over to a user's app.
    context.config_mut().identifier = environment.identifier();
    notify::attribute_to_app();

    let builder = specta_builder();
    let app = tauri::Builder::default()
        // First: a second launch hands over to the running app before it builds anything of its own. Closing
        // the window only hides it to the tray, so a double-click on the launcher must bring it back.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            tracing::info!("a second launch asked for the window");
            notify::show_window(app);
        }))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let state = open_state(app, environment)?;
            if let Some(log_file) = log_file {
                let folder = logging::log_dir(state::data_dir_override(), app.path().app_log_dir().ok());
                log_file.write_to(folder);
            }
            tracing::info!(
                identifier = state.identifier(),
                data_dir = %state.data_dir().display(),
                "BrightRun starting"
            );
            // The keyring service is the flavour's identifier, like the data folder: builds never share keys.
            let core = CoreState::open(state.data_dir(), state.identifier())?;
            app.manage(core);
            app.manage(state);
            poller::start(app.handle());
            tray::install(app)?;
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps the app in the tray, still polling; the tray's Quit exits.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == "main" {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .build(context);

    match app {
        Ok(app) => app.run(on_run_event),
        Err(error) => {
            tracing::error!("BrightRun stopped with an error: {error}");
            eprintln!("BrightRun could not start: {error}");
            std::process::exit(1);
        }
    }
}

/// macOS: a click on the Dock icon reopens the window that closing hid to the tray.
fn on_run_event(app: &tauri::AppHandle, event: tauri::RunEvent) {
    #[cfg(target_os = "macos")]
    if let tauri::RunEvent::Reopen { .. } = event {
        notify::show_window(app);
    }
    #[cfg(not(target_os = "macos"))]
    let _ = (app, event);
}

fn open_state(app: &tauri::App, environment: AppEnvironment) -> Result<AppState, StartupError> {
    let data_dir = state::resolve_data_dir(state::data_dir_override(), || app.path().app_data_dir().ok())
        .ok_or(StartupError::NoDataDir)?;
    std::fs::create_dir_all(&data_dir).map_err(|source| StartupError::CreateDataDir {
        path: data_dir.display().to_string(),
        source,
    })?;
    Ok(AppState::new(environment, data_dir))
}
