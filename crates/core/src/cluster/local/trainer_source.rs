//! Where the trainer's package comes from when the local cluster's Python is prepared. In order:
//! 1. `BRIGHTRUN_TRAINER_DIR` (explicit configuration);
//! 2. the trainer bundled with the installed app, found from the running program's own folder (the app and the
//!    CLI are installed side by side, so both find it);
//! 3. in debug builds only, the source checkout the program was compiled from (`CARGO_MANIFEST_DIR`, fixed at
//!    compile time).
//!
//! Never the current directory: a folder the user happens to be in is not a trusted source of code to install.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::LocalError;

/// Environment variable naming the trainer's folder (holding `pyproject.toml`, `requirements.txt` and
/// `brightrun_trainer/`).
pub const TRAINER_DIR_ENV: &str = "BRIGHTRUN_TRAINER_DIR";

/// The bundle's product name: Tauri puts a Linux package's resources in `/usr/lib/<productName>/`.
/// Must match `productName` in tauri.conf.json.
pub const BUNDLE_PRODUCT_NAME: &str = "BrightRun";

/// How the trainer folder was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainerOrigin {
    /// `BRIGHTRUN_TRAINER_DIR`.
    Configured,
    /// The installed app's resources.
    Bundled,
    /// The source checkout a debug build came from.
    Checkout,
}

/// A trainer folder to install from.
#[derive(Clone, Debug, Serialize)]
pub struct TrainerSource {
    /// The folder with `pyproject.toml`, `requirements.txt` and `brightrun_trainer/`.
    pub dir: PathBuf,
    /// How it was found.
    pub origin: TrainerOrigin,
}

/// Finds the trainer to prepare from, or says where it looked.
pub fn find_trainer() -> Result<TrainerSource, LocalError> {
    let exe = std::env::current_exe().ok();
    find_trainer_from(
        std::env::var_os(TRAINER_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
        exe.as_deref(),
        checkout_trainer(),
    )
}

/// [`find_trainer`] with its inputs spelled out (tests give their own).
pub fn find_trainer_from(
    configured: Option<PathBuf>,
    exe: Option<&Path>,
    checkout: Option<PathBuf>,
) -> Result<TrainerSource, LocalError> {
    let mut searched = Vec::new();
    if let Some(dir) = configured {
        // An explicit setting that is wrong is an error, not a reason to install something else.
        if is_trainer(&dir) {
            return Ok(TrainerSource {
                dir,
                origin: TrainerOrigin::Configured,
            });
        }
        return Err(LocalError::TrainerNotFound {
            searched: format!(
                "{TRAINER_DIR_ENV}={} (no pyproject.toml and brightrun_trainer/ there)",
                dir.display()
            ),
        });
    }
    if let Some(exe_dir) = exe.and_then(Path::parent) {
        let dir = bundled_trainer_dir(exe_dir);
        if is_trainer(&dir) {
            // `/usr/bin/../lib/BrightRun/trainer` reads better as `/usr/lib/BrightRun/trainer`.
            let dir = dir.canonicalize().unwrap_or(dir);
            return Ok(TrainerSource {
                dir,
                origin: TrainerOrigin::Bundled,
            });
        }
        searched.push(dir.display().to_string());
    }
    if let Some(dir) = checkout {
        if is_trainer(&dir) {
            return Ok(TrainerSource {
                dir,
                origin: TrainerOrigin::Checkout,
            });
        }
        searched.push(dir.display().to_string());
    }
    Err(LocalError::TrainerNotFound {
        searched: searched.join(", "),
    })
}

/// Where a bundle puts the trainer, relative to the folder of the installed programs (Tauri's resource folder):
/// `/usr/bin` → `/usr/lib/BrightRun/trainer` in a .deb or .rpm (and the same inside an AppImage),
/// `BrightRun.app/Contents/MacOS` → `Contents/Resources/trainer`, and beside the programs on Windows.
pub fn bundled_trainer_dir(exe_dir: &Path) -> PathBuf {
    if cfg!(target_os = "macos") {
        exe_dir.join("../Resources/trainer")
    } else if cfg!(windows) {
        exe_dir.join("trainer")
    } else {
        exe_dir.join("../lib").join(BUNDLE_PRODUCT_NAME).join("trainer")
    }
}

/// The checkout's trainer, in debug builds only: a release build never reaches back into a source tree.
fn checkout_trainer() -> Option<PathBuf> {
    cfg!(debug_assertions).then(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../trainer");
        dir.canonicalize().unwrap_or(dir)
    })
}

fn is_trainer(dir: &Path) -> bool {
    dir.join("pyproject.toml").is_file() && dir.join("brightrun_trainer").join("__init__.py").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_trainer(dir: &Path) {
        std::fs::create_dir_all(dir.join("brightrun_trainer")).unwrap();
        std::fs::write(dir.join("pyproject.toml"), "[project]\nname='x'\n").unwrap();
        std::fs::write(dir.join("brightrun_trainer/__init__.py"), "").unwrap();
    }

    #[test]
    fn the_bundled_trainer_beside_the_program_comes_before_the_checkout() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("usr/bin");
        std::fs::create_dir_all(&bin).unwrap();
        let bundled = bundled_trainer_dir(&bin);
        make_trainer(&bundled);
        let checkout = tmp.path().join("checkout/trainer");
        make_trainer(&checkout);
        let found = find_trainer_from(None, Some(&bin.join("brightrun")), Some(checkout)).unwrap();
        assert_eq!(found.origin, TrainerOrigin::Bundled);
        assert_eq!(found.dir, bundled.canonicalize().unwrap());
    }

    #[test]
    fn a_wrong_explicit_folder_is_an_error_even_when_a_bundle_exists() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("usr/bin");
        std::fs::create_dir_all(&bin).unwrap();
        make_trainer(&bundled_trainer_dir(&bin));
        let err =
            find_trainer_from(Some(tmp.path().join("nope")), Some(&bin.join("brightrun")), None).unwrap_err();
        assert!(err.to_string().contains("BRIGHTRUN_TRAINER_DIR"), "{err}");
    }
}
