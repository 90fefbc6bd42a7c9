//! `POST /v1/chat/completions` with `stream: true`: the answer's text arrives as server-sent events and is
//! handed to the caller piece by piece (the playground and `brightrun models chat` show it as it comes).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{Call, ClientError, ClusterClient};

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// Its text.
    pub content: String,
}

/// What to ask the cluster to generate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChatRequest {
    /// A base model the cluster offers, or the cluster's id of a completed job (its adapter).
    pub model: String,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// Most tokens to generate.
    pub max_tokens: u32,
    /// Sampling temperature (0: greedy).
    pub temperature: f64,
    /// Nucleus sampling.
    pub top_p: f64,
    /// The same seed gives the same answer.
    pub seed: Option<u64>,
}

/// A whole streamed answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatAnswer {
    /// The text.
    pub text: String,
    /// Tokens generated.
    pub tokens: u64,
    /// `stop` or `length`.
    pub finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    error: Option<StreamError>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Delta,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Default, Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    completion_tokens: u64,
}

#[derive(Deserialize)]
struct StreamError {
    code: String,
    message: String,
}

impl ClusterClient {
    /// Streams an answer; `on_text` sees each new piece of text as it is generated.
    pub async fn chat_stream(
        &self,
        request: &ChatRequest,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<ChatAnswer, ClientError> {
        let call = Call::new(Method::POST, self.url(&["chat", "completions"])?);
        let mut body = serde_json::to_value(request).map_err(|e| call.bad_response(e.to_string()))?;
        body["stream"] = serde_json::json!(true);
        body["stream_options"] = serde_json::json!({"include_usage": true});
        // No total timeout: generation may wait for training to free the GPU. The agent's keep-alive comments
        // keep the per-read timeout from firing meanwhile.
        let builder = self.request(&call).json(&body);
        let mut response = self.send(&call, builder).await?;
        let mut answer = ChatAnswer::default();
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let chunk = response.chunk().await.map_err(|err| self.unreachable(&err))?;
            let Some(chunk) = chunk else {
                return Err(call.bad_response("the stream ended before `data: [DONE]`"));
            };
            pending.extend_from_slice(&chunk);
            while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line);
                let Some(data) = line.trim_end().strip_prefix("data:") else {
                    continue; // comments (keep-alive, queued), event names, blank separators
                };
                let data = data.trim_start();
                if data == "[DONE]" {
                    return Ok(answer);
                }
                let chunk: Chunk = serde_json::from_str(data)
                    .map_err(|e| call.bad_response(format!("not a chat chunk ({e}): {data}")))?;
                if let Some(error) = chunk.error {
                    return Err(ClientError::Api(Box::new(super::ApiFailure {
                        method: call.method.to_string(),
                        path: call.url.path().to_string(),
                        status: 500,
                        code: error.code,
                        message: error.message,
                        hint: None,
                        fields: Vec::new(),
                    })));
                }
                for choice in chunk.choices {
                    if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
                        on_text(&text);
                        answer.text.push_str(&text);
                    }
                    if choice.finish_reason.is_some() {
                        answer.finish_reason = choice.finish_reason;
                    }
                }
                if let Some(usage) = chunk.usage {
                    answer.tokens = usage.completion_tokens;
                }
            }
        }
    }
}
