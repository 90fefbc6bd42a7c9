//! The validation report: what the app's Datasets page, the CLI's `--json` and the store keep.

use super::DatasetFormat;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything validation learned about one file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ValidationReport {
    /// The path that was validated, as given.
    pub file: String,
    /// The format, given or detected; `None` when no record matched any format.
    pub format: Option<DatasetFormat>,
    /// True when the format is known, there are no errors and at least one training example.
    pub valid: bool,
    /// Distinct conversations among the valid records.
    pub conversations: u64,
    /// Examples the trainer will see (see docs/datasets.md for what counts as one per format).
    pub training_examples: u64,
    /// Assistant turns that carry loss.
    pub training_pairs: u64,
    /// Records skipped on purpose (v4 user-turn records whose `target_response` is null).
    pub skipped_records: u64,
    /// All errors found, including those not kept in `errors`.
    pub error_count: u64,
    /// The first errors (at most [`MAX_KEPT_ISSUES`]), in file order.
    pub errors: Vec<Issue>,
    /// All warnings found, including those not kept in `warnings`.
    pub warning_count: u64,
    /// The first warnings (at most [`MAX_KEPT_ISSUES`]), in file order.
    pub warnings: Vec<Issue>,
    /// Token counts over the training examples.
    pub tokens: TokenStats,
    /// Size of the file on disk.
    pub bytes: u64,
    /// SHA-256 of the file on disk (lowercase hex), the dataset's identity for the Cluster API.
    pub sha256: String,
    /// Shape statistics.
    pub stats: DatasetStats,
    /// The readiness checklist shown to the user (warnings, never silent blocks).
    pub readiness: Vec<ReadinessCheck>,
    /// Tool use among the training examples (all 0 for a file without tool calls).
    #[serde(default)]
    pub tools: ToolStats,
}

/// Tool use among the training examples.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ToolStats {
    /// Conversations with at least one assistant tool call.
    pub conversations_with_calls: u64,
    /// Tool calls made by the assistant, over all training examples.
    pub calls: u64,
    /// Distinct function names called.
    pub distinct_tools: u64,
}

/// How many errors and how many warnings a report keeps; the counts include the rest.
pub const MAX_KEPT_ISSUES: usize = 1000;

/// One error or warning about a record (or about the whole file, with `line` 0).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Issue {
    /// 1-based line where the record starts; 0 for a problem with the whole file.
    pub line: u64,
    /// JSON path of the offending value, e.g. `$.conversations[3].training_pairs[2]` in a document or
    /// `$.messages[1].role` inside a JSONL record; `None` when the record itself is the problem.
    pub path: Option<String>,
    /// Stable code, e.g. `invalid_json` (the list is in docs/datasets.md).
    pub code: String,
    /// What is wrong, for a person.
    pub message: String,
    /// How to fix it; errors always carry one.
    pub suggestion: Option<String>,
}

/// Whether token counts come from a real tokenizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenMethod {
    /// Counted with the model's `tokenizer.json`.
    Exact,
    /// Estimated as characters / 4 (see docs/datasets.md).
    Estimate,
}

/// Token totals over all training examples.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenStats {
    /// Sum over the training examples, template overhead included.
    pub total: u64,
    /// Exact or estimated.
    pub method: TokenMethod,
    /// Distribution of tokens per training example.
    pub per_example: TokenSummary,
}

/// Order statistics of tokens per example (all 0 when there are no examples).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct TokenSummary {
    /// Smallest example.
    pub min: u64,
    /// Median (nearest rank).
    pub p50: u64,
    /// 95th percentile (nearest rank).
    pub p95: u64,
    /// Largest example.
    pub max: u64,
}

/// Shape statistics of the training examples.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DatasetStats {
    /// Mean number of non-system messages per conversation (for v4: in its longest example).
    pub avg_turns_per_conversation: f64,
    /// Mean tokens per message over all training examples.
    pub avg_tokens_per_turn: f64,
    /// Examples longer than `max_seq_len` tokens (the trainer truncates them).
    pub examples_over_max_seq_len: u64,
    /// The maximum sequence length used for the check above.
    pub max_seq_len: usize,
    /// Histogram of tokens per example, equal-width bins from 0.
    pub histogram: Vec<HistogramBin>,
    /// Quality scores, for formats that carry them (v4).
    pub quality: Option<QualityStats>,
    /// Scaffolding distributions per conversation (v4): name (`personas`, `emotional_arcs`,
    /// `training_topics`) → value → conversations.
    pub scaffolding: BTreeMap<String, BTreeMap<String, u64>>,
    /// What truncation does at each maximum length the form offers (and at `max_seq_len`).
    #[serde(default)]
    pub truncation: Vec<Truncation>,
}

impl DatasetStats {
    /// The truncation figures at `max_seq_len`, when the report has them (reports older than this field don't).
    pub fn truncation_at(&self, max_seq_len: u32) -> Option<&Truncation> {
        self.truncation
            .iter()
            .find(|t| t.max_seq_len == u64::from(max_seq_len))
    }
}

/// What the trainer's truncation does at one maximum length. An example longer than it keeps its system prompt
/// and its last assistant turn and drops the oldest history turns first (docs/trainer.md).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Truncation {
    /// The maximum sequence length.
    pub max_seq_len: u64,
    /// Examples longer than it: shortened.
    pub shortened: u64,
    /// Examples whose system prompt and the last assistant turn's header alone fill it: they keep no target
    /// token and the trainer drops them.
    pub without_target: u64,
}

/// One histogram bin: examples with `start <= tokens < end`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HistogramBin {
    /// Inclusive lower bound in tokens.
    pub start: u64,
    /// Exclusive upper bound in tokens.
    pub end: u64,
    /// Examples in the bin.
    pub count: u64,
}

/// Quality scores of the training examples (v4 `training_metadata.quality_score`, scale 1–5).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct QualityStats {
    /// Examples that carry a numeric score.
    pub scored_examples: u64,
    /// Lowest score.
    pub min: f64,
    /// Mean score.
    pub mean: f64,
    /// Highest score.
    pub max: f64,
    /// Scores per bucket: `"<1"`, `"1-2"`, `"2-3"`, `"3-4"`, `"4-5"`, `">=5"` (lower bound inclusive).
    pub distribution: BTreeMap<String, u64>,
    /// Examples with `human_reviewed: true`.
    pub human_reviewed: u64,
}

/// One line of the readiness checklist.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReadinessCheck {
    /// Stable id: `format_recognised`, `no_errors`, `enough_training_pairs`, `quality_score`.
    pub id: String,
    /// Short label for the UI.
    pub label: String,
    /// Whether the check passes.
    pub passed: bool,
    /// The numbers behind it, for a person.
    pub detail: String,
}
