//! Token counting: exact with a Hugging Face `tokenizer.json`, otherwise an estimate.
//!
//! What is counted, either way: for each message, the tokens of its content plus
//! [`PER_MESSAGE_OVERHEAD`] for the chat template's role header and end-of-turn markers.
//! The estimate is `ceil(chars / 4)` per message content (the usual rule of thumb for English BPE).

use super::{DatasetError, TokenMethod};
use std::path::Path;
use tokenizers::Tokenizer;

/// Template tokens added per message (ChatML-like: `<|im_start|>`, role, newline, `<|im_end|>`).
pub const PER_MESSAGE_OVERHEAD: u64 = 4;

/// Counts tokens one message at a time; shared across the worker threads.
pub(crate) enum TokenCounter {
    Estimate,
    Exact(Box<Tokenizer>),
}

impl TokenCounter {
    /// Loads the tokenizer when a path is given.
    pub(crate) fn load(path: Option<&Path>) -> Result<Self, DatasetError> {
        let Some(path) = path else {
            return Ok(TokenCounter::Estimate);
        };
        if !path.exists() {
            return Err(DatasetError::Tokenizer {
                path: path.to_path_buf(),
                message: "file not found".into(),
            });
        }
        Tokenizer::from_file(path)
            .map(|t| TokenCounter::Exact(Box::new(t)))
            .map_err(|e| DatasetError::Tokenizer {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
    }

    /// Exact or estimate.
    pub(crate) fn method(&self) -> TokenMethod {
        match self {
            TokenCounter::Estimate => TokenMethod::Estimate,
            TokenCounter::Exact(_) => TokenMethod::Exact,
        }
    }

    /// Tokens of one message, template overhead included.
    pub(crate) fn message_tokens(&self, content: &str) -> u64 {
        let content_tokens = match self {
            TokenCounter::Estimate => estimate(content),
            // `encode_fast` skips offset tracking, which counting does not need. A text the
            // tokenizer refuses still has to count for something: fall back to the estimate.
            TokenCounter::Exact(t) => match t.encode_fast(content, false) {
                Ok(enc) => enc.len() as u64,
                Err(_) => estimate(content),
            },
        };
        content_tokens + PER_MESSAGE_OVERHEAD
    }
}

/// `ceil(chars / 4)`, counting Unicode scalar values (bytes that do not continue a UTF-8 sequence).
pub(crate) fn estimate(text: &str) -> u64 {
    let chars = text.as_bytes().iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64;
    chars.div_ceil(4)
}
