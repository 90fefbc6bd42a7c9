//! Migrations: a fresh database gets the whole schema, and a database left at every earlier schema
//! (with data written as that schema allowed) upgrades to the same schema with its data intact.
//!
//! When you add a migration, add its fixture to `seed` below: the upgrade test refuses to run without one.

use std::collections::BTreeMap;

use brightrun_core::paths;
use brightrun_core::store::{self, DatasetStatus, Durability, SqliteError, Store, StoreError, MIGRATIONS};
use rusqlite::Connection;

/// Writes rows the way the schema right after `migration` allowed, with plain SQL (the Rust API may
/// have moved on since).
fn seed(conn: &Connection, migration: &str) {
    match migration {
        "20261122030000_datasets" => {
            conn.execute_batch(
                "INSERT INTO datasets (id, name, description, status, sha256, file_path, original_file_name,
                     bytes, format, conversations, training_examples, training_pairs, tokens_total,
                     error_count, warning_count, ready, report_json, created_at, updated_at, validated_at)
                 VALUES ('0190e0e0-0000-7000-8000-000000000001', 'old library entry', 'kept across upgrades',
                     'ready', 'aaaa', 'datasets/aaaa.jsonl', 'old.jsonl', 10, 'alpaca', 1, 2, 2, 30, 0, 0, 1,
                     '{\"stats\":{\"quality\":{\"mean\":4.25}}}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z',
                     '2026-01-01T00:00:01.000Z')",
            )
            .unwrap();
        }
        "20261122030100_settings" => {
            conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES ('monthly_budget_usd', '42.0', 'x')",
                [],
            )
            .unwrap();
        }
        "20261122040000_clusters" => {
            conn.execute(
                "INSERT INTO clusters (id, name, url, kind, created_at)
                 VALUES ('c1', 'Local (this computer)', 'http://127.0.0.1:1', 'local', 'x')",
                [],
            )
            .unwrap();
        }
        "20261122050000_training_jobs" => {
            conn.execute_batch(
                "INSERT INTO training_jobs (id, cluster_id, idempotency_key, name, dataset_id, dataset_sha256,
                     base_model, hyperparameters_json, gpu_type, gpu_count, spot, max_duration_hours, status,
                     created_at)
                 VALUES ('j1', 'c1', 'key-1', 'first run', '0190e0e0-0000-7000-8000-000000000001', 'aaaa',
                     'tiny', '{}', 'cpu', 1, 0, 24.0, 'completed', '2026-01-02T00:00:00.000Z');
                 INSERT INTO job_logs (job_id, offset, text) VALUES ('j1', 0, 'hello');",
            )
            .unwrap();
        }
        "20261122050100_metrics_points" => {
            conn.execute(
                "INSERT INTO metrics_points (job_id, step, train_loss, recorded_at) VALUES ('j1', 1, 2.5, 'x')",
                [],
            )
            .unwrap();
        }
        "20261122050200_checkpoints" => {
            conn.execute(
                "INSERT INTO checkpoints (job_id, name, step, created_at) VALUES ('j1', 'checkpoint-1', 1, 'x')",
                [],
            )
            .unwrap();
        }
        "20261122050300_model_artifacts" => {
            conn.execute(
                "INSERT INTO model_artifacts (id, job_id, name, adapter_dir, base_model, dataset_id,
                     dataset_sha256, config_json, quality_json, files_json, bytes, verified, created_at)
                 VALUES ('m1', 'j1', 'first run', 'models/m1', 'tiny', 'd', 'aaaa', '{}', '{}', '[]', 10, 1, 'x')",
                [],
            )
            .unwrap();
        }
        "20261122050400_cost_records" => {
            conn.execute(
                "INSERT INTO cost_records (job_id, amount_usd, kind, recorded_at) VALUES ('j1', 0.5, 'compute', 'x')",
                [],
            )
            .unwrap();
        }
        "20261122050500_notifications" => {
            conn.execute(
                "INSERT INTO notifications (id, kind, priority, title, body, job_id, created_at)
                 VALUES ('n1', 'job_completed', 'medium', 'Done', 'first run finished', 'j1', 'x')",
                [],
            )
            .unwrap();
        }
        "20261130110000_training_jobs_split_throughput" => {
            conn.execute(
                "UPDATE training_jobs SET validation_sha256 = 'bbbb', skipped_invalid = 2,
                     split_json = '{\"seed\":7,\"fraction\":0.25,\"train_examples\":30,\"validation_examples\":14,\"train_conversations\":9,\"validation_conversations\":3}',
                     throughput_json = '{\"tokens_per_second\":1000.0,\"points\":5,\"run_seconds\":60.0,\"training_seconds\":40.0,\"overhead_seconds\":20.0,\"estimator_tokens_per_second\":1100.0}'
                 WHERE id = 'j1'",
                [],
            )
            .unwrap();
        }
        "20261130120000_model_artifacts_edit" => {
            conn.execute(
                "UPDATE model_artifacts SET description = 'kept note', deleted_at = 'x' WHERE id = 'm1'",
                [],
            )
            .unwrap();
        }
        "20261130130000_model_versions" => {
            conn.execute("UPDATE model_artifacts SET version = 3 WHERE id = 'm1'", [])
                .unwrap();
        }
        "20261130140000_datasets_quality_and_use" => {
            conn.execute(
                "UPDATE datasets SET quality_mean = 4.25 WHERE id = '0190e0e0-0000-7000-8000-000000000001'",
                [],
            )
            .unwrap();
        }
        "20261130150000_training_jobs_executor" => {
            conn.execute(
                "UPDATE training_jobs SET executor_kind = 'slurm', executor_job_id = '4242' WHERE id = 'j1'",
                [],
            )
            .unwrap();
        }
        other => panic!("add a fixture for migration {other} to seed() in {}", file!()),
    }
}

/// Checks that each fixture written by `seed` for the applied migrations reads back through today's API.
fn check_seeded(store: &Store, applied: &[&str]) {
    if applied.contains(&"20261122030000_datasets") {
        let d = store
            .datasets()
            .get("0190e0e0-0000-7000-8000-000000000001")
            .unwrap();
        assert_eq!(d.name, "old library entry");
        assert_eq!(d.status, DatasetStatus::Ready);
        assert_eq!(d.training_examples, 2);
        assert!(d.ready);
        // Copied out of the stored report by the quality migration, whenever the row was written.
        assert_eq!(d.quality_mean, Some(4.25));
        if applied.contains(&"20261122050000_training_jobs") {
            assert_eq!(d.last_used_at.as_deref(), Some("2026-01-02T00:00:00.000Z"));
        }
    }
    if applied.contains(&"20261122030100_settings") {
        assert_eq!(store.settings().monthly_budget_usd().unwrap(), Some(42.0));
    }
    // Later tables: each fixture row is still there after the upgrade.
    for (migration, table) in [
        ("20261122050000_training_jobs", "training_jobs"),
        ("20261122050000_training_jobs", "job_logs"),
        ("20261122050100_metrics_points", "metrics_points"),
        ("20261122050200_checkpoints", "checkpoints"),
        ("20261122050300_model_artifacts", "model_artifacts"),
        ("20261122050400_cost_records", "cost_records"),
        ("20261122050500_notifications", "notifications"),
    ] {
        if applied.contains(&migration) {
            let rows: i64 = store
                .connection()
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(rows, 1, "{table} after upgrading from {migration}");
        }
    }
    if applied.contains(&"20261130130000_model_versions") {
        assert_eq!(store.model_versions().of("m1").unwrap().version, 3);
        assert_eq!(store.model_versions().history("m1").unwrap().len(), 1);
    } else if applied.contains(&"20261122050300_model_artifacts") {
        // Models recorded before versions existed are v1 without a parent.
        let v1 = store.model_versions().of("m1").unwrap();
        assert_eq!((v1.version, v1.parent_model_id), (1, None));
    }
    if applied.contains(&"20261130110000_training_jobs_split_throughput") {
        let (validation, skipped): (String, i64) = store
            .connection()
            .query_row(
                "SELECT validation_sha256, skipped_invalid FROM training_jobs WHERE id = 'j1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((validation.as_str(), skipped), ("bbbb", 2));
    }
    if applied.contains(&"20261130120000_model_artifacts_edit") {
        let (description, deleted): (String, Option<String>) = store
            .connection()
            .query_row(
                "SELECT description, deleted_at FROM model_artifacts WHERE id = 'm1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (description.as_str(), deleted.as_deref()),
            ("kept note", Some("x"))
        );
    }
    if applied.contains(&"20261122050000_training_jobs") {
        let executor: (Option<String>, Option<String>) = store
            .connection()
            .query_row(
                "SELECT executor_kind, executor_job_id FROM training_jobs WHERE id = 'j1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let expected = if applied.contains(&"20261130150000_training_jobs_executor") {
            (Some("slurm".to_string()), Some("4242".to_string()))
        } else {
            // Jobs recorded before agents reported their executor have none.
            (None, None)
        };
        assert_eq!(executor, expected);
    }
    if applied.contains(&"20261122040000_clusters") {
        let name: String = store
            .connection()
            .query_row("SELECT name FROM clusters WHERE id = 'c1'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(name, "Local (this computer)");
    }
}

/// Every table's columns (name, type, not-null, default, pk) and every index, by name.
fn schema(conn: &Connection) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let objects: Vec<(String, String, Option<String>)> = conn
        .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (kind, name, sql) in objects {
        let description = if kind == "table" {
            conn.prepare(&format!("PRAGMA table_info('{name}')"))
                .unwrap()
                .query_map([], |r| {
                    Ok(format!(
                        "{}:{}:{}:{:?}:{}",
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, i64>(5)?
                    ))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        } else {
            vec![sql.unwrap_or_default()]
        };
        out.insert(format!("{kind} {name}"), description);
    }
    out
}

fn applied(conn: &Connection) -> Vec<String> {
    conn.prepare("SELECT name FROM schema_migrations ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn all_names() -> Vec<String> {
    MIGRATIONS.iter().map(|m| m.name.to_string()).collect()
}

#[test]
fn an_empty_folder_gets_the_whole_schema_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested/data");
    let store = Store::open(&data).unwrap();
    assert!(paths::database_path(&data).is_file());
    assert_eq!(applied(store.connection()), all_names());
    let tables = schema(store.connection());
    assert!(tables.contains_key("table datasets"), "{tables:?}");
    assert!(tables.contains_key("table settings"), "{tables:?}");
    let mode: String = store
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(store);
    let again = Store::open(&data).unwrap();
    assert_eq!(
        applied(again.connection()),
        all_names(),
        "reopening applies nothing twice"
    );
}

#[test]
fn a_database_at_every_earlier_schema_upgrades_with_its_data() {
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = Store::open(fresh_dir.path()).unwrap();
    let expected = schema(fresh.connection());

    for upto in 0..MIGRATIONS.len() {
        let dir = tempfile::tempdir().unwrap();
        let db_path = paths::database_path(dir.path());
        let earlier: Vec<&str> = MIGRATIONS[..upto].iter().map(|m| m.name).collect();
        {
            let mut conn = store::open(&db_path, Durability::Full).unwrap();
            for (i, name) in earlier.iter().enumerate() {
                store::migrate(&mut conn, &MIGRATIONS[..=i]).unwrap();
                seed(&conn, name);
            }
        }
        let upgraded = Store::open(dir.path()).unwrap();
        assert_eq!(
            applied(upgraded.connection()),
            all_names(),
            "from {upto} migrations"
        );
        assert_eq!(schema(upgraded.connection()), expected, "from {upto} migrations");
        check_seeded(&upgraded, &earlier);
    }
}

#[test]
fn every_migration_has_a_fixture() {
    let conn = {
        let mut conn = store::open_in_memory().unwrap();
        store::migrate(&mut conn, MIGRATIONS).unwrap();
        conn
    };
    for migration in MIGRATIONS {
        seed(&conn, migration.name);
    }
}

#[test]
fn a_database_from_a_newer_brightrun_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let conn = Connection::open(paths::database_path(dir.path())).unwrap();
    conn.execute(
        "INSERT INTO schema_migrations (name) VALUES ('29990101000000_future')",
        [],
    )
    .unwrap();
    drop(conn);
    match Store::open(dir.path()) {
        Err(StoreError::Database(SqliteError::NewerSchema { migration, .. })) => {
            assert_eq!(migration, "29990101000000_future")
        }
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("a newer database was opened"),
    }
}

#[test]
fn the_store_opens_in_memory_too() {
    let store = Store::open_in_memory().unwrap();
    assert_eq!(applied(store.connection()), all_names());
    assert_eq!(
        store.settings().polling_interval_secs().unwrap(),
        store::settings::DEFAULT_POLLING_INTERVAL_SECS
    );
}

/// Every `.sql` file in `crates/core/migrations`, by name (without `.sql`) and text, sorted by name.
fn migration_files() -> Vec<(String, String)> {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_migration_file_in_the_folder_is_applied() {
    // A file added to the folder but not to MIGRATIONS would never run; one listed twice or out of order would
    // run in the wrong order on some machines. The fixtures test above then covers each listed one.
    let files = migration_files();
    assert!(!files.is_empty());
    let listed: Vec<(String, String)> = MIGRATIONS
        .iter()
        .map(|m| (m.name.to_string(), m.sql.to_string()))
        .collect();
    let file_names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        all_names(),
        file_names,
        "crates/core/src/store/migrations.rs must list every file of crates/core/migrations, oldest first"
    );
    assert_eq!(listed, files, "each listed migration's SQL is its file's");
    let store = Store::open_in_memory().unwrap();
    assert_eq!(applied(store.connection()), file_names);
}
