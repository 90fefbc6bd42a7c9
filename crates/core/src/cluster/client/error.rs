//! Errors of the Cluster API client. None of them ever carries the API key: requests are described by
//! method and path, and reqwest's own errors are reduced to their kind and URL (the key travels only in a
//! header, which reqwest never prints).

/// What can go wrong talking to a cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The base URL is not an http(s) URL.
    #[error("{url:?} is not a cluster URL: {detail} (expected e.g. http://10.0.0.5:8420)")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A plain `http://` URL to a host other than this computer: the API key would cross the network in clear.
    #[error("{url} is plain http to another computer, so the API key would cross the network unencrypted; use https:// (see docs/agent.md, \"Serving over TLS\"), or accept the risk explicitly with --allow-insecure")]
    InsecureUrl {
        /// The URL as given (credentials and query redacted).
        url: String,
    },
    /// Nothing answered: connection refused, DNS, TLS, or a timeout.
    #[error("cluster at {url} is unreachable: {detail}")]
    Unreachable {
        /// The cluster's base URL.
        url: String,
        /// What failed (connect, timeout, ...).
        detail: String,
    },
    /// The server refused the API key (401 or 403).
    #[error("cluster at {url} refused the API key: {message}{}", hint_suffix(.hint))]
    Unauthorized {
        /// The cluster's base URL.
        url: String,
        /// The server's message.
        message: String,
        /// The server's hint, if any.
        hint: Option<String>,
    },
    /// The server answered with an error status and (usually) its JSON error `{code, message, hint}`.
    #[error("{0}")]
    Api(Box<ApiFailure>),
    /// The server answered something that is not the Cluster API's response.
    #[error("{method} {path}: unexpected response: {detail}")]
    BadResponse {
        /// The request's method.
        method: String,
        /// The request's path.
        path: String,
        /// What was wrong with it.
        detail: String,
    },
    /// A local file could not be read or written.
    #[error("{context} {path}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A downloaded file's SHA-256 differs from the one the cluster announced; the file was removed.
    #[error("downloaded {name} is corrupt: SHA-256 {actual}, expected {expected}; download it again")]
    ChecksumMismatch {
        /// The artifact's name.
        name: String,
        /// The announced hash.
        expected: String,
        /// The hash of what arrived.
        actual: String,
    },
}

/// An error answer of the Cluster API (boxed in [`ClientError::Api`]: it is large and rare).
#[derive(Debug, thiserror::Error)]
#[error("{method} {path} failed with HTTP {status} ({code}): {message}{}", hint_suffix(.hint))]
pub struct ApiFailure {
    /// The request's method.
    pub method: String,
    /// The request's path, e.g. `/v1/jobs`.
    pub path: String,
    /// The HTTP status.
    pub status: u16,
    /// The server's stable error code (`not_found`, `invalid_job`, ...), or `http_<status>`.
    pub code: String,
    /// The server's message.
    pub message: String,
    /// The server's hint, if any.
    pub hint: Option<String>,
    /// Per-field errors of a rejected request, if the server sent any.
    pub fields: Vec<crate::training::FieldError>,
}

impl ClientError {
    /// The HTTP status of an error answer of the server.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api(failure) => Some(failure.status),
            ClientError::Unauthorized { .. } => Some(401),
            _ => None,
        }
    }

    /// True when the cluster could not be reached at all (as opposed to answering with an error).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ClientError::Unreachable { .. })
    }

    /// The server's error code, when it answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api(failure) => Some(&failure.code),
            ClientError::Unauthorized { .. } => Some("unauthorized"),
            _ => None,
        }
    }
}

fn hint_suffix(hint: &Option<String>) -> String {
    match hint {
        Some(hint) => format!(" (hint: {hint})"),
        None => String::new(),
    }
}

/// Describes a reqwest failure without its URL's query or anything from headers.
pub(crate) fn describe_transport(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "the connection broke while reading the response"
    } else if err.is_request() {
        "the request could not be sent"
    } else {
        "transport error"
    };
    // The innermost source says why (refused, reset, DNS); reqwest's own Display adds the URL, which
    // we already report separately.
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(err);
    let mut innermost = None;
    while let Some(s) = source {
        innermost = Some(s.to_string());
        source = s.source();
    }
    match innermost {
        Some(why) => format!("{kind}: {why}"),
        None => kind.to_string(),
    }
}
