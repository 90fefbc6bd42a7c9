-- One row per logging step of a job. (job_id, step) is the key: a step fetched twice (after a restart of the
-- app or the cluster) replaces its row instead of adding a second one.
CREATE TABLE metrics_points (
    job_id            TEXT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    step              INTEGER NOT NULL,
    epoch             REAL,
    train_loss        REAL,
    val_loss          REAL,
    learning_rate     REAL,
    grad_norm         REAL,
    tokens_per_second REAL,
    gpu_utilization   REAL,
    gpu_memory_gb     REAL,
    recorded_at       TEXT NOT NULL,                          -- the cluster's timestamp of the point
    PRIMARY KEY (job_id, step)
) WITHOUT ROWID;
