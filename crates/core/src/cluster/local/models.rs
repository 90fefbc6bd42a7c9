//! Any Hugging Face model folder on this computer as a base model of the Local cluster: the folder is linked
//! (never copied: models are gigabytes) into the local agent's `models/` folder, which the agent lists as
//! `source: "local"` models and hands to the trainer by path. A remote cluster cannot read this computer's
//! files, so a local folder there is refused (see [`LocalModelError::RemoteCluster`]).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::LOCAL_AGENT_FOLDER;

/// Why a folder cannot become a local base model.
#[derive(Debug, thiserror::Error)]
pub enum LocalModelError {
    /// The folder has no `config.json`: not a Hugging Face model folder.
    #[error("{path} is not a Hugging Face model folder (it has no config.json)")]
    NotAModel {
        /// The folder.
        path: String,
    },
    /// A local folder was given for a cluster on another machine.
    #[error(
        "{path} is a folder on this computer, and cluster {cluster} runs elsewhere and cannot read it; a local \
         folder can be the base model only on the Local cluster. Name a model the cluster offers \
         (`brightrun cluster show {cluster}`), or copy the folder into that machine's models folder"
    )]
    RemoteCluster {
        /// The folder.
        path: String,
        /// The cluster's name.
        cluster: String,
    },
    /// The link could not be made.
    #[error("cannot link {path} into the local agent's models ({link}): {source}")]
    Link {
        /// The folder.
        path: String,
        /// The link.
        link: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Whether `base_model` names a folder on this computer rather than a model id (hub ids like `org/name`
/// are not folders here).
pub fn is_local_folder(base_model: &str) -> bool {
    Path::new(base_model).is_dir()
}

/// The local agent's models folder in `data_dir`.
pub fn local_models_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(LOCAL_AGENT_FOLDER).join("models")
}

/// Links `folder` (a Hugging Face model folder) into the local agent's models and returns the name the agent
/// offers it under: the folder's name, or `<name>-<hash>` when that name already links elsewhere. Linking the
/// same folder again returns the same name.
pub fn link_local_model(data_dir: &Path, folder: &Path) -> Result<String, LocalModelError> {
    let shown = folder.display().to_string();
    let real = folder
        .canonicalize()
        .map_err(|_| LocalModelError::NotAModel { path: shown.clone() })?;
    if !real.join("config.json").is_file() {
        return Err(LocalModelError::NotAModel { path: shown });
    }
    let models = local_models_dir(data_dir);
    let link_error = |link: &Path, source| LocalModelError::Link {
        path: shown.clone(),
        link: link.display().to_string(),
        source,
    };
    std::fs::create_dir_all(&models).map_err(|e| link_error(&models, e))?;
    let base = real
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .unwrap_or("model")
        .replace(
            |c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
            "-",
        );
    let hash = hex::encode(Sha256::digest(real.to_string_lossy().as_bytes()));
    for name in [base.clone(), format!("{base}-{}", &hash[..8])] {
        let link = models.join(&name);
        match link.canonicalize() {
            Ok(existing) if existing == real => return Ok(name),
            Ok(_) => continue,
            // A dangling link left by a moved folder: replace it.
            Err(_) if link.symlink_metadata().is_ok() => {
                std::fs::remove_file(&link).map_err(|e| link_error(&link, e))?;
            }
            Err(_) => {}
        }
        symlink_dir(&real, &link).map_err(|e| link_error(&link, e))?;
        return Ok(name);
    }
    let link = models.join(format!("{base}-{}", &hash[..8]));
    Err(link_error(
        &link,
        std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "the name is taken by another folder",
        ),
    ))
}

#[cfg(unix)]
fn symlink_dir(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink_dir(target: &Path, link: &Path) -> std::io::Result<()> {
    // Needs Developer Mode or an administrator; without either the error says so and nothing is copied.
    std::os::windows::fs::symlink_dir(target, link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_folder_is_linked_once_and_a_name_clash_gets_a_hash() {
        let data = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let a = elsewhere.path().join("one/tiny");
        let b = elsewhere.path().join("two/tiny");
        for dir in [&a, &b] {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join("config.json"), "{}").unwrap();
        }
        let first = link_local_model(data.path(), &a).unwrap();
        assert_eq!(first, "tiny");
        assert_eq!(
            link_local_model(data.path(), &a).unwrap(),
            "tiny",
            "the same folder, the same name"
        );
        let second = link_local_model(data.path(), &b).unwrap();
        assert!(second.starts_with("tiny-") && second.len() == 13, "{second}");
        let linked = local_models_dir(data.path()).join(&second);
        assert!(linked.join("config.json").is_file());
        assert!(
            linked.symlink_metadata().unwrap().file_type().is_symlink(),
            "linked, not copied"
        );

        let empty = elsewhere.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        assert!(matches!(
            link_local_model(data.path(), &empty),
            Err(LocalModelError::NotAModel { .. })
        ));
    }
}
