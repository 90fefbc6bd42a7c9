//! Reading normalised examples (the app's Samples tab) and detecting a file's format.

use super::engine::{self, EngineOptions, Flow, RecordKind};
use super::tokens::TokenCounter;
use super::{DatasetError, DatasetFormat, Example};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// How many records detection looks at before giving up.
const DETECT_RECORDS: u64 = 10_000;

/// Returns up to `limit` normalised training examples, skipping the first `offset` of them.
/// Invalid records are passed over; reading stops as soon as `limit` examples are found.
pub fn read_examples(
    path: &Path,
    format: Option<DatasetFormat>,
    offset: usize,
    limit: usize,
) -> Result<Vec<Example>, DatasetError> {
    let tokens = TokenCounter::Estimate;
    let opts = EngineOptions {
        format,
        tokens: &tokens,
        want_messages: true,
    };
    let mut out = Vec::new();
    if limit == 0 {
        // Still open the file, so a missing one is reported the same way.
        std::fs::metadata(path).map_err(|e| DatasetError::read(path, e))?;
        return Ok(out);
    }
    let mut to_skip = offset;
    let cancel = AtomicBool::new(false);
    engine::run(path, &opts, &|_, _| {}, &cancel, &mut |record, _| {
        if let RecordKind::Example(e) = record.kind {
            if to_skip > 0 {
                to_skip -= 1;
            } else {
                out.push(Example {
                    line: record.line,
                    conversation_id: e.conversation_id,
                    messages: e.messages.unwrap_or_default(),
                    tools: e.tools,
                });
                if out.len() >= limit {
                    return Flow::Stop;
                }
            }
        }
        Flow::Continue
    })?;
    Ok(out)
}

/// The format of the first recognised record among the first records of the file; `None` for an
/// empty file or one where none of them matches a format.
pub fn detect_format(path: &Path) -> Result<Option<DatasetFormat>, DatasetError> {
    let tokens = TokenCounter::Estimate;
    let opts = EngineOptions {
        format: None,
        tokens: &tokens,
        want_messages: false,
    };
    let cancel = AtomicBool::new(false);
    let mut seen = 0u64;
    let info = engine::run(path, &opts, &|_, _| {}, &cancel, &mut |_, format| {
        seen += 1;
        if format.is_some() || seen >= DETECT_RECORDS {
            Flow::Stop
        } else {
            Flow::Continue
        }
    })?;
    Ok(info.format)
}
