//! Conversion to `openai_messages` JSONL (the trainer's input), with an optional seeded
//! train/validation split by conversation.

use super::engine::{self, EngineOptions, Flow, RecordKind};
use super::tokens::TokenCounter;
use super::{ConvertOptions, DatasetError};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// What a conversion wrote.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConvertSummary {
    /// The training file (the `out` given).
    pub train_path: PathBuf,
    /// Examples written to it.
    pub train_examples: u64,
    /// The validation file `<stem>.val.jsonl` beside it, when a split was asked for.
    pub validation_path: Option<PathBuf>,
    /// Examples written to it.
    pub validation_examples: u64,
    /// Conversations with examples in the training file.
    #[serde(default)]
    pub train_conversations: u64,
    /// Conversations with examples in the validation file (never also in the training file).
    #[serde(default)]
    pub validation_conversations: u64,
    /// Records skipped on purpose (v4 user turns).
    pub skipped_records: u64,
    /// Invalid records, skipped and not written.
    pub errors: u64,
}

/// The conversation an example belongs to: its id, or the example alone when it names none.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum ConversationKey {
    Named(u64),
    Line(u64),
}

/// The validation file's path: `<dir>/<stem>.val.jsonl` for `out` = `<dir>/<stem>.<ext>`.
pub(crate) fn validation_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "train".into());
    out.with_file_name(format!("{stem}.val.jsonl"))
}

/// One message in OpenAI's fine-tuning shape.
#[derive(Serialize)]
struct OutMessage<'a> {
    role: &'a str,
    /// Empty for an assistant message that only calls tools.
    content: &'a str,
    /// The assistant's reasoning, under the name DeepSeek's, Qwen's and vLLM's templates read.
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<OutCall<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_call_id: Option<&'a str>,
    /// The function a tool result comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    /// OpenAI's fine-tuning convention: `weight: 0` marks an assistant turn that is context, not
    /// target (v4 history turns, which earlier examples already train on; or as the file says).
    #[serde(skip_serializing_if = "Option::is_none")]
    weight: Option<u8>,
}

/// `{"id", "type": "function", "function": {"name", "arguments"}}`, `arguments` a JSON string.
#[derive(Serialize)]
struct OutCall<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: OutFunction<'a>,
}

#[derive(Serialize)]
struct OutFunction<'a> {
    name: &'a str,
    arguments: &'a str,
}

#[derive(Serialize)]
struct OutLine<'a> {
    messages: Vec<OutMessage<'a>>,
    #[serde(skip_serializing_if = "<[serde_json::Value]>::is_empty")]
    tools: &'a [serde_json::Value],
}

/// A file written beside its final name and renamed into place when complete, so a cancelled or
/// failed conversion never leaves a half-written training file under the real name.
struct PartialFile {
    tmp: PathBuf,
    dest: PathBuf,
    writer: BufWriter<File>,
}

impl PartialFile {
    fn create(dest: &Path) -> Result<Self, DatasetError> {
        let mut name = dest.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".partial");
        let tmp = dest.with_file_name(name);
        let file = File::create(&tmp).map_err(|e| DatasetError::write(&tmp, e))?;
        Ok(PartialFile {
            tmp,
            dest: dest.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 20, file),
        })
    }

    fn finish(self) -> Result<(), DatasetError> {
        let PartialFile { tmp, dest, writer } = self;
        let file = writer
            .into_inner()
            .map_err(|e| DatasetError::write(&tmp, e.into_error()))?;
        file.sync_all().map_err(|e| DatasetError::write(&tmp, e))?;
        std::fs::rename(&tmp, &dest).map_err(|e| DatasetError::write(&dest, e))
    }

    fn abandon(self) {
        let PartialFile { tmp, writer, .. } = self;
        drop(writer);
        let _ = std::fs::remove_file(tmp);
    }
}

/// Converts any supported file to `openai_messages` JSONL at `out` (and, with a split, the
/// validation file beside it). Invalid records are counted and never written.
pub fn convert_to_openai_messages(
    path: &Path,
    out: &Path,
    opts: &ConvertOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<ConvertSummary, DatasetError> {
    if let Some(split) = opts.validation_split {
        if !(split > 0.0 && split < 1.0) {
            return Err(DatasetError::InvalidOption(format!(
                "validation split must be between 0 and 1 (exclusive), got {split}"
            )));
        }
    }
    let tokens = TokenCounter::Estimate;
    // Both passes read the file as validation does (the format given, else detected record by record), so a
    // record validation refuses as another format's is not converted either.
    let format = opts.format;
    // Pass 1 (only with a split): list the conversations, to split them exactly and reproducibly.
    let validation_set = match opts.validation_split {
        None => None,
        Some(split) => {
            let engine_opts = EngineOptions {
                format,
                tokens: &tokens,
                want_messages: false,
            };
            let mut order = Vec::new();
            let mut seen = HashSet::new();
            let half = |done: u64, total: u64| progress(done / 2, total);
            engine::run(path, &engine_opts, &half, cancel, &mut |record, _| {
                if let RecordKind::Example(e) = &record.kind {
                    let key = e
                        .conversation_key
                        .map_or(ConversationKey::Line(record.line), ConversationKey::Named);
                    if seen.insert(key) {
                        order.push(key);
                    }
                }
                Flow::Continue
            })?;
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed);
            order.shuffle(&mut rng);
            let n = order.len();
            // At least one conversation on each side whenever there are two.
            let wanted = if n < 2 {
                0
            } else {
                ((n as f64 * split).round() as usize).clamp(1, n - 1)
            };
            Some(order.into_iter().take(wanted).collect::<HashSet<_>>())
        }
    };
    let offset = if validation_set.is_some() { 2 } else { 1 };
    let scaled = |done: u64, total: u64| progress(total / 2 * (offset - 1) + done / offset, total);

    let mut train = PartialFile::create(out)?;
    let val_path = validation_set.as_ref().map(|_| validation_path(out));
    let mut val = match &val_path {
        Some(p) => match PartialFile::create(p) {
            Ok(f) => Some(f),
            Err(e) => {
                train.abandon();
                return Err(e);
            }
        },
        None => None,
    };
    let mut summary = ConvertSummary {
        train_path: out.to_path_buf(),
        train_examples: 0,
        validation_path: val_path.clone(),
        validation_examples: 0,
        train_conversations: 0,
        validation_conversations: 0,
        skipped_records: 0,
        errors: 0,
    };
    let (mut train_keys, mut validation_keys) = (HashSet::new(), HashSet::new());
    let engine_opts = EngineOptions {
        format,
        tokens: &tokens,
        want_messages: true,
    };
    let mut write_error: Option<(PathBuf, std::io::Error)> = None;
    let result = engine::run(path, &engine_opts, &scaled, cancel, &mut |record, _| {
        match record.kind {
            RecordKind::Meta => {}
            RecordKind::UserTurn { .. } => summary.skipped_records += 1,
            RecordKind::Invalid { .. } => summary.errors += 1,
            RecordKind::Example(e) => {
                let key = e
                    .conversation_key
                    .map_or(ConversationKey::Line(record.line), ConversationKey::Named);
                let to_validation = validation_set.as_ref().is_some_and(|s| s.contains(&key));
                let messages = e.messages.unwrap_or_default();
                let line = OutLine {
                    messages: messages
                        .iter()
                        .map(|m| OutMessage {
                            role: m.role.as_str(),
                            content: &m.content,
                            reasoning_content: m.reasoning.as_deref(),
                            tool_calls: m
                                .tool_calls
                                .iter()
                                .map(|c| OutCall {
                                    id: &c.id,
                                    kind: "function",
                                    function: OutFunction {
                                        name: &c.name,
                                        arguments: &c.arguments,
                                    },
                                })
                                .collect(),
                            tool_call_id: m.tool_call_id.as_deref(),
                            name: m.name.as_deref(),
                            weight: m.weight,
                        })
                        .collect(),
                    tools: &e.tools,
                };
                let (file, counter) = match (&mut val, to_validation) {
                    (Some(v), true) => {
                        validation_keys.insert(key);
                        (v, &mut summary.validation_examples)
                    }
                    _ => {
                        train_keys.insert(key);
                        (&mut train, &mut summary.train_examples)
                    }
                };
                let written = serde_json::to_writer(&mut file.writer, &line)
                    .map_err(std::io::Error::from)
                    .and_then(|()| file.writer.write_all(b"\n"));
                if let Err(err) = written {
                    write_error = Some((file.tmp.clone(), err));
                    return Flow::Stop;
                }
                *counter += 1;
            }
        }
        Flow::Continue
    });
    let info = match (result, write_error) {
        (Ok(info), None) => info,
        (Ok(_), Some((p, err))) => {
            train.abandon();
            if let Some(v) = val {
                v.abandon();
            }
            return Err(DatasetError::write(&p, err));
        }
        (Err(e), _) => {
            train.abandon();
            if let Some(v) = val {
                v.abandon();
            }
            return Err(e);
        }
    };
    if info.fatal.is_some() {
        summary.errors += 1;
    }
    train.finish()?;
    if let Some(v) = val {
        v.finish()?;
    }
    summary.train_conversations = train_keys.len() as u64;
    summary.validation_conversations = validation_keys.len() as u64;
    Ok(summary)
}
