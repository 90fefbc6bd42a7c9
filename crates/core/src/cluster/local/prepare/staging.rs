//! Nothing half-installed: a preparation builds in `<name>.partial` next to its destination and moves it into
//! place with one rename once it is complete. A partial folder is removed when the preparation is dropped
//! (cancelled, failed) and, should the process have been killed, by the next preparation. One preparation at a
//! time per data folder (a lock file), so the app and the CLI cannot build into the same place.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::cluster::local::LocalError;

/// Holds the data folder's preparation lock while alive.
pub struct PrepareLock {
    _file: File,
}

/// Takes the preparation lock of `data_dir`, or says that another preparation holds it.
pub fn lock(data_dir: &Path) -> Result<PrepareLock, LocalError> {
    let path = data_dir.join("python.prepare.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| io("cannot create", &path, source))?;
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => Ok(PrepareLock { _file: file }),
        Err(fs4::TryLockError::WouldBlock) => Err(LocalError::PrepareBusy {
            lock: path.display().to_string(),
        }),
        Err(fs4::TryLockError::Error(source)) => Err(io("cannot lock", &path, source)),
    }
}

/// A folder being built for `destination`; removed on drop unless [`Staged::commit`] moved it into place.
pub struct Staged {
    partial: PathBuf,
    destination: PathBuf,
    committed: bool,
}

impl Staged {
    /// Starts a fresh partial folder for `destination` (a leftover one from a killed run is removed first).
    pub fn begin(destination: &Path) -> Result<Staged, LocalError> {
        let partial = sibling(destination, "partial");
        remove(&partial)?;
        remove(&sibling(destination, "old"))?;
        std::fs::create_dir_all(&partial).map_err(|source| io("cannot create", &partial, source))?;
        Ok(Staged {
            partial,
            destination: destination.to_path_buf(),
            committed: false,
        })
    }

    /// The folder to build in.
    pub fn path(&self) -> &Path {
        &self.partial
    }

    /// Moves the finished folder into place, replacing what was there (kept aside until the move succeeded).
    pub fn commit(mut self) -> Result<PathBuf, LocalError> {
        let old = sibling(&self.destination, "old");
        if self.destination.exists() {
            std::fs::rename(&self.destination, &old)
                .map_err(|source| io("cannot move aside", &self.destination, source))?;
        }
        if let Err(source) = std::fs::rename(&self.partial, &self.destination) {
            // Put the previous one back: a failed update must not leave the user with nothing.
            let _ = std::fs::rename(&old, &self.destination);
            return Err(io("cannot move into place", &self.partial, source));
        }
        self.committed = true;
        let _ = std::fs::remove_dir_all(&old);
        Ok(self.destination.clone())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.partial);
        }
    }
}

fn sibling(destination: &Path, suffix: &str) -> PathBuf {
    let mut name = destination.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix}"));
    destination.with_file_name(name)
}

fn remove(path: &Path) -> Result<(), LocalError> {
    match std::fs::remove_dir_all(path) {
        Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
            Err(io("cannot remove", path, source))
        }
        _ => Ok(()),
    }
}

fn io(context: &'static str, path: &Path, source: std::io::Error) -> LocalError {
    LocalError::Io {
        context,
        path: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_build_leaves_nothing_and_a_committed_one_replaces_the_old() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("python");
        std::fs::create_dir_all(&dest).unwrap();
        std::fs::write(dest.join("old-file"), "1").unwrap();

        let staged = Staged::begin(&dest).unwrap();
        std::fs::write(staged.path().join("half"), "x").unwrap();
        drop(staged);
        assert!(!tmp.path().join("python.partial").exists());
        assert!(
            dest.join("old-file").exists(),
            "a cancelled build keeps the previous environment"
        );

        let staged = Staged::begin(&dest).unwrap();
        std::fs::write(staged.path().join("new-file"), "2").unwrap();
        staged.commit().unwrap();
        assert!(dest.join("new-file").exists());
        assert!(!dest.join("old-file").exists());
        assert!(!tmp.path().join("python.old").exists());
    }

    #[test]
    fn a_second_preparation_of_the_same_folder_is_refused_while_the_first_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let first = lock(tmp.path()).unwrap();
        assert!(matches!(lock(tmp.path()), Err(LocalError::PrepareBusy { .. })));
        drop(first);
        lock(tmp.path()).unwrap();
    }
}
