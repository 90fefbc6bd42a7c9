//! The readiness checklist: warnings the user sees before training, never silent blocks.

use super::{ReadinessCheck, ValidationReport};

/// Fewer training pairs than this fails the `enough_training_pairs` check. Ten is the least that
/// gives a LoRA adapter anything to learn from beyond noise; real runs want hundreds.
pub const MIN_TRAINING_PAIRS: u64 = 10;

/// A mean quality score below this (v4's 1–5 scale) fails the `quality_score` check.
pub const MIN_MEAN_QUALITY: f64 = 3.0;

fn check(id: &str, label: &str, passed: bool, detail: String) -> ReadinessCheck {
    ReadinessCheck {
        id: id.into(),
        label: label.into(),
        passed,
        detail,
    }
}

/// Builds the checklist from a finished report.
pub(crate) fn checklist(r: &ValidationReport) -> Vec<ReadinessCheck> {
    let mut checks = vec![
        check(
            "format_recognised",
            "Format recognised",
            r.format.is_some(),
            r.format.map_or_else(
                || "no record matches a known format".to_string(),
                |f| f.to_string(),
            ),
        ),
        check(
            "no_errors",
            "No errors",
            r.error_count == 0,
            format!("{} errors, {} warnings", r.error_count, r.warning_count),
        ),
        check(
            "enough_training_pairs",
            "Enough training pairs",
            r.training_pairs >= MIN_TRAINING_PAIRS,
            format!(
                "{} training pairs (at least {MIN_TRAINING_PAIRS} recommended)",
                r.training_pairs
            ),
        ),
    ];
    if let Some(q) = &r.stats.quality {
        let passed = q.scored_examples > 0 && q.mean >= MIN_MEAN_QUALITY;
        let detail = if q.scored_examples == 0 {
            "no example carries a quality score".to_string()
        } else {
            format!(
                "mean {:.2} (min {}, max {}) over {} examples, {} human-reviewed; at least {MIN_MEAN_QUALITY} recommended",
                q.mean, q.min, q.max, q.scored_examples, q.human_reviewed
            )
        };
        checks.push(check("quality_score", "Quality score", passed, detail));
    }
    checks
}
