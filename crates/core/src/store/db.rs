//! The store's connections, opened and migrated by `brightrun-sqlite` (shared with the agent); its errors
//! arrive here as [`StoreError`]s.

use std::path::Path;

use rusqlite::Connection;

pub use brightrun_sqlite::{Durability, Migration, SqliteError};

use super::StoreError;

/// Opens (creating if needed) the database at `path` with the project's connection settings.
pub fn open(path: &Path, durability: Durability) -> Result<Connection, StoreError> {
    Ok(brightrun_sqlite::open(path, durability)?)
}

/// Opens a private in-memory database with the same settings (WAL is not available in memory).
pub fn open_in_memory() -> Result<Connection, StoreError> {
    Ok(brightrun_sqlite::open_in_memory()?)
}

/// Applies, in order, every migration not yet recorded, each in its own IMMEDIATE transaction; refuses a
/// database that carries a migration this binary does not know.
pub fn migrate(conn: &mut Connection, migrations: &[Migration]) -> Result<(), StoreError> {
    Ok(brightrun_sqlite::migrate(conn, migrations)?)
}

impl From<SqliteError> for StoreError {
    fn from(err: SqliteError) -> Self {
        match err {
            SqliteError::Sqlite(e) => StoreError::Sqlite(e),
            other => StoreError::Database(other),
        }
    }
}
