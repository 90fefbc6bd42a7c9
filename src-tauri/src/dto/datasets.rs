//! Dataset shapes for the UI: library entries, list queries, the validation report and samples.

use std::collections::BTreeMap;

use brightrun_core::dataset::{Example, Issue, ValidationReport};
use brightrun_core::store::{Dataset, DatasetPage};
use serde::{Deserialize, Serialize};

use super::count;
use super::dataset_sorts::DatasetSortView;

/// One dataset of the library (the list's card, the detail's header).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DatasetSummary {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// `validating`, `ready` or `error`.
    pub status: String,
    /// Why validation could not run, when that is why the status is `error`.
    pub error_message: Option<String>,
    pub sha256: String,
    pub original_file_name: String,
    /// The stored copy, relative to the data folder.
    pub file_path: String,
    pub bytes: f64,
    /// Stable format id (`brightrun_lora_v4`, `openai_messages`…), once recognised.
    pub format: Option<String>,
    pub conversations: f64,
    pub training_examples: f64,
    pub training_pairs: f64,
    pub tokens_total: f64,
    pub error_count: f64,
    pub warning_count: f64,
    /// Every readiness check passed.
    pub ready: bool,
    pub created_at: String,
    pub updated_at: String,
    pub validated_at: Option<String>,
    /// Set while the dataset is in the trash.
    pub deleted_at: Option<String>,
    /// Mean quality score (v4, 1–5); absent when the format carries none.
    pub quality_mean: Option<f64>,
    /// When the newest training job on it was created; absent when never trained on.
    pub last_used_at: Option<String>,
}

impl From<Dataset> for DatasetSummary {
    fn from(d: Dataset) -> Self {
        Self {
            id: d.id,
            name: d.name,
            description: d.description,
            status: d.status.as_str().to_owned(),
            error_message: d.error_message,
            sha256: d.sha256,
            original_file_name: d.original_file_name,
            file_path: d.file_path,
            bytes: count(d.bytes),
            format: d.format.map(|f| f.as_str().to_owned()),
            conversations: count(d.conversations),
            training_examples: count(d.training_examples),
            training_pairs: count(d.training_pairs),
            tokens_total: count(d.tokens_total),
            error_count: count(d.error_count),
            warning_count: count(d.warning_count),
            ready: d.ready,
            created_at: d.created_at,
            updated_at: d.updated_at,
            validated_at: d.validated_at,
            deleted_at: d.deleted_at,
            quality_mean: d.quality_mean,
            last_used_at: d.last_used_at,
        }
    }
}

/// Which datasets the list shows. Sort, format and status use the core's stable ids.
#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DatasetListQuery {
    pub search: Option<String>,
    /// `newest` when absent.
    pub sort: Option<DatasetSortView>,
    pub format: Option<String>,
    pub status: Option<String>,
    pub ready: Option<bool>,
    /// List the trash instead of the library.
    pub trash: bool,
    /// 1-based.
    pub page: u32,
    /// 1 to 500; 0 means the default of 25.
    pub per_page: u32,
}

/// One page of the list and how many match in all.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DatasetListPage {
    pub items: Vec<DatasetSummary>,
    pub total: f64,
    pub page: u32,
    pub per_page: u32,
}

impl From<DatasetPage> for DatasetListPage {
    fn from(p: DatasetPage) -> Self {
        Self {
            items: p.items.into_iter().map(DatasetSummary::from).collect(),
            total: count(p.total),
            page: p.page,
            per_page: p.per_page,
        }
    }
}

/// The stats bar over the whole library (trash excluded).
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LibraryStats {
    pub datasets: f64,
    pub ready: f64,
    pub conversations: f64,
    pub training_examples: f64,
}

/// A dataset with its last validation report.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DatasetDetailView {
    pub dataset: DatasetSummary,
    /// `None` while validating or when validation could not run.
    pub report: Option<ReportView>,
}

/// The validation report (see the core's `ValidationReport`).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportView {
    pub file: String,
    pub format: Option<String>,
    pub valid: bool,
    pub conversations: f64,
    pub training_examples: f64,
    pub training_pairs: f64,
    /// v4 user-turn records, skipped on purpose.
    pub skipped_records: f64,
    pub error_count: f64,
    pub warning_count: f64,
    /// The first errors then the first warnings, in file order within each.
    pub issues: Vec<IssueView>,
    pub tokens_total: f64,
    /// `exact` or `estimate`.
    pub token_method: String,
    pub tokens_min: f64,
    pub tokens_p50: f64,
    pub tokens_p95: f64,
    pub tokens_max: f64,
    pub bytes: f64,
    pub sha256: String,
    pub avg_turns_per_conversation: f64,
    pub avg_tokens_per_turn: f64,
    pub examples_over_max_seq_len: f64,
    pub max_seq_len: f64,
    pub histogram: Vec<HistogramBinView>,
    pub quality: Option<QualityView>,
    /// v4 scaffolding distributions (personas, emotional arcs, topics).
    pub scaffolding: Vec<DistributionView>,
    pub readiness: Vec<ReadinessView>,
    /// Tool use among the training examples.
    pub tools: ToolStatsView,
}

/// Tool use among the training examples (all 0 without tool calls).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ToolStatsView {
    pub conversations_with_calls: f64,
    pub calls: f64,
    pub distinct_tools: f64,
}

/// One error or warning.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IssueView {
    /// `error` or `warning`.
    pub severity: String,
    /// 1-based line; 0 for the whole file.
    pub line: f64,
    pub path: Option<String>,
    pub code: String,
    pub message: String,
    pub suggestion: Option<String>,
}

/// Examples with `start <= tokens < end`.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct HistogramBinView {
    pub start: f64,
    pub end: f64,
    pub count: f64,
}

/// v4 quality scores.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QualityView {
    pub scored_examples: f64,
    pub min: f64,
    pub mean: f64,
    pub max: f64,
    pub human_reviewed: f64,
    pub distribution: Vec<CountView>,
}

/// A named distribution: value → how many.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DistributionView {
    pub name: String,
    pub values: Vec<CountView>,
}

/// One value of a distribution.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CountView {
    pub value: String,
    pub count: f64,
}

/// One line of the readiness checklist.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ReadinessView {
    pub id: String,
    pub label: String,
    pub passed: bool,
    pub detail: String,
}

fn issues(severity: &str, list: Vec<Issue>) -> impl Iterator<Item = IssueView> + '_ {
    list.into_iter().map(move |i| IssueView {
        severity: severity.to_owned(),
        line: count(i.line),
        path: i.path,
        code: i.code,
        message: i.message,
        suggestion: i.suggestion,
    })
}

fn counts(map: BTreeMap<String, u64>) -> Vec<CountView> {
    map.into_iter()
        .map(|(value, n)| CountView {
            value,
            count: count(n),
        })
        .collect()
}

impl From<ValidationReport> for ReportView {
    fn from(r: ValidationReport) -> Self {
        let stats = r.stats;
        let mut all_issues: Vec<IssueView> = issues("error", r.errors).collect();
        all_issues.extend(issues("warning", r.warnings));
        Self {
            file: r.file,
            format: r.format.map(|f| f.as_str().to_owned()),
            valid: r.valid,
            conversations: count(r.conversations),
            training_examples: count(r.training_examples),
            training_pairs: count(r.training_pairs),
            skipped_records: count(r.skipped_records),
            error_count: count(r.error_count),
            warning_count: count(r.warning_count),
            issues: all_issues,
            tokens_total: count(r.tokens.total),
            token_method: serde_json::to_value(r.tokens.method)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            tokens_min: count(r.tokens.per_example.min),
            tokens_p50: count(r.tokens.per_example.p50),
            tokens_p95: count(r.tokens.per_example.p95),
            tokens_max: count(r.tokens.per_example.max),
            bytes: count(r.bytes),
            sha256: r.sha256,
            avg_turns_per_conversation: stats.avg_turns_per_conversation,
            avg_tokens_per_turn: stats.avg_tokens_per_turn,
            examples_over_max_seq_len: count(stats.examples_over_max_seq_len),
            max_seq_len: stats.max_seq_len as f64,
            histogram: stats
                .histogram
                .into_iter()
                .map(|b| HistogramBinView {
                    start: count(b.start),
                    end: count(b.end),
                    count: count(b.count),
                })
                .collect(),
            quality: stats.quality.map(|q| QualityView {
                scored_examples: count(q.scored_examples),
                min: q.min,
                mean: q.mean,
                max: q.max,
                human_reviewed: count(q.human_reviewed),
                distribution: counts(q.distribution),
            }),
            scaffolding: stats
                .scaffolding
                .into_iter()
                .map(|(name, values)| DistributionView {
                    name,
                    values: counts(values),
                })
                .collect(),
            readiness: r
                .readiness
                .into_iter()
                .map(|c| ReadinessView {
                    id: c.id,
                    label: c.label,
                    passed: c.passed,
                    detail: c.detail,
                })
                .collect(),
            tools: ToolStatsView {
                conversations_with_calls: count(r.tools.conversations_with_calls),
                calls: count(r.tools.calls),
                distinct_tools: count(r.tools.distinct_tools),
            },
        }
    }
}

/// One normalised training example, as the Samples tab draws it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SampleView {
    /// Line where the record starts.
    pub line: f64,
    pub conversation_id: Option<String>,
    pub messages: Vec<MessageView>,
    /// The functions the assistant may call, each as pretty-printed JSON.
    pub tools: Vec<String>,
}

/// One message: `system`, `user`, `assistant` or `tool` (a tool result).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub role: String,
    /// Empty for an assistant message that only calls tools.
    pub content: String,
    /// The assistant's reasoning before its answer.
    pub reasoning: Option<String>,
    pub tool_calls: Vec<ToolCallView>,
    /// For a tool result: the call it answers, and the function's name.
    pub tool_call_id: Option<String>,
    pub name: Option<String>,
    /// False for an assistant message with `weight: 0` (context, no loss).
    pub trained: bool,
}

/// One function call of the assistant.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ToolCallView {
    pub id: String,
    pub name: String,
    /// The arguments, pretty-printed JSON.
    pub arguments: String,
}

fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| json.to_string())
}

impl From<Example> for SampleView {
    fn from(e: Example) -> Self {
        Self {
            line: count(e.line),
            conversation_id: e.conversation_id,
            messages: e
                .messages
                .into_iter()
                .map(|m| MessageView {
                    role: m.role.as_str().to_owned(),
                    content: m.content,
                    reasoning: m.reasoning,
                    tool_calls: m
                        .tool_calls
                        .into_iter()
                        .map(|c| ToolCallView {
                            arguments: pretty(&c.arguments),
                            id: c.id,
                            name: c.name,
                        })
                        .collect(),
                    tool_call_id: m.tool_call_id,
                    name: m.name,
                    trained: m.weight != Some(0),
                })
                .collect(),
            tools: e
                .tools
                .iter()
                .map(|t| serde_json::to_string_pretty(t).unwrap_or_default())
                .collect(),
        }
    }
}

/// A file of an import batch, with the id to follow its progress events and to cancel it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportTicket {
    pub import_id: String,
    pub file: String,
}
