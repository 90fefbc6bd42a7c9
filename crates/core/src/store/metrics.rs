//! The `metrics_points` table (migration `20261122050100_metrics_points`): one row per logging step of a job.
//!
//! Points are upserted on (job, step): a step fetched again after a restart replaces its row, so the poller
//! can re-read any range and never loses or duplicates a point.

use rusqlite::{params, Connection};

use super::{Store, StoreError};
use crate::cluster::client::MetricsPoint;

/// The `metrics_points` table of a store.
pub struct Metrics<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The jobs' metrics points.
    pub fn metrics(&self) -> Metrics<'_> {
        Metrics {
            conn: self.connection(),
        }
    }
}

impl Metrics<'_> {
    /// Inserts or replaces `points` of `job_id`. Run it inside a transaction to write a batch with one commit
    /// (see [`Store::immediate`]); outside one, each point is its own commit.
    pub fn upsert(&self, job_id: &str, points: &[MetricsPoint]) -> Result<usize, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO metrics_points (job_id, step, epoch, train_loss, val_loss, learning_rate, grad_norm, \
             tokens_per_second, gpu_utilization, gpu_memory_gb, recorded_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
             ON CONFLICT (job_id, step) DO UPDATE SET epoch = excluded.epoch, train_loss = excluded.train_loss, \
             val_loss = excluded.val_loss, learning_rate = excluded.learning_rate, grad_norm = excluded.grad_norm, \
             tokens_per_second = excluded.tokens_per_second, gpu_utilization = excluded.gpu_utilization, \
             gpu_memory_gb = excluded.gpu_memory_gb, recorded_at = excluded.recorded_at",
        )?;
        for p in points {
            let step = i64::try_from(p.step).map_err(|_| StoreError::InvalidInput {
                field: "step".into(),
                message: format!("{} is too large", p.step),
            })?;
            stmt.execute(params![
                job_id,
                step,
                p.epoch,
                p.train_loss,
                p.val_loss,
                p.learning_rate,
                p.grad_norm,
                p.tokens_per_second,
                p.gpu_utilization,
                p.gpu_memory_gb,
                p.timestamp,
            ])?;
        }
        Ok(points.len())
    }

    /// The highest stored step of `job_id` (where the next incremental fetch continues), if any.
    pub fn max_step(&self, job_id: &str) -> Result<Option<u64>, StoreError> {
        let max: Option<i64> = self.conn.query_row(
            "SELECT MAX(step) FROM metrics_points WHERE job_id = ?1",
            [job_id],
            |row| row.get(0),
        )?;
        Ok(max.map(|s| s.max(0) as u64))
    }

    /// Every point of `job_id`, in step order.
    pub fn list(&self, job_id: &str) -> Result<Vec<MetricsPoint>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT step, epoch, train_loss, val_loss, learning_rate, grad_norm, tokens_per_second, \
             gpu_utilization, gpu_memory_gb, recorded_at FROM metrics_points WHERE job_id = ?1 ORDER BY step",
        )?;
        let rows = stmt.query_map([job_id], |row| {
            let step: i64 = row.get(0)?;
            Ok(MetricsPoint {
                step: step.max(0) as u64,
                epoch: row.get(1)?,
                train_loss: row.get(2)?,
                val_loss: row.get(3)?,
                learning_rate: row.get(4)?,
                grad_norm: row.get(5)?,
                tokens_per_second: row.get(6)?,
                gpu_utilization: row.get(7)?,
                gpu_memory_gb: row.get(8)?,
                timestamp: row.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many points `job_id` has.
    pub fn count(&self, job_id: &str) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM metrics_points WHERE job_id = ?1",
            [job_id],
            |row| row.get(0),
        )?;
        Ok(n.max(0) as u64)
    }
}

impl Store {
    /// Runs `f` in one IMMEDIATE transaction: everything it writes commits together (one fsync) or not at all.
    pub fn immediate<R>(&self, f: impl FnOnce(&Store) -> Result<R, StoreError>) -> Result<R, StoreError> {
        // IMMEDIATE takes the write lock up front, so a concurrent writer waits (busy_timeout) instead of
        // failing half-way through with SQLITE_BUSY on the upgrade from a read lock.
        let tx = rusqlite::Transaction::new_unchecked(
            self.connection(),
            rusqlite::TransactionBehavior::Immediate,
        )?;
        let out = f(self)?;
        tx.commit()?;
        Ok(out)
    }
}
