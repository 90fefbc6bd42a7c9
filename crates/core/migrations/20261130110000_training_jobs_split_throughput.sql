-- Issue 10: the frozen validation split a job trains with, the records it skipped as invalid, and the
-- throughput measured when it completed (what calibrates later estimates).
ALTER TABLE training_jobs ADD COLUMN validation_sha256 TEXT;
ALTER TABLE training_jobs ADD COLUMN split_json TEXT;
ALTER TABLE training_jobs ADD COLUMN skipped_invalid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE training_jobs ADD COLUMN throughput_json TEXT;
