//! The merged model of a job: `POST /v1/jobs/{id}/merge` starts the merge, `GET` follows it, and each merged
//! file downloads like an adapter file (resumable, verified against its SHA-256).

use std::path::Path;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{read_json, Artifact, Call, ClientError, ClusterClient, Progress, CALL_TIMEOUT};

/// Where a job's merge stands on the cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MergeStatus {
    /// `not_started`, `merging`, `ready` or `failed`.
    pub status: String,
    /// The merged files once ready.
    #[serde(default)]
    pub files: Vec<Artifact>,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
}

impl ClusterClient {
    /// `POST /v1/jobs/{id}/merge`: starts merging the job's adapter into its base model.
    pub async fn start_merge(&self, job_id: &str) -> Result<MergeStatus, ClientError> {
        let call = Call::new(Method::POST, self.url(&["jobs", job_id, "merge"])?);
        let builder = self.request(&call).timeout(CALL_TIMEOUT);
        let response = self.send(&call, builder).await?;
        read_json(&call, response).await
    }

    /// `GET /v1/jobs/{id}/merge`.
    pub async fn merge_status(&self, job_id: &str) -> Result<MergeStatus, ClientError> {
        self.get_json(&["jobs", job_id, "merge"], &[]).await
    }

    /// Downloads one merged file to `dest` (resumable, verified).
    pub async fn download_merged(
        &self,
        job_id: &str,
        file: &Artifact,
        dest: &Path,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<(), ClientError> {
        self.download_verified(
            &["jobs", job_id, "merge", "files", &file.name],
            file,
            dest,
            progress,
        )
        .await
    }
}
