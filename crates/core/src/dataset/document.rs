//! Streaming walk over a JSON document: an array of records, a v4 training document, or a run of
//! top-level values. Only one record is held at a time (plus the current batch), so a document
//! of any size is validated without loading it: the walker tracks strings and brackets to cut out
//! each record's bytes and leaves the real parsing to serde.

use super::codes;
use super::normalise::Scaffolding;
use super::record::{ConversationMeta, Obj};
use super::source::{Batch, DocContext, Span, BATCH_BYTES, MAX_RECORD_BYTES};
use super::{DatasetError, Issue};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;

/// Bytes kept of one record while it is cut out: one past the cap, so a record over the cap is known as such
/// (and reported `record_too_large`) while memory stays bounded, however long the record is.
const KEEP: usize = MAX_RECORD_BYTES + 1;

/// Appends `b` unless `out` already holds [`KEEP`] bytes; `size` counts every byte either way.
fn push(out: &mut Vec<u8>, b: u8, size: &mut u64) {
    *size += 1;
    if out.len() < KEEP {
        out.push(b);
    }
}

/// Appends as much of `bytes` as fits under [`KEEP`].
fn keep(out: &mut Vec<u8>, bytes: &[u8]) {
    let room = KEEP.saturating_sub(out.len());
    out.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

/// Why the walk stopped early.
enum Stop {
    /// The structure is broken: the rest of the document cannot be split into records.
    Syntax { line: u64, message: String },
    /// Reading failed.
    Io(std::io::Error),
    /// The consumer went away or cancel was set.
    Quit,
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Self {
        Stop::Io(e)
    }
}

/// A byte reader that counts lines.
struct Scanner<'r> {
    reader: &'r mut dyn Read,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    line: u64,
}

impl Scanner<'_> {
    fn peek(&mut self) -> Result<Option<u8>, Stop> {
        while self.pos >= self.len {
            match self.reader.read(&mut self.buf) {
                Ok(0) => return Ok(None),
                Ok(n) => {
                    self.pos = 0;
                    self.len = n;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Stop::Io(e)),
            }
        }
        Ok(Some(self.buf[self.pos]))
    }

    fn next(&mut self) -> Result<Option<u8>, Stop> {
        let b = self.peek()?;
        if let Some(b) = b {
            self.pos += 1;
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(b)
    }

    /// Skips whitespace and returns the next byte without consuming it.
    fn skip_ws(&mut self) -> Result<Option<u8>, Stop> {
        while let Some(b) = self.peek()? {
            if !b.is_ascii_whitespace() {
                return Ok(Some(b));
            }
            self.next()?;
        }
        Ok(None)
    }

    fn syntax(&self, message: impl Into<String>) -> Stop {
        Stop::Syntax {
            line: self.line,
            message: message.into(),
        }
    }

    fn need(&mut self) -> Result<u8, Stop> {
        match self.next()? {
            Some(b) => Ok(b),
            None => Err(self.syntax("the document ends in the middle of a value")),
        }
    }

    fn expect(&mut self, want: u8) -> Result<(), Stop> {
        match self.skip_ws()? {
            Some(b) if b == want => {
                self.next()?;
                Ok(())
            }
            Some(b) => Err(self.syntax(format!("expected `{}` but found `{}`", want as char, b as char))),
            None => Err(self.syntax(format!("expected `{}` but the document ends", want as char))),
        }
    }

    /// Copies a string body after its opening quote, up to and including the closing quote.
    fn string_body(&mut self, out: &mut Vec<u8>, size: &mut u64) -> Result<(), Stop> {
        loop {
            let b = self.need()?;
            push(out, b, size);
            match b {
                b'\\' => {
                    let escaped = self.need()?;
                    push(out, escaped, size);
                }
                b'"' => return Ok(()),
                _ => {}
            }
        }
    }

    /// Copies one JSON value's bytes into `out`, checking only strings and bracket nesting, and returns its
    /// size. `out` keeps at most [`KEEP`] bytes of it: a bigger value is walked over, not held.
    fn capture(&mut self, out: &mut Vec<u8>) -> Result<u64, Stop> {
        let Some(first) = self.skip_ws()? else {
            return Err(self.syntax("expected a value but the document ends"));
        };
        let mut size = 0;
        match first {
            b'"' => {
                let quote = self.need()?;
                push(out, quote, &mut size);
                self.string_body(out, &mut size)?;
            }
            b'{' | b'[' => {
                let mut closers = Vec::new();
                loop {
                    let b = self.need()?;
                    push(out, b, &mut size);
                    match b {
                        b'"' => self.string_body(out, &mut size)?,
                        b'{' => closers.push(b'}'),
                        b'[' => closers.push(b']'),
                        b'}' | b']' => {
                            if closers.pop() != Some(b) {
                                return Err(self.syntax(format!("unexpected `{}`", b as char)));
                            }
                            if closers.is_empty() {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            b',' | b':' | b'}' | b']' => {
                return Err(self.syntax(format!("expected a value but found `{}`", first as char)))
            }
            _ => {
                while let Some(b) = self.peek()? {
                    if matches!(b, b',' | b'}' | b']' | b':') || b.is_ascii_whitespace() {
                        break;
                    }
                    push(out, b, &mut size);
                    self.next()?;
                }
            }
        }
        Ok(size)
    }

    /// Reads an object key (the scanner is at its opening quote) and the `:` after it.
    fn key(&mut self, raw: &mut Vec<u8>) -> Result<String, Stop> {
        raw.clear();
        match self.skip_ws()? {
            Some(b'"') => {}
            Some(b) => return Err(self.syntax(format!("expected a key but found `{}`", b as char))),
            None => return Err(self.syntax("expected a key but the document ends")),
        }
        self.capture(raw)?;
        let key: String =
            serde_json::from_slice(raw).map_err(|e| self.syntax(format!("invalid key: {e}")))?;
        self.expect(b':')?;
        Ok(key)
    }

    /// After a member or element: true for `,`, false for the closer.
    fn comma_or(&mut self, closer: u8) -> Result<bool, Stop> {
        match self.skip_ws()? {
            Some(b',') => {
                self.next()?;
                Ok(true)
            }
            Some(b) if b == closer => {
                self.next()?;
                Ok(false)
            }
            Some(b) => Err(self.syntax(format!(
                "expected `,` or `{}` but found `{}`",
                closer as char, b as char
            ))),
            None => Err(self.syntax(format!(
                "expected `,` or `{}` but the document ends",
                closer as char
            ))),
        }
    }

    /// True (and consumes it) when the next non-space byte is `closer`.
    fn at_close(&mut self, closer: u8) -> Result<bool, Stop> {
        if self.skip_ws()? == Some(closer) {
            self.next()?;
            return Ok(true);
        }
        Ok(false)
    }
}

/// Walks a document and sends its records in batches.
pub(crate) struct DocumentWalker<'a> {
    path: &'a std::path::Path,
    sc: Scanner<'a>,
    tx: &'a SyncSender<Result<Batch, DatasetError>>,
    cancel: &'a AtomicBool,
    batch: Batch,
}

impl<'a> DocumentWalker<'a> {
    pub(crate) fn new(
        path: &'a std::path::Path,
        reader: &'a mut dyn Read,
        tx: &'a SyncSender<Result<Batch, DatasetError>>,
        cancel: &'a AtomicBool,
    ) -> Self {
        let sc = Scanner {
            reader,
            buf: vec![0; 1 << 16].into_boxed_slice(),
            pos: 0,
            len: 0,
            line: 1,
        };
        DocumentWalker {
            path,
            sc,
            tx,
            cancel,
            batch: Batch::default(),
        }
    }

    /// Walks to the end. I/O errors are returned; a broken structure becomes a fatal issue.
    pub(crate) fn run(mut self) -> Result<(), DatasetError> {
        match self.walk() {
            Ok(()) | Err(Stop::Quit) => {}
            Err(Stop::Io(e)) => {
                return Err(DatasetError::read(self.path, e));
            }
            Err(Stop::Syntax { line, message }) => {
                self.batch.fatal = Some(Issue {
                    line,
                    path: None,
                    code: codes::INVALID_JSON.into(),
                    message: format!(
                        "the JSON document is broken here, so the rest of it was not read: {message}"
                    ),
                    suggestion: codes::suggestion(codes::INVALID_JSON).map(str::to_string),
                });
            }
        }
        let batch = std::mem::take(&mut self.batch);
        if !batch.spans.is_empty() || batch.fatal.is_some() {
            let _ = self.tx.send(Ok(batch));
        }
        Ok(())
    }

    fn walk(&mut self) -> Result<(), Stop> {
        while let Some(b) = self.sc.skip_ws()? {
            match b {
                b'[' => self.records("$", None)?,
                b'{' => self.top_object()?,
                _ => {
                    let line = self.sc.line;
                    let mut bytes = Vec::new();
                    let size = self.sc.capture(&mut bytes)?;
                    self.emit(&bytes, size, line, None, None)?;
                }
            }
        }
        Ok(())
    }

    /// Adds one record (`size` bytes, of which `bytes` holds the first [`KEEP`]) to the batch and sends the
    /// batch when it is full.
    fn emit(
        &mut self,
        bytes: &[u8],
        size: u64,
        line: u64,
        path: Option<String>,
        context: Option<Arc<DocContext>>,
    ) -> Result<(), Stop> {
        let start = self.batch.data.len();
        // The same cap as a JSONL line: an enormous record is reported, not parsed.
        let oversize = (size > MAX_RECORD_BYTES as u64).then_some(size);
        if oversize.is_none() {
            self.batch.data.extend_from_slice(bytes);
        }
        let end = self.batch.data.len();
        self.batch.spans.push(Span {
            start,
            end,
            line,
            path: path.map(Into::into),
            context,
            oversize,
        });
        if self.batch.data.len() >= BATCH_BYTES {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(Stop::Quit);
            }
            let batch = std::mem::take(&mut self.batch);
            self.tx.send(Ok(batch)).map_err(|_| Stop::Quit)?;
        }
        Ok(())
    }

    /// An array whose elements are records (the scanner is at `[`).
    fn records(&mut self, base: &str, context: Option<Arc<DocContext>>) -> Result<(), Stop> {
        self.sc.next()?;
        if self.sc.at_close(b']')? {
            return Ok(());
        }
        let mut bytes = Vec::new();
        for i in 0.. {
            self.sc.skip_ws()?;
            let line = self.sc.line;
            bytes.clear();
            let size = self.sc.capture(&mut bytes)?;
            self.emit(&bytes, size, line, Some(format!("{base}[{i}]")), context.clone())?;
            if !self.sc.comma_or(b']')? {
                break;
            }
        }
        Ok(())
    }

    /// A top-level object: a v4 document when a `conversations` element has `training_pairs`,
    /// otherwise a single record, rebuilt from the members it was read as (at most [`KEEP`] bytes of it held).
    fn top_object(&mut self) -> Result<(), Stop> {
        let line = self.sc.line;
        self.sc.next()?;
        let mut rebuilt = b"{".to_vec();
        let mut size: u64 = 1;
        let mut is_document = false;
        let mut raw_key = Vec::new();
        let mut value = Vec::new();
        if !self.sc.at_close(b'}')? {
            loop {
                let key = self.sc.key(&mut raw_key)?;
                value.clear();
                let value_size = if key == "conversations" && self.sc.skip_ws()? == Some(b'[') {
                    self.conversations(&mut value, &mut is_document)?
                } else {
                    self.sc.capture(&mut value)?
                };
                if is_document {
                    rebuilt.clear();
                } else {
                    size += member(&mut rebuilt, size > 1, &raw_key, &value, value_size);
                }
                if !self.sc.comma_or(b'}')? {
                    break;
                }
            }
        }
        if !is_document {
            keep(&mut rebuilt, b"}");
            self.emit(&rebuilt, size + 1, line, None, None)?;
        }
        Ok(())
    }

    /// The `conversations` array (scanner at `[`). Elements with `training_pairs` stream their
    /// pairs as records; others are copied into `out` in case the object is not a document. Returns the
    /// array's size.
    fn conversations(&mut self, out: &mut Vec<u8>, is_document: &mut bool) -> Result<u64, Stop> {
        self.sc.next()?;
        keep(out, b"[");
        let mut size: u64 = 1;
        let mut element = Vec::new();
        if !self.sc.at_close(b']')? {
            for i in 0.. {
                element.clear();
                let element_size = if self.sc.skip_ws()? == Some(b'{') {
                    self.conversation(i, &mut element, is_document)?
                } else {
                    self.sc.capture(&mut element)?
                };
                if !*is_document {
                    if size > 1 {
                        keep(out, b",");
                        size += 1;
                    }
                    keep(out, &element);
                    size += element_size;
                }
                if !self.sc.comma_or(b']')? {
                    break;
                }
            }
        }
        keep(out, b"]");
        Ok(size + 1)
    }

    /// One `conversations` element (scanner at `{`); returns its size.
    fn conversation(&mut self, index: usize, out: &mut Vec<u8>, is_document: &mut bool) -> Result<u64, Stop> {
        self.sc.next()?;
        keep(out, b"{");
        let mut size: u64 = 1;
        let mut raw_key = Vec::new();
        let mut value = Vec::new();
        let mut conversation_id = None;
        let mut scaffolding: Option<Scaffolding> = None;
        if self.sc.at_close(b'}')? {
            keep(out, b"}");
            return Ok(2);
        }
        loop {
            let key = self.sc.key(&mut raw_key)?;
            value.clear();
            if key == "training_pairs" && self.sc.skip_ws()? == Some(b'[') {
                *is_document = true;
                let context = Arc::new(DocContext {
                    conversation_id: conversation_id
                        .clone()
                        .unwrap_or_else(|| format!("$.conversations[{index}]")),
                    scaffolding: scaffolding.clone(),
                });
                self.records(&format!("$.conversations[{index}].training_pairs"), Some(context))?;
            } else {
                let value_size = self.sc.capture(&mut value)?;
                if key == "conversation_metadata" {
                    (conversation_id, scaffolding) = read_conversation_meta(&value);
                }
                size += member(out, size > 1, &raw_key, &value, value_size);
            }
            if !self.sc.comma_or(b'}')? {
                break;
            }
        }
        keep(out, b"}");
        Ok(size + 1)
    }
}

/// Appends `,` (when not the first), `key:value` to an object being rebuilt, within [`KEEP`]; returns the bytes
/// it adds to the object's size (`value_size` counts the whole value, also what was not kept).
fn member(out: &mut Vec<u8>, comma: bool, raw_key: &[u8], value: &[u8], value_size: u64) -> u64 {
    if comma {
        keep(out, b",");
    }
    keep(out, raw_key);
    keep(out, b":");
    keep(out, value);
    u64::from(comma) + raw_key.len() as u64 + 1 + value_size
}

/// The conversation id and scaffolding keys of a v4 document's `conversation_metadata`.
fn read_conversation_meta(bytes: &[u8]) -> (Option<String>, Option<Scaffolding>) {
    let Ok(Obj::Fields(meta)) = serde_json::from_slice::<Obj<'_, ConversationMeta<'_>>>(bytes) else {
        return (None, None);
    };
    let id = meta.conversation_id.as_id().map(str::to_string);
    let scaffolding = match &meta.scaffolding {
        Some(Obj::Fields(s)) => {
            let values = [&s.persona_key, &s.emotional_arc_key, &s.training_topic_key]
                .map(|k| k.as_id().map(str::to_string));
            values.iter().any(Option::is_some).then_some(values)
        }
        _ => None,
    };
    (id, scaffolding)
}
