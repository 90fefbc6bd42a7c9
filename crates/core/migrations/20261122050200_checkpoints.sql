-- Checkpoints a job saved on its cluster (a failed or interrupted job can resume from them there).
CREATE TABLE checkpoints (
    job_id     TEXT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,                                 -- e.g. checkpoint-20
    step       INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (job_id, name)
) WITHOUT ROWID;
