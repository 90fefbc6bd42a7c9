-- Model versions: a model trained again from another records that model as its parent and gets the next
-- version of the line (v1, v2, ...). The job carries the parent from launch until its model is recorded.
ALTER TABLE model_artifacts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE model_artifacts ADD COLUMN parent_model_id TEXT REFERENCES model_artifacts (id);
ALTER TABLE training_jobs ADD COLUMN parent_model_id TEXT;
