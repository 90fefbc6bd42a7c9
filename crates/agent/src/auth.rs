//! Bearer-key authentication for every endpoint but `/v1/health`.
//!
//! A wrong key must not cost a database read each time (a flood of them would starve the agent): active key
//! hashes are cached for `KEY_CACHE`, a key just refused is refused again from memory for `KEY_CACHE`, and a
//! cache miss refreshes from the database once for every request waiting on it (single flight).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::db::keys;
use crate::error::ApiError;
use crate::state::AppState;

/// How long the active keys are trusted from memory; `keys revoke` (another process) takes effect within it.
/// A refused key is remembered as long.
pub const KEY_CACHE: Duration = Duration::from_secs(1);

/// Refused keys remembered at most; past it the memory starts over (a flood of distinct keys then costs one
/// database read per waiting batch of requests, never more).
const MAX_REFUSED: usize = 4096;

/// What `require_key` remembers between requests.
#[derive(Default)]
pub struct KeyCache {
    /// The active key hashes and when the read that produced them started.
    active: Option<(Instant, Arc<Vec<[u8; 32]>>)>,
    /// Hashes of keys refused lately, and when.
    refused: HashMap<[u8; 32], Instant>,
}

/// Lets the request through only with `Authorization: Bearer <an active key>`.
pub async fn require_key(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let arrived = Instant::now();
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|k| k.trim().to_string());
    let Some(presented) = presented.filter(|k| !k.is_empty()) else {
        return unauthorized();
    };
    match check(&state, &keys::hash(&presented), arrived).await {
        Ok(true) => next.run(request).await,
        Ok(false) => unauthorized(),
        Err(err) => ApiError::from(err).into_response(),
    }
}

async fn check(
    state: &Arc<AppState>,
    presented: &[u8; 32],
    arrived: Instant,
) -> Result<bool, crate::error::AgentError> {
    let mut cache = state.key_cache.lock().await;
    if let Some((read_at, active)) = &cache.active {
        if read_at.elapsed() < KEY_CACHE && keys::matches_hash(active, presented) {
            return Ok(true);
        }
    }
    if cache
        .refused
        .get(presented)
        .is_some_and(|at| at.elapsed() < KEY_CACHE)
    {
        return Ok(false);
    }
    // A key missing from the cache may have just been created by `keys create` (another process): read the
    // database again before refusing, so a new key works at once. A read that started after this request
    // arrived already covers it, so requests that queued behind one read share it.
    let covered = cache
        .active
        .as_ref()
        .is_some_and(|(read_at, _)| *read_at >= arrived);
    if !covered {
        let started = Instant::now();
        let active = Arc::new(state.db.read(keys::active_hashes).await?);
        cache.active = Some((started, active));
    }
    let active = cache
        .active
        .as_ref()
        .map(|(_, a)| Arc::clone(a))
        .unwrap_or_default();
    if keys::matches_hash(&active, presented) {
        cache.refused.remove(presented);
        return Ok(true);
    }
    if cache.refused.len() >= MAX_REFUSED {
        cache.refused.retain(|_, at| at.elapsed() < KEY_CACHE);
        if cache.refused.len() >= MAX_REFUSED {
            cache.refused.clear();
        }
    }
    cache.refused.insert(*presented, Instant::now());
    Ok(false)
}

fn unauthorized() -> Response {
    ApiError::unauthorized()
        .header("www-authenticate", "Bearer")
        .into_response()
}
