-- Issue 15: a job runs as the agent's child process (`local`) or as a Slurm batch job (`slurm`, with its id), so
-- an agent restart re-attaches to the Slurm jobs it submitted instead of losing them.
ALTER TABLE jobs ADD COLUMN executor TEXT NOT NULL DEFAULT 'local';
ALTER TABLE jobs ADD COLUMN slurm_job_id TEXT;
