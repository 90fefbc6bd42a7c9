//! The `cost_records` table (migration `20261122050400_cost_records`): money spent, as the deltas of what each
//! job's cluster reported so far. A month's spend is the sum of its records.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use super::{time, Store, StoreError};

/// One amount spent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostRecord {
    /// Row id.
    pub id: i64,
    /// The job that spent it.
    pub job_id: String,
    /// US dollars (negative only if a cluster corrected its figure down).
    pub amount_usd: f64,
    /// What it paid for; `compute` (GPU-hours) for now.
    pub kind: String,
    /// When it was recorded.
    pub recorded_at: String,
}

/// The `cost_records` table of a store.
pub struct CostRecords<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The cost records.
    pub fn cost_records(&self) -> CostRecords<'_> {
        CostRecords {
            conn: self.connection(),
        }
    }
}

impl CostRecords<'_> {
    /// Records `amount_usd` of compute spent by `job_id` at `at`.
    pub fn record(&self, job_id: &str, amount_usd: f64, at: DateTime<Utc>) -> Result<(), StoreError> {
        if !amount_usd.is_finite() {
            return Err(StoreError::InvalidInput {
                field: "amount_usd".into(),
                message: format!("{amount_usd} is not an amount"),
            });
        }
        self.conn.execute(
            "INSERT INTO cost_records (job_id, amount_usd, kind, recorded_at) VALUES (?1, ?2, 'compute', ?3)",
            params![job_id, amount_usd, time::format(at)],
        )?;
        Ok(())
    }

    /// Total spent in the calendar month (UTC) that contains `at`.
    pub fn spent_in_month_of(&self, at: DateTime<Utc>) -> Result<f64, StoreError> {
        let start = month_start(at.year(), at.month()).unwrap_or(at);
        let (next_year, next_month) = if at.month() == 12 {
            (at.year() + 1, 1)
        } else {
            (at.year(), at.month() + 1)
        };
        let end = month_start(next_year, next_month).unwrap_or(at);
        let total: Option<f64> = self.conn.query_row(
            "SELECT SUM(amount_usd) FROM cost_records WHERE recorded_at >= ?1 AND recorded_at < ?2",
            [time::format(start), time::format(end)],
            |row| row.get(0),
        )?;
        Ok(total.unwrap_or(0.0))
    }

    /// Every record of `job_id`, oldest first.
    pub fn for_job(&self, job_id: &str) -> Result<Vec<CostRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, job_id, amount_usd, kind, recorded_at FROM cost_records WHERE job_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([job_id], |row| {
            Ok(CostRecord {
                id: row.get(0)?,
                job_id: row.get(1)?,
                amount_usd: row.get(2)?,
                kind: row.get(3)?,
                recorded_at: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn month_start(year: i32, month: u32) -> Option<DateTime<Utc>> {
    Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).single()
}
