//! The Costs page and the dashboard's month: spend over 7/30/90 days, by GPU type and capacity, per job,
//! and as CSV. Built from the cost records (the deltas each poll recorded) and their jobs.

use std::collections::BTreeMap;

use brightrun_core::store::training_jobs::TrainingJob;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::{AppError, ErrorCode};
use crate::poller::{internal, JobsRuntime};

/// One cost record with its job's facts.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct CostLine {
    /// When (RFC 3339).
    pub recorded_at: String,
    /// The job.
    pub job_id: String,
    /// Its name.
    pub job_name: String,
    /// `compute`.
    pub kind: String,
    /// GPU type.
    pub gpu_type: String,
    /// `spot` or `on_demand`.
    pub capacity: String,
    /// USD.
    pub amount_usd: f64,
}

/// A total by some key.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct CostGroup {
    /// The key (a GPU type and capacity, a day, a job).
    pub key: String,
    /// USD.
    pub amount_usd: f64,
}

/// Spend over a period.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct CostSummary {
    /// Days covered.
    pub days: u32,
    /// Total (USD).
    pub total_usd: f64,
    /// By GPU type and capacity.
    pub by_type: Vec<CostGroup>,
    /// By day (YYYY-MM-DD), oldest first.
    pub by_day: Vec<CostGroup>,
    /// By job.
    pub by_job: Vec<CostGroup>,
    /// Every record, newest first.
    pub lines: Vec<CostLine>,
    /// This calendar month (UTC).
    pub month_spent_usd: f64,
    /// Monthly budget, if set.
    pub monthly_budget_usd: Option<f64>,
}

/// The periods the page offers.
pub const PERIODS: [u32; 3] = [7, 30, 90];

/// Spend over the last `days` (7, 30 or 90).
#[tauri::command]
#[specta::specta]
pub async fn cost_summary(runtime: State<'_, JobsRuntime>, days: u32) -> Result<CostSummary, AppError> {
    if !PERIODS.contains(&days) {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "the period is 7, 30 or 90 days",
        ));
    }
    let now = Utc::now();
    runtime
        .with_store(|s| -> Result<_, brightrun_core::store::StoreError> {
            let jobs = s.training_jobs().list(None)?;
            let mut lines = Vec::new();
            for job in &jobs {
                for record in s.cost_records().for_job(&job.id)? {
                    lines.push(line(job, record.recorded_at, record.kind, record.amount_usd));
                }
            }
            Ok(summarise(
                lines,
                days,
                now,
                s.cost_records().spent_in_month_of(now)?,
                s.settings().monthly_budget_usd()?,
            ))
        })
        .map_err(internal)
}

/// The period's records as CSV (recorded_at, job, name, kind, gpu, capacity, amount).
#[tauri::command]
#[specta::specta]
pub async fn cost_csv(runtime: State<'_, JobsRuntime>, days: u32) -> Result<String, AppError> {
    let summary = cost_summary(runtime, days).await?;
    Ok(to_csv(&summary.lines))
}

fn line(job: &TrainingJob, recorded_at: String, kind: String, amount_usd: f64) -> CostLine {
    CostLine {
        recorded_at,
        job_id: job.id.clone(),
        job_name: job.name.clone(),
        kind,
        gpu_type: job.gpu_type.clone(),
        capacity: if job.spot { "spot" } else { "on_demand" }.into(),
        amount_usd,
    }
}

/// Totals of the lines within `days` of `now`.
pub fn summarise(
    lines: Vec<CostLine>,
    days: u32,
    now: DateTime<Utc>,
    month_spent_usd: f64,
    monthly_budget_usd: Option<f64>,
) -> CostSummary {
    let since = now - Duration::days(i64::from(days));
    let mut lines: Vec<CostLine> = lines
        .into_iter()
        .filter(|l| {
            DateTime::parse_from_rfc3339(&l.recorded_at).is_ok_and(|at| at.with_timezone(&Utc) >= since)
        })
        .collect();
    lines.sort_by(|a, b| b.recorded_at.cmp(&a.recorded_at));
    let group = |key: &dyn Fn(&CostLine) -> String| -> Vec<CostGroup> {
        let mut totals: BTreeMap<String, f64> = BTreeMap::new();
        for l in &lines {
            *totals.entry(key(l)).or_default() += l.amount_usd;
        }
        totals
            .into_iter()
            .map(|(key, amount_usd)| CostGroup { key, amount_usd })
            .collect()
    };
    let by_type = group(&|l| format!("{} · {}", l.gpu_type, l.capacity.replace('_', "-")));
    let by_day = group(&|l| l.recorded_at.get(..10).unwrap_or(&l.recorded_at).to_string());
    let by_job = group(&|l| l.job_name.clone());
    CostSummary {
        days,
        total_usd: lines.iter().map(|l| l.amount_usd).sum(),
        by_type,
        by_day,
        by_job,
        lines,
        month_spent_usd,
        monthly_budget_usd,
    }
}

/// CSV with a header; fields with commas or quotes are quoted.
pub fn to_csv(lines: &[CostLine]) -> String {
    let mut out = String::from("recorded_at,job_id,job_name,kind,gpu_type,capacity,amount_usd\n");
    for l in lines {
        let fields = [
            l.recorded_at.clone(),
            l.job_id.clone(),
            l.job_name.clone(),
            l.kind.clone(),
            l.gpu_type.clone(),
            l.capacity.clone(),
            format!("{:.6}", l.amount_usd),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(at: &str, name: &str, gpu: &str, amount: f64) -> CostLine {
        CostLine {
            recorded_at: at.into(),
            job_id: "j".into(),
            job_name: name.into(),
            kind: "compute".into(),
            gpu_type: gpu.into(),
            capacity: "spot".into(),
            amount_usd: amount,
        }
    }

    #[test]
    fn period_filters_and_groups() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let lines = vec![
            l("2026-11-21T10:00:00Z", "a", "h100", 1.0),
            l("2026-11-20T10:00:00Z", "b", "h100", 2.0),
            l("2026-11-01T10:00:00Z", "c", "a100", 4.0),
        ];
        let s = summarise(lines.clone(), 7, now, 7.0, Some(10.0));
        assert_eq!(s.total_usd, 3.0);
        assert_eq!(s.by_type.len(), 1);
        assert_eq!(s.by_type[0].key, "h100 · spot");
        assert_eq!(s.lines[0].job_name, "a");
        let s = summarise(lines, 30, now, 7.0, None);
        assert_eq!(s.total_usd, 7.0);
        assert_eq!(s.by_day.first().map(|g| g.key.as_str()), Some("2026-11-01"));
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let csv = to_csv(&[l("2026-11-21T10:00:00Z", "a, \"b\"", "cpu", 0.5)]);
        assert_eq!(
            csv.lines().nth(1),
            Some("2026-11-21T10:00:00Z,j,\"a, \"\"b\"\"\",compute,cpu,spot,0.500000")
        );
    }
}
