//! Every connection is opened the same way: WAL, foreign keys on, a busy timeout, and a durability level
//! chosen by the caller on purpose (FULL where a lost commit would lose a job).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::StoreError;

/// How hard a commit is pushed to disk before it returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=NORMAL`: safe against app crashes, may lose the last commits on power loss (WAL stays consistent).
    Normal,
    /// `synchronous=FULL`: a commit survives power loss; for job state that must never be lost.
    Full,
}

/// One schema change, embedded in the binary. Names start with a UTC timestamp so they sort in order.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// `YYYYMMDDHHMMSS_what_it_does`; recorded in `schema_migrations` once applied.
    pub name: &'static str,
    /// The SQL to run, possibly several statements.
    pub sql: &'static str,
}

/// How long a writer waits for another connection's lock before SQLite reports BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens (creating if needed) the database at `path` with the project's connection settings.
pub fn open(path: &Path, durability: Durability) -> Result<Connection, StoreError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
            path: parent.display().to_string(),
            source,
        })?;
    }
    create_private_file(path).map_err(|source| StoreError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let flags =
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    configure(&conn, durability)?;
    Ok(conn)
}

/// Creates the database file 0600 before SQLite opens it (SQLite gives its `-wal` and `-shm` files the
/// database file's mode), and tightens one that exists with looser modes.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    drop(options.open(path)?);
    crate::paths::make_private_file(path)
}

/// Opens a private in-memory database with the same settings (WAL is not available in memory).
pub fn open_in_memory() -> Result<Connection, StoreError> {
    let conn = Connection::open_in_memory()?;
    configure(&conn, Durability::Normal)?;
    Ok(conn)
}

fn configure(conn: &Connection, durability: Durability) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // journal_mode returns a row, so it is read rather than executed.
    let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
    let sync = match durability {
        Durability::Normal => "NORMAL",
        Durability::Full => "FULL",
    };
    conn.execute_batch(&format!("PRAGMA synchronous={sync}; PRAGMA foreign_keys=ON;"))?;
    Ok(())
}

/// Applies, in order, every migration not yet recorded, each in its own IMMEDIATE transaction.
///
/// The check "is it applied?" is made inside the write transaction that applies it: another process opening
/// the same new database at the same moment waits for the write lock (busy timeout), then sees the migration
/// recorded and skips it, instead of running it a second time (`table settings already exists`).
/// Refuses a database that carries a migration this binary does not know (it was written by a newer version).
pub fn migrate(conn: &mut Connection, migrations: &[Migration]) -> Result<(), StoreError> {
    let mut ordered: Vec<&Migration> = migrations.iter().collect();
    ordered.sort_by_key(|m| m.name);
    {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                name TEXT PRIMARY KEY NOT NULL,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
            )",
        )?;
        let applied = applied_names(&tx)?;
        if let Some(unknown) = applied
            .iter()
            .find(|name| !migrations.iter().any(|m| m.name == name.as_str()))
        {
            return Err(StoreError::NewerSchema {
                path: tx.path().unwrap_or(":memory:").to_string(),
                migration: unknown.clone(),
            });
        }
        tx.commit()?;
    }
    for migration in ordered {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let done: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = ?1)",
            [migration.name],
            |row| row.get(0),
        )?;
        if done {
            continue;
        }
        tx.execute_batch(migration.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (name) VALUES (?1)",
            [migration.name],
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn applied_names(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT name FROM schema_migrations ORDER BY name")?;
    let rows = stmt.query_map([], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST: Migration = Migration {
        name: "20260101000000_first",
        sql: "CREATE TABLE a (id INTEGER PRIMARY KEY);",
    };
    const SECOND: Migration = Migration {
        name: "20260102000000_second",
        sql: "ALTER TABLE a ADD COLUMN note TEXT;",
    };

    #[test]
    fn applies_each_migration_once_and_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let mut conn = open(&path, Durability::Full).unwrap();
        migrate(&mut conn, &[FIRST]).unwrap();
        migrate(&mut conn, &[SECOND, FIRST]).unwrap();
        migrate(&mut conn, &[FIRST, SECOND]).unwrap();
        conn.execute("INSERT INTO a (note) VALUES ('x')", []).unwrap();
        let count: i64 = conn
            .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 2);
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn refuses_a_database_from_a_newer_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let mut conn = open(&path, Durability::Normal).unwrap();
        migrate(&mut conn, &[FIRST, SECOND]).unwrap();
        let err = migrate(&mut conn, &[FIRST]).unwrap_err();
        assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
    }

    #[test]
    fn a_failing_migration_leaves_nothing_half_applied() {
        let mut conn = open_in_memory().unwrap();
        let broken = Migration {
            name: "20260103000000_broken",
            sql: "CREATE TABLE b (id INTEGER); THIS IS NOT SQL;",
        };
        assert!(migrate(&mut conn, &[FIRST, broken]).is_err());
        let has_b: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'b'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(has_b, 0);
        let applied: i64 = conn
            .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(applied, 1);
    }
}
