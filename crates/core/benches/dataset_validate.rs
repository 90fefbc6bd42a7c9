//! Validation throughput against bare JSON parses of the same bytes and a Python `json.loads` loop.
//!
//! `cargo bench -p brightrun-core --bench dataset_validate` generates a chat JSONL file
//! (`BRIGHTRUN_BENCH_MB` MiB, default 1024; in `BRIGHTRUN_BENCH_DIR` or a temporary folder), then
//! prints MiB/s for: bare parses (serde_json, sonic-rs, simd-json, one thread, reading the file the
//! same streaming way validation does), Python's `json.loads` per line, and `validate_file` with the
//! token estimate and with an exact BPE tokenizer trained here, each on 1 thread and on all cores.
//! Figures and the machine they came from are kept in docs/benchmarks.md.

use brightrun_core::dataset::{validate_file, ValidateOptions, ValidationReport};
use rand::{Rng, SeedableRng};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

const MIB: f64 = 1024.0 * 1024.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` passes `--bench`; a filter argument would make no sense here.
    let mib: u64 = std::env::var("BRIGHTRUN_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let tmp = tempfile::tempdir()?;
    let dir = std::env::var_os("BRIGHTRUN_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let data = dir.join(format!("bench-chat-{mib}MiB.jsonl"));
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("machine: {} logical CPUs, {}", threads, cpu_model());

    let started = Instant::now();
    let records = generate(&data, mib << 20)?;
    let bytes = std::fs::metadata(&data)?.len();
    println!(
        "generated {} ({:.0} MiB, {records} records) in {:.1} s",
        data.display(),
        bytes as f64 / MIB,
        started.elapsed().as_secs_f64()
    );
    // Read it once so every contender starts from the page cache.
    bare_parse(&data, |_| Ok(()))?;

    let mut rows: Vec<(String, f64)> = Vec::new();
    println!(
        "{:<48} {:>8} {:>11} {:>8} {:>6}",
        "", "wall", "throughput", "CPU", "cores"
    );
    let mut time = |name: &str, f: &mut dyn FnMut() -> Result<(), Box<dyn std::error::Error>>| {
        let cpu0 = cpu_seconds();
        let t = Instant::now();
        let result = f();
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        match result {
            Ok(()) => {
                let rate = bytes as f64 / MIB / secs;
                // CPU seconds show how many cores were really used: on a shared machine the
                // wall-clock rate alone cannot tell slow code from stolen cores.
                println!(
                    "{name:<48} {secs:>7.2}s {rate:>6.1} MiB/s {cpu:>7.2}s {:>6.2}",
                    cpu / secs
                );
                rows.push((name.to_string(), rate));
            }
            Err(e) => println!("{name:<48} skipped: {e}"),
        }
    };

    time("bare parse: serde_json::Value", &mut || {
        bare_parse(&data, |line| {
            serde_json::from_slice::<serde_json::Value>(line)
                .map(drop)
                .map_err(Into::into)
        })
    });
    time("bare parse: serde_json IgnoredAny (syntax only)", &mut || {
        bare_parse(&data, |line| {
            serde_json::from_slice::<serde::de::IgnoredAny>(line)
                .map(drop)
                .map_err(Into::into)
        })
    });
    time("bare parse: sonic_rs::Value", &mut || {
        bare_parse(&data, |line| {
            sonic_rs::from_slice::<sonic_rs::Value>(line)
                .map(drop)
                .map_err(Into::into)
        })
    });
    let mut scratch = Vec::new();
    time("bare parse: simd_json borrowed value", &mut || {
        bare_parse(&data, |line| {
            scratch.clear();
            scratch.extend_from_slice(line);
            simd_json::to_borrowed_value(&mut scratch)
                .map(drop)
                .map_err(Into::into)
        })
    });
    time("python3 json.loads loop", &mut || python_loop(&data));
    // The floor under validation: the report carries the file's SHA-256, computed while reading.
    time("sha256 of the file alone", &mut || {
        brightrun_core::dataset::sha256_file(&data)
            .map(drop)
            .map_err(Into::into)
    });

    let estimate = ValidateOptions::default();
    for n in [1, threads] {
        time(
            &format!("validate_file, token estimate, {n} thread(s)"),
            &mut || check(validate_in_pool(&data, &estimate, n)?),
        );
    }

    let tokenizer = dir.join("bench-tokenizer.json");
    let t = Instant::now();
    train_tokenizer(&data, &tokenizer, &dir)?;
    println!(
        "trained a byte-level BPE tokenizer (4096 tokens) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let exact = ValidateOptions {
        tokenizer: Some(tokenizer),
        ..Default::default()
    };
    let mut exact_rates = Vec::new();
    for n in [1, threads] {
        let name = format!("validate_file, exact tokens, {n} thread(s)");
        time(&name, &mut || check(validate_in_pool(&data, &exact, n)?));
        exact_rates.push(name);
    }

    let rate = |name: &str| rows.iter().find(|(n, _)| n == name).map(|(_, r)| *r);
    // "Bare parse" = parsing into a document; the IgnoredAny row only checks syntax and is shown
    // for reference.
    let fastest = rows
        .iter()
        .filter(|(n, _)| n.starts_with("bare parse") && !n.contains("syntax only"))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .cloned();
    let syntax = rate("bare parse: serde_json IgnoredAny (syntax only)");
    let val_n = rate(&format!("validate_file, token estimate, {threads} thread(s)"));
    let val_1 = rate("validate_file, token estimate, 1 thread(s)");
    println!();
    if let (Some((fname, frate)), Some(v1), Some(vn)) = (fastest, val_1, val_n) {
        println!(
            "validation / fastest bare parse ({fname}): {:.2}x on {threads} threads, {:.2}x on 1",
            vn / frate,
            v1 / frate
        );
    }
    if let (Some(s), Some(vn)) = (syntax, val_n) {
        println!(
            "validation / serde_json syntax-only pass: {:.2}x on {threads} threads",
            vn / s
        );
    }
    if let (Some(py), Some(vn)) = (rate("python3 json.loads loop"), val_n) {
        println!("validation / python json.loads loop: {:.1}x", vn / py);
    }
    if let (Some(e1), Some(en)) = (rate(&exact_rates[0]), rate(&exact_rates[1])) {
        println!(
            "exact tokens, {threads} threads / 1 thread: {:.2}x (ideal {threads}x)",
            en / e1
        );
    }
    Ok(())
}

fn check(r: ValidationReport) -> Result<(), Box<dyn std::error::Error>> {
    if r.error_count > 0 || r.training_examples == 0 {
        return Err(format!(
            "unexpected report: {} errors, {} examples",
            r.error_count, r.training_examples
        )
        .into());
    }
    Ok(())
}

fn validate_in_pool(
    path: &Path,
    opts: &ValidateOptions,
    threads: usize,
) -> Result<ValidationReport, Box<dyn std::error::Error>> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let cancel = AtomicBool::new(false);
    Ok(pool.install(|| validate_file(path, opts, &|_, _| {}, &cancel))?)
}

/// CPU time of this process and its waited-for children (the Python run), from /proc/self/stat
/// in clock ticks of 1/100 s (Linux's USER_HZ).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime, stime, cutime, cstime are 12th–15th.
    let after = stat.rsplit(')').next().unwrap_or("");
    let ticks: f64 = after
        .split_whitespace()
        .skip(11)
        .take(4)
        .filter_map(|f| f.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Streams the file the way validation does (4 MiB reads, lines found with memchr) and parses
/// each non-blank line on this thread.
fn bare_parse(
    path: &Path,
    mut parse: impl FnMut(&[u8]) -> Result<(), Box<dyn std::error::Error>>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 4 << 20];
    let mut carry = Vec::new();
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        let Some(last) = memchr::memrchr(b'\n', chunk) else {
            carry.extend_from_slice(chunk);
            continue;
        };
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', &chunk[..=last]) {
            if start == 0 && !carry.is_empty() {
                carry.extend_from_slice(&chunk[..nl]);
                if !carry.is_empty() {
                    parse(&carry)?;
                }
                carry.clear();
            } else if nl > start {
                parse(&chunk[start..nl])?;
            }
            start = nl + 1;
        }
        carry.extend_from_slice(&chunk[last + 1..]);
    }
    if !carry.iter().all(u8::is_ascii_whitespace) {
        parse(&carry)?;
    }
    Ok(())
}

fn python_loop(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let script = "import json, sys\nfor line in open(sys.argv[1], 'rb'):\n    if line.strip():\n        json.loads(line)\n";
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .status()?;
    if !status.success() {
        return Err(format!("python3 exited with {status}").into());
    }
    Ok(())
}

/// Writes deterministic `openai_messages` records until the file reaches `target` bytes.
fn generate(path: &Path, target: u64) -> Result<u64, Box<dyn std::error::Error>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    const SYLLABLES: [&str; 24] = [
        "ka", "lo", "mi", "ne", "ra", "su", "ti", "vo", "an", "el", "is", "ur", "qu", "pre", "con", "tra",
        "ment", "ing", "ex", "pro", "de", "re", "ul", "é",
    ];
    let words: Vec<String> = (0..3000)
        .map(|_| {
            let n = rng.random_range(1..4);
            (0..n)
                .map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())])
                .collect()
        })
        .collect();
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut written = 0u64;
    let mut records = 0u64;
    let mut line = String::new();
    let text = |rng: &mut rand_chacha::ChaCha8Rng, min: usize, max: usize| {
        let n = rng.random_range(min..max);
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                // Escapes appear in real data: newlines and quotes.
                s.push_str(match rng.random_range(0..40) {
                    0 => "\\n",
                    1 => ", ",
                    2 => ". ",
                    _ => " ",
                });
            }
            if rng.random_range(0..60) == 0 {
                s.push_str("\\\"quoted\\\" ");
            }
            s.push_str(&words[rng.random_range(0..words.len())]);
        }
        s
    };
    while written < target {
        line.clear();
        line.push_str("{\"messages\":[");
        if rng.random_range(0..2) == 0 {
            line.push_str("{\"role\":\"system\",\"content\":\"");
            line.push_str(&text(&mut rng, 10, 40));
            line.push_str("\"},");
        }
        let turns = rng.random_range(1..4);
        for t in 0..turns {
            if t > 0 {
                line.push(',');
            }
            line.push_str("{\"role\":\"user\",\"content\":\"");
            line.push_str(&text(&mut rng, 5, 60));
            line.push_str("\"},{\"role\":\"assistant\",\"content\":\"");
            line.push_str(&text(&mut rng, 20, 200));
            line.push_str("\"}");
        }
        line.push_str("]}\n");
        out.write_all(line.as_bytes())?;
        written += line.len() as u64;
        records += 1;
    }
    out.flush()?;
    Ok(records)
}

/// Trains a byte-level BPE on the first 16 MiB of the data's message text.
fn train_tokenizer(data: &Path, out: &Path, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    use tokenizers::decoders::DecoderWrapper;
    use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
    use tokenizers::normalizers::NormalizerWrapper;
    use tokenizers::pre_tokenizers::byte_level::ByteLevel;
    use tokenizers::pre_tokenizers::PreTokenizerWrapper;
    use tokenizers::processors::PostProcessorWrapper;
    use tokenizers::TokenizerBuilder;

    let corpus = dir.join("bench-corpus.txt");
    let mut text = BufWriter::new(std::fs::File::create(&corpus)?);
    let mut taken = 0usize;
    bare_parse(data, |line| {
        if taken < 16 << 20 {
            let v: serde_json::Value = serde_json::from_slice(line)?;
            for m in v["messages"].as_array().into_iter().flatten() {
                let c = m["content"].as_str().unwrap_or("");
                text.write_all(c.as_bytes())?;
                text.write_all(b"\n")?;
                taken += c.len() + 1;
            }
        }
        Ok(())
    })?;
    text.flush()?;
    drop(text);
    let mut trainer = BpeTrainerBuilder::new()
        .show_progress(false)
        .vocab_size(4096)
        .min_frequency(2)
        .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
        .build();
    let mut tokenizer = TokenizerBuilder::<
        BPE,
        NormalizerWrapper,
        PreTokenizerWrapper,
        PostProcessorWrapper,
        DecoderWrapper,
    >::new()
    .with_model(BPE::default())
    .with_normalizer(None)
    .with_pre_tokenizer(Some(PreTokenizerWrapper::ByteLevel(ByteLevel::default())))
    .with_post_processor(None)
    .with_decoder(Some(DecoderWrapper::ByteLevel(ByteLevel::default())))
    .build()
    .map_err(|e| e.to_string())?;
    let corpus = corpus.to_string_lossy().into_owned();
    tokenizer
        .train_from_files(&mut trainer, vec![corpus])
        .map_err(|e| e.to_string())?
        .save(out, false)
        .map_err(|e| e.to_string())?;
    Ok(())
}
