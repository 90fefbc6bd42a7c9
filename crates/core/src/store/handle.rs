//! `Store`: the one open, migrated database of a data folder. Each table adds its accessor (`store.datasets()`,
//! `store.settings()`, later `store.training_jobs()`…) in its own module as an `impl Store` block.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::Connection;

use super::{db, files, Durability, StoreError, MIGRATIONS};
use crate::paths;

/// The local database, opened with the project's settings and migrated to the current schema.
///
/// Holds one connection; the desktop app wraps it in a `Mutex` and locks it only for short operations.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens `<data_dir>/brightrun.db` (creating folder and file), migrates it, and cleans up after a
    /// crashed process: validations it left running, partial copies it left in the datasets folder.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        // Private to this user: the folder holds their datasets, adapters and job history.
        paths::create_private_dir(data_dir).map_err(|source| {
            StoreError::Database(super::SqliteError::Io {
                path: data_dir.display().to_string(),
                source,
            })
        })?;
        let store = Self::open_file(&paths::database_path(data_dir))?;
        let removed = files::remove_abandoned_partials(data_dir);
        if removed > 0 {
            tracing::warn!(
                removed,
                "removed partial dataset copies left by an interrupted import"
            );
        }
        Ok(store)
    }

    /// Opens the database file at `path`, migrates it and runs the recovery of `open`.
    pub fn open_file(path: &Path) -> Result<Self, StoreError> {
        // FULL: the same connection writes job state, where a lost commit would lose a job.
        let conn = db::open(path, Durability::Full)?;
        Self::from_connection(conn)
    }

    /// A private in-memory store, migrated; for tests and previews.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::from_connection(db::open_in_memory()?)
    }

    fn from_connection(mut conn: Connection) -> Result<Self, StoreError> {
        db::migrate(&mut conn, MIGRATIONS)?;
        let store = Store { conn };
        let recovered = store.datasets().recover_interrupted(chrono::Utc::now())?;
        if recovered > 0 {
            tracing::warn!(recovered, "marked interrupted dataset validations as failed");
        }
        Ok(store)
    }

    /// The underlying connection, for table modules and tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The underlying connection, mutably (transactions need it).
    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Short, repeated access to a store: a `Store` itself, or a `Mutex<Store>` shared with other threads.
///
/// Long operations (importing, validating) take one of these so they lock the store only for each write.
pub trait StoreAccess {
    /// Runs `f` with the store; a `Mutex` is held only for the call.
    fn with_store<R>(&self, f: impl FnOnce(&Store) -> R) -> R;
}

impl StoreAccess for Store {
    fn with_store<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        f(self)
    }
}

impl StoreAccess for Mutex<Store> {
    fn with_store<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        // A panic elsewhere cannot leave the connection inconsistent (an open rusqlite transaction
        // rolls back when dropped), so a poisoned lock is still safe to use.
        let guard = self.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&guard)
    }
}
