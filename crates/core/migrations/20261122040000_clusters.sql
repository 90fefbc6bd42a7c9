-- Clusters the user can train on. Never a secret here: each cluster's API key lives in the OS keyring under
-- the cluster's id. The URL of the local cluster changes each time its daemon starts (port 0).
CREATE TABLE clusters (
    id                TEXT PRIMARY KEY NOT NULL,           -- UUID; also the keyring entry's user name
    name              TEXT NOT NULL UNIQUE COLLATE NOCASE, -- what the user types: `brightrun cluster test <name>`
    url               TEXT NOT NULL,                       -- base URL of the Cluster API, without /v1
    kind              TEXT NOT NULL CHECK (kind IN ('local', 'remote')),
    created_at        TEXT NOT NULL,
    last_tested_at    TEXT,
    last_status       TEXT CHECK (last_status IN ('ok', 'unreachable', 'unauthorized', 'failed')),
    last_error        TEXT,                                -- the last test's error message (never holds a key)
    capabilities_json TEXT                                 -- cache of GET /v1/capabilities from the last good test
) WITHOUT ROWID;
