//! Errors: `AgentError` inside the agent, `ApiError` on the wire as `{"error":{"code","message","hint"?,"fields"?}}`.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use brightrun_api::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

/// What can go wrong inside the agent (storage, processes, configuration).
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Store(#[from] brightrun_sqlite::SqliteError),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("invalid configuration in {path}: {message}")]
    Config { path: String, message: String },
    #[error("another brightrun-agent is already serving the data folder {0}")]
    AlreadyRunning(String),
    #[error("a background task failed: {0}")]
    Task(String),
    #[error("{0}")]
    Other(String),
}

impl AgentError {
    /// An I/O error with what the agent was doing when it happened.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// A machine-readable code, a message for people, and where useful a hint and per-field errors.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code a client can branch on (`unauthorized`, `invalid_job`, `not_found`, ...).
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<FieldErrorDoc>>)]
    pub fields: Option<Vec<FieldError>>,
}

/// One setting that is out of range.
#[derive(Serialize, ToSchema)]
#[schema(as = FieldError)]
pub struct FieldErrorDoc {
    /// Dotted field name, e.g. `hyperparameters.lora_rank`.
    pub field: String,
    pub message: String,
}

/// An error answered to an API client (boxed: handlers return it in every `Result`).
#[derive(Debug)]
pub struct ApiError(Box<ApiErrorParts>);

#[derive(Debug)]
pub struct ApiErrorParts {
    pub status: StatusCode,
    pub detail: ErrorDetail,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self(Box::new(ApiErrorParts {
            status,
            detail: ErrorDetail {
                code: code.to_string(),
                message: message.into(),
                hint: None,
                fields: None,
            },
            headers: Vec::new(),
        }))
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.0.detail.hint = Some(hint.into());
        self
    }

    pub fn fields(mut self, fields: Vec<FieldError>) -> Self {
        self.0.detail.fields = Some(fields);
        self
    }

    pub fn header(mut self, name: &'static str, value: impl ToString) -> Self {
        if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
            self.0.headers.push((HeaderName::from_static(name), value));
        }
        self
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API key is required",
        )
        .hint("send `Authorization: Bearer <key>`; create a key with `brightrun-agent keys create`")
    }
}

impl From<AgentError> for ApiError {
    fn from(err: AgentError) -> Self {
        // The details go to the agent's log; the client gets a stable message without paths or internals.
        tracing::error!("internal error: {err}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the agent hit an internal error",
        )
        .hint("see the agent's log for details")
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        AgentError::from(err).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let parts = *self.0;
        let mut response = (parts.status, axum::Json(ErrorBody { error: parts.detail })).into_response();
        for (name, value) in parts.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
