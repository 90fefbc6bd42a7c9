//! What the shell knows about itself, handed to commands through `tauri::State`.

use std::path::{Path, PathBuf};

use crate::environment::{AppEnvironment, DATA_DIR_VAR};

/// The app's own facts, fixed at startup.
#[derive(Debug, Clone)]
pub struct AppState {
    environment: AppEnvironment,
    identifier: String,
    data_dir: PathBuf,
}

impl AppState {
    /// Collects the facts; `data_dir` must already be resolved (see [`resolve_data_dir`]).
    pub fn new(environment: AppEnvironment, data_dir: PathBuf) -> Self {
        Self {
            environment,
            identifier: environment.identifier(),
            data_dir,
        }
    }

    /// Release, dev or test.
    pub fn environment(&self) -> AppEnvironment {
        self.environment
    }

    /// The identifier this flavour runs under.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// Where the database and the app's files live.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

/// `BRIGHTRUN_DATA_DIR` when set and not empty, otherwise the platform's app data folder for the identifier.
pub fn resolve_data_dir(
    override_dir: Option<PathBuf>,
    platform_dir: impl FnOnce() -> Option<PathBuf>,
) -> Option<PathBuf> {
    match override_dir {
        Some(dir) if !dir.as_os_str().is_empty() => Some(dir),
        _ => platform_dir(),
    }
}

/// Reads the `BRIGHTRUN_DATA_DIR` override.
pub fn data_dir_override() -> Option<PathBuf> {
    std::env::var_os(DATA_DIR_VAR).map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_wins_over_the_platform_folder() {
        let dir = resolve_data_dir(Some("/tmp/x".into()), || Some("/platform".into()));
        assert_eq!(dir, Some(PathBuf::from("/tmp/x")));
    }

    #[test]
    fn empty_override_falls_back_to_the_platform_folder() {
        let dir = resolve_data_dir(Some(PathBuf::new()), || Some("/platform".into()));
        assert_eq!(dir, Some(PathBuf::from("/platform")));
        assert_eq!(resolve_data_dir(None, || None), None);
    }
}
