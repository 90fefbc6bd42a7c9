//! Bearer-key authentication for every endpoint but `/v1/health`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::db::keys;
use crate::error::ApiError;
use crate::state::AppState;

/// Lets the request through only with `Authorization: Bearer <an active key>`.
pub async fn require_key(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|k| k.trim().to_string());
    let Some(presented) = presented.filter(|k| !k.is_empty()) else {
        return unauthorized();
    };
    match state.db.read(move |conn| keys::is_valid(conn, &presented)).await {
        Ok(true) => next.run(request).await,
        Ok(false) => unauthorized(),
        Err(err) => ApiError::from(err).into_response(),
    }
}

fn unauthorized() -> Response {
    ApiError::unauthorized()
        .header("www-authenticate", "Bearer")
        .into_response()
}
