//! Submitting, listing, reading and cancelling jobs.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use brightrun_api::{ranges, FieldError};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::api::{CancelRequest, JobList, JobRequest, JobStatus, JobView, RuntimeView};
use crate::db::jobs::{Inserted, NewJob};
use crate::db::{self};
use crate::error::{ApiError, ErrorBody};
use crate::state::{lock, AppState, StopRequest};

const MAX_NAME_CHARS: usize = 200;
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// Why a job request is refused; the answer's status follows the gravest (all answer `invalid_job` with fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Refusal {
    /// It names something this agent does not have (a dataset not uploaded, a base model or GPU type not
    /// offered): 404, as for any unknown name.
    Unknown,
    /// It is well formed, but this agent cannot run it (more GPUs than it has, QLoRA without CUDA): 409.
    Unable,
    /// A value outside what the OpenAPI document allows (a client that skipped the schema): 422.
    Invalid,
}

fn invalid_job(refusals: Vec<(Refusal, FieldError)>) -> ApiError {
    let status = match refusals.iter().map(|(why, _)| *why).max() {
        Some(Refusal::Unknown) => StatusCode::NOT_FOUND,
        Some(Refusal::Unable) => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, "invalid_job", "the job's configuration is not valid")
        .fields(refusals.into_iter().map(|(_, field)| field).collect())
}

/// A name with something to read: one character at least that is neither whitespace nor a control character
/// (the document's pattern `[^\s\x00-\x1f\x7f-\x9f]`; Python's `\s` and Rust's whitespace differ only on
/// control characters, so the two agree).
fn is_readable_name(name: &str) -> bool {
    name.chars().any(|c| !c.is_whitespace() && !c.is_control())
}

/// Checks everything about a job request against the ranges and what this agent has.
fn validate(state: &AppState, request: &JobRequest, runtime: RuntimeView) -> Vec<(Refusal, FieldError)> {
    let mut fields = Vec::new();
    let mut refuse =
        |why: Refusal, field: &str, message: String| fields.push((why, FieldError::new(field, message)));
    if !is_readable_name(&request.name) || request.name.chars().count() > MAX_NAME_CHARS {
        refuse(
            Refusal::Invalid,
            "name",
            format!("must have 1 to {MAX_NAME_CHARS} characters, not all of them spaces"),
        );
    }
    for (field, sha) in [
        ("dataset_sha256", Some(&request.dataset_sha256)),
        (
            "validation_dataset_sha256",
            request.validation_dataset_sha256.as_ref(),
        ),
    ] {
        let Some(sha) = sha.map(|s| s.to_ascii_lowercase()) else {
            continue;
        };
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            refuse(Refusal::Invalid, field, "must be a SHA-256: 64 hex digits".into());
        } else if !state.paths.dataset(&sha).is_file() {
            refuse(
                Refusal::Unknown,
                field,
                "no dataset with this SHA-256 on the agent; upload it first with PUT /v1/datasets/{sha256}"
                    .into(),
            );
        }
    }
    if request.hyperparameters.qlora && !(runtime.cuda && runtime.bitsandbytes) {
        refuse(
            Refusal::Unable,
            "hyperparameters.qlora",
            "needs CUDA and bitsandbytes, which this agent's trainer environment does not have \
             (see runtime in GET /v1/capabilities)"
                .into(),
        );
    }
    if !crate::models::offered(state)
        .iter()
        .any(|m| m.id == request.base_model)
    {
        refuse(
            Refusal::Unknown,
            "base_model",
            "is not offered by this agent (see GET /v1/capabilities)".into(),
        );
    }
    for error in request.hyperparameters.validate() {
        let error = error.nested("hyperparameters");
        refuse(Refusal::Invalid, &error.field, error.message);
    }
    let available = lock(&state.allocator).total(&request.gpu.gpu_type);
    if let Some(message) = ranges::check_gpu_count(request.gpu.count) {
        refuse(Refusal::Invalid, "gpu.count", message);
    } else if available == 0 {
        refuse(
            Refusal::Unknown,
            "gpu.type",
            format!(
                "this agent has no GPU of type {:?} (see GET /v1/capabilities)",
                request.gpu.gpu_type
            ),
        );
    } else if request.gpu.count > available {
        refuse(
            Refusal::Unable,
            "gpu.count",
            format!(
                "this agent has {available} GPU(s) of type {}",
                request.gpu.gpu_type
            ),
        );
    }
    if let Some(message) = ranges::check_max_duration_hours(request.max_duration_hours) {
        refuse(Refusal::Invalid, "max_duration_hours", message);
    }
    fields
}

/// Submits a job. The same `Idempotency-Key` always answers the same job (200), never a second one.
#[utoipa::path(post, path = "/v1/jobs", tag = "jobs",
    params(("idempotency-key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255,
        description = "Retry-safe key chosen by the client (1 to 255 characters)")),
    request_body = JobRequest,
    responses(
        (status = 201, body = JobView, description = "Queued"),
        (status = 200, body = JobView, description = "The job already created with this Idempotency-Key"),
        (status = 400, body = ErrorBody, description = "An unreadable Idempotency-Key or body"),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "`invalid_job`: the dataset, base model or GPU type it names is not on this agent (per-field errors)"),
        (status = 409, body = ErrorBody, description = "`invalid_job`: this agent cannot run it (more GPUs than it has, QLoRA without CUDA; per-field errors)"),
        (status = 422, body = ErrorBody, description = "`invalid_job` with per-field errors for values the schema does not allow, or `idempotency_key_reused` for a different body")))]
pub async fn create_job(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_error)?;
    let idempotency_key = match headers.get("idempotency-key") {
        Some(value) => {
            let key = value
                .to_str()
                .map_err(|_| ApiError::bad_request("Idempotency-Key must be visible ASCII"))?
                .trim()
                .to_string();
            if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY {
                return Err(ApiError::bad_request(format!(
                    "Idempotency-Key must have 1 to {MAX_IDEMPOTENCY_KEY} characters"
                )));
            }
            Some(key)
        }
        None => None,
    };
    let mut request: JobRequest = serde_json::from_slice(&body).map_err(|e| {
        invalid_job(vec![(
            Refusal::Invalid,
            FieldError::new(field_of(&e.to_string()), e.to_string()),
        )])
    })?;
    request.dataset_sha256 = request.dataset_sha256.to_ascii_lowercase();
    request.validation_dataset_sha256 = request.validation_dataset_sha256.map(|s| s.to_ascii_lowercase());
    let request_sha256 = hex::encode(Sha256::digest(&body));

    if let Some(key) = idempotency_key.clone() {
        let existing = state
            .db
            .read(move |conn| {
                Ok(conn
                    .query_row("SELECT id FROM jobs WHERE idempotency_key = ?1", [&key], |r| {
                        r.get::<_, String>(0)
                    })
                    .ok())
            })
            .await?;
        if let Some(id) = existing {
            let job = state
                .db
                .read(move |conn| db::jobs::get(conn, &id))
                .await?
                .ok_or_else(|| ApiError::not_found("job"))?;
            return replay(job, &request_sha256);
        }
    }

    let runtime = if request.hyperparameters.qlora {
        state.runtime().await
    } else {
        RuntimeView::default()
    };
    let fields = validate(&state, &request, runtime);
    if !fields.is_empty() {
        return Err(invalid_job(fields));
    }
    let new = NewJob {
        id: uuid::Uuid::now_v7().to_string(),
        idempotency_key,
        request_sha256: request_sha256.clone(),
        price_per_gpu_hour: state.config.price(&request.gpu.gpu_type, request.spot),
        request,
    };
    let inserted = state.db.write(move |conn| db::jobs::insert(conn, &new)).await?;
    match inserted {
        Inserted::Created(job) => {
            state.scheduler.notify_one();
            let location = format!("/v1/jobs/{}", job.id);
            Ok((
                StatusCode::CREATED,
                [(header::LOCATION, location)],
                Json(job.view(chrono::Utc::now())),
            )
                .into_response())
        }
        // Two requests with the same key raced; the other one won.
        Inserted::Existing(job) => replay(*job, &request_sha256),
    }
}

/// A body that could not be read (too large, or the client went away), as a JSON error.
fn body_error(rejection: BytesRejection) -> ApiError {
    ApiError::new(rejection.status(), "invalid_body", rejection.body_text())
}

fn replay(job: db::jobs::JobRecord, request_sha256: &str) -> Result<Response, ApiError> {
    if job.request_sha256 != request_sha256 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request",
        )
        .hint("use a new key for a new job"));
    }
    Ok((StatusCode::OK, Json(job.view(chrono::Utc::now()))).into_response())
}

/// serde's messages name the field in backquotes (`missing field `name``); point the error at it.
fn field_of(message: &str) -> String {
    message
        .split('`')
        .nth(1)
        .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or("body")
        .to_string()
}

/// Filter of `GET /v1/jobs`.
#[derive(Deserialize)]
pub struct ListQuery {
    /// Only jobs with this status.
    pub status: Option<JobStatus>,
}

/// Every job, newest first.
// Query parameters spelled out: the handler takes `Result<Query<_>, _>` (for its own 400), which utoipa's axum
// inference does not see through, and it would then declare them as path parameters.
#[utoipa::path(get, path = "/v1/jobs", tag = "jobs",
    params(("status" = Option<JobStatus>, Query, nullable = false, description = "Only jobs with this status.")),
    responses((status = 200, body = JobList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_jobs(
    State(state): State<Arc<AppState>>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<JobList>, ApiError> {
    let Query(query) = query.map_err(|_| {
        ApiError::bad_request(
            "status must be one of queued, initializing, running, completed, failed, cancelled",
        )
    })?;
    let records = state
        .db
        .read(move |conn| db::jobs::list(conn, query.status))
        .await?;
    let now = chrono::Utc::now();
    Ok(Json(JobList {
        jobs: records.iter().map(|r| r.view(now)).collect(),
    }))
}

/// A job's state, progress, cost and configuration.
#[utoipa::path(get, path = "/v1/jobs/{id}", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, body = JobView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_job(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = state
        .db
        .read(move |conn| db::jobs::get(conn, &id))
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    Ok(Json(job.view(chrono::Utc::now())))
}

/// Cancels a job. A queued job is cancelled at once (200); a running trainer gets SIGTERM, saves a checkpoint
/// and stops, or is killed after the grace period (202; the status becomes `cancelled` when it has stopped).
#[utoipa::path(post, path = "/v1/jobs/{id}/cancel", tag = "jobs", params(("id" = String, Path)),
    request_body(content = Option<CancelRequest>, description = "Optional reason"),
    responses(
        (status = 200, body = JobView, description = "Cancelled"),
        (status = 202, body = JobView, description = "Stopping"),
        (status = 400, body = ErrorBody, description = "The body is not `{\"reason\": \"...\"}`"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The job already ended")))]
pub async fn cancel_job(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_error)?;
    // No body, or `null` (the document's optional body), means no reason.
    let request: CancelRequest = if body.iter().all(u8::is_ascii_whitespace) || body.trim_ascii() == b"null" {
        CancelRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("the body must be {{\"reason\": \"...\"}}: {e}")))?
    };
    let reason = request.reason.map(|r| r.chars().take(500).collect::<String>());
    let job_id = id.clone();
    let cancel_reason = reason.clone();
    let job = state
        .db
        .write(move |conn| {
            let Some(job) = db::jobs::get(conn, &job_id)? else {
                return Ok(None);
            };
            if job.status == JobStatus::Queued
                && db::jobs::cancel_queued(conn, &job_id, cancel_reason.as_deref())?
            {
                return db::jobs::get(conn, &job_id);
            }
            if job.status.is_active() {
                db::jobs::set_cancel_reason(conn, &job_id, cancel_reason.as_deref())?;
            }
            db::jobs::get(conn, &job_id)
        })
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    let now = chrono::Utc::now();
    match job.status {
        JobStatus::Cancelled if !lock(&state.running).contains_key(&id) => {
            Ok((StatusCode::OK, Json(job.view(now))).into_response())
        }
        status if status.is_active() || status == JobStatus::Cancelled => {
            if let Some(stop) = lock(&state.running).get(&id) {
                let _ = stop.send(Some(StopRequest::Cancel));
            }
            Ok((StatusCode::ACCEPTED, Json(job.view(now))).into_response())
        }
        status => Err(ApiError::new(
            StatusCode::CONFLICT,
            "job_finished",
            format!("the job already ended ({})", status.as_str()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::field_of;

    #[test]
    fn names_the_field_serde_complains_about() {
        assert_eq!(field_of("missing field `name` at line 1 column 2"), "name");
        assert_eq!(field_of("invalid type: string \"x\", expected u32"), "body");
    }
}
