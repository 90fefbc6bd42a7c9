//! `POST /v1/chat/completions`, OpenAI-compatible: `model` is a base model the agent offers or a trained
//! adapter (the job id); `stream: true` answers server-sent events (`data: {chunk}` … `data: [DONE]`).
//!
//! STREAMING ROUTE: a response can last as long as generation does (minutes on a CPU, longer while it waits
//! for training to free the GPU). It must stay exempt from any whole-request timeout layer.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::generator::{GenerationRequest, Piece, Turn};
use crate::jobs::files::{self, JobFiles};
use crate::state::AppState;

/// A body that is not a chat request, as a JSON error: 415 without `Content-Type: application/json`, else 400
/// (axum would answer 422 in plain text for a body of the wrong shape).
fn body_error(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_body",
            rejection.body_text(),
        )
        .hint("send the request with `Content-Type: application/json`"),
        JsonRejection::BytesRejection(_) => {
            ApiError::new(rejection.status(), "invalid_body", rejection.body_text())
        }
        _ => ApiError::bad_request(rejection.body_text()),
    }
}

/// The path of the streaming route (see the module comment about timeouts).
pub const CHAT_COMPLETIONS_PATH: &str = "/v1/chat/completions";

/// Longest answer one request may ask for.
pub const MAX_TOKENS_LIMIT: u32 = 4096;

/// One message of the conversation.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    #[schema(schema_with = roles)]
    pub role: String,
    pub content: String,
}

/// The roles `resolve` accepts, as the document's enum.
fn roles() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["system", "user", "assistant"]))
        .description(Some("`system`, `user` or `assistant`."))
        .build()
}

/// Options of a streamed answer.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct StreamOptions {
    /// Send a last chunk with `usage` (BrightRun always does).
    #[serde(default)]
    pub include_usage: bool,
}

/// An OpenAI chat completion request (the fields BrightRun honours; others are ignored).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatCompletionRequest {
    /// A base model from `GET /v1/capabilities`, or a completed job's id to use its adapter.
    pub model: String,
    /// The conversation, system prompt first if any; rendered with the base model's chat template.
    #[schema(min_items = 1)]
    pub messages: Vec<ChatMessage>,
    /// Answer as server-sent events.
    #[serde(default)]
    pub stream: bool,
    #[serde(default)]
    pub stream_options: Option<StreamOptions>,
    /// 0 answers greedily; 0 to 2, default 1.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2)]
    pub temperature: Option<f64>,
    /// Nucleus sampling; above 0 up to 1, default 1.
    #[serde(default)]
    #[schema(exclusive_minimum = 0, maximum = 1)]
    pub top_p: Option<f64>,
    /// Most tokens to generate (1–4096, default 256).
    #[serde(default, deserialize_with = "brightrun_api::whole::option_u32")]
    #[schema(minimum = 1, maximum = 4096)]
    pub max_tokens: Option<u32>,
    /// The same seed gives the same answer.
    #[serde(default, deserialize_with = "brightrun_api::whole::option_u64")]
    pub seed: Option<u64>,
}

/// The assistant's reply.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatChoice {
    pub index: u32,
    pub message: ChatMessage,
    /// `stop` (the model ended) or `length` (max_tokens reached).
    pub finish_reason: String,
}

/// Token counts.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

/// A whole answer (`stream: false`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatCompletion {
    pub id: String,
    /// `chat.completion`.
    pub object: String,
    pub created: i64,
    pub model: String,
    pub choices: Vec<ChatChoice>,
    pub usage: ChatUsage,
}

/// New text in a streamed answer.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatDelta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// One choice of a streamed chunk.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatChunkChoice {
    pub index: u32,
    pub delta: ChatDelta,
    pub finish_reason: Option<String>,
}

/// One server-sent event of a streamed answer (`chat.completion.chunk`); the last one carries `usage`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatCompletionChunk {
    pub id: String,
    pub object: String,
    pub created: i64,
    pub model: String,
    pub choices: Vec<ChatChunkChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<ChatUsage>,
}

/// Generates an answer with a base model or a trained adapter.
#[utoipa::path(post, path = "/v1/chat/completions", tag = "chat", request_body = ChatCompletionRequest,
    responses(
        (status = 200, body = ChatCompletion, description = "The answer; with `stream: true` a `text/event-stream` \
            of `data: {ChatCompletionChunk}` lines ending with `data: [DONE]`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such base model or job"),
        (status = 409, body = ErrorBody, description = "The job has no adapter (yet)"),
        (status = 415, body = ErrorBody, description = "The body is not sent as `application/json`"),
        (status = 503, body = ErrorBody, description = "The generation worker cannot start")))]
pub async fn chat_completions(
    State(state): State<Arc<AppState>>,
    request: Result<Json<ChatCompletionRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = request.map_err(body_error)?;
    let generation = resolve(&state, &request).await?;
    let (tx, mut rx) = mpsc::channel(64);
    let worker_state = Arc::clone(&state);
    tokio::spawn(async move {
        worker_state
            .generator
            .generate(&worker_state, generation, tx)
            .await;
    });
    let id = format!("chatcmpl-{}", uuid::Uuid::now_v7().simple());
    let created = chrono::Utc::now().timestamp();
    let model = request.model.clone();

    if !request.stream {
        let mut text = String::new();
        while let Some(piece) = rx.recv().await {
            match piece {
                Piece::Queued => {}
                Piece::Delta(delta) => text.push_str(&delta),
                Piece::Done {
                    prompt_tokens,
                    completion_tokens,
                    finish_reason,
                } => {
                    return Ok(Json(ChatCompletion {
                        id,
                        object: "chat.completion".into(),
                        created,
                        model,
                        choices: vec![ChatChoice {
                            index: 0,
                            message: ChatMessage {
                                role: "assistant".into(),
                                content: text,
                            },
                            finish_reason,
                        }],
                        usage: ChatUsage {
                            prompt_tokens,
                            completion_tokens,
                            total_tokens: prompt_tokens + completion_tokens,
                        },
                    })
                    .into_response());
                }
                Piece::Failed { kind, message } => return Err(failed(&kind, message)),
            }
        }
        return Err(failed("generator_exited", "the generation worker stopped".into()));
    }

    let chunk = move |delta: ChatDelta, finish_reason: Option<String>, usage: Option<ChatUsage>| {
        let body = ChatCompletionChunk {
            id: id.clone(),
            object: "chat.completion.chunk".into(),
            created,
            model: model.clone(),
            choices: if usage.is_some() && finish_reason.is_none() {
                Vec::new()
            } else {
                vec![ChatChunkChoice {
                    index: 0,
                    delta,
                    finish_reason,
                }]
            },
            usage,
        };
        Event::default().data(serde_json::to_string(&body).unwrap_or_default())
    };
    let (events, events_rx) = mpsc::channel::<Event>(64);
    tokio::spawn(async move {
        // A send fails only when the client has gone; the generation still runs to its end in its own task.
        let emit = |event: Event| {
            let events = events.clone();
            async move {
                let _ = events.send(event).await;
            }
        };
        let role = ChatDelta {
            role: Some("assistant".into()),
            content: Some(String::new()),
        };
        emit(chunk(role, None, None)).await;
        while let Some(piece) = rx.recv().await {
            match piece {
                // A comment line: keeps the connection open and tells a curious client why it waits.
                Piece::Queued => emit(Event::default().comment("queued behind training on the GPU")).await,
                Piece::Delta(delta) => {
                    let delta = ChatDelta {
                        role: None,
                        content: Some(delta),
                    };
                    emit(chunk(delta, None, None)).await
                }
                Piece::Done {
                    prompt_tokens,
                    completion_tokens,
                    finish_reason,
                } => {
                    let usage = ChatUsage {
                        prompt_tokens,
                        completion_tokens,
                        total_tokens: prompt_tokens + completion_tokens,
                    };
                    let empty = ChatDelta {
                        role: None,
                        content: None,
                    };
                    emit(chunk(empty, Some(finish_reason), Some(usage))).await;
                    break;
                }
                Piece::Failed { kind, message } => {
                    let body = serde_json::json!({"error": {"code": kind, "message": message}});
                    emit(Event::default().data(body.to_string())).await;
                    break;
                }
            }
        }
        emit(Event::default().data("[DONE]")).await;
    });
    let stream = futures_util::stream::unfold(events_rx, |mut rx| async move {
        rx.recv().await.map(|event| (Ok::<_, Infallible>(event), rx))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

fn failed(kind: &str, message: String) -> ApiError {
    let status = match kind {
        "generator_unavailable" | "generator_exited" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiError::new(status, kind, message)
}

/// What `model` names: a completed job's adapter over its base model, or an offered base model alone.
async fn resolve(
    state: &Arc<AppState>,
    request: &ChatCompletionRequest,
) -> Result<GenerationRequest, ApiError> {
    if request.messages.is_empty() {
        return Err(ApiError::bad_request("messages must hold at least one message"));
    }
    if let Some(bad) = request
        .messages
        .iter()
        .find(|m| !matches!(m.role.as_str(), "system" | "user" | "assistant"))
    {
        return Err(ApiError::bad_request(format!(
            "message role {:?} is not one of system, user, assistant",
            bad.role
        )));
    }
    let max_tokens = request.max_tokens.unwrap_or(256);
    if !(1..=MAX_TOKENS_LIMIT).contains(&max_tokens) {
        return Err(ApiError::bad_request(format!(
            "max_tokens must be 1 to {MAX_TOKENS_LIMIT}"
        )));
    }
    let temperature = request.temperature.unwrap_or(1.0);
    let top_p = request.top_p.unwrap_or(1.0);
    if !((0.0..=2.0).contains(&temperature) && top_p > 0.0 && top_p <= 1.0) {
        return Err(ApiError::bad_request(
            "temperature must be 0 to 2 and top_p above 0 up to 1",
        ));
    }
    let messages = request
        .messages
        .iter()
        .map(|m| Turn {
            role: m.role.clone(),
            content: m.content.clone(),
        })
        .collect();
    let job_id = request.model.clone();
    let job = state
        .db
        .read(move |conn| crate::db::jobs::get(conn, &job_id))
        .await?;
    let (base, adapter, adapter_name) = match job {
        Some(job) => {
            let adapter = JobFiles::new(&state.paths, &job.id).adapter();
            if !adapter.join("adapter_config.json").is_file() {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "adapter_not_ready",
                    format!(
                        "job {} has no adapter yet (it is {})",
                        job.id,
                        job.status.as_str()
                    ),
                )
                .hint("chat with a job's adapter once the job has completed"));
            }
            (job.base_model, Some(adapter), Some(job.id))
        }
        None if crate::models::offered(state)
            .iter()
            .any(|m| m.id == request.model) =>
        {
            (request.model.clone(), None, None)
        }
        None => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "model_not_found",
                format!(
                    "{:?} is neither a base model this agent offers nor one of its jobs",
                    request.model
                ),
            )
            .hint("see GET /v1/capabilities for the base models, GET /v1/jobs for the jobs"))
        }
    };
    Ok(GenerationRequest {
        base_model: files::resolve_base_model(&state.paths, &base),
        adapter,
        adapter_name,
        messages,
        max_tokens,
        temperature,
        top_p,
        seed: request.seed,
    })
}
