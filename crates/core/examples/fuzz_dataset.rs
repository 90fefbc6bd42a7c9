//! A time-boxed fuzz run of the dataset parser on stable Rust (see docs/decisions.md: cargo-fuzz needs a
//! nightly toolchain that CI machines cannot fetch). It mutates the committed corpus (crates/core/fuzz/corpus)
//! with byte flips, splices, truncations, long runs, repeated lines that cross the reader's 4 MiB batch
//! boundary, and gzip, and runs every entry point (validate, samples, detection, conversion) on each input. A
//! panic or a broken report invariant saves the input under `target/fuzz-crashes/` and exits 1.
//!
//! cargo run -p brightrun-core --example fuzz_dataset -- --seconds 60 [--seed N]
//! cargo run -p brightrun-core --example fuzz_dataset -- --replay target/fuzz-crashes/FILE   (one saved input)

use std::io::Write as _;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use brightrun_core::dataset::{
    convert_to_openai_messages, detect_format, read_examples, validate_file, ConvertOptions, ValidateOptions,
    ValidationReport,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The reader's batch size: inputs above it exercise the carry-over between batches.
const BATCH: usize = 4 << 20;

fn main() {
    let mut seconds = 60u64;
    let mut seed: u64 = rand::random();
    let mut replay: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).expect("--seconds N"),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).expect("--seed N"),
            "--replay" => replay = args.next().map(PathBuf::from),
            other => panic!("unknown argument {other}"),
        }
    }
    if let Some(path) = replay {
        // The saved input under its own kind of name (`123-x.json.gz` → `x.json.gz`), so detection sees the same.
        let file = path.file_name().expect("a file").to_string_lossy().into_owned();
        let name = file
            .split_once('-')
            .map_or(file.as_str(), |(_, rest)| rest)
            .to_owned();
        let work = tempfile::tempdir().expect("tempdir");
        exercise(
            work.path(),
            &name,
            &std::fs::read(&path).expect("the saved input"),
        );
        println!("fuzz_dataset: {} passes every check", path.display());
        return;
    }
    let corpus_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let corpus: Vec<Vec<u8>> = std::fs::read_dir(&corpus_dir)
        .expect("the committed corpus")
        .filter_map(Result::ok)
        .map(|e| std::fs::read(e.path()).expect("corpus file"))
        .collect();
    assert!(!corpus.is_empty(), "empty corpus at {}", corpus_dir.display());
    println!(
        "fuzz_dataset: seed {seed}, {} corpus files, {seconds} s",
        corpus.len()
    );
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let work = tempfile::tempdir().expect("tempdir");
    // Panics are reported by us, with the input that caused them.
    std::panic::set_hook(Box::new(|_| {}));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut runs, mut large) = (0u64, 0u64);
    while Instant::now() < deadline {
        let mut input = corpus[rng.random_range(0..corpus.len())].clone();
        if runs % 25 == 0 {
            input = grow_past_batch(&mut rng, &input);
            large += 1;
        }
        for _ in 0..rng.random_range(1..6) {
            mutate(&mut rng, &mut input, &corpus);
        }
        let name = ["x.jsonl", "x.json", "x.jsonl.gz", "x.json.gz", "x.txt", "x"][rng.random_range(0..6)];
        let bytes = if name.ends_with(".gz") || rng.random_ratio(1, 20) {
            gzip(&input)
        } else {
            input
        };
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| exercise(work.path(), name, &bytes)));
        if let Err(problem) = outcome {
            let message = problem
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| problem.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let saved = save_crash(name, &bytes);
            eprintln!(
                "fuzz_dataset: FAILED on run {runs} (seed {seed}): {message}\n  input saved to {}",
                saved.display()
            );
            std::process::exit(1);
        }
        runs += 1;
    }
    println!("fuzz_dataset: {runs} inputs ({large} above the 4 MiB batch), no failure");
}

/// Repeats the input's lines until it is a little larger than one batch, so records straddle the boundary.
fn grow_past_batch(rng: &mut ChaCha8Rng, seed: &[u8]) -> Vec<u8> {
    let mut line = seed.to_vec();
    if !line.ends_with(b"\n") {
        line.push(b'\n');
    }
    let target = BATCH + rng.random_range(0..BATCH / 2);
    let mut out = Vec::with_capacity(target + line.len());
    while out.len() < target {
        out.extend_from_slice(&line);
    }
    out
}

const INTERESTING: &[&[u8]] = &[
    b"\n",
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\\",
    b"\r\n",
    b"\xff",
    b"\xef\xbb\xbf",
    b"null",
    b"\\u0000",
    b"1e999",
    b"\"role\"",
    b"\"content\"",
];

fn mutate(rng: &mut ChaCha8Rng, input: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    let len = input.len();
    match rng.random_range(0..8) {
        0 if len > 0 => {
            let at = rng.random_range(0..len);
            input[at] ^= 1 << rng.random_range(0..8);
        }
        1 => {
            let at = rng.random_range(0..=len);
            let piece = INTERESTING[rng.random_range(0..INTERESTING.len())];
            input.splice(at..at, piece.iter().copied());
        }
        2 if len > 0 => {
            let start = rng.random_range(0..len);
            let end = (start + rng.random_range(1..64)).min(len);
            input.drain(start..end);
        }
        3 if len > 0 => input.truncate(rng.random_range(0..len)),
        4 => {
            let other = &corpus[rng.random_range(0..corpus.len())];
            if !other.is_empty() {
                let from = rng.random_range(0..other.len());
                let at = rng.random_range(0..=len);
                input.splice(at..at, other[from..].iter().copied());
            }
        }
        5 if len > 0 => {
            // A repeated chunk: repeated keys, repeated records.
            let start = rng.random_range(0..len);
            let end = (start + rng.random_range(1..256)).min(len);
            let chunk = input[start..end].to_vec();
            input.splice(end..end, chunk);
        }
        6 if len > 0 => {
            // A long run of one byte: a huge string, number or blank.
            let at = rng.random_range(0..len);
            let byte = [b'a', b'9', b' ', b'"'][rng.random_range(0..4)];
            let run = rng.random_range(1..100_000);
            input.splice(at..at, std::iter::repeat_n(byte, run));
        }
        _ => {}
    }
}

fn exercise(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    let cancel = AtomicBool::new(false);
    let report = validate_file(&path, &ValidateOptions::default(), &|_, _| {}, &cancel)
        .expect("content never makes Err");
    check(&report);
    read_examples(&path, None, 0, 5).expect("samples");
    detect_format(&path).expect("detect");
    let out = dir.join("out.jsonl");
    let opts = ConvertOptions {
        validation_split: Some(0.5),
        seed: 1,
        ..Default::default()
    };
    let summary = convert_to_openai_messages(&path, &out, &opts, &|_, _| {}, &cancel).expect("convert");
    assert_eq!(
        summary.train_examples + summary.validation_examples,
        report.training_examples,
        "conversion and validation disagree"
    );
}

fn check(r: &ValidationReport) {
    assert!(r.errors.len() as u64 <= r.error_count);
    assert!(r.warnings.len() as u64 <= r.warning_count);
    assert!(!r.valid || (r.error_count == 0 && r.training_examples > 0));
    assert!(r.training_pairs >= r.training_examples);
    assert!(r.tokens.per_example.min <= r.tokens.per_example.max);
    for e in &r.errors {
        assert!(e.suggestion.is_some(), "{e:?} has no suggestion");
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

fn save_crash(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-crashes");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{}-{name}", std::process::id()));
    let _ = std::fs::write(&path, bytes);
    path
}
