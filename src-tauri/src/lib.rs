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
    init_logging();

    let environment = AppEnvironment::detect();
    let mut context = tauri::generate_context!("../tauri.conf.json");
    // The identifier picks the data folder and WebView storage; switching it here keeps flavours apart.
    context.config_mut().identifier = environment.identifier();

    let builder = specta_builder();
    let result = tauri::Builder::default()
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let state = open_state(app, environment)?;
            tracing::info!(
                identifier = state.identifier(),
                data_dir = %state.data_dir().display(),
                "BrightRun starting"
            );
            // The keyring service is the flavour's identifier, like the data folder: builds never share keys.
            let core = CoreState::open(state.data_dir(), state.identifier())?;
            let jobs = poller::JobsRuntime::new(&core, state.data_dir());
            app.manage(core);
            app.manage(state);
            app.manage(jobs);
            poller::start(app.handle())?;
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
        .run(context);

    if let Err(error) = result {
        tracing::error!("BrightRun stopped with an error: {error}");
        eprintln!("BrightRun could not start: {error}");
        std::process::exit(1);
    }
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

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second init (tests) is harmless; ignore the "already set" error.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}
