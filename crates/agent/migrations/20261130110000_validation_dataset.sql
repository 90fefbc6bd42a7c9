-- Issue 10: a job may name an uploaded validation file; the trainer evaluates on it as is (no split of its own).
ALTER TABLE jobs ADD COLUMN validation_sha256 TEXT;
