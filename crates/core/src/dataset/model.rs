//! The one internal shape every format is normalised into: role/content messages ending with the
//! assistant's target.

use serde::{Deserialize, Serialize};

/// Who speaks a message, after normalisation (ShareGPT's `human`/`gpt` become `user`/`assistant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions that frame the conversation.
    System,
    /// The human side.
    User,
    /// The model side: the text the adapter learns to produce.
    Assistant,
}

impl Role {
    /// The lowercase name used in files (`"system"`, `"user"`, `"assistant"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One normalised message.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What is said, as in the file.
    pub content: String,
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
}
