//! Health, capabilities and the OpenAPI document.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;

use crate::api::{Capabilities, Health, Limits, PriceView};
use crate::error::ErrorBody;
use crate::state::{lock, AppState};

/// Version of this agent, as reported by health and capabilities.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Liveness; the only endpoint that needs no key.
#[utoipa::path(get, path = "/v1/health", tag = "system", security(()),
    responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: VERSION.into(),
    })
}

/// What this agent offers: GPUs, prices, base models and limits.
#[utoipa::path(get, path = "/v1/capabilities", tag = "system",
    responses((status = 200, body = Capabilities), (status = 401, body = ErrorBody)))]
pub async fn capabilities(State(state): State<Arc<AppState>>) -> Json<Capabilities> {
    let gpus = lock(&state.allocator).groups();
    let prices = gpus
        .iter()
        .map(|g| PriceView {
            gpu_type: g.gpu_type.clone(),
            on_demand: state.config.price(&g.gpu_type, false),
            spot: state.config.price(&g.gpu_type, true),
        })
        .collect();
    Json(Capabilities {
        agent_version: VERSION.into(),
        gpus,
        prices,
        base_models: crate::models::offered(&state),
        limits: Limits {
            max_dataset_bytes: state.config.max_dataset_bytes,
            max_concurrent_jobs: state.max_concurrent_jobs,
        },
        runtime: state.runtime().await,
    })
}

/// This API's OpenAPI 3 description (the same as docs/openapi.json).
#[utoipa::path(get, path = "/v1/openapi.json", tag = "system",
    responses((status = 200, description = "OpenAPI document", content_type = "application/json"),
        (status = 401, body = ErrorBody)))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::openapi::document())
}
