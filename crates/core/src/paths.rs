//! Where BrightRun keeps its files: the data folder (datasets, adapters) and the database inside it.
//!
//! The desktop app passes its own identifier-specific folder; the CLI resolves one here, from
//! `--data-dir`, then `BRIGHTRUN_DATA_DIR`, then the platform's app-data folder.

use std::path::{Path, PathBuf};

/// Environment variable that overrides the data folder (the CLI's `--data-dir` reads it too).
pub const DATA_DIR_ENV: &str = "BRIGHTRUN_DATA_DIR";

/// File name of the SQLite database inside the data folder.
pub const DATABASE_FILE: &str = "brightrun.db";

/// Sub-folder of the data folder that holds imported dataset files, named by their SHA-256.
pub const DATASETS_FOLDER: &str = "datasets";

/// Folder name under the platform's app-data folder. Release builds share the desktop app's folder
/// (its Tauri identifier), so the CLI sees the app's library; debug builds use another, so
/// development never touches a user's real data.
pub const APP_FOLDER: &str = if cfg!(debug_assertions) {
    "app.brightrun.desktop.dev"
} else {
    "app.brightrun.desktop"
};

/// Why no data folder could be chosen.
#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    /// The platform has no app-data folder (no home directory) and none was given.
    #[error("no data folder: this system has no app-data folder; pass --data-dir or set {DATA_DIR_ENV}")]
    NoDataDir,
}

/// The platform's app-data folder for BrightRun, e.g. `~/.local/share/app.brightrun.desktop` on Linux.
pub fn default_data_dir() -> Result<PathBuf, PathsError> {
    dirs::data_dir()
        .map(|base| base.join(APP_FOLDER))
        .ok_or(PathsError::NoDataDir)
}

/// Chooses the data folder: `explicit` if given, else a non-empty `BRIGHTRUN_DATA_DIR`, else the default.
pub fn resolve_data_dir(explicit: Option<&Path>) -> Result<PathBuf, PathsError> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => default_data_dir(),
    }
}

/// The database file of a data folder.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DATABASE_FILE)
}

/// The folder of imported dataset files of a data folder.
pub fn datasets_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(DATASETS_FOLDER)
}

/// Creates `dir` (and its parents) and makes it private to this user (0700 on Unix), tightening a folder
/// that existed with looser modes: it holds datasets, adapters and the job history of one user.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Makes an existing file readable and writable by this user only (0600 on Unix; nothing elsewhere, where
/// the user's profile folder is already private).
pub fn make_private_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_folder_wins_and_files_sit_inside_it() {
        let dir = Path::new("/tmp/some-brightrun-data");
        assert_eq!(resolve_data_dir(Some(dir)).unwrap(), dir);
        assert_eq!(database_path(dir), dir.join("brightrun.db"));
        assert_eq!(datasets_dir(dir), dir.join("datasets"));
    }

    #[test]
    fn the_default_folder_is_named_after_the_app() {
        // dirs::data_dir() exists wherever HOME is set, which is true on every CI runner we use.
        if let Ok(dir) = default_data_dir() {
            assert!(dir.ends_with(APP_FOLDER), "{}", dir.display());
        }
    }
}
