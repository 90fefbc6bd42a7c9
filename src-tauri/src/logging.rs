//! The app's log: to stderr from the first line, and to a daily file in the OS's log folder once the app knows
//! where that is (Tauri's `app_log_dir`, which needs the running app):
//! `~/.local/share/<identifier>/logs` on Linux, `~/Library/Logs/<identifier>` on macOS,
//! `%LOCALAPPDATA%\<identifier>\logs` on Windows; `<data>/logs` when `BRIGHTRUN_DATA_DIR` is set (tests).

use std::path::PathBuf;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, reload, EnvFilter, Layer, Registry};

/// The file's name is `brightrun.YYYY-MM-DD.log`; a week of them is kept.
const FILE_PREFIX: &str = "brightrun";
const FILE_SUFFIX: &str = "log";
const KEEP_FILES: usize = 7;

type FileLayer = Option<Box<dyn Layer<Registry> + Send + Sync>>;

/// Where the file layer goes once the log folder is known.
pub struct LogFile(reload::Handle<FileLayer, Registry>);

/// Starts logging to stderr (filter from `RUST_LOG`, default `info`). `None` when a subscriber was already
/// set (tests call `run` pieces more than once).
pub fn init() -> Option<LogFile> {
    let (file_layer, handle) = reload::Layer::new(FileLayer::None);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(file_layer)
        .with(filter)
        .with(fmt::layer().with_writer(std::io::stderr))
        .try_init()
        .ok()
        .map(|()| LogFile(handle))
}

/// The log folder: `<data>/logs` when the data folder is overridden, else the OS's log folder for the app.
pub fn log_dir(data_dir_override: Option<PathBuf>, platform_log_dir: Option<PathBuf>) -> Option<PathBuf> {
    match data_dir_override {
        Some(dir) if !dir.as_os_str().is_empty() => Some(dir.join("logs")),
        _ => platform_log_dir,
    }
}

impl LogFile {
    /// Also writes every line to a daily file in `folder`. A folder that cannot be made only costs the file.
    pub fn write_to(self, folder: Option<PathBuf>) {
        let Some(folder) = folder else {
            tracing::warn!("no log folder on this system; logging to stderr only");
            return;
        };
        let appender = std::fs::create_dir_all(&folder)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                tracing_appender::rolling::Builder::new()
                    .rotation(tracing_appender::rolling::Rotation::DAILY)
                    .filename_prefix(FILE_PREFIX)
                    .filename_suffix(FILE_SUFFIX)
                    .max_log_files(KEEP_FILES)
                    .build(&folder)
                    .map_err(|e| e.to_string())
            });
        match appender {
            Ok(appender) => {
                let layer = fmt::layer().with_ansi(false).with_writer(appender).boxed();
                match self.0.reload(Some(layer)) {
                    Ok(()) => tracing::info!(folder = %folder.display(), "logging to a file"),
                    Err(err) => tracing::warn!("cannot start the log file: {err}"),
                }
            }
            Err(err) => tracing::warn!(folder = %folder.display(), "cannot open the log file: {err}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overridden_data_folder_keeps_its_logs_inside() {
        let dir = log_dir(
            Some("/tmp/data".into()),
            Some("/home/u/.local/share/x/logs".into()),
        );
        assert_eq!(dir, Some(PathBuf::from("/tmp/data/logs")));
        let dir = log_dir(None, Some("/home/u/Library/Logs/x".into()));
        assert_eq!(dir, Some(PathBuf::from("/home/u/Library/Logs/x")));
    }
}
