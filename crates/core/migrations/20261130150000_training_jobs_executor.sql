-- Issue 15: what runs the job on its cluster (`local` or `slurm`) and, for Slurm, the Slurm job id, as the agent
-- reports them (NULL until the first answer, and for agents that do not report it).
ALTER TABLE training_jobs ADD COLUMN executor_kind TEXT;
ALTER TABLE training_jobs ADD COLUMN executor_job_id TEXT;
