//! Content-addressed, resumable dataset upload: `HEAD /v1/datasets/{sha256}` says what the agent has, and
//! `PUT /v1/datasets/{sha256}` sends the rest in `Content-Range` chunks. The agent verifies the hash before
//! it accepts the dataset, so a completed upload is known good.

use std::io::SeekFrom;
use std::path::Path;

use reqwest::{Method, Response, StatusCode};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::{Call, ClientError, ClusterClient, Progress};

/// Size of one PUT: big enough that HTTP overhead does not matter, small enough that an interrupted
/// upload loses little.
pub(super) const CHUNK_BYTES: u64 = 8 * 1024 * 1024;

/// The header by which the agent reports how many bytes of a partial upload it holds.
const UPLOAD_OFFSET: &str = "Upload-Offset";

/// How many times in a row the agent may move the offset without accepting a chunk before we give up.
const MAX_RESYNCS: u32 = 3;

/// Whether a cluster already holds a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetPresence {
    /// The whole dataset, verified.
    Present,
    /// Nothing of it.
    Absent,
    /// An interrupted upload: the first `received` bytes.
    Partial {
        /// Bytes the cluster holds.
        received: u64,
    },
}

impl ClusterClient {
    /// `HEAD /v1/datasets/{sha256}`.
    pub async fn dataset_presence(&self, sha256: &str) -> Result<DatasetPresence, ClientError> {
        let call = Call::new(Method::HEAD, self.url(&["datasets", sha256])?);
        let builder = self.request(&call).timeout(super::CALL_TIMEOUT);
        let response = builder.send().await.map_err(|err| self.unreachable(&err))?;
        if response.status().is_success() {
            return Ok(DatasetPresence::Present);
        }
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(match upload_offset(&response) {
                Some(received) if received > 0 => DatasetPresence::Partial { received },
                _ => DatasetPresence::Absent,
            });
        }
        Err(self.error_from(&call, response).await)
    }

    /// Uploads the dataset file at `path` whose SHA-256 is `sha256`, resuming from what the cluster already
    /// holds. `progress` is called after each chunk.
    pub async fn upload_dataset(
        &self,
        sha256: &str,
        path: &Path,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<(), ClientError> {
        let io = |context: &'static str| {
            move |source| ClientError::Io {
                context,
                path: path.display().to_string(),
                source,
            }
        };
        let mut file = tokio::fs::File::open(path).await.map_err(io("cannot open"))?;
        let total = file.metadata().await.map_err(io("cannot read"))?.len();
        let mut offset = match self.dataset_presence(sha256).await? {
            DatasetPresence::Present => {
                progress(Progress { done: total, total });
                return Ok(());
            }
            DatasetPresence::Absent => 0,
            DatasetPresence::Partial { received } => received.min(total),
        };
        progress(Progress { done: offset, total });
        let mut resyncs = 0;
        loop {
            let end = (offset + self.upload_chunk_bytes).min(total);
            let mut chunk = vec![0u8; (end - offset) as usize];
            file.seek(SeekFrom::Start(offset))
                .await
                .map_err(io("cannot read"))?;
            file.read_exact(&mut chunk).await.map_err(io("cannot read"))?;

            let call = Call::new(Method::PUT, self.url(&["datasets", sha256])?);
            let mut builder = self
                .request(&call)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(chunk);
            if total > 0 {
                builder = builder.header(
                    reqwest::header::CONTENT_RANGE,
                    format!("bytes {offset}-{}/{total}", end - 1),
                );
            }
            let response = builder.send().await.map_err(|err| self.unreachable(&err))?;
            let status = response.status();
            if status == StatusCode::OK || status == StatusCode::CREATED {
                // 201: the last piece arrived and the hash matched; 200: the agent already had it.
                progress(Progress { done: total, total });
                return Ok(());
            }
            if status.is_success() {
                // 202: the piece is stored and more is expected: continue from what the agent says it holds.
                let held = upload_offset(&response).unwrap_or(end);
                if held <= offset {
                    resyncs += 1;
                    if resyncs > MAX_RESYNCS {
                        return Err(
                            call.bad_response(format!("the upload does not advance past byte {offset}"))
                        );
                    }
                } else {
                    resyncs = 0;
                }
                offset = held.min(total);
                progress(Progress { done: offset, total });
                continue;
            }
            if status == StatusCode::CONFLICT || status == StatusCode::RANGE_NOT_SATISFIABLE {
                // Our offset and the agent's disagree (another upload moved on, or the agent lost a part):
                // continue from the agent's.
                if let Some(held) = upload_offset(&response) {
                    resyncs += 1;
                    if resyncs <= MAX_RESYNCS && held <= total {
                        offset = held;
                        progress(Progress { done: offset, total });
                        continue;
                    }
                }
            }
            return Err(self.error_from(&call, response).await);
        }
    }
}

fn upload_offset(response: &Response) -> Option<u64> {
    response
        .headers()
        .get(UPLOAD_OFFSET)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}
