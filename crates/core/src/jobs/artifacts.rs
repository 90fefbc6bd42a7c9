//! Downloading a completed job's adapter into `<data>/models/<job_id>/`: every file the cluster lists,
//! resumable and checked against its SHA-256, then the model recorded with its lineage and quality.

use std::path::{Component, Path, PathBuf};

use serde_json::json;

use super::events::JobEvent;
use super::{db, model_quality, JobsError, SharedStore};
use crate::cluster::client::Artifact;
use crate::cluster::ClusterClient;
use crate::store::model_artifacts::{ModelArtifact, NewModelArtifact};
use crate::store::notifications::{NewNotification, Notification, NotificationKind, Priority};

/// Sub-folder of the data folder holding downloaded adapters, one folder per job.
pub const MODELS_FOLDER: &str = "models";

/// The folder of downloaded adapters of a data folder.
pub fn models_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(MODELS_FOLDER)
}

/// Downloads and verifies the adapter of completed job `job_id`, records the model, and returns it with the
/// `artifact_ready` notification (None when it had already been recorded). `on_event` sees download progress.
pub async fn download_model(
    store: &SharedStore,
    data_dir: &Path,
    client: &ClusterClient,
    job_id: &str,
    on_event: &mut (dyn FnMut(JobEvent) + Send),
) -> Result<(ModelArtifact, Option<Notification>), JobsError> {
    let id = job_id.to_string();
    let job = db::with(store, move |s| {
        s.training_jobs().set_artifacts_status(&id, "downloading", None)?;
        s.training_jobs().get(&id)
    })
    .await?;
    let Some(remote_id) = job.remote_job_id.clone() else {
        return Err(JobsError::NotSubmitted(job.id));
    };
    let artifacts = client.artifacts(&remote_id).await?;
    let relative_dir = format!("{MODELS_FOLDER}/{}", job.id);
    let dir = data_dir.join(&relative_dir);
    let total: u64 = artifacts.iter().map(|a| a.size).sum();
    let mut before = 0u64;
    for artifact in &artifacts {
        let dest = dir.join(safe_relative(&artifact.name)?);
        if already_verified(&dest, artifact).await {
            before += artifact.size;
            continue;
        }
        let job_id = job.id.clone();
        client
            .download_artifact(&remote_id, artifact, &dest, &mut |p| {
                on_event(JobEvent::Download {
                    job_id: job_id.clone(),
                    done: before + p.done,
                    total,
                })
            })
            .await?;
        before += artifact.size;
    }

    let job_for_record = job.clone();
    let recorded = db::with(store, move |s| {
        s.immediate(|s| {
            let job = job_for_record;
            let points = s.metrics().list(&job.id)?;
            let quality = model_quality(&points);
            let model = s.model_artifacts().upsert(&NewModelArtifact {
                job_id: job.id.clone(),
                name: job.name.clone(),
                adapter_dir: relative_dir,
                base_model: job.base_model.clone(),
                dataset_id: job.dataset_id.clone(),
                dataset_sha256: job.dataset_sha256.clone(),
                config: json!({
                    "hyperparameters": job.hyperparameters,
                    "gpu_type": job.gpu_type,
                    "gpu_count": job.gpu_count,
                    "spot": job.spot,
                    "max_duration_hours": job.max_duration_hours,
                    "cluster_id": job.cluster_id,
                    "remote_job_id": job.remote_job_id,
                }),
                quality,
                files: artifacts,
                verified: true,
            })?;
            // A run trained again from a model gets the next version of that model's line.
            s.model_versions().assign_from_job(&job.id)?;
            s.training_jobs().set_artifacts_status(&job.id, "ready", None)?;
            let rating = model.quality.rating;
            let notification = s.notifications().record(&NewNotification {
                kind: NotificationKind::ArtifactReady,
                priority: Priority::Medium,
                title: format!("{} is ready", job.name),
                body: format!(
                    "The adapter is downloaded and verified ({} files, rated {rating}/5).",
                    model.files.len()
                ),
                job_id: Some(job.id.clone()),
                once_key: Some(format!("artifact_ready:{}", job.id)),
            })?;
            Ok((model, notification))
        })
    })
    .await?;
    Ok(recorded)
}

/// True when `dest` is already there with the announced SHA-256 (a download finished before a restart).
async fn already_verified(dest: &Path, artifact: &Artifact) -> bool {
    let dest = dest.to_path_buf();
    let expected = artifact.sha256.clone();
    tokio::task::spawn_blocking(move || {
        dest.is_file()
            && crate::dataset::sha256_file(&dest)
                .map(|actual| actual.eq_ignore_ascii_case(&expected))
                .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// An artifact name as a relative path inside the model folder; `..`, absolute paths and empty names are
/// refused (the name comes from the cluster).
fn safe_relative(name: &str) -> Result<PathBuf, JobsError> {
    let path = Path::new(name);
    let plain = !name.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    if plain {
        Ok(path.to_path_buf())
    } else {
        Err(JobsError::UnsafeArtifactName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_names_stay_inside_the_model_folder() {
        assert!(safe_relative("adapter_model.safetensors").is_ok());
        assert!(safe_relative("tokenizer/tokenizer.json").is_ok());
        for bad in ["", "../x", "/etc/passwd", "a/../../b", "./a"] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
    }
}
