//! The Cluster API v1 router.

pub mod artifacts;
pub mod chat;
pub mod datasets;
pub mod jobs;
pub mod merge;
pub mod progress;
pub mod system;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::auth::require_key;
use crate::error::ApiError;
use crate::state::AppState;

/// Every route; all but `/v1/health` need a key.
pub fn router(state: Arc<AppState>) -> Router {
    let protected = Router::new()
        .route("/v1/capabilities", get(system::capabilities))
        .route("/v1/openapi.json", get(system::openapi))
        .route(
            "/v1/datasets/{sha256}",
            axum::routing::head(datasets::head_dataset)
                .put(datasets::put_dataset)
                // Uploads stream to disk with their own size limit.
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/v1/jobs", post(jobs::create_job).get(jobs::list_jobs))
        .route("/v1/jobs/{id}", get(jobs::get_job))
        .route("/v1/jobs/{id}/cancel", post(jobs::cancel_job))
        .route("/v1/jobs/{id}/metrics", get(progress::metrics))
        .route("/v1/jobs/{id}/logs", get(progress::logs))
        .route("/v1/jobs/{id}/checkpoints", get(progress::checkpoints))
        .route("/v1/jobs/{id}/artifacts", get(artifacts::list))
        .route("/v1/jobs/{id}/artifacts/{*name}", get(artifacts::download))
        .route("/v1/jobs/{id}/merge", post(merge::start).get(merge::status))
        .route("/v1/jobs/{id}/merge/files/{name}", get(merge::download))
        // Streaming: exempt from any whole-request timeout (see routes/chat.rs).
        .route(chat::CHAT_COMPLETIONS_PATH, post(chat::chat_completions))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&state), require_key));
    Router::new()
        .route("/v1/health", get(system::health))
        .merge(protected)
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method (see GET /v1/openapi.json)",
            )
        })
        .layer(middleware::from_fn_with_state(Arc::clone(&state), note_request))
        .with_state(state)
}

/// Remembers when the last request came, so an idle local agent knows when it may exit.
async fn note_request(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    *crate::state::lock(&state.last_request) = std::time::Instant::now();
    next.run(request).await
}
