-- API keys: only the SHA-256 of each key is kept; the key itself is shown once, by `keys create`.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    key_sha256  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE jobs (
    id                  TEXT PRIMARY KEY NOT NULL,
    name                TEXT NOT NULL,
    idempotency_key     TEXT UNIQUE,
    request_sha256      TEXT NOT NULL,
    status              TEXT NOT NULL,
    stage               TEXT,
    dataset_sha256      TEXT NOT NULL,
    base_model          TEXT NOT NULL,
    hyperparameters     TEXT NOT NULL,
    gpu_type            TEXT NOT NULL,
    gpu_count           INTEGER NOT NULL,
    spot                INTEGER NOT NULL,
    max_duration_hours  REAL NOT NULL,
    price_per_gpu_hour  REAL NOT NULL,
    current_step        INTEGER NOT NULL DEFAULT 0,
    total_steps         INTEGER,
    current_epoch       REAL,
    total_epochs        REAL,
    latest_metrics      TEXT,
    plan                TEXT,
    summary             TEXT,
    error_kind          TEXT,
    error_message       TEXT,
    error_hint          TEXT,
    cancel_reason       TEXT,
    created_at          TEXT NOT NULL,
    started_at          TEXT,
    finished_at         TEXT,
    -- Seconds of finished run segments; the running segment began at segment_started_at.
    run_seconds         REAL NOT NULL DEFAULT 0,
    segment_started_at  TEXT,
    pid                 INTEGER,
    pid_start_ticks     INTEGER,
    resume_checkpoint   TEXT,
    restarts            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_status ON jobs (status, created_at);

CREATE TABLE metrics_points (
    job_id             TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    step               INTEGER NOT NULL,
    epoch              REAL,
    train_loss         REAL,
    val_loss           REAL,
    learning_rate      REAL,
    grad_norm          REAL,
    tokens_per_second  REAL,
    gpu_utilization    REAL,
    gpu_memory_gb      REAL,
    timestamp          TEXT NOT NULL,
    PRIMARY KEY (job_id, step)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
    job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    step        INTEGER NOT NULL,
    path        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (job_id, step)
) WITHOUT ROWID;
