//! Artifact download with resume: bytes go to `<dest>.part`, an interrupted download continues with a
//! `Range` request, and the file is renamed into place only once its SHA-256 matches the announced one.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Artifact, Call, ClientError, ClusterClient, Progress};

impl ClusterClient {
    /// Downloads `artifact` of job `job_id` to `dest`, resuming a `<dest>.part` left by an earlier attempt,
    /// and verifies its SHA-256; a corrupt download is removed and reported.
    pub async fn download_artifact(
        &self,
        job_id: &str,
        artifact: &Artifact,
        dest: &Path,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<(), ClientError> {
        self.download_verified(
            &["jobs", job_id, "artifacts", &artifact.name],
            artifact,
            dest,
            progress,
        )
        .await
    }

    /// Downloads the file at `/v1/{segments…}`, announced as `artifact` (size, SHA-256), to `dest`: resumed
    /// from `<dest>.part`, verified, renamed into place. Serves adapters and merged models alike.
    pub(crate) async fn download_verified(
        &self,
        segments: &[&str],
        artifact: &Artifact,
        dest: &Path,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<(), ClientError> {
        let part = part_path(dest);
        let io = |context: &'static str, path: &Path| {
            let path = path.display().to_string();
            move |source| ClientError::Io {
                context,
                path,
                source,
            }
        };
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(io("cannot create", parent))?;
        }
        let total = artifact.size;
        let mut have = match tokio::fs::metadata(&part).await {
            Ok(meta) => meta.len(),
            Err(_) => 0,
        };
        if have > total {
            // Longer than the artifact: not a prefix of it. Start over.
            have = 0;
        }
        if have < total || total == 0 {
            let call = Call::new(Method::GET, self.url(segments)?);
            let mut builder = self.request(&call);
            if have > 0 {
                builder = builder.header(reqwest::header::RANGE, format!("bytes={have}-"));
            }
            let response = self.send(&call, builder).await?;
            let mut file = match response.status() {
                StatusCode::PARTIAL_CONTENT if have > 0 => tokio::fs::OpenOptions::new()
                    .append(true)
                    .open(&part)
                    .await
                    .map_err(io("cannot write", &part))?,
                _ => {
                    // A whole body (the server ignored the Range): the part file starts over.
                    have = 0;
                    tokio::fs::File::create(&part)
                        .await
                        .map_err(io("cannot write", &part))?
                }
            };
            progress(Progress { done: have, total });
            let mut stream = response.bytes_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|err| self.unreachable(&err))?;
                if have + chunk.len() as u64 > total {
                    // More than the announced size: never let a server fill the disk. What came is not the
                    // artifact; the next attempt starts clean.
                    drop(file);
                    let _ = tokio::fs::remove_file(&part).await;
                    return Err(call.bad_response(format!(
                        "the server sent more than the announced {total} bytes of {}",
                        artifact.name
                    )));
                }
                file.write_all(&chunk).await.map_err(io("cannot write", &part))?;
                have += chunk.len() as u64;
                progress(Progress {
                    done: have.min(total),
                    total,
                });
            }
            file.flush().await.map_err(io("cannot write", &part))?;
            file.sync_all().await.map_err(io("cannot write", &part))?;
        }

        let actual = sha256_of(&part).await.map_err(io("cannot read", &part))?;
        if !actual.eq_ignore_ascii_case(&artifact.sha256) {
            // A corrupt prefix would poison every resume: remove it so the next attempt starts clean.
            let _ = tokio::fs::remove_file(&part).await;
            return Err(ClientError::ChecksumMismatch {
                name: artifact.name.clone(),
                expected: artifact.sha256.clone(),
                actual,
            });
        }
        tokio::fs::rename(&part, dest)
            .await
            .map_err(io("cannot move into place", dest))?;
        progress(Progress { done: total, total });
        Ok(())
    }
}

/// Where an unfinished download of `dest` is kept.
pub fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".part");
    dest.with_file_name(name)
}

async fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1024 * 1024];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
