//! The Slurm executor's columns of the `jobs` table.

use rusqlite::{params, Connection};

use crate::error::AgentError;

/// The job is run by the Slurm executor (set before `sbatch`, so its view says so at once).
pub fn mark_slurm(conn: &mut Connection, id: &str) -> Result<(), AgentError> {
    conn.execute("UPDATE jobs SET executor = 'slurm' WHERE id = ?1", [id])?;
    Ok(())
}

/// Records the Slurm job id `sbatch` answered: an agent restart follows this job again instead of losing it.
pub fn set_slurm_job(conn: &mut Connection, id: &str, slurm_job_id: &str) -> Result<(), AgentError> {
    conn.execute(
        "UPDATE jobs SET executor = 'slurm', slurm_job_id = ?2 WHERE id = ?1",
        params![id, slurm_job_id],
    )?;
    Ok(())
}
