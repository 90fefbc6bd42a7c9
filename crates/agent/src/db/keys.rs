//! API keys: created and revoked from the command line, checked on every request. Only SHA-256 hashes are stored.

use rand::RngCore;
use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::AgentError;

/// A stored key, without its secret.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// The SHA-256 of a key, as stored.
pub fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Creates a key named `name`; returns its record and the key itself, which is never stored.
pub fn create(conn: &Connection, name: &str) -> Result<(ApiKey, String), AgentError> {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let key = format!("brk_{}", hex::encode(secret));
    let record = ApiKey {
        id: uuid::Uuid::now_v7().to_string(),
        name: name.to_string(),
        created_at: super::now_text(),
        revoked_at: None,
    };
    conn.execute(
        "INSERT INTO api_keys (id, name, key_sha256, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![record.id, record.name, hex::encode(hash(&key)), record.created_at],
    )?;
    Ok((record, key))
}

/// Every key, newest first.
pub fn list(conn: &Connection) -> Result<Vec<ApiKey>, AgentError> {
    let mut stmt = conn
        .prepare("SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at DESC, id DESC")?;
    let rows = stmt.query_map([], |row| {
        Ok(ApiKey {
            id: row.get(0)?,
            name: row.get(1)?,
            created_at: row.get(2)?,
            revoked_at: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes the key with `id`; false when no active key has it.
pub fn revoke(conn: &Connection, id: &str) -> Result<bool, AgentError> {
    let changed = conn.execute(
        "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, super::now_text()],
    )?;
    Ok(changed == 1)
}

/// The SHA-256 of every active key.
pub fn active_hashes(conn: &Connection) -> Result<Vec<[u8; 32]>, AgentError> {
    let mut stmt = conn.prepare_cached("SELECT key_sha256 FROM api_keys WHERE revoked_at IS NULL")?;
    let hashes = stmt.query_map([], |row| row.get::<_, String>(0))?;
    let mut active = Vec::new();
    for stored in hashes {
        if let Ok(Ok(bytes)) = hex::decode(stored?).map(<[u8; 32]>::try_from) {
            active.push(bytes);
        }
    }
    Ok(active)
}

/// Whether `presented` is one of `active`. Every hash is compared in constant time, so the answer's timing says
/// nothing about how close a guess came.
pub fn matches(active: &[[u8; 32]], presented: &str) -> bool {
    matches_hash(active, &hash(presented))
}

/// Whether the hash of a presented key is among `active`, in constant time.
pub fn matches_hash(active: &[[u8; 32]], presented: &[u8; 32]) -> bool {
    let mut found = subtle::Choice::from(0u8);
    for stored in active {
        found |= stored.as_slice().ct_eq(presented.as_slice());
    }
    bool::from(found)
}

/// Whether `presented` is an active key.
pub fn is_valid(conn: &Connection, presented: &str) -> Result<bool, AgentError> {
    Ok(matches(&active_hashes(conn)?, presented))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_works_until_revoked_and_is_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("agent.sqlite")).unwrap();
        db.write_now(|conn| {
            let (record, key) = create(conn, "laptop")?;
            assert!(is_valid(conn, &key)?);
            assert!(!is_valid(conn, "brk_nope")?);
            let stored: i64 = conn.query_row(
                "SELECT count(*) FROM api_keys WHERE key_sha256 = ?1 OR name = ?1",
                [&key],
                |r| r.get(0),
            )?;
            assert_eq!(stored, 0);
            assert!(revoke(conn, &record.id)?);
            assert!(!revoke(conn, &record.id)?);
            assert!(!is_valid(conn, &key)?);
            assert_eq!(list(conn)?.len(), 1);
            Ok(())
        })
        .unwrap();
    }
}
