//! The `metrics_points` table: one row per logging step of a job, written in batches.

use rusqlite::{params, Connection, TransactionBehavior};

use crate::api::MetricsPoint;
use crate::error::AgentError;

/// Writes `points` and the job's latest step in one transaction (one fsync for the whole batch).
pub fn append(conn: &mut Connection, job_id: &str, points: &[MetricsPoint]) -> Result<(), AgentError> {
    let Some(last) = points.iter().max_by_key(|p| p.step) else {
        return Ok(());
    };
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        // A step reported twice (a resumed run repeats nothing, but be safe) keeps the newest values.
        let mut insert = tx.prepare_cached(
            "INSERT OR REPLACE INTO metrics_points (job_id, step, epoch, train_loss, val_loss, learning_rate, \
             grad_norm, tokens_per_second, gpu_utilization, gpu_memory_gb, timestamp) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for p in points {
            insert.execute(params![
                job_id,
                p.step as i64,
                p.epoch,
                p.train_loss,
                p.val_loss,
                p.learning_rate,
                p.grad_norm,
                p.tokens_per_second,
                p.gpu_utilization,
                p.gpu_memory_gb,
                p.timestamp
            ])?;
        }
    }
    let latest = serde_json::to_string(last).map_err(|e| AgentError::Other(e.to_string()))?;
    tx.execute(
        "UPDATE jobs SET current_step = MAX(current_step, ?2), current_epoch = COALESCE(?3, current_epoch), \
         latest_metrics = ?4, status = CASE WHEN status = 'initializing' THEN 'running' ELSE status END \
         WHERE id = ?1",
        params![job_id, last.step as i64, last.epoch, latest],
    )?;
    tx.commit()?;
    Ok(())
}

/// Points with a step above `after_step`, in step order, at most `limit`.
pub fn after(
    conn: &Connection,
    job_id: &str,
    after_step: i64,
    limit: u32,
) -> Result<Vec<MetricsPoint>, AgentError> {
    let mut stmt = conn.prepare_cached(
        "SELECT step, epoch, train_loss, val_loss, learning_rate, grad_norm, tokens_per_second, gpu_utilization, \
         gpu_memory_gb, timestamp FROM metrics_points WHERE job_id = ?1 AND step > ?2 ORDER BY step LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![job_id, after_step, limit], |row| {
        Ok(MetricsPoint {
            step: row.get::<_, i64>(0)?.max(0) as u64,
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
