//! What training cost: totals over the last N days by day, job, GPU type and kind (compute, storage,
//! transfer, as the cluster reports them), and the same rows as CSV. One query joins the cost records with
//! their jobs; the CLI's `brightrun costs` and the app's Costs page both read these figures.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::store::{time, Store, StoreError};

/// The longest period a summary covers (a year and a day of margin for leap years).
pub const MAX_DAYS: u32 = 366;

/// What one job spent on one day for one kind of cost: the unit every total is a sum of, and a CSV row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostRow {
    /// The day (UTC), `YYYY-MM-DD`.
    pub date: String,
    /// The job.
    pub job_id: String,
    /// Its name.
    pub name: String,
    /// Its GPU type.
    pub gpu: String,
    /// `spot` or `on_demand`.
    pub capacity: String,
    /// `compute`, `storage` or `transfer`.
    pub kind: String,
    /// US dollars.
    pub usd: f64,
}

/// The spend of one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayCost {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// US dollars (0 on a day without spend: the chart has every day).
    pub usd: f64,
}

/// The spend of one job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobCost {
    /// The job.
    pub job_id: String,
    /// Its name.
    pub name: String,
    /// US dollars.
    pub usd: f64,
}

/// The spend on one GPU type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpuCost {
    /// GPU type, e.g. `h100` or `cpu`.
    pub gpu: String,
    /// US dollars.
    pub usd: f64,
}

/// The spend of one kind of cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KindCost {
    /// `compute`, `storage` or `transfer`.
    pub kind: String,
    /// US dollars.
    pub usd: f64,
}

/// Spend over the last `days` days, today included (`brightrun costs --json`, docs/cli.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostSummary {
    /// Days covered.
    pub days: u32,
    /// Total (USD).
    pub total_usd: f64,
    /// Every day of the period, oldest first.
    pub by_day: Vec<DayCost>,
    /// Jobs that spent, most expensive first.
    pub by_job: Vec<JobCost>,
    /// GPU types, most expensive first.
    pub by_gpu: Vec<GpuCost>,
    /// Kinds of cost, most expensive first (only `compute` until a cluster reports more).
    pub by_kind: Vec<KindCost>,
}

/// The first instant of the period of `days` days ending today (UTC) at `now`.
pub fn period_start(days: u32, now: DateTime<Utc>) -> DateTime<Utc> {
    let first_day = now.date_naive() - Duration::days(i64::from(days.max(1)) - 1);
    Utc.from_utc_datetime(&first_day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The period's spend by day, job, GPU type and kind, from one query (`days` is 1 to [`MAX_DAYS`]).
pub fn cost_rows(store: &Store, days: u32, now: DateTime<Utc>) -> Result<Vec<CostRow>, StoreError> {
    check_days(days)?;
    let since = time::format(period_start(days, now));
    let mut stmt = store.connection().prepare_cached(
        "SELECT substr(c.recorded_at, 1, 10) AS day, c.job_id, j.name, j.gpu_type, j.spot, c.kind, \
                SUM(c.amount_usd) \
         FROM cost_records c JOIN training_jobs j ON j.id = c.job_id \
         WHERE c.recorded_at >= ?1 \
         GROUP BY day, c.job_id, c.kind \
         ORDER BY day, j.name, c.job_id, c.kind",
    )?;
    let rows = stmt.query_map([since], |row| {
        let spot: bool = row.get(4)?;
        Ok(CostRow {
            date: row.get(0)?,
            job_id: row.get(1)?,
            name: row.get(2)?,
            gpu: row.get(3)?,
            capacity: if spot { "spot" } else { "on_demand" }.into(),
            kind: row.get(5)?,
            usd: row.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The spend of the last `days` days (today included) at `now`.
pub fn cost_summary(store: &Store, days: u32, now: DateTime<Utc>) -> Result<CostSummary, StoreError> {
    let rows = cost_rows(store, days, now)?;
    Ok(summarise(&rows, days, now))
}

/// Totals of `rows` (as [`cost_rows`] returns them) over the period of `days` days ending at `now`.
pub fn summarise(rows: &[CostRow], days: u32, now: DateTime<Utc>) -> CostSummary {
    let first = period_start(days, now).date_naive();
    let mut by_day: BTreeMap<NaiveDate, f64> = (0..i64::from(days.max(1)))
        .map(|d| (first + Duration::days(d), 0.0))
        .collect();
    let mut by_job: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    let mut by_gpu: BTreeMap<&str, f64> = BTreeMap::new();
    let mut by_kind: BTreeMap<&str, f64> = BTreeMap::new();
    for row in rows {
        if let Ok(day) = NaiveDate::parse_from_str(&row.date, "%Y-%m-%d") {
            *by_day.entry(day).or_default() += row.usd;
        }
        *by_job.entry((&row.job_id, &row.name)).or_default() += row.usd;
        *by_gpu.entry(&row.gpu).or_default() += row.usd;
        *by_kind.entry(&row.kind).or_default() += row.usd;
    }
    let mut by_job: Vec<JobCost> = by_job
        .into_iter()
        .map(|((job_id, name), usd)| JobCost {
            job_id: job_id.into(),
            name: name.into(),
            usd,
        })
        .collect();
    by_job.sort_by(|a, b| b.usd.total_cmp(&a.usd));
    let mut by_gpu: Vec<GpuCost> = by_gpu
        .into_iter()
        .map(|(gpu, usd)| GpuCost { gpu: gpu.into(), usd })
        .collect();
    by_gpu.sort_by(|a, b| b.usd.total_cmp(&a.usd));
    let mut by_kind: Vec<KindCost> = by_kind
        .into_iter()
        .map(|(kind, usd)| KindCost {
            kind: kind.into(),
            usd,
        })
        .collect();
    by_kind.sort_by(|a, b| b.usd.total_cmp(&a.usd));
    CostSummary {
        days,
        // A fold from +0.0: an empty `sum()` of floats is -0.0, which would print as `-0.0`.
        total_usd: rows.iter().fold(0.0, |total, r| total + r.usd),
        by_day: by_day
            .into_iter()
            .map(|(day, usd)| DayCost {
                date: day.format("%Y-%m-%d").to_string(),
                usd,
            })
            .collect(),
        by_job,
        by_gpu,
        by_kind,
    }
}

/// The CSV's columns: the fields of [`CostRow`], in order.
pub const CSV_HEADER: [&str; 7] = ["date", "job_id", "name", "gpu", "capacity", "kind", "usd"];

/// Writes `rows` as CSV with a header (`date,job_id,name,gpu,capacity,kind,usd`).
pub fn write_csv<W: Write>(rows: &[CostRow], out: W) -> Result<(), csv::Error> {
    // The header is written by hand so a period without spend still gets one.
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(out);
    writer.write_record(CSV_HEADER)?;
    for row in rows {
        writer.serialize(row)?;
    }
    writer.flush()?;
    Ok(())
}

/// `rows` as CSV text.
pub fn to_csv(rows: &[CostRow]) -> Result<String, csv::Error> {
    let mut out = Vec::new();
    write_csv(rows, &mut out)?;
    // The csv crate writes only what it was given, and every field here is a String or a number.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn check_days(days: u32) -> Result<(), StoreError> {
    if (1..=MAX_DAYS).contains(&days) {
        Ok(())
    } else {
        Err(StoreError::InvalidInput {
            field: "days".into(),
            message: format!("the period is 1 to {MAX_DAYS} days, not {days}"),
        })
    }
}
