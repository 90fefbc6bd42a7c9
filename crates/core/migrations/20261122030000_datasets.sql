-- The dataset library. One row per distinct file content (sha256): importing the same bytes again
-- returns this row instead of adding a second one. Counters are copied out of the validation report
-- so that list, sort and filter never parse JSON.
CREATE TABLE datasets (
    id                      TEXT PRIMARY KEY NOT NULL,   -- uuid v7
    name                    TEXT NOT NULL,
    description             TEXT,
    status                  TEXT NOT NULL CHECK (status IN ('validating', 'ready', 'error')),
    error_message           TEXT,                        -- why validation could not run (no report then)
    sha256                  TEXT NOT NULL UNIQUE,
    file_path               TEXT NOT NULL,               -- relative to the data folder
    original_file_name      TEXT NOT NULL,
    bytes                   INTEGER NOT NULL,
    format                  TEXT,
    conversations           INTEGER NOT NULL DEFAULT 0,
    training_examples       INTEGER NOT NULL DEFAULT 0,
    training_pairs          INTEGER NOT NULL DEFAULT 0,
    tokens_total            INTEGER NOT NULL DEFAULT 0,
    error_count             INTEGER NOT NULL DEFAULT 0,
    warning_count           INTEGER NOT NULL DEFAULT 0,
    ready                   INTEGER NOT NULL DEFAULT 0 CHECK (ready IN (0, 1)),
    report_json             TEXT,
    created_at              TEXT NOT NULL,               -- RFC 3339 UTC with milliseconds: sorts as text
    updated_at              TEXT NOT NULL,
    validated_at            TEXT,
    validation_heartbeat_at TEXT,                        -- refreshed while a validation runs
    deleted_at              TEXT                         -- soft delete; NULL while in the library
);

CREATE INDEX datasets_by_created ON datasets (deleted_at, created_at);
CREATE INDEX datasets_by_status ON datasets (status);
