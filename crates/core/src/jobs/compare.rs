//! Comparing runs: two to six jobs side by side from the local metrics — final losses, the settings that
//! differ, and their loss curves by step and by tokens seen.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use crate::store::{Store, StoreError};

/// How many jobs a comparison takes.
pub const COMPARE_MIN: usize = 2;
/// More curves than this cannot be told apart on one chart.
pub const COMPARE_MAX: usize = 6;

/// One job in a comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComparedJob {
    /// Local job id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Base model.
    pub base_model: String,
    /// Status (`completed`, `failed`, …).
    pub status: String,
    /// Training loss at the last logged step.
    pub final_train_loss: Option<f64>,
    /// Validation loss at the last evaluation.
    pub final_val_loss: Option<f64>,
    /// The run's settings, by name.
    pub hyperparameters: Value,
}

/// A setting whose value is not the same in every job.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    /// The setting (`learning_rate`, `base_model`, …).
    pub field: String,
    /// Its value in each job, in the order of `jobs`.
    pub values: Vec<Value>,
}

/// The loss curve of one job: points `[x, loss]`, by step and by tokens seen.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LossSeries {
    /// Optimiser steps of the points.
    pub steps: Vec<u64>,
    /// Tokens seen at each step (from the tokens-per-second figures and time between points), when known.
    pub tokens_seen: Vec<Option<f64>>,
    /// Training loss at each step.
    pub train_loss: Vec<Option<f64>>,
    /// Validation loss at each step (None off evaluation steps).
    pub val_loss: Vec<Option<f64>>,
}

/// The `jobs compare` answer (`--json` contract).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The jobs, in the order asked.
    pub jobs: Vec<ComparedJob>,
    /// Settings that differ.
    pub differences: Vec<Difference>,
    /// Loss curves by job id.
    pub series: BTreeMap<String, LossSeries>,
}

/// Why a comparison cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// Not 2 to 6 jobs, or the same job twice.
    #[error("compare takes {COMPARE_MIN} to {COMPARE_MAX} different jobs, got {0}")]
    Count(usize),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Compares the jobs `ids` (ids or prefixes) of the local store.
pub fn compare_jobs(store: &Store, ids: &[String]) -> Result<Comparison, CompareError> {
    let mut jobs = Vec::new();
    for id in ids {
        let job = store.training_jobs().find(id)?;
        if jobs
            .iter()
            .any(|j: &crate::store::training_jobs::TrainingJob| j.id == job.id)
        {
            return Err(CompareError::Count(ids.len()));
        }
        jobs.push(job);
    }
    if !(COMPARE_MIN..=COMPARE_MAX).contains(&jobs.len()) {
        return Err(CompareError::Count(jobs.len()));
    }
    let mut compared = Vec::new();
    let mut series = BTreeMap::new();
    let mut settings: Vec<BTreeMap<String, Value>> = Vec::new();
    for job in &jobs {
        let points = store.metrics().list(&job.id)?;
        let final_train_loss = points.iter().rev().find_map(|p| p.train_loss);
        let final_val_loss = points.iter().rev().find_map(|p| p.val_loss);
        let hyperparameters = serde_json::to_value(&job.hyperparameters).unwrap_or(Value::Null);
        let mut flat: BTreeMap<String, Value> = hyperparameters
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        flat.insert("base_model".into(), json!(job.base_model));
        flat.insert("dataset_sha256".into(), json!(job.dataset_sha256));
        flat.insert("gpu_type".into(), json!(job.gpu_type));
        flat.insert("gpu_count".into(), json!(job.gpu_count));
        settings.push(flat);
        series.insert(job.id.clone(), loss_series(&points));
        compared.push(ComparedJob {
            id: job.id.clone(),
            name: job.name.clone(),
            base_model: job.base_model.clone(),
            status: job.status.as_str().to_string(),
            final_train_loss,
            final_val_loss,
            hyperparameters,
        });
    }
    let fields: std::collections::BTreeSet<&String> = settings.iter().flat_map(|s| s.keys()).collect();
    let differences = fields
        .into_iter()
        .filter_map(|field| {
            let values: Vec<Value> = settings
                .iter()
                .map(|s| s.get(field).cloned().unwrap_or(Value::Null))
                .collect();
            let differs = values.windows(2).any(|w| w[0] != w[1]);
            differs.then(|| Difference {
                field: field.clone(),
                values,
            })
        })
        .collect();
    Ok(Comparison {
        jobs: compared,
        differences,
        series,
    })
}

/// Tokens seen are not reported directly: they are integrated from the throughput and the time between points.
fn loss_series(points: &[crate::cluster::client::MetricsPoint]) -> LossSeries {
    let mut tokens = 0.0;
    let mut known = true;
    let mut last_time: Option<chrono::DateTime<chrono::FixedOffset>> = None;
    let mut tokens_seen = Vec::with_capacity(points.len());
    for p in points {
        let time = chrono::DateTime::parse_from_rfc3339(&p.timestamp).ok();
        match (p.tokens_per_second, last_time, time) {
            (Some(tps), Some(before), Some(now)) => {
                tokens += tps * (now - before).num_milliseconds().max(0) as f64 / 1000.0;
            }
            (Some(_), None, Some(_)) => {}
            _ => known = false,
        }
        last_time = time.or(last_time);
        tokens_seen.push(known.then_some(tokens));
    }
    LossSeries {
        steps: points.iter().map(|p| p.step).collect(),
        tokens_seen,
        train_loss: points.iter().map(|p| p.train_loss).collect(),
        val_loss: points.iter().map(|p| p.val_loss).collect(),
    }
}
