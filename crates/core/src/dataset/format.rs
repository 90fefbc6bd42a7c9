//! The dataset formats BrightRun reads, and their stable identifiers.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A dataset file format. The identifiers (`as_str`, serde, `FromStr`) are stable: the CLI, the
/// app and the database all use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetFormat {
    /// BrightHub's training file, v4: JSONL with a `_meta` first line, or the JSON document.
    BrightrunLoraV4,
    /// `{conversation_id, turns: [{role, content}]}` per line (the original upload validator's format).
    BrightrunTurns,
    /// OpenAI chat: `{messages: [{role, content}]}`. This is also what conversion writes.
    OpenaiMessages,
    /// ShareGPT: `{conversations: [{from, value}]}` with `from` ∈ human/gpt/system/….
    Sharegpt,
    /// Alpaca: `{instruction, input, output}`.
    Alpaca,
    /// `{prompt, completion}`.
    PromptCompletion,
}

impl DatasetFormat {
    /// Every format, in the order detection tries them.
    pub const ALL: [DatasetFormat; 6] = [
        DatasetFormat::BrightrunLoraV4,
        DatasetFormat::BrightrunTurns,
        DatasetFormat::OpenaiMessages,
        DatasetFormat::Sharegpt,
        DatasetFormat::Alpaca,
        DatasetFormat::PromptCompletion,
    ];

    /// The stable identifier, e.g. `"openai_messages"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DatasetFormat::BrightrunLoraV4 => "brightrun_lora_v4",
            DatasetFormat::BrightrunTurns => "brightrun_turns",
            DatasetFormat::OpenaiMessages => "openai_messages",
            DatasetFormat::Sharegpt => "sharegpt",
            DatasetFormat::Alpaca => "alpaca",
            DatasetFormat::PromptCompletion => "prompt_completion",
        }
    }
}

impl fmt::Display for DatasetFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no dataset format; its message lists the valid identifiers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown dataset format `{given}`; valid formats: {}", valid_ids())]
pub struct UnknownFormat {
    /// What was given.
    pub given: String,
}

fn valid_ids() -> String {
    DatasetFormat::ALL
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for DatasetFormat {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        DatasetFormat::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownFormat { given: s.to_string() })
    }
}
