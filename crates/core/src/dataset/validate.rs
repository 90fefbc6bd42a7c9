//! `validate_file`: streams the file through the engine and folds each record into a report.

use super::codes;
use super::engine::{self, EngineOptions, ExampleOut, Flow, Record, RecordKind};
use super::normalise::SCAFFOLDING_NAMES;
use super::readiness;
use super::tokens::TokenCounter;
use super::{
    DatasetError, DatasetFormat, DatasetStats, HistogramBin, Issue, QualityStats, TokenStats, TokenSummary,
    ToolStats, ValidateOptions, ValidationReport, DEFAULT_MAX_SEQ_LEN, MAX_KEPT_ISSUES,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Validates a dataset file without loading it whole, reporting `progress(bytes_done, bytes_total)`.
/// Bad content is reported inside the [`ValidationReport`]; `Err` means the file could not be
/// read, the tokenizer could not be loaded, or `cancel` was set.
pub fn validate_file(
    path: &Path,
    opts: &ValidateOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<ValidationReport, DatasetError> {
    let tokens = TokenCounter::load(opts.tokenizer.as_deref())?;
    let max_seq_len = opts.max_seq_len.unwrap_or(DEFAULT_MAX_SEQ_LEN);
    let engine_opts = EngineOptions {
        format: opts.format,
        tokens: &tokens,
        want_messages: false,
    };
    let mut acc = Accumulator::new(max_seq_len);
    let info = engine::run(path, &engine_opts, progress, cancel, &mut |record, _| {
        acc.add(record);
        Flow::Continue
    })?;
    let broken = info.fatal.is_some();
    if let Some(fatal) = info.fatal {
        acc.error(fatal);
    }
    if info.records == 0 && !broken {
        acc.error(Issue {
            line: 0,
            path: None,
            code: codes::EMPTY_FILE.into(),
            message: "the file holds no records".into(),
            suggestion: codes::suggestion(codes::EMPTY_FILE).map(str::to_string),
        });
    } else if acc.examples == 0 && acc.error_count == 0 {
        acc.error(Issue {
            line: 0,
            path: None,
            code: codes::NO_TRAINING_EXAMPLES.into(),
            message: "no record is a training example".into(),
            suggestion: codes::suggestion(codes::NO_TRAINING_EXAMPLES).map(str::to_string),
        });
    }
    let sha256 = match info.sha256 {
        Some(s) => s,
        None => super::sha256_file(path)?,
    };
    Ok(acc.finish(path, info.format, info.bytes, sha256, tokens.method()))
}

/// Running totals over the records, in file order.
struct Accumulator {
    max_seq_len: usize,
    examples: u64,
    pairs: u64,
    skipped: u64,
    error_count: u64,
    errors: Vec<Issue>,
    warning_count: u64,
    warnings: Vec<Issue>,
    /// Tokens of each example, for the percentiles and the histogram (4 bytes an example).
    tokens: Vec<u32>,
    /// Tokens before the first target token of each example once its history is dropped (4 bytes an example).
    prefixes: Vec<u32>,
    token_total: u64,
    messages: u64,
    over_max: u64,
    /// Fingerprint of the normalised example → line of its first occurrence.
    seen: HashMap<u128, u64>,
    /// Conversation key → most turns in one of its examples.
    conversation_turns: HashMap<u64, u64>,
    /// Examples that name no conversation count as one each.
    anonymous_conversations: u64,
    anonymous_turns: u64,
    quality: Vec<f64>,
    human_reviewed: u64,
    scaffolding: BTreeMap<String, BTreeMap<String, u64>>,
    calls: u64,
    /// Conversations (by key) with a tool call; examples that name none count one each.
    conversations_with_calls: HashSet<u64>,
    anonymous_with_calls: u64,
    called: HashSet<String>,
}

impl Accumulator {
    fn new(max_seq_len: usize) -> Self {
        Accumulator {
            max_seq_len,
            examples: 0,
            pairs: 0,
            skipped: 0,
            error_count: 0,
            errors: Vec::new(),
            warning_count: 0,
            warnings: Vec::new(),
            tokens: Vec::new(),
            prefixes: Vec::new(),
            token_total: 0,
            messages: 0,
            over_max: 0,
            seen: HashMap::new(),
            conversation_turns: HashMap::new(),
            anonymous_conversations: 0,
            anonymous_turns: 0,
            quality: Vec::new(),
            human_reviewed: 0,
            scaffolding: BTreeMap::new(),
            calls: 0,
            conversations_with_calls: HashSet::new(),
            anonymous_with_calls: 0,
            called: HashSet::new(),
        }
    }

    fn error(&mut self, issue: Issue) {
        self.error_count += 1;
        if self.errors.len() < MAX_KEPT_ISSUES {
            self.errors.push(issue);
        }
    }

    fn warning(&mut self, issue: Issue) {
        self.warning_count += 1;
        if self.warnings.len() < MAX_KEPT_ISSUES {
            self.warnings.push(issue);
        }
    }

    fn add(&mut self, record: Record) {
        match record.kind {
            RecordKind::Meta => {}
            RecordKind::UserTurn { .. } => self.skipped += 1,
            RecordKind::Invalid { issues, .. } => {
                for d in issues {
                    self.error(engine::issue(record.line, record.path.as_deref(), d));
                }
            }
            RecordKind::Example(e) => self.example(record.line, record.path.as_deref(), *e),
        }
    }

    fn example(&mut self, line: u64, path: Option<&str>, e: ExampleOut) {
        self.examples += 1;
        self.pairs += e.pairs;
        self.token_total += e.tokens;
        self.tokens.push(u32::try_from(e.tokens).unwrap_or(u32::MAX));
        self.prefixes
            .push(u32::try_from(e.prefix_tokens).unwrap_or(u32::MAX));
        self.messages += e.messages_count;
        for d in e.warnings {
            self.warning(engine::issue(line, path, d));
        }
        if e.tokens > self.max_seq_len as u64 {
            self.over_max += 1;
            let message = format!(
                "{} tokens, over the maximum sequence length of {}",
                e.tokens, self.max_seq_len
            );
            self.warning(issue(line, path, codes::OVER_MAX_SEQ_LEN, message));
        }
        if let Some(first) = self.seen.get(&e.hash) {
            let message = format!("same example as line {first}");
            self.warning(issue(line, path, codes::DUPLICATE_EXAMPLE, message));
        } else {
            self.seen.insert(e.hash, line);
        }
        match e.conversation_key {
            Some(key) => {
                let new = !self.conversation_turns.contains_key(&key);
                let turns = self.conversation_turns.entry(key).or_insert(0);
                *turns = (*turns).max(e.turns);
                if new {
                    if let Some(values) = &e.scaffolding {
                        for (name, value) in SCAFFOLDING_NAMES.iter().zip(values) {
                            if let Some(v) = value {
                                *self
                                    .scaffolding
                                    .entry(name.to_string())
                                    .or_default()
                                    .entry(v.clone())
                                    .or_default() += 1;
                            }
                        }
                    }
                }
            }
            None => {
                self.anonymous_conversations += 1;
                self.anonymous_turns += e.turns;
            }
        }
        if e.calls > 0 {
            self.calls += e.calls;
            match e.conversation_key {
                Some(key) => {
                    self.conversations_with_calls.insert(key);
                }
                None => self.anonymous_with_calls += 1,
            }
            for name in e.called {
                if !self.called.contains(&name) {
                    self.called.insert(name);
                }
            }
        }
        if let Some(q) = e.quality {
            self.quality.push(q);
        }
        self.human_reviewed += u64::from(e.human_reviewed);
    }

    fn finish(
        self,
        path: &Path,
        format: Option<DatasetFormat>,
        bytes: u64,
        sha256: String,
        method: super::TokenMethod,
    ) -> ValidationReport {
        let conversations = self.conversation_turns.len() as u64 + self.anonymous_conversations;
        let all_turns: u64 = self.conversation_turns.values().sum::<u64>() + self.anonymous_turns;
        let mut sorted = self.tokens;
        sorted.sort_unstable();
        let mut prefixes = self.prefixes;
        prefixes.sort_unstable();
        let truncation = truncation(&sorted, &prefixes, self.max_seq_len);
        let stats = DatasetStats {
            avg_turns_per_conversation: ratio(all_turns, conversations),
            avg_tokens_per_turn: ratio(self.token_total, self.messages),
            examples_over_max_seq_len: self.over_max,
            max_seq_len: self.max_seq_len,
            histogram: histogram(&sorted),
            quality: quality_stats(&self.quality, self.human_reviewed, format),
            scaffolding: self.scaffolding,
            truncation,
        };
        let mut report = ValidationReport {
            file: path.display().to_string(),
            format,
            valid: false,
            conversations,
            training_examples: self.examples,
            training_pairs: self.pairs,
            skipped_records: self.skipped,
            error_count: self.error_count,
            errors: self.errors,
            warning_count: self.warning_count,
            warnings: self.warnings,
            tokens: TokenStats {
                total: self.token_total,
                method,
                per_example: summary(&sorted),
            },
            bytes,
            sha256,
            stats,
            readiness: Vec::new(),
            tools: ToolStats {
                conversations_with_calls: self.conversations_with_calls.len() as u64
                    + self.anonymous_with_calls,
                calls: self.calls,
                distinct_tools: self.called.len() as u64,
            },
        };
        report.valid = report.format.is_some() && report.error_count == 0 && report.training_examples > 0;
        report.readiness = readiness::checklist(&report);
        report
    }
}

fn issue(line: u64, path: Option<&str>, code: &'static str, message: String) -> Issue {
    Issue {
        line,
        path: path.map(str::to_string),
        code: code.to_string(),
        message,
        suggestion: codes::suggestion(code).map(str::to_string),
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u32], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    u64::from(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn summary(sorted: &[u32]) -> TokenSummary {
    TokenSummary {
        min: sorted.first().copied().map_or(0, u64::from),
        p50: percentile(sorted, 0.50),
        p95: percentile(sorted, 0.95),
        max: sorted.last().copied().map_or(0, u64::from),
    }
}

/// Truncation at each length the form offers and at `max_seq_len`: examples over it, and examples whose
/// unavoidable prefix (system prompt + the last assistant turn's header) reaches it.
fn truncation(sorted_tokens: &[u32], sorted_prefixes: &[u32], max_seq_len: usize) -> Vec<super::Truncation> {
    let mut lengths: Vec<u64> = crate::training::ranges::MAX_SEQ_LENS
        .iter()
        .map(|&l| u64::from(l))
        .chain([max_seq_len as u64])
        .collect();
    lengths.sort_unstable();
    lengths.dedup();
    let above = |sorted: &[u32], limit: u64, or_equal: bool| {
        let below = sorted.partition_point(|&t| {
            let t = u64::from(t);
            if or_equal {
                t < limit
            } else {
                t <= limit
            }
        });
        (sorted.len() - below) as u64
    };
    lengths
        .into_iter()
        .map(|l| super::Truncation {
            max_seq_len: l,
            shortened: above(sorted_tokens, l, false),
            without_target: above(sorted_prefixes, l, true),
        })
        .collect()
}

/// Up to 20 equal-width bins from 0, with a round width (1, 2 or 5 × a power of ten) so the labels read well.
pub(crate) fn histogram(sorted: &[u32]) -> Vec<HistogramBin> {
    let Some(&max) = sorted.last() else {
        return Vec::new();
    };
    let max = u64::from(max);
    let mut width = 1u64;
    'search: for exp in 0..12u32 {
        for m in [1u64, 2, 5] {
            width = m * 10u64.pow(exp);
            if (max / width) < 20 {
                break 'search;
            }
        }
    }
    let bins = (max / width + 1) as usize;
    let mut counts = vec![0u64; bins];
    for &t in sorted {
        let i = (u64::from(t) / width) as usize;
        counts[i.min(bins - 1)] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, count)| HistogramBin {
            start: i as u64 * width,
            end: (i as u64 + 1) * width,
            count,
        })
        .collect()
}

/// Quality buckets by the integer part of the score on v4's 1–5 scale.
fn quality_bucket(q: f64) -> &'static str {
    match q {
        q if q < 1.0 => "<1",
        q if q < 2.0 => "1-2",
        q if q < 3.0 => "2-3",
        q if q < 4.0 => "3-4",
        q if q < 5.0 => "4-5",
        _ => ">=5",
    }
}

fn quality_stats(scores: &[f64], human_reviewed: u64, format: Option<DatasetFormat>) -> Option<QualityStats> {
    if format != Some(DatasetFormat::BrightrunLoraV4) && scores.is_empty() {
        return None;
    }
    let mut distribution = BTreeMap::new();
    for q in scores {
        *distribution.entry(quality_bucket(*q).to_string()).or_insert(0) += 1;
    }
    let (min, max) = scores
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), q| {
            (lo.min(*q), hi.max(*q))
        });
    let mean = if scores.is_empty() {
        0.0
    } else {
        scores.iter().sum::<f64>() / scores.len() as f64
    };
    Some(QualityStats {
        scored_examples: scores.len() as u64,
        min: if scores.is_empty() { 0.0 } else { min },
        mean,
        max: if scores.is_empty() { 0.0 } else { max },
        distribution,
        human_reviewed,
    })
}
