-- Money spent, as deltas of what each job's cluster reported so far; the month's spend is their sum.
CREATE TABLE cost_records (
    id          INTEGER PRIMARY KEY,
    job_id      TEXT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    amount_usd  REAL NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('compute')),
    recorded_at TEXT NOT NULL
);

CREATE INDEX cost_records_by_time ON cost_records (recorded_at);
CREATE INDEX cost_records_by_job ON cost_records (job_id);
