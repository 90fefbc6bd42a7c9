//! Bearer-key authentication for every endpoint but `/v1/health`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::db::keys;
use crate::error::ApiError;
use crate::state::{lock, AppState};

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
    // A key missing from the cached list may have just been created by `keys create` (another process):
    // read the database again before refusing, so a new key works at once; only revocation waits for the cache.
    for fresh in [false, true] {
        let active = match active_keys(&state, fresh).await {
            Ok(active) => active,
            Err(err) => return ApiError::from(err).into_response(),
        };
        if keys::matches(&active, &presented) {
            return next.run(request).await;
        }
    }
    unauthorized()
}

/// How long the active keys are trusted from memory; `keys revoke` (another process) takes effect within it.
pub const KEY_CACHE: Duration = Duration::from_secs(1);

/// The active key hashes, read from the database at most once per `KEY_CACHE` unless `fresh` (a poll loop of
/// 100 clients would otherwise pay a database round trip on every request).
async fn active_keys(
    state: &Arc<AppState>,
    fresh: bool,
) -> Result<Arc<Vec<[u8; 32]>>, crate::error::AgentError> {
    if !fresh {
        if let Some((read_at, active)) = lock(&state.key_cache).as_ref() {
            if read_at.elapsed() < KEY_CACHE {
                return Ok(Arc::clone(active));
            }
        }
    }
    let active = Arc::new(state.db.read(keys::active_hashes).await?);
    *lock(&state.key_cache) = Some((Instant::now(), Arc::clone(&active)));
    Ok(active)
}

fn unauthorized() -> Response {
    ApiError::unauthorized()
        .header("www-authenticate", "Bearer")
        .into_response()
}
