//! The pipeline every operation shares: a reader thread cuts the file into batches of records,
//! the rayon pool parses and normalises each batch in parallel, and the caller's sink sees the
//! results in file order (so duplicates, the file's format and kept issues are deterministic).

use super::codes;
use super::fingerprint::Fingerprint;
use super::normalise::{self, Draft, Normalisation, Normalised, Scaffolding};
use super::record::RawRecord;
use super::source::{self, Batch, Span};
use super::tokens::TokenCounter;
use super::{DatasetError, DatasetFormat, Issue, Message, ToolCall};
use rayon::prelude::*;
use serde::Deserialize;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// What the pipeline needs to know.
pub(crate) struct EngineOptions<'a> {
    /// Forced format; `None` detects it from the first recognised record.
    pub(crate) format: Option<DatasetFormat>,
    pub(crate) tokens: &'a TokenCounter,
    /// Build owned messages for each example (conversion and samples; validation does not).
    pub(crate) want_messages: bool,
}

/// One record, processed.
pub(crate) struct Record {
    pub(crate) line: u64,
    pub(crate) path: Option<Box<str>>,
    pub(crate) kind: RecordKind,
}

/// What a record turned out to be.
pub(crate) enum RecordKind {
    /// The v4 `_meta` header line.
    Meta,
    /// A v4 user turn, skipped on purpose.
    UserTurn { format: DatasetFormat },
    /// A training example.
    Example(Box<ExampleOut>),
    /// An unusable record; `detected` is the format its fields point to, if any.
    Invalid {
        detected: Option<DatasetFormat>,
        issues: Vec<Draft>,
    },
}

/// A training example, summarised (and with its messages when asked for).
pub(crate) struct ExampleOut {
    pub(crate) format: DatasetFormat,
    /// Hash of the conversation id; `None` when the record names no conversation (it is its own).
    pub(crate) conversation_key: Option<u64>,
    pub(crate) conversation_id: Option<String>,
    /// Fingerprint of the normalised messages, for duplicate detection.
    pub(crate) hash: u128,
    pub(crate) tokens: u64,
    /// Tokens that must precede the first target token once the history is dropped: the system messages and
    /// the last assistant turn's header.
    pub(crate) prefix_tokens: u64,
    pub(crate) messages_count: u64,
    /// Non-system messages.
    pub(crate) turns: u64,
    pub(crate) pairs: u64,
    pub(crate) warnings: Vec<Draft>,
    pub(crate) quality: Option<f64>,
    pub(crate) human_reviewed: bool,
    pub(crate) scaffolding: Option<Scaffolding>,
    /// Tool calls the assistant makes in the example.
    pub(crate) calls: u64,
    /// The functions those calls name (empty when there are none).
    pub(crate) called: Vec<String>,
    pub(crate) messages: Option<Vec<Message>>,
    /// The record's tools, when messages are asked for.
    pub(crate) tools: Vec<serde_json::Value>,
}

/// Whether the sink wants more records.
pub(crate) enum Flow {
    Continue,
    Stop,
}

/// What the run learned about the file as a whole.
pub(crate) struct RunInfo {
    pub(crate) format: Option<DatasetFormat>,
    pub(crate) bytes: u64,
    /// SHA-256 of the file, when every byte was read.
    pub(crate) sha256: Option<String>,
    /// A broken JSON document structure that ended the read early.
    pub(crate) fatal: Option<Issue>,
    /// Records seen, of any kind (0 means an empty file).
    pub(crate) records: u64,
}

/// Turns a draft into an issue at the record's place.
pub(crate) fn issue(line: u64, base: Option<&str>, d: Draft) -> Issue {
    let path = match (base, d.path) {
        (Some(b), Some(p)) => Some(format!("{b}{}", p.trim_start_matches('$'))),
        (Some(b), None) => Some(b.to_string()),
        (None, p) => p,
    };
    Issue {
        line,
        path,
        code: d.code.to_string(),
        suggestion: codes::suggestion(d.code).map(str::to_string),
        message: d.message,
    }
}

fn hash_str(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Reads `path` through the pipeline, calling `sink` for each record in file order.
pub(crate) fn run(
    path: &Path,
    opts: &EngineOptions<'_>,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
    sink: &mut dyn FnMut(Record, Option<DatasetFormat>) -> Flow,
) -> Result<RunInfo, DatasetError> {
    let src = source::open(path)?;
    let state = src.state.clone();
    let total = state.total;
    let mut info = RunInfo {
        format: opts.format,
        bytes: total,
        sha256: None,
        fatal: None,
        records: 0,
    };
    let mut stopped = false;
    let outcome = std::thread::scope(|scope| -> Result<(), DatasetError> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Batch, DatasetError>>(2);
        let recycler = source::Recycler::default();
        let returns = recycler.clone();
        scope.spawn(move || source::produce(path, src, tx, cancel, &recycler));
        for msg in rx.iter() {
            if cancel.load(Ordering::Relaxed) {
                return Err(DatasetError::Cancelled);
            }
            let batch = msg?;
            let kinds: Vec<RecordKind> = batch
                .spans
                .par_iter()
                .with_min_len(16)
                .map(|span| process(&batch.data[span.start..span.end], span, opts))
                .collect();
            let Batch { data, spans, fatal } = batch;
            returns.give(data);
            for (span, kind) in spans.into_iter().zip(kinds) {
                info.records += 1;
                let kind = gate(kind, &mut info.format, opts.format.is_some());
                let record = Record {
                    line: span.line,
                    path: span.path,
                    kind,
                };
                if let Flow::Stop = sink(record, info.format) {
                    stopped = true;
                    return Ok(());
                }
            }
            if fatal.is_some() {
                info.fatal = fatal;
            }
            progress(state.done.load(Ordering::Relaxed).min(total), total);
        }
        Ok(())
    });
    outcome?;
    if cancel.load(Ordering::Relaxed) {
        return Err(DatasetError::Cancelled);
    }
    if !stopped {
        progress(total, total);
        if state.done.load(Ordering::Relaxed) == total {
            info.sha256 = Some(state.sha256());
        }
    }
    Ok(info)
}

/// Fixes the file's format on the first recognised record and turns later records of another
/// format into `format_mismatch` errors (only when detecting: a forced format was checked already).
fn gate(kind: RecordKind, file_format: &mut Option<DatasetFormat>, forced: bool) -> RecordKind {
    let detected = match &kind {
        RecordKind::Meta => return kind,
        RecordKind::UserTurn { format } => Some(*format),
        RecordKind::Example(e) => Some(e.format),
        RecordKind::Invalid { detected, .. } => *detected,
    };
    let Some(detected) = detected else {
        return kind;
    };
    match *file_format {
        None => {
            *file_format = Some(detected);
            kind
        }
        Some(f) if f == detected || forced => kind,
        Some(f) => RecordKind::Invalid {
            detected: Some(detected),
            issues: vec![Draft {
                code: codes::FORMAT_MISMATCH,
                path: None,
                message: format!("this record is {detected} but the file is {f}"),
            }],
        },
    }
}

fn invalid(code: &'static str, message: String) -> RecordKind {
    RecordKind::Invalid {
        detected: None,
        issues: vec![Draft {
            code,
            path: None,
            message,
        }],
    }
}

/// Describes a serde_json error with its place in the file (records in a document span lines).
fn json_error(e: &serde_json::Error, span: &Span) -> RecordKind {
    let line = span.line + e.line().saturating_sub(1) as u64;
    let what = e.to_string();
    // serde_json appends "at line L column C" relative to the record; restate it for the file.
    let what = what.split(" at line ").next().unwrap_or(&what).to_string();
    invalid(
        codes::INVALID_JSON,
        format!("invalid JSON: {what} (line {line}, column {})", e.column()),
    )
}

/// Parses, detects and normalises one record.
fn process(bytes: &[u8], span: &Span, opts: &EngineOptions<'_>) -> RecordKind {
    if let Some(size) = span.oversize {
        let limit = source::MAX_RECORD_BYTES >> 20;
        let message = format!("the record is {size} bytes, over the {limit} MiB limit; it was skipped");
        return invalid(codes::RECORD_TOO_LARGE, message);
    }
    // simdutf8 first: std's validator was 11 % of validation time on text with accents.
    let text = match simdutf8::basic::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => {
            let at = std::str::from_utf8(bytes).err().map_or(0, |e| e.valid_up_to());
            let msg = format!("invalid UTF-8 at byte {} of the record", at + 1);
            return invalid(codes::INVALID_UTF8, msg);
        }
    };
    if !text.starts_with('{') {
        return match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Err(e) => json_error(&e, span),
            Ok(_) => invalid(
                codes::FORMAT_MISMATCH,
                "the record is not a JSON object".to_string(),
            ),
        };
    }
    match serde_json::from_str::<RawRecord<'_>>(text) {
        Ok(rec) => classify(&rec, span, opts),
        // The lenient shapes accept every value type, so a failure here is a syntax error or a
        // repeated key. Repeated keys are legal JSON: read those through a Value (last one wins).
        Err(e) => match serde_json::from_str::<serde_json::Value>(text) {
            Err(_) => json_error(&e, span),
            Ok(value) => match RawRecord::deserialize(&value) {
                Ok(rec) => classify(&rec, span, opts),
                Err(e) => invalid(codes::INVALID_JSON, format!("invalid record: {e}")),
            },
        },
    }
}

fn classify(rec: &RawRecord<'_>, span: &Span, opts: &EngineOptions<'_>) -> RecordKind {
    if normalise::is_meta(rec) {
        return RecordKind::Meta;
    }
    let detected = normalise::detect(rec);
    let Some(format) = opts.format.or(detected) else {
        return invalid(
            codes::FORMAT_MISMATCH,
            "the record matches no known dataset format".to_string(),
        );
    };
    if opts.format.is_some() && !normalise::has_marker(rec, format) {
        let message = match detected {
            Some(d) => format!("this record is {d} but the file is {format}"),
            None => format!("the record has none of the fields of {format}"),
        };
        let issues = vec![Draft {
            code: codes::FORMAT_MISMATCH,
            path: None,
            message,
        }];
        return RecordKind::Invalid { detected, issues };
    }
    let context = span.context.as_deref();
    let conversation = context.map(|c| c.conversation_id.as_str());
    let scaffolding = context.and_then(|c| c.scaffolding.as_ref());
    match normalise::normalise(rec, format, conversation, scaffolding) {
        Normalisation::UserTurn => RecordKind::UserTurn { format },
        Normalisation::Invalid(issues) => RecordKind::Invalid {
            detected: Some(format),
            issues,
        },
        Normalisation::Example(n) => RecordKind::Example(Box::new(summarise(format, n, opts))),
    }
}

/// Counts tokens and hashes the normalised example. Reasoning, calls and the tools list count
/// too: the chat template renders them all into the sequence the trainer sees.
fn summarise(format: DatasetFormat, n: Normalised<'_>, opts: &EngineOptions<'_>) -> ExampleOut {
    let mut fingerprint = Fingerprint::new();
    let mut tokens = 0;
    let mut turns = 0;
    let mut calls = 0;
    let mut called = Vec::new();
    // What a truncated example always keeps: the system messages (and the tools list the template renders
    // beside them).
    let mut prefix_tokens = super::PER_MESSAGE_OVERHEAD;
    for t in &n.messages {
        fingerprint.write(t.role.as_str().as_bytes());
        fingerprint.write(t.content.trim().as_bytes());
        let message = opts.tokens.message_tokens(&t.content);
        tokens += message;
        if t.role == super::Role::System {
            prefix_tokens += message;
        }
        turns += u64::from(t.role != super::Role::System);
        if let Some(r) = &t.reasoning {
            fingerprint.write(b"\0reasoning");
            fingerprint.write(r.trim().as_bytes());
            tokens += opts.tokens.text_tokens(r);
        }
        for c in &t.calls {
            fingerprint.write(c.name.as_bytes());
            fingerprint.write(c.arguments.as_bytes());
            tokens += opts.tokens.text_tokens(&c.name) + opts.tokens.text_tokens(&c.arguments);
            calls += 1;
            if !called.iter().any(|n: &String| *n == c.name) {
                called.push(c.name.to_string());
            }
        }
    }
    if !n.tools.is_empty() {
        let text = serde_json::Value::Array(n.tools.clone()).to_string();
        fingerprint.write(b"\0tools");
        fingerprint.write(text.as_bytes());
        let listed = opts.tokens.message_tokens(&text);
        tokens += listed;
        prefix_tokens += listed;
    }
    let pairs = n.training_pairs();
    let messages = opts.want_messages.then(|| {
        n.messages
            .iter()
            .map(|t| Message {
                role: t.role,
                content: t.content.to_string(),
                reasoning: t.reasoning.as_ref().map(|r| r.to_string()),
                tool_calls: t
                    .calls
                    .iter()
                    .map(|c| ToolCall {
                        id: c.id.to_string(),
                        name: c.name.to_string(),
                        arguments: c.arguments.to_string(),
                    })
                    .collect(),
                tool_call_id: t.call_id.as_ref().map(|c| c.to_string()),
                name: t.name.as_ref().map(|c| c.to_string()),
                weight: t.weight0.then_some(0),
            })
            .collect()
    });
    ExampleOut {
        format,
        conversation_key: n.conversation_id.as_deref().map(hash_str),
        conversation_id: if opts.want_messages {
            n.conversation_id.map(|c| c.into_owned())
        } else {
            None
        },
        hash: fingerprint.finish(),
        tokens,
        prefix_tokens,
        messages_count: n.messages.len() as u64,
        turns,
        pairs,
        warnings: n.warnings,
        quality: n.quality,
        human_reviewed: n.human_reviewed,
        scaffolding: n.scaffolding,
        calls,
        called,
        messages,
        tools: if opts.want_messages { n.tools } else { Vec::new() },
    }
}
