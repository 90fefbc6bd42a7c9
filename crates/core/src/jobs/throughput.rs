//! A completed job's measured throughput, recorded once when the poller sees it complete: what calibrates the
//! estimates of later runs with the same settings (`jobs::estimate`, docs/estimator.md "Calibration").
//!
//! The rate is the median of the trainer's per-interval `tokens_per_second` (non-padding tokens) after the
//! first interval (warm-up: allocator, kernels, first batches), leaving out the intervals that held an
//! evaluation (the line that carries `val_loss` and the one after it, whose interval began before the
//! evaluation) — the median also shrugs off the intervals that held a checkpoint save.

use chrono::DateTime;
use serde_json::Value;

use crate::cluster::client::MetricsPoint;
use crate::store::training_jobs::{JobStatus, Throughput, TrainingJob};
use crate::store::{Store, StoreError};
use crate::training::estimator::median;

/// The throughput of a completed job from its metrics, summary and times; `None` when it reported no rate.
pub fn measure(job: &TrainingJob, points: &[MetricsPoint]) -> Option<Throughput> {
    let mut sorted: Vec<&MetricsPoint> = points.iter().collect();
    sorted.sort_by_key(|p| p.step);
    let steady: Vec<f64> = sorted
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(i, p)| p.val_loss.is_none() && sorted[i - 1].val_loss.is_none())
        .filter_map(|(_, p)| p.tokens_per_second)
        .collect();
    let any: Vec<f64> = sorted.iter().filter_map(|p| p.tokens_per_second).collect();
    let (rates, points_used) = if steady.is_empty() {
        (any.clone(), any.len())
    } else {
        (steady.clone(), steady.len())
    };
    let tokens_per_second = median(rates.into_iter().filter(|r| r.is_finite() && *r > 0.0).collect())?;
    let run_seconds = match (&job.started_at, &job.finished_at) {
        (Some(start), Some(end)) => {
            let start = DateTime::parse_from_rfc3339(start).ok()?;
            let end = DateTime::parse_from_rfc3339(end).ok()?;
            ((end - start).num_milliseconds() as f64 / 1000.0).max(0.0)
        }
        _ => return None,
    };
    let tokens_seen = job
        .summary
        .as_ref()
        .and_then(|s| s.get("tokens_seen"))
        .and_then(Value::as_f64)
        .filter(|t| *t > 0.0);
    let training_seconds = tokens_seen.map_or(run_seconds, |t| (t / tokens_per_second).min(run_seconds));
    // The estimator counts its own tokens (padding included, chars/4 when estimated): the same run's rate in
    // those units is what makes the estimate of an identical run land on this one's duration.
    let estimated_tokens = job
        .estimate
        .as_ref()
        .and_then(|e| e.get("training_tokens"))
        .and_then(Value::as_f64)
        .filter(|t| *t > 0.0);
    let estimator_tokens_per_second = match (estimated_tokens, tokens_seen) {
        (Some(estimated), Some(_)) if training_seconds > 0.0 => Some(estimated / training_seconds),
        _ => None,
    };
    // The estimate charges evaluation as validation tokens at that rate; the fixed costs are what remains, so
    // an identical run's estimate (fixed costs + training + evaluation) adds back up to this run.
    let validation_equivalents = job
        .estimate
        .as_ref()
        .and_then(|e| e.get("validation_token_equivalents"))
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let evaluation_seconds = estimator_tokens_per_second.map_or(0.0, |rate| validation_equivalents / rate);
    Some(Throughput {
        tokens_per_second,
        points: u32::try_from(points_used).unwrap_or(u32::MAX),
        run_seconds,
        training_seconds,
        overhead_seconds: (run_seconds - training_seconds - evaluation_seconds).max(0.0),
        estimator_tokens_per_second,
    })
}

/// Records the throughput of job `id` if it is completed and has none yet (inside the poller's transaction).
pub fn record_if_completed(s: &Store, id: &str) -> Result<(), StoreError> {
    let job = s.training_jobs().get(id)?;
    if job.status != JobStatus::Completed || job.throughput.is_some() {
        return Ok(());
    }
    let points = s.metrics().list(id)?;
    if let Some(throughput) = measure(&job, &points) {
        s.training_jobs().set_throughput(id, &throughput)?;
    }
    Ok(())
}
