//! The `checkpoints` table (migration `20261122050200_checkpoints`): checkpoints a job saved on its cluster.

use rusqlite::{params, Connection};

use super::{Store, StoreError};
use crate::cluster::client::Checkpoint;

/// The `checkpoints` table of a store.
pub struct Checkpoints<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The jobs' checkpoints.
    pub fn checkpoints(&self) -> Checkpoints<'_> {
        Checkpoints {
            conn: self.connection(),
        }
    }
}

impl Checkpoints<'_> {
    /// Records the checkpoints the cluster lists for `job_id` (known ones are updated, none removed).
    pub fn upsert(&self, job_id: &str, checkpoints: &[Checkpoint]) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO checkpoints (job_id, name, step, created_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (job_id, name) DO UPDATE SET step = excluded.step, created_at = excluded.created_at",
        )?;
        for c in checkpoints {
            stmt.execute(params![job_id, c.name, c.step as i64, c.created_at])?;
        }
        Ok(())
    }

    /// The checkpoints of `job_id`, by step.
    pub fn list(&self, job_id: &str) -> Result<Vec<Checkpoint>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT step, name, created_at FROM checkpoints WHERE job_id = ?1 ORDER BY step, name",
        )?;
        let rows = stmt.query_map([job_id], |row| {
            let step: i64 = row.get(0)?;
            Ok(Checkpoint {
                step: step.max(0) as u64,
                name: row.get(1)?,
                created_at: row.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
