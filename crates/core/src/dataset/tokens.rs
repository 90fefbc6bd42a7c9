//! Token counting: exact with a Hugging Face `tokenizer.json`, otherwise an estimate.
//!
//! What is counted, either way: for each message, the tokens of its content plus
//! [`PER_MESSAGE_OVERHEAD`] for the chat template's role header and end-of-turn markers.
//! The estimate is `ceil(chars / 4)` per message content (the usual rule of thumb for English BPE).

use super::fingerprint::Fingerprint;
use super::{DatasetError, TokenMethod};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use tokenizers::{Model, OffsetReferential, OffsetType, PreTokenizer, Tokenizer};

/// Template tokens added per message (ChatML-like: `<|im_start|>`, role, newline, `<|im_end|>`).
pub const PER_MESSAGE_OVERHEAD: u64 = 4;

/// Counts tokens one message at a time; shared across the worker threads.
pub(crate) enum TokenCounter {
    Estimate,
    Exact(Box<Tokenizer>, CountCache),
}

/// Messages at least this long go through the cache; shorter ones cost less to count than to look up.
const CACHE_MIN_BYTES: usize = 256;
const CACHE_SHARDS: usize = 16;
/// Entries per shard before it is emptied (about 40 bytes each: at most ~10 MB in all).
const CACHE_SHARD_ENTRIES: usize = 16 * 1024;

/// Token counts of long messages by content fingerprint. v4 files repeat the system prompt and the
/// whole history in every record, so most of their text has been counted before; sharded so
/// the worker threads rarely wait on one another.
pub(crate) struct CountCache {
    shards: Vec<Mutex<HashMap<u128, u64>>>,
}

impl CountCache {
    fn new() -> Self {
        CountCache {
            shards: (0..CACHE_SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, key: u128) -> Option<&Mutex<HashMap<u128, u64>>> {
        self.shards.get((key as usize) % CACHE_SHARDS)
    }

    fn get(&self, key: u128) -> Option<u64> {
        self.shard(key)?.lock().ok()?.get(&key).copied()
    }

    fn put(&self, key: u128, count: u64) {
        if let Some(Ok(mut shard)) = self.shard(key).map(Mutex::lock) {
            if shard.len() >= CACHE_SHARD_ENTRIES {
                shard.clear();
            }
            shard.insert(key, count);
        }
    }
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
            .map(|t| TokenCounter::Exact(Box::new(t), CountCache::new()))
            .map_err(|e| DatasetError::Tokenizer {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
    }

    /// Exact or estimate.
    pub(crate) fn method(&self) -> TokenMethod {
        match self {
            TokenCounter::Estimate => TokenMethod::Estimate,
            TokenCounter::Exact(..) => TokenMethod::Exact,
        }
    }

    /// Tokens of one message, template overhead included.
    pub(crate) fn message_tokens(&self, content: &str) -> u64 {
        self.text_tokens(content) + PER_MESSAGE_OVERHEAD
    }

    /// Tokens of a text inside a message (reasoning, a call), without the per-message overhead.
    pub(crate) fn text_tokens(&self, content: &str) -> u64 {
        match self {
            TokenCounter::Estimate => estimate(content),
            // A text the tokenizer refuses still has to count for something: fall back to the estimate.
            TokenCounter::Exact(t, cache) => {
                let key = (content.len() >= CACHE_MIN_BYTES).then(|| {
                    let mut f = Fingerprint::new();
                    f.write(content.as_bytes());
                    f.finish()
                });
                match key.and_then(|k| cache.get(k)) {
                    Some(n) => n,
                    None => {
                        let n = count_exact(t, content).unwrap_or_else(|_| estimate(content));
                        if let Some(k) = key {
                            cache.put(k, n);
                        }
                        n
                    }
                }
            }
        }
    }
}

/// The tokens `encode` would give, without building an `Encoding`: the same added-token split,
/// normalizer, pre-tokenizer and model, then only the count. Building encodings (ids, offsets,
/// masks, token strings) made allocation the bottleneck and serialised threads on malloc.
fn count_exact(t: &Tokenizer, text: &str) -> tokenizers::Result<u64> {
    let mut pre = t
        .get_added_vocabulary()
        .extract_and_normalize(t.get_normalizer(), text);
    if let Some(p) = t.get_pre_tokenizer() {
        p.pre_tokenize(&mut pre)?;
    }
    pre.tokenize(|s| t.get_model().tokenize(s.get()))?;
    let splits = pre.get_splits(OffsetReferential::Original, OffsetType::None);
    Ok(splits
        .iter()
        .map(|(_, _, tokens)| tokens.as_ref().map_or(0, Vec::len) as u64)
        .sum())
}

/// `ceil(chars / 4)`, counting Unicode scalar values (bytes that do not continue a UTF-8 sequence).
pub(crate) fn estimate(text: &str) -> u64 {
    // A byte starts a character unless it is a continuation byte (0b10xx_xxxx, i.e. below -64 as
    // i8). Counted in u8 lanes over 255-byte chunks so the compiler vectorises it 32 bytes a step.
    let bytes = text.as_bytes();
    let continuation: u64 = bytes
        .chunks(255)
        .map(|c| u64::from(c.iter().fold(0u8, |n, &b| n + u8::from((b as i8) < -0x40))))
        .sum();
    let chars = bytes.len() as u64 - continuation;
    chars.div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_counts_characters_not_bytes() {
        assert_eq!(estimate(""), 0);
        assert_eq!(estimate("abcd"), 1);
        assert_eq!(estimate("abcde"), 2);
        assert_eq!(estimate("éééé"), 1, "4 characters in 8 bytes");
        assert_eq!(estimate("日本語の"), 1);
    }

    #[test]
    fn exact_count_matches_encode() {
        // A byte-level BPE with a few merges and an added token: the counting path must agree
        // with the library's own encode on every input, added tokens included.
        let json = serde_json::json!({
            "version": "1.0", "truncation": null, "padding": null,
            "added_tokens": [{"id": 9, "content": "<|end|>", "single_word": false, "lstrip": false,
                              "rstrip": false, "normalized": false, "special": true}],
            "normalizer": null,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
            "post_processor": null, "decoder": null,
            "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                      "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                      "vocab": {"h": 0, "e": 1, "l": 2, "o": 3, "he": 4, "ll": 5, "hell": 6, "Ġ": 7, "Ġh": 8},
                      "merges": [["h", "e"], ["l", "l"], ["he", "ll"], ["Ġ", "h"]]}
        });
        let t = Tokenizer::from_bytes(serde_json::to_vec(&json).expect("json")).expect("tokenizer");
        for text in ["hello", "hello hello", "hel<|end|>lo", "", "oh hell"] {
            let want = t.encode(text, false).expect("encode").len() as u64;
            assert_eq!(count_exact(&t, text).expect("count"), want, "{text:?}");
        }
        // Long messages go through the cache: the second count comes from it and must agree,
        // and a different text of the same length must not be taken for it.
        let counter = TokenCounter::Exact(Box::new(t.clone()), CountCache::new());
        let long = "hello ".repeat(60);
        let other = "oh hel".repeat(60);
        for text in [&long, &long, &other, &other] {
            let want = t.encode(text.as_str(), false).expect("encode").len() as u64;
            assert_eq!(counter.message_tokens(text), want + PER_MESSAGE_OVERHEAD);
        }
    }
}
