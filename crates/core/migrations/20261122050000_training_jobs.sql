-- Training jobs launched from this computer, and their log text. A row is written BEFORE the cluster is
-- asked to start the job (status 'submitting', with its idempotency key), so a launch retried after a crash
-- finds the row and resubmits with the same key: the cluster then answers the same job, never a second one.
-- No foreign key to clusters: a job keeps the id of a cluster the user has since removed.
CREATE TABLE training_jobs (
    id                   TEXT PRIMARY KEY NOT NULL,           -- uuid v7, local
    cluster_id           TEXT NOT NULL,
    remote_job_id        TEXT,                                -- the cluster's id; NULL until it answered
    idempotency_key      TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    dataset_id           TEXT NOT NULL REFERENCES datasets (id),
    dataset_sha256       TEXT NOT NULL,                       -- of the uploaded openai_messages file
    base_model           TEXT NOT NULL,
    hyperparameters_json TEXT NOT NULL,
    gpu_type             TEXT NOT NULL,
    gpu_count            INTEGER NOT NULL,
    spot                 INTEGER NOT NULL CHECK (spot IN (0, 1)),
    max_duration_hours   REAL NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('submitting', 'queued', 'initializing', 'running',
                                                         'completed', 'failed', 'cancelled')),
    stage                TEXT,
    progress             REAL NOT NULL DEFAULT 0,
    current_step         INTEGER NOT NULL DEFAULT 0,
    total_steps          INTEGER,
    current_epoch        REAL,
    total_epochs         REAL,
    estimate_json        TEXT,                                -- {cost_usd: band, seconds: band, ...}
    cost_usd             REAL NOT NULL DEFAULT 0,
    price_per_gpu_hour   REAL,
    cost_alert           TEXT,                                -- the worst cost status already notified
    error_kind           TEXT,
    error_message        TEXT,
    error_hint           TEXT,
    cancel_reason        TEXT,
    log_offset           INTEGER NOT NULL DEFAULT 0,          -- next byte of the cluster's log to fetch
    summary_json         TEXT,                                -- the trainer's summary once completed
    artifacts_status     TEXT CHECK (artifacts_status IN ('downloading', 'ready', 'failed')),
    artifacts_error      TEXT,
    created_at           TEXT NOT NULL,
    submitted_at         TEXT,
    started_at           TEXT,
    finished_at          TEXT,
    last_polled_at       TEXT,
    unreachable_since    TEXT,                                -- set while its cluster does not answer
    retry_of             TEXT REFERENCES training_jobs (id)
);

CREATE INDEX training_jobs_by_status ON training_jobs (status, created_at);
CREATE INDEX training_jobs_by_created ON training_jobs (created_at);

-- A job's log, in the chunks the cluster served; keyed by byte offset so a re-fetched chunk replaces itself.
CREATE TABLE job_logs (
    job_id     TEXT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    offset     INTEGER NOT NULL,
    text       TEXT NOT NULL,
    PRIMARY KEY (job_id, offset)
) WITHOUT ROWID;
