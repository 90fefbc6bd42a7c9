//! Commands about the app itself.

use serde::Serialize;
use tauri::State;

use crate::environment::AppEnvironment;
use crate::error::{AppError, ErrorCode};
use crate::state::AppState;

/// What the Dashboard shows about this installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Product name.
    pub name: String,
    /// Version of the app (the workspace version).
    pub version: String,
    /// Release, dev or test.
    pub environment: AppEnvironment,
    /// The identifier this flavour runs under.
    pub identifier: String,
    /// Absolute path of the data folder.
    pub data_dir: String,
}

/// Version, flavour and data folder of the running app.
#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, AppError> {
    describe(&state)
}

/// The body of [`app_info`], callable without a window.
pub fn describe(state: &AppState) -> Result<AppInfo, AppError> {
    let data_dir = state.data_dir();
    // The folder is created at startup; if it has gone since, say so instead of showing a dead path.
    if !data_dir.is_dir() {
        return Err(AppError::new(
            ErrorCode::DataDirUnavailable,
            format!(
                "The data folder {} is missing or is not a folder.",
                data_dir.display()
            ),
        ));
    }
    Ok(AppInfo {
        name: "BrightRun".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        environment: state.environment(),
        identifier: state.identifier().to_owned(),
        data_dir: data_dir.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_running_app() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(AppEnvironment::Test, dir.path().to_path_buf());
        let info = describe(&state).unwrap();
        assert_eq!(info.identifier, "app.brightrun.desktop.test");
        assert_eq!(info.environment, AppEnvironment::Test);
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(info.data_dir, dir.path().display().to_string());
    }

    #[test]
    fn a_vanished_data_folder_is_an_error_with_a_code() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let state = AppState::new(AppEnvironment::Dev, gone);
        let error = describe(&state).unwrap_err();
        assert_eq!(error.code, ErrorCode::DataDirUnavailable);
    }
}
