//! The agent's SQLite database: one writer connection and a few readers (WAL lets readers run beside the writer),
//! every call made off the async threads.

pub mod checkpoints;
pub mod jobs;
pub mod keys;
pub mod metrics;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use brightrun_sqlite::{self as store, Durability, Migration};
use rusqlite::Connection;

use crate::error::AgentError;

/// The agent's schema, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "20261122030000_initial",
        sql: include_str!("../../migrations/20261122030000_initial.sql"),
    },
    Migration {
        name: "20261130110000_validation_dataset",
        sql: include_str!("../../migrations/20261130110000_validation_dataset.sql"),
    },
    Migration {
        name: "20261130140000_executor",
        sql: include_str!("../../migrations/20261130140000_executor.sql"),
    },
];

const READERS: usize = 4;

/// Shared handle to the database.
pub struct Db {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl Db {
    /// Opens `path` with `synchronous=FULL` (a lost commit would lose a job) and applies the migrations.
    pub fn open(path: &Path) -> Result<Arc<Self>, AgentError> {
        let mut writer = store::open(path, Durability::Full)?;
        store::migrate(&mut writer, MIGRATIONS)?;
        let readers = (0..READERS)
            .map(|_| store::open(path, Durability::Full).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Arc::new(Self {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        }))
    }

    /// Runs `f` on the writer connection, on the blocking pool.
    pub async fn write<T, F>(self: &Arc<Self>, f: F) -> Result<T, AgentError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, AgentError> + Send + 'static,
    {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || db.write_now(f))
            .await
            .map_err(|e| AgentError::Task(e.to_string()))?
    }

    /// Runs `f` on a reader connection, on the blocking pool.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, AgentError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, AgentError> + Send + 'static,
    {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let index = db.next_reader.fetch_add(1, Ordering::Relaxed) % db.readers.len();
            let conn = db.readers[index]
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&conn)
        })
        .await
        .map_err(|e| AgentError::Task(e.to_string()))?
    }

    /// Runs `f` on the writer connection on the calling thread (start-up and the command line).
    pub fn write_now<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, AgentError>,
    ) -> Result<T, AgentError> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll back), so a
        // poisoned lock is safe to reuse.
        let mut conn = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut conn)
    }
}

/// Now, as stored in the database (RFC 3339, UTC, milliseconds).
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod migration_tests {
    use super::MIGRATIONS;

    #[test]
    fn every_migration_file_in_the_folder_is_listed_and_applied() {
        // A file in crates/agent/migrations that MIGRATIONS forgot would never run.
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
        let listed: Vec<(String, String)> = MIGRATIONS
            .iter()
            .map(|m| (m.name.to_string(), m.sql.to_string()))
            .collect();
        assert_eq!(
            listed, files,
            "crates/agent/src/db/mod.rs must list every migration file, oldest first"
        );

        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        brightrun_sqlite::migrate(&mut conn, MIGRATIONS).unwrap();
        let applied: Vec<String> = conn
            .prepare("SELECT name FROM schema_migrations ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let names: Vec<String> = files.into_iter().map(|(n, _)| n).collect();
        assert_eq!(applied, names);
    }
}
