//! Saving exports (the costs CSV, a chart's PNG) to a file the user picks.
//!
//! A webview ignores `<a download>`, so the shell asks where to save with the OS's own dialog
//! (tauri-plugin-dialog) and writes the bytes itself. The path comes from the dialog, never from the page: the
//! UI cannot write to a path of its choosing, and needs no file-system permission.

use std::io::Write;
use std::path::{Path, PathBuf};

use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::commands::costs;
use crate::core_errors::join_error;
use crate::core_state::CoreState;
use crate::error::{AppError, ErrorCode};

/// The first bytes of every PNG file.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Asks where to save the period's costs as CSV and writes them there. The saved path, or `None` when the user
/// cancelled the dialog.
#[tauri::command]
#[specta::specta]
pub async fn save_costs_csv(
    app: AppHandle,
    core: State<'_, CoreState>,
    days: u32,
) -> Result<Option<String>, AppError> {
    let csv = costs::csv(&core, days, chrono::Utc::now()).await?;
    let name = format!("brightrun-costs-{days}d.csv");
    save_with_dialog(app, name, "CSV", "csv", csv.into_bytes()).await
}

/// Asks where to save a chart's PNG (what the canvas encoded) and writes it there. The saved path, or `None`
/// when the user cancelled the dialog.
#[tauri::command]
#[specta::specta]
pub async fn save_chart_png(app: AppHandle, title: String, png: Vec<u8>) -> Result<Option<String>, AppError> {
    if !png.starts_with(PNG_SIGNATURE) {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "The chart image is not a PNG.",
        ));
    }
    save_with_dialog(app, file_stem(&title) + ".png", "PNG image", "png", png).await
}

/// Shows the save dialog off the async threads (it runs its own loop until the user answers), then writes.
async fn save_with_dialog(
    app: AppHandle,
    suggested_name: String,
    filter_name: &'static str,
    extension: &'static str,
    contents: Vec<u8>,
) -> Result<Option<String>, AppError> {
    let picked = tokio::task::spawn_blocking(move || {
        app.dialog()
            .file()
            .set_title("Save as")
            .set_file_name(suggested_name)
            .add_filter(filter_name, &[extension])
            .blocking_save_file()
    })
    .await
    .map_err(join_error)?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let path = picked.into_path().map_err(|err| {
        AppError::new(
            ErrorCode::Internal,
            format!("The dialog returned no file path: {err}"),
        )
    })?;
    let written = tokio::task::spawn_blocking(move || write_export(&path, &contents).map(|()| path))
        .await
        .map_err(join_error)??;
    Ok(Some(written.display().to_string()))
}

/// Writes `contents` to `path` whole or not at all: into a temporary file beside it, then renamed over it, so a
/// full disk never leaves a cut-off CSV where the user's file was.
pub fn write_export(path: &Path, contents: &[u8]) -> Result<(), AppError> {
    let failed = |err: std::io::Error| {
        AppError::new(
            ErrorCode::Internal,
            format!("Cannot save {}: {err}", path.display()),
        )
    };
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut temp = tempfile::NamedTempFile::new_in(&folder).map_err(failed)?;
    temp.write_all(contents).map_err(failed)?;
    temp.as_file().sync_all().map_err(failed)?;
    temp.persist(path).map_err(|err| failed(err.error))?;
    Ok(())
}

/// A file name from a chart's title: "Train loss" → `train-loss`.
fn file_stem(title: &str) -> String {
    let stem: String = title
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if stem.is_empty() {
        "chart".into()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_bytes_to_the_chosen_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("costs.csv");
        write_export(&path, b"recorded_at,amount\n2026-11-30,1.5\n").unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"recorded_at,amount\n2026-11-30,1.5\n"
        );
        // Only the file: the temporary one was renamed, not left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn replaces_an_existing_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loss.png");
        std::fs::write(&path, vec![7u8; 4096]).unwrap();
        let png = [PNG_SIGNATURE, b"rest"].concat();
        write_export(&path, &png).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), png);
    }

    #[test]
    fn a_missing_folder_is_an_error_that_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone").join("costs.csv");
        let err = write_export(&path, b"x").unwrap_err();
        assert!(err.message.contains("costs.csv"), "{}", err.message);
        assert!(!path.exists());
    }

    #[test]
    fn chart_titles_become_file_names() {
        assert_eq!(file_stem("Train loss"), "train-loss");
        assert_eq!(file_stem("Learning rate (×1e-4)"), "learning-rate-1e-4");
        assert_eq!(file_stem("!!"), "chart");
    }
}
