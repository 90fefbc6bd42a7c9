//! The `job_logs` table (migration `20261122050000_training_jobs`): a job's log text as its cluster served it,
//! keyed by byte offset, with the job's next offset updated in the same transaction.

use rusqlite::{params, Connection};

use super::{Store, StoreError};

/// The `job_logs` table of a store.
pub struct JobLogs<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The jobs' logs.
    pub fn job_logs(&self) -> JobLogs<'_> {
        JobLogs {
            conn: self.connection(),
        }
    }
}

impl JobLogs<'_> {
    /// Stores the text served from `offset` and moves the job's `log_offset` to `next_offset`. Run inside
    /// [`Store::immediate`] so the text and the offset commit together (a crash between them would re-fetch
    /// the chunk, which then replaces itself).
    pub fn append(&self, job_id: &str, offset: u64, text: &str, next_offset: u64) -> Result<(), StoreError> {
        if !text.is_empty() {
            self.conn.execute(
                "INSERT INTO job_logs (job_id, offset, text) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (job_id, offset) DO UPDATE SET text = excluded.text",
                params![job_id, offset as i64, text],
            )?;
        }
        self.conn.execute(
            "UPDATE training_jobs SET log_offset = MAX(log_offset, ?2) WHERE id = ?1",
            params![job_id, next_offset as i64],
        )?;
        Ok(())
    }

    /// The job's log from byte `from` on (chunks that start before it are skipped whole).
    pub fn text(&self, job_id: &str, from: u64) -> Result<String, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT text FROM job_logs WHERE job_id = ?1 AND offset >= ?2 ORDER BY offset")?;
        let rows = stmt.query_map(params![job_id, from as i64], |row| row.get::<_, String>(0))?;
        let mut text = String::new();
        for chunk in rows {
            text.push_str(&chunk?);
        }
        Ok(text)
    }
}
