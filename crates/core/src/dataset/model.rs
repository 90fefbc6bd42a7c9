//! The one internal shape every format is normalised into: messages ending with the assistant's
//! target, with the tool calls, tool results, tools and reasoning that tool-use data carries.

use serde::{Deserialize, Serialize};

/// Who speaks a message, after normalisation (ShareGPT's `human`/`gpt` become `user`/`assistant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions that frame the conversation.
    System,
    /// The human side.
    User,
    /// The model side: the text (and tool calls) the adapter learns to produce.
    Assistant,
    /// A tool's result, answering one of the assistant's calls (context, never a target).
    Tool,
}

impl Role {
    /// The lowercase name used in files (`"system"`, `"user"`, `"assistant"`, `"tool"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// One function call made by the assistant.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ToolCall {
    /// The call's id; the tool result that answers it carries the same `tool_call_id`. Formats
    /// without ids (ShareGPT) get `call_<n>`, numbered in the example.
    pub id: String,
    /// The function called.
    pub name: String,
    /// The arguments: the text of a JSON object (as in the file when it was a string).
    pub arguments: String,
}

/// One normalised message.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What is said, as in the file; empty for an assistant message that only calls tools.
    pub content: String,
    /// The assistant's reasoning before its answer (`reasoning_content` or `thinking` in the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// The assistant's function calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For a tool result: the id of the call it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// For a tool result: the function that produced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Some(0)` for an assistant message that is context, not a target (OpenAI's `weight: 0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u8>,
}

impl Message {
    /// A plain text message.
    pub fn text(role: Role, content: impl Into<String>) -> Self {
        Message {
            role,
            content: content.into(),
            reasoning: None,
            tool_calls: Vec::new(),
            tool_call_id: None,
            name: None,
            weight: None,
        }
    }
}

/// One training example as the trainer will see it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Example {
    /// 1-based line where the record starts in the source file.
    pub line: u64,
    /// The conversation it belongs to, where the format names one.
    pub conversation_id: Option<String>,
    /// The messages; the last one is the assistant's target.
    pub messages: Vec<Message>,
    /// The functions the assistant may call, in OpenAI's shape
    /// (`{"type": "function", "function": {name, description, parameters}}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<serde_json::Value>,
}
