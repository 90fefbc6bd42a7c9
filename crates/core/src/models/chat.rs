//! Trying a trained model against its base model: the same prompt, the same seed, two answers streamed from the
//! cluster that trained it (`POST /v1/chat/completions`, once with the base model, once with the adapter).

use serde::Serialize;

use crate::cluster::client::{ChatAnswer, ChatMessage, ChatRequest, ClientError};
use crate::cluster::ClusterClient;
use crate::store::model_artifacts::ModelArtifact;

/// Which answer a piece of text belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The base model alone.
    Base,
    /// The base model with the trained adapter.
    Adapter,
}

/// How to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatOptions {
    /// Optional system prompt.
    pub system: Option<String>,
    /// Most tokens per answer.
    pub max_new_tokens: u32,
    /// Sampling temperature (0: greedy).
    pub temperature: f64,
    /// Nucleus sampling.
    pub top_p: f64,
    /// The same seed gives the same answers.
    pub seed: Option<u64>,
}

/// Both answers (`--json` contract: `base` and `adapter`, each `text` and `tokens`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SideBySide {
    /// The base model's answer.
    pub base: ChatAnswer,
    /// The adapter's answer.
    pub adapter: ChatAnswer,
}

/// The cluster's name of a model's adapter: the id of the job that trained it there.
pub fn adapter_model_id(model: &ModelArtifact) -> Option<String> {
    model.config["remote_job_id"].as_str().map(str::to_string)
}

/// Asks the base model, then the adapter, the same `prompt`; `on_text` sees each piece as it comes.
pub async fn side_by_side(
    client: &ClusterClient,
    model: &ModelArtifact,
    prompt: &str,
    options: &ChatOptions,
    on_text: &mut (dyn FnMut(Side, &str) + Send),
) -> Result<SideBySide, ClientError> {
    let Some(adapter) = adapter_model_id(model) else {
        return Err(ClientError::BadResponse {
            method: "POST".into(),
            path: "/v1/chat/completions".into(),
            detail: format!("model {} does not record its job's id on the cluster", model.id),
        });
    };
    let mut messages = Vec::new();
    if let Some(system) = options.system.as_ref().filter(|s| !s.is_empty()) {
        messages.push(ChatMessage {
            role: "system".into(),
            content: system.clone(),
        });
    }
    messages.push(ChatMessage {
        role: "user".into(),
        content: prompt.to_string(),
    });
    let request = |model: String| ChatRequest {
        model,
        messages: messages.clone(),
        max_tokens: options.max_new_tokens,
        temperature: options.temperature,
        top_p: options.top_p,
        seed: options.seed,
    };
    let base = client
        .chat_stream(&request(model.base_model.clone()), &mut |t| {
            on_text(Side::Base, t)
        })
        .await?;
    let adapter = client
        .chat_stream(&request(adapter), &mut |t| on_text(Side::Adapter, t))
        .await?;
    Ok(SideBySide { base, adapter })
}
