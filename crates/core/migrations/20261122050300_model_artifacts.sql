-- Trained adapters downloaded into <data>/models/<job_id>/, with their lineage and quality.
CREATE TABLE model_artifacts (
    id             TEXT PRIMARY KEY NOT NULL,                 -- uuid v7
    job_id         TEXT NOT NULL UNIQUE REFERENCES training_jobs (id),
    name           TEXT NOT NULL,
    adapter_dir    TEXT NOT NULL,                             -- relative to the data folder
    base_model     TEXT NOT NULL,
    dataset_id     TEXT NOT NULL,
    dataset_sha256 TEXT NOT NULL,
    config_json    TEXT NOT NULL,                             -- hyperparameters, GPUs, cluster
    quality_json   TEXT NOT NULL,
    files_json     TEXT NOT NULL,                             -- [{name, size, sha256}] as verified
    bytes          INTEGER NOT NULL,
    verified       INTEGER NOT NULL CHECK (verified IN (0, 1)),
    created_at     TEXT NOT NULL
);

CREATE INDEX model_artifacts_by_created ON model_artifacts (created_at);
