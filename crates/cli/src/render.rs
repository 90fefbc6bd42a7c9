//! Text output for people: reports, dataset lists and details. Scripts use `--json` instead, so this
//! may change wording freely.

use std::fmt::Write as _;

use brightrun_core::dataset::{ConvertSummary, Issue, TokenMethod, ValidationReport};
use brightrun_core::store::{Dataset, DatasetDetail, DatasetPage, ImportOutcome};

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The full validation report: summary, tokens, readiness, then the first `show` errors and warnings.
pub fn report(report: &ValidationReport, show: usize) -> String {
    let mut out = String::new();
    let verdict = if report.valid { "VALID" } else { "INVALID" };
    let format = report.format.map_or("not recognised", |f| f.as_str());
    let _ = writeln!(out, "{verdict}  {}", report.file);
    let _ = writeln!(out, "  Format:             {format}");
    let _ = writeln!(out, "  Conversations:      {}", thousands(report.conversations));
    let _ = writeln!(
        out,
        "  Training examples:  {}",
        thousands(report.training_examples)
    );
    let _ = writeln!(out, "  Training pairs:     {}", thousands(report.training_pairs));
    if report.skipped_records > 0 {
        let _ = writeln!(
            out,
            "  Skipped records:    {} (user turns)",
            thousands(report.skipped_records)
        );
    }
    let _ = writeln!(
        out,
        "  Errors / warnings:  {} / {}",
        thousands(report.error_count),
        thousands(report.warning_count)
    );
    let _ = writeln!(out, "  Size:               {} bytes", thousands(report.bytes));
    let _ = writeln!(out, "  SHA-256:            {}", report.sha256);
    let method = match report.tokens.method {
        TokenMethod::Exact => "exact",
        TokenMethod::Estimate => "estimated: characters / 4",
    };
    let per = &report.tokens.per_example;
    let _ = writeln!(out, "\nTokens ({method})");
    let _ = writeln!(out, "  Total:              {}", thousands(report.tokens.total));
    let _ = writeln!(
        out,
        "  Per example:        min {}, median {}, p95 {}, max {}",
        thousands(per.min),
        thousands(per.p50),
        thousands(per.p95),
        thousands(per.max)
    );
    if report.stats.examples_over_max_seq_len > 0 {
        let label = format!("Over {} tokens:", report.stats.max_seq_len);
        let _ = writeln!(
            out,
            "  {label:<20}{} examples (the trainer truncates them)",
            thousands(report.stats.examples_over_max_seq_len)
        );
    }
    // What truncation does at the checked length: shortened examples keep their system prompt and last assistant
    // turn (the oldest history goes first); those whose system prompt alone fills the length keep no target.
    let checked = u32::try_from(report.stats.max_seq_len).unwrap_or(u32::MAX);
    if let Some(t) = report.stats.truncation_at(checked) {
        if t.shortened > 0 {
            let _ = writeln!(
                out,
                "  {:<20}{} shortened (oldest history dropped first), {} keep no target token",
                format!("At {} tokens:", t.max_seq_len),
                thousands(t.shortened),
                thousands(t.without_target)
            );
        }
    }
    if !report.readiness.is_empty() {
        let _ = writeln!(out, "\nReadiness");
        for check in &report.readiness {
            let mark = if check.passed { "[x]" } else { "[ ]" };
            let _ = writeln!(out, "  {mark} {}: {}", check.label, check.detail);
        }
    }
    issues(&mut out, "Errors", &report.errors, report.error_count, show);
    issues(&mut out, "Warnings", &report.warnings, report.warning_count, show);
    out
}

fn issues(out: &mut String, title: &str, list: &[Issue], count: u64, show: usize) {
    if count == 0 {
        return;
    }
    let shown = list.len().min(show);
    let _ = writeln!(out, "\n{title} (showing {shown} of {})", thousands(count));
    for issue in list.iter().take(shown) {
        let place = if issue.line == 0 {
            "file".to_string()
        } else {
            format!("line {}", issue.line)
        };
        let at = issue
            .path
            .as_deref()
            .map(|p| format!(" at {p}"))
            .unwrap_or_default();
        let _ = writeln!(out, "  {place}{at} [{}] {}", issue.code, issue.message);
        if let Some(suggestion) = &issue.suggestion {
            let _ = writeln!(out, "      fix: {suggestion}");
        }
    }
}

/// What `convert` wrote.
pub fn convert_summary(summary: &ConvertSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Wrote {} training examples to {}",
        thousands(summary.train_examples),
        summary.train_path.display()
    );
    if let Some(path) = &summary.validation_path {
        let _ = writeln!(
            out,
            "Wrote {} validation examples to {}",
            thousands(summary.validation_examples),
            path.display()
        );
    }
    if summary.skipped_records > 0 {
        let _ = writeln!(
            out,
            "Skipped {} user-turn records",
            thousands(summary.skipped_records)
        );
    }
    if summary.errors > 0 {
        let _ = writeln!(
            out,
            "Left out {} invalid records; run `brightrun dataset validate` to see them",
            thousands(summary.errors)
        );
    }
    out
}

/// One line per imported file.
pub fn imported(dataset: &Dataset, outcome: ImportOutcome) -> String {
    let what = match outcome {
        ImportOutcome::Added => "Imported",
        ImportOutcome::AlreadyInLibrary => "Already in the library",
        ImportOutcome::Restored => "Restored from the trash",
    };
    let mut line = format!(
        "{what}: {} ({}) {}, {} training examples",
        dataset.name,
        dataset.id,
        dataset.status,
        thousands(dataset.training_examples)
    );
    if let Some(message) = &dataset.error_message {
        let _ = write!(line, " ({message})");
    } else if dataset.error_count > 0 {
        let _ = write!(
            line,
            ", {} errors: brightrun dataset show {}",
            thousands(dataset.error_count),
            dataset.id
        );
    }
    line.push('\n');
    line
}

/// A table of datasets and the page line under it.
pub fn dataset_page(page: &DatasetPage, deleted: bool) -> String {
    let mut out = String::new();
    if page.items.is_empty() {
        let _ = writeln!(
            out,
            "{} (total {})",
            if deleted {
                "The trash is empty on this page"
            } else {
                "No datasets on this page"
            },
            page.total
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{:<36}  {:<28}  {:<10}  {:<17}  {:>9}  {:>11}  {:<5}  CREATED",
        "ID", "NAME", "STATUS", "FORMAT", "EXAMPLES", "TOKENS", "READY"
    );
    for d in &page.items {
        let _ = writeln!(
            out,
            "{:<36}  {:<28}  {:<10}  {:<17}  {:>9}  {:>11}  {:<5}  {}",
            d.id,
            clip(&d.name, 28),
            d.status.as_str(),
            d.format.map_or("-", |f| f.as_str()),
            thousands(d.training_examples),
            thousands(d.tokens_total),
            if d.ready { "yes" } else { "no" },
            d.created_at
        );
    }
    let pages = page.total.div_ceil(u64::from(page.per_page)).max(1);
    let noun = if page.total == 1 { "dataset" } else { "datasets" };
    let _ = writeln!(out, "Page {} of {pages} ({} {noun})", page.page, page.total);
    out
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(width.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

/// One dataset with its report.
pub fn dataset_detail(detail: &DatasetDetail) -> String {
    let d = &detail.dataset;
    let mut out = String::new();
    let _ = writeln!(out, "{}", d.name);
    let _ = writeln!(out, "  Id:                 {}", d.id);
    if let Some(description) = &d.description {
        let _ = writeln!(out, "  Description:        {description}");
    }
    let _ = writeln!(out, "  Status:             {}", d.status);
    if let Some(message) = &d.error_message {
        let _ = writeln!(out, "  Problem:            {message}");
    }
    let _ = writeln!(
        out,
        "  Ready to train:     {}",
        if d.ready { "yes" } else { "no" }
    );
    let _ = writeln!(
        out,
        "  File:               {} (imported from {})",
        d.file_path, d.original_file_name
    );
    let _ = writeln!(out, "  Imported:           {}", d.created_at);
    if let Some(deleted) = &d.deleted_at {
        let _ = writeln!(out, "  In the trash since: {deleted}");
    }
    if let Some(r) = &detail.report {
        let _ = writeln!(out);
        out.push_str(&report(r, 20));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn clip_keeps_short_names_and_marks_cut_ones() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("a very long dataset name", 8), "a very …");
    }
}
