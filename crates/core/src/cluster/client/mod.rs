//! `ClusterClient`: the typed async client of the Cluster API v1 (see DESIGN.md and the agent's
//! docs/openapi.json). One `reqwest::Client` is shared by every cluster for the life of the process; the API
//! key goes from [`Sensitive`] into the `Authorization` header and nowhere else.

mod chat;
mod download;
mod error;
mod merge;
mod types;
mod upload;

use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};
use serde::de::DeserializeOwned;

pub use chat::{ChatAnswer, ChatMessage, ChatRequest};
pub use error::{ApiFailure, ClientError};
pub use merge::MergeStatus;
pub use types::{
    Artifact, BaseModel, Capabilities, Checkpoint, DatasetUpload, GpuGroup, GpuPrice, GpuRequest, Health,
    Job, JobError, JobExecutor, JobRequest, Limits, LogChunk, MetricsPoint, Runtime,
};
pub use upload::DatasetPresence;

use super::Sensitive;
use crate::training::FieldError;

/// How long a connection attempt may take before the cluster counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a JSON call may take in all; uploads and downloads have no total limit, only `READ_TIMEOUT`.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a transfer may stall (no byte read) before it is given up; resumable, so little is lost.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Progress of an upload or download, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Bytes transferred so far (including what an earlier, interrupted attempt transferred).
    pub done: u64,
    /// Bytes in all.
    pub total: u64,
}

/// Environment variable naming a PEM file of extra certificate authorities to trust (a company CA), beside
/// the operating system's store and the built-in web roots.
pub const CA_FILE_ENV: &str = "BRIGHTRUN_CA_FILE";

/// The certificates of `BRIGHTRUN_CA_FILE`, when it is set.
fn extra_roots() -> Result<Vec<reqwest::Certificate>, ClientError> {
    let Some(path) = std::env::var_os(CA_FILE_ENV).filter(|p| !p.is_empty()) else {
        return Ok(Vec::new());
    };
    let path = std::path::PathBuf::from(path);
    let pem = std::fs::read(&path).map_err(|source| ClientError::Io {
        context: "cannot read the CA file",
        path: path.display().to_string(),
        source,
    })?;
    let roots = reqwest::Certificate::from_pem_bundle(&pem).map_err(|err| ClientError::Io {
        context: "cannot use the CA file",
        path: path.display().to_string(),
        source: std::io::Error::other(err.to_string()),
    })?;
    if roots.is_empty() {
        return Err(ClientError::Io {
            context: "cannot use the CA file",
            path: path.display().to_string(),
            source: std::io::Error::other("it holds no PEM certificate"),
        });
    }
    Ok(roots)
}

/// The one HTTP client to share between every [`ClusterClient`] of a process (connection pool, TLS setup).
/// It trusts the operating system's certificate store (so a company CA installed there works), the built-in
/// web roots, and the certificates of `BRIGHTRUN_CA_FILE`.
pub fn http_client() -> Result<reqwest::Client, ClientError> {
    let mut builder = reqwest::Client::builder();
    for root in extra_roots()? {
        builder = builder.add_root_certificate(root);
    }
    builder
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .user_agent(concat!("brightrun/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|err| ClientError::InvalidUrl {
            url: String::new(),
            detail: format!("cannot set up HTTP: {}", error::describe_transport(&err)),
        })
}

/// The URL as it may be shown in an error: whatever stands before an `@` in the authority (a user name and
/// password, or a pasted key) and any query string are replaced, so a secret typed into the URL field never
/// reaches an error message, a log or the UI.
fn redact_url(url: &str) -> String {
    let url = url.trim();
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => format!("<redacted>@{}", &authority[at + 1..]),
        None => authority.to_string(),
    };
    let tail = match tail.find(['?', '#']) {
        Some(at) => format!("{}?<redacted>", &tail[..at]),
        None => tail.to_string(),
    };
    format!("{scheme}{authority}{tail}")
}

/// Checks that `url` is a usable cluster base URL (http or https, no credentials in it) and normalises it.
pub fn parse_base_url(url: &str) -> Result<Url, ClientError> {
    let invalid = |detail: &str| ClientError::InvalidUrl {
        url: redact_url(url),
        detail: detail.to_string(),
    };
    let mut parsed = Url::parse(url.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("only http:// and https:// are supported"));
    }
    if parsed.host_str().is_none() {
        return Err(invalid("it has no host"));
    }
    // A key in the URL would end up in the database and in logs; it belongs in the keyring.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid(
            "it contains credentials; give the API key separately, it is kept in the keyring",
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("it has a query or fragment"));
    }
    let path = parsed.path().trim_end_matches('/').to_string();
    parsed.set_path(&path);
    Ok(parsed)
}

/// Refuses a plain `http://` URL to anything but this computer unless the user opted in explicitly: the
/// bearer key would travel in clear. Loopback (`127.0.0.0/8`, `::1`, `localhost`) needs no opt-in.
pub fn check_transport(url: &Url, allow_insecure: bool) -> Result<(), ClientError> {
    if url.scheme() != "http" || allow_insecure || is_loopback(url) {
        return Ok(());
    }
    Err(ClientError::InsecureUrl {
        url: redact_url(url.as_str()),
    })
}

/// Whether `url` names this computer over the loopback interface.
pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A client of one cluster: its base URL and API key.
#[derive(Clone, Debug)]
pub struct ClusterClient {
    http: reqwest::Client,
    base: Url,
    key: Sensitive<String>,
    upload_chunk_bytes: u64,
}

impl ClusterClient {
    /// A client of the cluster at `base_url` (e.g. `http://127.0.0.1:8420`), sharing `http`.
    pub fn new(http: reqwest::Client, base_url: &str, key: Sensitive<String>) -> Result<Self, ClientError> {
        Ok(Self {
            http,
            base: parse_base_url(base_url)?,
            key,
            upload_chunk_bytes: upload::CHUNK_BYTES,
        })
    }

    /// Sends dataset uploads in pieces of this many bytes (at least 1; default 8 MiB).
    pub fn with_upload_chunk_bytes(mut self, bytes: u64) -> Self {
        self.upload_chunk_bytes = bytes.max(1);
        self
    }

    /// The cluster's base URL.
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// `GET /v1/health`: is the agent serving, and which version.
    pub async fn health(&self) -> Result<Health, ClientError> {
        // No key: health is public, and whatever answers on a URL is not yet known to be the cluster.
        let call = Call::new(Method::GET, self.url(&["health"])?);
        let builder = self
            .http
            .request(call.method.clone(), call.url.clone())
            .timeout(CALL_TIMEOUT);
        let response = self.send(&call, builder).await?;
        read_json(&call, response).await
    }

    /// `GET /v1/capabilities`: GPUs, prices, base models, limits.
    pub async fn capabilities(&self) -> Result<Capabilities, ClientError> {
        self.get_json(&["capabilities"], &[]).await
    }

    /// `POST /v1/jobs`. The same `idempotency_key` twice gives the same job, so a retry after a lost
    /// response never starts a second run.
    pub async fn create_job(&self, idempotency_key: &str, request: &JobRequest) -> Result<Job, ClientError> {
        let call = Call::new(Method::POST, self.url(&["jobs"])?);
        let builder = self
            .request(&call)
            .header("Idempotency-Key", idempotency_key)
            .json(request)
            .timeout(CALL_TIMEOUT);
        let response = self.send(&call, builder).await?;
        read_json(&call, response).await
    }

    /// `GET /v1/jobs/{id}`: status, stage, progress, latest metrics, cost, error.
    pub async fn job(&self, job_id: &str) -> Result<Job, ClientError> {
        self.get_json(&["jobs", job_id], &[]).await
    }

    /// `GET /v1/jobs`: every job the cluster knows.
    pub async fn jobs(&self) -> Result<Vec<Job>, ClientError> {
        let list: types::JobList = self.get_json(&["jobs"], &[]).await?;
        Ok(list.jobs)
    }

    /// `GET /v1/jobs/{id}/metrics?after_step=N`: the points after step N (all with `None`).
    pub async fn metrics(
        &self,
        job_id: &str,
        after_step: Option<u64>,
    ) -> Result<Vec<MetricsPoint>, ClientError> {
        let query: Vec<(&str, String)> = after_step
            .map(|step| vec![("after_step", step.to_string())])
            .unwrap_or_default();
        let page: types::MetricsPage = self.get_json(&["jobs", job_id, "metrics"], &query).await?;
        Ok(page.points)
    }

    /// `GET /v1/jobs/{id}/logs?offset=N`: the log text from byte N, and where to continue.
    pub async fn logs(&self, job_id: &str, offset: u64) -> Result<LogChunk, ClientError> {
        self.get_json(&["jobs", job_id, "logs"], &[("offset", offset.to_string())])
            .await
    }

    /// `POST /v1/jobs/{id}/cancel` with the user's reason; answers the job as it is now.
    pub async fn cancel(&self, job_id: &str, reason: Option<&str>) -> Result<Job, ClientError> {
        let call = Call::new(Method::POST, self.url(&["jobs", job_id, "cancel"])?);
        let builder = self
            .request(&call)
            .json(&serde_json::json!({ "reason": reason }))
            .timeout(CALL_TIMEOUT);
        let response = self.send(&call, builder).await?;
        read_json(&call, response).await
    }

    /// `GET /v1/jobs/{id}/checkpoints`.
    pub async fn checkpoints(&self, job_id: &str) -> Result<Vec<Checkpoint>, ClientError> {
        let list: types::CheckpointList = self.get_json(&["jobs", job_id, "checkpoints"], &[]).await?;
        Ok(list.checkpoints)
    }

    /// `GET /v1/jobs/{id}/artifacts`: name, size and SHA-256 of each file the job produced.
    pub async fn artifacts(&self, job_id: &str) -> Result<Vec<Artifact>, ClientError> {
        let list: types::ArtifactList = self.get_json(&["jobs", job_id, "artifacts"], &[]).await?;
        Ok(list.artifacts)
    }

    /// `GET /v1/models/{name}/tokenizer`: the base model's `tokenizer.json`; `None` when the cluster does not
    /// have it (404).
    pub async fn tokenizer(&self, model: &str) -> Result<Option<Vec<u8>>, ClientError> {
        let call = Call::new(Method::GET, self.url(&["models", model, "tokenizer"])?);
        let builder = self.request(&call).timeout(CALL_TIMEOUT);
        match self.send(&call, builder).await {
            Ok(response) => {
                let bytes = response.bytes().await.map_err(|e| self.unreachable(&e))?;
                Ok(Some(bytes.to_vec()))
            }
            Err(ClientError::Api(failure)) if failure.status == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `{base}/v1/{segments...}`, each segment percent-encoded (ids and file names come from outside).
    fn url(&self, segments: &[&str]) -> Result<Url, ClientError> {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().map_err(|()| ClientError::InvalidUrl {
                url: self.base.to_string(),
                detail: "it cannot have a path".to_string(),
            })?;
            path.pop_if_empty().push("v1");
            for segment in segments {
                path.push(segment);
            }
        }
        Ok(url)
    }

    fn request(&self, call: &Call) -> RequestBuilder {
        self.http
            .request(call.method.clone(), call.url.clone())
            .bearer_auth(self.key.expose())
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T, ClientError> {
        let call = Call::new(Method::GET, self.url(segments)?);
        let builder = self.request(&call).query(query).timeout(CALL_TIMEOUT);
        let response = self.send(&call, builder).await?;
        read_json(&call, response).await
    }

    /// Sends a request; a transport failure is `Unreachable`, 401/403 `Unauthorized`, another error status
    /// `Api` with the server's `{code, message, hint}`.
    async fn send(&self, call: &Call, builder: RequestBuilder) -> Result<Response, ClientError> {
        let response = builder.send().await.map_err(|err| self.unreachable(&err))?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(self.error_from(call, response).await)
    }

    fn unreachable(&self, err: &reqwest::Error) -> ClientError {
        ClientError::Unreachable {
            url: self.base_url().to_string(),
            detail: error::describe_transport(err),
        }
    }

    async fn error_from(&self, call: &Call, response: Response) -> ClientError {
        let status = response.status();
        // An error body is a small JSON object: at most 64 KiB of it is read, anything larger is not ours.
        let body = read_capped(response, ERROR_BODY_LIMIT)
            .await
            .map(|(body, _)| body)
            .unwrap_or_default();
        let wire: Option<WireError> = serde_json::from_slice::<WireErrorBody>(&body)
            .map(|b| b.error)
            .ok();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            let (message, hint) = match wire {
                Some(w) => (w.message, w.hint),
                None => (format!("HTTP {}", status.as_u16()), None),
            };
            return ClientError::Unauthorized {
                url: self.base_url().to_string(),
                message,
                hint,
            };
        }
        match wire {
            Some(w) => ClientError::Api(Box::new(ApiFailure {
                method: call.method.to_string(),
                path: call.url.path().to_string(),
                status: status.as_u16(),
                code: w.code,
                message: w.message,
                hint: w.hint,
                fields: w.fields.unwrap_or_default(),
            })),
            None => ClientError::Api(Box::new(ApiFailure {
                method: call.method.to_string(),
                path: call.url.path().to_string(),
                status: status.as_u16(),
                code: format!("http_{}", status.as_u16()),
                message: text_excerpt(&body),
                hint: None,
                fields: Vec::new(),
            })),
        }
    }
}

/// One request, described for error messages (method and path only: never headers).
pub(crate) struct Call {
    method: Method,
    url: Url,
}

impl Call {
    fn new(method: Method, url: Url) -> Self {
        Self { method, url }
    }

    fn bad_response(&self, detail: impl Into<String>) -> ClientError {
        ClientError::BadResponse {
            method: self.method.to_string(),
            path: self.url.path().to_string(),
            detail: detail.into(),
        }
    }
}

#[derive(serde::Deserialize)]
struct WireErrorBody {
    error: WireError,
}

#[derive(serde::Deserialize)]
struct WireError {
    code: String,
    message: String,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    fields: Option<Vec<FieldError>>,
}

/// The largest JSON answer read from a cluster (a metrics or log page is far smaller); a larger body is an error,
/// not an allocation.
const JSON_BODY_LIMIT: usize = 32 << 20;
/// The most of an error body read.
const ERROR_BODY_LIMIT: usize = 64 << 10;

/// Reads at most `limit` bytes of a body; the flag says whether more was left unread.
async fn read_capped(mut response: Response, limit: usize) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            let room = limit - body.len();
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

async fn read_json<T: DeserializeOwned>(call: &Call, response: Response) -> Result<T, ClientError> {
    let (body, cut) = read_capped(response, JSON_BODY_LIMIT)
        .await
        .map_err(|err| call.bad_response(error::describe_transport(&err)))?;
    if cut {
        return Err(call.bad_response(format!(
            "the answer is larger than {} MiB; this is not a Cluster API response",
            JSON_BODY_LIMIT >> 20
        )));
    }
    serde_json::from_slice(&body)
        .map_err(|err| call.bad_response(format!("not the expected JSON ({err}): {}", text_excerpt(&body))))
}

/// At most 200 characters of a body, for an error message.
fn text_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_string();
    }
    let cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_in_a_refused_url_never_reaches_the_error() {
        for url in [
            "http://admin:hunter2-secret@gpu-box:8790",
            "http://hunter2-secret@gpu-box:8790/v1",
            "http://gpu-box:8790/?key=hunter2-secret",
            "ftp://me:hunter2-secret@gpu-box",
            "not a url hunter2-secret@x",
        ] {
            let message = parse_base_url(url).unwrap_err().to_string();
            assert!(!message.contains("hunter2-secret"), "{message}");
        }
        assert_eq!(
            redact_url("http://a:b@gpu-box:8790/v1?k=1"),
            "http://<redacted>@gpu-box:8790/v1?<redacted>"
        );
        assert_eq!(redact_url("http://gpu-box:8790"), "http://gpu-box:8790");
    }
}
