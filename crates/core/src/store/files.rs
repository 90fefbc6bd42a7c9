//! Dataset files in the data folder, content-addressed: `<data>/datasets/<sha256>.<ext>`.
//!
//! A file is copied to a temporary name while it is hashed, flushed, then renamed into place, so a
//! crash never leaves a half-written file under a real hash. The same bytes twice share one file.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest, Sha256};

use super::import::ImportError;
use crate::paths;

/// A file now held in the data folder.
#[derive(Clone, Debug)]
pub(crate) struct StoredFile {
    /// SHA-256 of its bytes (lowercase hex).
    pub sha256: String,
    /// Path relative to the data folder, with `/` separators on every platform.
    pub relative_path: String,
    /// Its size.
    pub bytes: u64,
}

/// Copies `source` into the data folder under its hash, unless that file is already there.
pub(crate) fn store_file(
    data_dir: &Path,
    source: &Path,
    cancel: &AtomicBool,
) -> Result<StoredFile, ImportError> {
    let folder = paths::datasets_dir(data_dir);
    std::fs::create_dir_all(&folder).map_err(|e| ImportError::write(&folder, e))?;
    let mut input = File::open(source).map_err(|e| ImportError::read(source, e))?;
    let temp = folder.join(format!(".import-{}.partial", uuid::Uuid::now_v7()));
    let result = copy_hashing(&mut input, source, &temp, cancel);
    let (sha256, bytes) = match result {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
    };
    let file_name = match extension_of(source) {
        Some(ext) => format!("{sha256}.{ext}"),
        None => sha256.clone(),
    };
    let target = folder.join(&file_name);
    if target.is_file() {
        // Same name means same bytes: keep the file already there.
        let _ = std::fs::remove_file(&temp);
    } else if let Err(e) = std::fs::rename(&temp, &target) {
        let _ = std::fs::remove_file(&temp);
        return Err(ImportError::write(&target, e));
    }
    Ok(StoredFile {
        sha256,
        relative_path: format!("{}/{file_name}", paths::DATASETS_FOLDER),
        bytes,
    })
}

/// A partial copy older than this was left by a process that stopped: an import in progress writes
/// to its file continuously, so its modification time stays fresh.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes partial copies that a crashed import left in the datasets folder; returns how many.
pub(crate) fn remove_abandoned_partials(data_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(paths::datasets_dir(data_dir)) else {
        return 0; // No folder yet: nothing was ever imported.
    };
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with(".import-") && name.ends_with(".partial")) {
            continue;
        }
        let modified = entry.metadata().and_then(|m| m.modified());
        let old = modified.is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > ABANDONED_AFTER));
        if old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Deletes a stored file that no dataset refers to any more (after a cancelled import).
pub(crate) fn remove_stored(data_dir: &Path, relative_path: &str) {
    let path = data_dir.join(relative_path);
    if let Err(e) = std::fs::remove_file(&path) {
        tracing::warn!(path = %path.display(), error = %e, "could not remove an unused dataset file");
    }
}

fn copy_hashing(
    input: &mut File,
    source: &Path,
    temp: &PathBuf,
    cancel: &AtomicBool,
) -> Result<(String, u64), ImportError> {
    let mut output = File::create(temp).map_err(|e| ImportError::write(temp, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(ImportError::Cancelled);
        }
        let n = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ImportError::read(source, e)),
        };
        hasher.update(&buffer[..n]);
        output
            .write_all(&buffer[..n])
            .map_err(|e| ImportError::write(temp, e))?;
        bytes += n as u64;
    }
    // Flushed to disk before the rename, so the name never points at bytes that a power cut could lose.
    output.sync_all().map_err(|e| ImportError::write(temp, e))?;
    Ok((hex::encode(hasher.finalize()), bytes))
}

/// The extension kept on the stored file, lowercased: the dataset reader looks at `.gz` and `.json`.
fn extension_of(source: &Path) -> Option<String> {
    let name = source.file_name()?.to_string_lossy().to_ascii_lowercase();
    for compound in ["jsonl.gz", "json.gz"] {
        if name.ends_with(&format!(".{compound}")) {
            return Some(compound.to_string());
        }
    }
    let ext = Path::new(&name).extension()?.to_string_lossy().into_owned();
    // Anything odd (spaces, very long) is dropped rather than carried into a file name.
    let plain = !ext.is_empty() && ext.len() <= 12 && ext.bytes().all(|b| b.is_ascii_alphanumeric());
    plain.then_some(ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_extensions_the_reader_needs() {
        assert_eq!(extension_of(Path::new("a/b.JSONL")).as_deref(), Some("jsonl"));
        assert_eq!(extension_of(Path::new("b.jsonl.gz")).as_deref(), Some("jsonl.gz"));
        assert_eq!(extension_of(Path::new("b.json.gz")).as_deref(), Some("json.gz"));
        assert_eq!(extension_of(Path::new("b.json")).as_deref(), Some("json"));
        assert_eq!(extension_of(Path::new("noext")), None);
        assert_eq!(extension_of(Path::new("x.we ird")), None);
    }
}
