-- Sorting the library by quality and by last use (the Datasets page, `brightrun dataset list --sort`).
-- The mean quality score is copied out of the report like the other counters, so a sort never parses JSON;
-- rows validated before this migration get it from their stored report.
ALTER TABLE datasets ADD COLUMN quality_mean REAL;
UPDATE datasets SET quality_mean = json_extract(report_json, '$.stats.quality.mean') WHERE report_json IS NOT NULL;

-- "Last used" is the newest job trained on a dataset, read through this index rather than stored twice.
CREATE INDEX training_jobs_by_dataset ON training_jobs (dataset_id, created_at);
