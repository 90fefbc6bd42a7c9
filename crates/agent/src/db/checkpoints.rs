//! The `checkpoints` table: the checkpoints a trainer reported as saved, which a job can resume from.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::AgentError;

/// A saved checkpoint.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    pub step: u64,
    pub path: String,
    pub created_at: String,
}

/// Records a checkpoint the trainer has finished writing.
pub fn add(conn: &Connection, job_id: &str, step: u64, path: &str) -> Result<(), AgentError> {
    conn.execute(
        "INSERT OR REPLACE INTO checkpoints (job_id, step, path, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![job_id, step as i64, path, super::now_text()],
    )?;
    Ok(())
}

/// The job's checkpoints, oldest first.
pub fn list(conn: &Connection, job_id: &str) -> Result<Vec<Checkpoint>, AgentError> {
    let mut stmt = conn
        .prepare_cached("SELECT step, path, created_at FROM checkpoints WHERE job_id = ?1 ORDER BY step")?;
    let rows = stmt.query_map([job_id], |row| {
        Ok(Checkpoint {
            step: row.get::<_, i64>(0)?.max(0) as u64,
            path: row.get(1)?,
            created_at: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The job's newest checkpoint.
pub fn latest(conn: &Connection, job_id: &str) -> Result<Option<Checkpoint>, AgentError> {
    let mut stmt = conn.prepare_cached(
        "SELECT step, path, created_at FROM checkpoints WHERE job_id = ?1 ORDER BY step DESC LIMIT 1",
    )?;
    Ok(stmt
        .query_row([job_id], |row| {
            Ok(Checkpoint {
                step: row.get::<_, i64>(0)?.max(0) as u64,
                path: row.get(1)?,
                created_at: row.get(2)?,
            })
        })
        .optional()?)
}
