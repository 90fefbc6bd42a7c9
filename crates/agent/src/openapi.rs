//! The OpenAPI document, generated from the handlers and types; docs/openapi.json is this, written out.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;
use crate::error;
use crate::routes::{artifacts, chat, datasets, jobs, merge, models, progress, system};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "BrightRun Cluster API",
        version = "1",
        description = "Served by brightrun-agent on a GPU machine. Every endpoint but /v1/health needs \
            `Authorization: Bearer <key>`. Errors are `{\"error\":{\"code\",\"message\",\"hint\"?,\"fields\"?}}`."
    ),
    paths(
        system::health, system::capabilities, system::openapi, models::tokenizer,
        datasets::head_dataset, datasets::put_dataset,
        jobs::create_job, jobs::list_jobs, jobs::get_job, jobs::cancel_job,
        progress::metrics, progress::logs, progress::checkpoints,
        artifacts::list, artifacts::download,
        merge::start, merge::status, merge::download,
        chat::chat_completions,
    ),
    components(schemas(
        api::Health, api::Capabilities, api::GpuGroup, api::PriceView, api::BaseModelView, api::Limits, api::RuntimeView,
        api::DatasetUpload, api::JobRequest, api::GpuRequest, api::HyperparametersDoc, api::JobView,
        api::JobStatus, brightrun_api::Checkpointing, brightrun_api::Packing, api::JobError, api::JobList, api::MetricsPoint, api::MetricsPage, api::LogPage,
        api::CancelRequest, api::CheckpointView, api::CheckpointList, api::ArtifactView, api::ArtifactList,
        merge::MergeView, chat::ChatCompletionRequest, chat::ChatMessage, chat::StreamOptions,
        chat::ChatCompletion, chat::ChatChoice, chat::ChatUsage, chat::ChatCompletionChunk, chat::ChatChunkChoice,
        chat::ChatDelta,
        error::ErrorBody, error::ErrorDetail, error::FieldErrorDoc,
    )),
    modifiers(&BearerKey),
    security(("bearer" = [])),
    tags(
        (name = "system", description = "Health, capabilities, this document"),
        (name = "datasets", description = "Content-addressed, resumable dataset uploads"),
        (name = "jobs", description = "Submit, follow and cancel training jobs"),
        (name = "progress", description = "Incremental metrics, logs and checkpoints"),
        (name = "artifacts", description = "The trained adapter's files, and the adapter merged into its base model"),
        (name = "chat", description = "OpenAI-compatible chat completions with a base model or a trained adapter"),
    )
)]
struct ApiDoc;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The Cluster API v1 description.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as committed in docs/openapi.json (pretty, with a final newline).
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
