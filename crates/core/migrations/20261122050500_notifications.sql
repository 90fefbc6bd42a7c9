-- What the user is told about (desktop notifications and the Notifications page). `once_key` makes an alert
-- that must fire once (a budget threshold, a cost level of a job) impossible to record twice.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY NOT NULL,                     -- uuid v7
    kind       TEXT NOT NULL CHECK (kind IN ('job_queued', 'job_started', 'job_completed', 'job_failed',
                                             'job_cancelled', 'artifact_ready', 'cost_alert', 'budget_alert',
                                             'dataset_ready')),
    priority   TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    job_id     TEXT REFERENCES training_jobs (id) ON DELETE SET NULL,
    once_key   TEXT UNIQUE,
    read       INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE INDEX notifications_by_created ON notifications (read, created_at);
