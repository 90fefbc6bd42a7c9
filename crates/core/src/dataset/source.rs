//! Opening a dataset file as a stream of records: gzip detection, hashing and byte counting while
//! reading, and splitting into batches of records (JSONL lines, or a JSON document's records).

use super::document::DocumentWalker;
use super::{codes, DatasetError, Issue};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};

/// Bytes read per JSONL batch. Big enough that the per-batch overhead (a channel send, a rayon
/// fork-join) vanishes, small enough that memory stays bounded by a few batches plus one record.
pub(crate) const BATCH_BYTES: usize = 4 << 20;

/// The longest record (one JSONL line) that is parsed. A longer line is reported as `record_too_large`
/// and skipped up to the next newline, so one multi-gigabyte line (or a gzip that expands into one)
/// cannot grow the reader until the process is killed. 16 MiB is far above any real conversation.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// The most bytes a gzip dataset may expand into (32 GiB) unless `BRIGHTRUN_MAX_DECOMPRESSED_BYTES` says
/// otherwise: past it reading stops with `decompressed_too_large`, so a small "gzip bomb" cannot keep the reader
/// (and a conversion's output) going for ever. Memory is bounded anyway, by the record cap.
pub const MAX_DECOMPRESSED_BYTES: u64 = 32 << 30;

/// The cap in force: [`MAX_DECOMPRESSED_BYTES`], or `BRIGHTRUN_MAX_DECOMPRESSED_BYTES` when set to a number (an
/// operator's setting, and how the tests reach the cap without writing 32 GiB).
fn max_decompressed_bytes() -> u64 {
    std::env::var("BRIGHTRUN_MAX_DECOMPRESSED_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(MAX_DECOMPRESSED_BYTES)
}

/// The error a [`Capped`] reader gives past its cap.
#[derive(Debug)]
struct DecompressedTooLarge(u64);

impl std::fmt::Display for DecompressedTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the gzip data expands past {} bytes", self.0)
    }
}

impl std::error::Error for DecompressedTooLarge {}

/// Passes at most `cap` bytes through, then fails with [`DecompressedTooLarge`].
struct Capped<R> {
    inner: R,
    left: u64,
    cap: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more tells a file of exactly `cap` bytes from a bigger one.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::new(
                    std::io::ErrorKind::FileTooLarge,
                    DecompressedTooLarge(self.cap),
                )),
            };
        }
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Whether `e` is a [`Capped`] reader's refusal.
fn is_too_large(e: &std::io::Error) -> Option<u64> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<DecompressedTooLarge>())
        .map(|t| t.0)
}

/// Conversation-level facts a v4 document gives its training pairs.
#[derive(Debug, Default)]
pub(crate) struct DocContext {
    /// The conversation's id (from `conversation_metadata.conversation_id`), or a key made from its
    /// position when the document has none.
    pub(crate) conversation_id: String,
    /// Scaffolding keys from `conversation_metadata.scaffolding`, when present.
    pub(crate) scaffolding: Option<super::normalise::Scaffolding>,
}

/// Where one record's bytes are in a batch.
#[derive(Debug)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// 1-based line where the record starts.
    pub(crate) line: u64,
    /// JSON path of the record in a document (`None` for JSONL).
    pub(crate) path: Option<Box<str>>,
    /// The enclosing v4 conversation, for a document's training pairs.
    pub(crate) context: Option<Arc<DocContext>>,
    /// The record was longer than [`MAX_RECORD_BYTES`] and was skipped: its size in bytes (it has no data).
    pub(crate) oversize: Option<u64>,
}

/// A run of records read together.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) data: Vec<u8>,
    pub(crate) spans: Vec<Span>,
    /// A structural error that ends the document (JSON documents only).
    pub(crate) fatal: Option<Issue>,
}

/// Shared state of the file being read: bytes read so far and the SHA-256 of those bytes.
pub(crate) struct ReadState {
    pub(crate) done: AtomicU64,
    pub(crate) total: u64,
    hasher: Mutex<Sha256>,
}

impl ReadState {
    /// The SHA-256 (lowercase hex) of every byte read through the state so far.
    pub(crate) fn sha256(&self) -> String {
        let hasher = self
            .hasher
            .lock()
            .map(|h| h.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        hex::encode(hasher.finalize())
    }
}

/// Counts and hashes the raw (possibly compressed) bytes as they are read.
struct HashingReader {
    inner: File,
    state: Arc<ReadState>,
}

impl Read for HashingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            if let Ok(mut h) = self.state.hasher.lock() {
                h.update(&buf[..n]);
            }
            self.state.done.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// How the decoded bytes are split into records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// One record per line.
    Lines,
    /// A JSON array of records, a v4 document, or a sequence of top-level JSON values.
    Document,
}

/// An opened dataset: the decoded byte stream and how to split it.
pub(crate) struct Source {
    pub(crate) reader: Box<dyn Read + Send>,
    pub(crate) layout: Layout,
    pub(crate) state: Arc<ReadState>,
    /// The file is gzip-compressed.
    pub(crate) gzip: bool,
}

/// The name without a `.gz` suffix, lowercased, to choose the layout.
fn inner_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    name.strip_suffix(".gz").map(str::to_string).unwrap_or(name)
}

/// Opens `path`, sees through gzip (by its magic bytes, whatever the name), skips a UTF-8 BOM and
/// decides the layout: `.jsonl`/`.ndjson` are lines, `.json` is a document, anything else is
/// sniffed (a first `[` means a document).
pub(crate) fn open(path: &Path) -> Result<Source, DatasetError> {
    let file = File::open(path).map_err(|e| DatasetError::read(path, e))?;
    let meta = file.metadata().map_err(|e| DatasetError::read(path, e))?;
    if meta.is_dir() {
        let e = std::io::Error::other("is a folder, not a file");
        return Err(DatasetError::read(path, e));
    }
    let state = Arc::new(ReadState {
        done: AtomicU64::new(0),
        total: meta.len(),
        hasher: Mutex::new(Sha256::new()),
    });
    let mut raw = BufReader::with_capacity(
        1 << 16,
        HashingReader {
            inner: file,
            state: state.clone(),
        },
    );
    let head = raw.fill_buf().map_err(|e| DatasetError::read(path, e))?;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let decoded: Box<dyn Read + Send> = if gzip {
        let cap = max_decompressed_bytes();
        Box::new(Capped {
            inner: flate2::read::MultiGzDecoder::new(raw),
            left: cap,
            cap,
        })
    } else {
        Box::new(raw)
    };
    let mut decoded = BufReader::with_capacity(1 << 16, decoded);
    let head = decoded.fill_buf().map_err(|e| DatasetError::read(path, e))?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        decoded.consume(3);
    }
    let name = inner_name(path);
    let layout = if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        Layout::Lines
    } else if name.ends_with(".json") {
        Layout::Document
    } else {
        let head = decoded.fill_buf().map_err(|e| DatasetError::read(path, e))?;
        match head.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => Layout::Document,
            _ => Layout::Lines,
        }
    };
    Ok(Source {
        reader: Box::new(decoded),
        layout,
        state,
        gzip,
    })
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Reads the source and sends batches until the end, an error, cancellation or a closed channel.
pub(crate) fn produce(
    path: &Path,
    mut source: Source,
    tx: SyncSender<Result<Batch, DatasetError>>,
    cancel: &AtomicBool,
    recycler: &Recycler,
) {
    let result = match source.layout {
        Layout::Lines => produce_lines(path, &mut *source.reader, &tx, cancel, recycler),
        Layout::Document => DocumentWalker::new(path, &mut *source.reader, &tx, cancel).run(),
    };
    let (code, message) = match result {
        Ok(()) => return,
        // Past the decompressed-size cap: as for damage, the records before it stay reported.
        Err(DatasetError::Read { source: e, .. }) if is_too_large(&e).is_some() => (
            codes::DECOMPRESSED_TOO_LARGE,
            format!(
                "the gzip file expands past {} bytes, the most BrightRun reads from one file, so the rest \
                 was not read",
                is_too_large(&e).unwrap_or_default()
            ),
        ),
        // A damaged or truncated gzip stream is bad content, not an I/O failure: report it, keeping
        // the records read before it.
        Err(DatasetError::Read { source: e, .. }) if source.gzip && is_corrupt_data(&e) => (
            codes::INVALID_GZIP,
            format!("the gzip data is damaged or truncated, so the rest of the file was not read: {e}"),
        ),
        Err(e) => {
            let _ = tx.send(Err(e));
            return;
        }
    };
    let issue = Issue {
        line: 0,
        path: None,
        code: code.into(),
        message,
        suggestion: codes::suggestion(code).map(str::to_string),
    };
    let _ = tx.send(Ok(Batch {
        data: Vec::new(),
        spans: Vec::new(),
        fatal: Some(issue),
    }));
}

/// The error kinds a decompressor reports for bad input (file systems do not use them).
fn is_corrupt_data(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{InvalidData, InvalidInput, UnexpectedEof};
    matches!(e.kind(), InvalidData | InvalidInput | UnexpectedEof)
}

/// Batch buffers handed back by the consumer, so the reader does not fault in fresh pages for
/// every batch.
#[derive(Clone, Default)]
pub(crate) struct Recycler(Arc<Mutex<Vec<Vec<u8>>>>);

impl Recycler {
    /// Keeps `buf` for reuse (a few at most: one per batch in flight).
    pub(crate) fn give(&self, mut buf: Vec<u8>) {
        buf.clear();
        if let Ok(mut pool) = self.0.lock() {
            if pool.len() < 4 {
                pool.push(buf);
            }
        }
    }

    fn take(&self) -> Vec<u8> {
        self.0.lock().ok().and_then(|mut p| p.pop()).unwrap_or_default()
    }
}

fn produce_lines(
    path: &Path,
    reader: &mut dyn Read,
    tx: &SyncSender<Result<Batch, DatasetError>>,
    cancel: &AtomicBool,
    recycler: &Recycler,
) -> Result<(), DatasetError> {
    let mut carry: Vec<u8> = Vec::new();
    let mut line_no: u64 = 1;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut data = recycler.take();
        data.extend_from_slice(&carry);
        carry.clear();
        let mut eof = false;
        // Read at least one whole line: a record longer than a batch grows the buffer.
        let cut = loop {
            let old = data.len();
            let n = match Read::take(&mut *reader, BATCH_BYTES as u64).read_to_end(&mut data) {
                Ok(n) => n,
                Err(e) => {
                    // read_to_end keeps what it read before the error: report those whole lines first.
                    let whole = memchr::memrchr(b'\n', &data).map_or(0, |p| p + 1);
                    data.truncate(whole);
                    let spans = split_lines(&data, &mut line_no);
                    if !spans.is_empty() {
                        let _ = tx.send(Ok(Batch {
                            data,
                            spans,
                            fatal: None,
                        }));
                    }
                    return Err(DatasetError::read(path, e));
                }
            };
            if n < BATCH_BYTES {
                eof = true;
                break data.len();
            }
            if let Some(pos) = memchr::memrchr(b'\n', &data[old..]) {
                break old + pos + 1;
            }
            // No newline yet, so `data` holds one unfinished line: past the cap it is skipped, not grown.
            if data.len() > MAX_RECORD_BYTES {
                let seen = data.len() as u64;
                data.clear();
                let (size, rest) = skip_line(path, reader, seen, cancel)?;
                let span = Span {
                    start: 0,
                    end: 0,
                    line: line_no,
                    path: None,
                    context: None,
                    oversize: Some(size),
                };
                line_no += 1;
                let batch = Batch {
                    data,
                    spans: vec![span],
                    fatal: None,
                };
                if tx.send(Ok(batch)).is_err() {
                    return Ok(());
                }
                match rest {
                    Some(rest) => {
                        data = recycler.take();
                        data.extend_from_slice(&rest);
                        // Newlines in the remainder were never searched: cut there, or read on.
                        if let Some(pos) = memchr::memrchr(b'\n', &data) {
                            break pos + 1;
                        }
                    }
                    None => return Ok(()),
                }
            }
        };
        carry.extend_from_slice(&data[cut..]);
        data.truncate(cut);
        let spans = split_lines(&data, &mut line_no);
        if !spans.is_empty()
            && tx
                .send(Ok(Batch {
                    data,
                    spans,
                    fatal: None,
                }))
                .is_err()
        {
            return Ok(());
        }
        if eof {
            return Ok(());
        }
    }
}

/// Reads and drops the rest of an over-long line. Returns the line's size (with the `seen` bytes already
/// dropped) and what followed its newline in the last read, or `None` when the stream ended first.
fn skip_line(
    path: &Path,
    reader: &mut dyn Read,
    seen: u64,
    cancel: &AtomicBool,
) -> Result<(u64, Option<Vec<u8>>), DatasetError> {
    let mut size = seen;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Ok((size, None));
        }
        let n = read_full(reader, &mut buf).map_err(|e| DatasetError::read(path, e))?;
        if n == 0 {
            return Ok((size, None));
        }
        match memchr::memchr(b'\n', &buf[..n]) {
            Some(pos) => {
                size += pos as u64;
                return Ok((size, Some(buf[pos + 1..n].to_vec())));
            }
            None => size += n as u64,
        }
    }
}

/// Finds the non-blank lines of `data` (which ends at a line end or the end of the file),
/// trimming CR and surrounding whitespace.
fn split_lines(data: &[u8], line_no: &mut u64) -> Vec<Span> {
    let mut spans = Vec::with_capacity(data.len() / 512 + 1);
    let mut start = 0;
    let mut push = |s: usize, e: usize, line: u64| {
        let bytes = &data[s..e];
        if let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) {
            let last = bytes
                .iter()
                .rposition(|b| !b.is_ascii_whitespace())
                .unwrap_or(first);
            // A long last line read whole at the end of the file is held to the same cap.
            let oversize = (last + 1 - first > MAX_RECORD_BYTES).then_some((last + 1 - first) as u64);
            spans.push(Span {
                start: s + first,
                end: if oversize.is_some() {
                    s + first
                } else {
                    s + last + 1
                },
                line,
                path: None,
                context: None,
                oversize,
            });
        }
    };
    for nl in memchr::memchr_iter(b'\n', data) {
        push(start, nl, *line_no);
        *line_no += 1;
        start = nl + 1;
    }
    if start < data.len() {
        push(start, data.len(), *line_no);
    }
    spans
}

/// SHA-256 of a file's bytes, lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, DatasetError> {
    let mut file = File::open(path).map_err(|e| DatasetError::read(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = read_full(&mut file, &mut buf).map_err(|e| DatasetError::read(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
