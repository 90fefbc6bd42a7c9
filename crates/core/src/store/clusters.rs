//! The `clusters` table (migration `20261122040000_clusters`): where training can run, and what the last
//! connection test found. Never a secret: API keys live in the OS keyring under the cluster's id.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{time, Store, StoreError};

/// Whether a cluster is this computer's own agent or a remote server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterKind {
    /// "Local (this computer)": an agent daemon BrightRun starts itself on 127.0.0.1.
    Local,
    /// An agent on another machine, added by the user with its URL and key.
    Remote,
}

impl ClusterKind {
    /// The value stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterKind::Local => "local",
            ClusterKind::Remote => "remote",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "local" => Some(ClusterKind::Local),
            "remote" => Some(ClusterKind::Remote),
            _ => None,
        }
    }
}

/// What the last connection test of a cluster found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterStatus {
    /// Health and capabilities answered with the stored key.
    Ok,
    /// Nothing answered at the URL (refused, timed out, DNS).
    Unreachable,
    /// The server answered but refused the key.
    Unauthorized,
    /// The server answered with an error or something that is not the Cluster API.
    Failed,
}

impl ClusterStatus {
    /// The value stored in the `last_status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterStatus::Ok => "ok",
            ClusterStatus::Unreachable => "unreachable",
            ClusterStatus::Unauthorized => "unauthorized",
            ClusterStatus::Failed => "failed",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "ok" => Some(ClusterStatus::Ok),
            "unreachable" => Some(ClusterStatus::Unreachable),
            "unauthorized" => Some(ClusterStatus::Unauthorized),
            "failed" => Some(ClusterStatus::Failed),
            _ => None,
        }
    }
}

/// A cluster as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// UUID; also the user name of its keyring entry.
    pub id: String,
    /// Unique (case-insensitive) name the user picked.
    pub name: String,
    /// Base URL of its Cluster API, e.g. `http://10.0.0.5:8420`.
    pub url: String,
    /// Local or remote.
    pub kind: ClusterKind,
    /// When it was added (RFC 3339 UTC).
    pub created_at: String,
    /// When it was last tested, if ever.
    pub last_tested_at: Option<String>,
    /// What the last test found.
    pub last_status: Option<ClusterStatus>,
    /// The last test's error message, when it failed.
    pub last_error: Option<String>,
    /// The capabilities the last good test read (GPUs, prices, models), as the server sent them.
    pub capabilities: Option<serde_json::Value>,
}

/// A cluster to add.
#[derive(Clone, Debug)]
pub struct NewCluster {
    /// Unique name.
    pub name: String,
    /// Base URL of its Cluster API.
    pub url: String,
    /// Local or remote.
    pub kind: ClusterKind,
}

/// The outcome of a connection test, to record on the cluster.
#[derive(Clone, Debug)]
pub struct ClusterTest<'a> {
    /// What the test found.
    pub status: ClusterStatus,
    /// The error message when it failed (it never contains a key).
    pub error: Option<&'a str>,
    /// The capabilities read, when the test succeeded; `None` keeps the previous cache.
    pub capabilities: Option<&'a serde_json::Value>,
}

/// The `clusters` table of a store.
pub struct Clusters<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The clusters the user can train on.
    pub fn clusters(&self) -> Clusters<'_> {
        Clusters {
            conn: self.connection(),
        }
    }
}

const COLUMNS: &str =
    "id, name, url, kind, created_at, last_tested_at, last_status, last_error, capabilities_json";

impl Clusters<'_> {
    /// Adds a cluster with a new id; refuses an empty or already used name and an empty URL.
    pub fn insert(&self, new: &NewCluster) -> Result<Cluster, StoreError> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(invalid("name", "a cluster needs a name"));
        }
        let url = new.url.trim().trim_end_matches('/');
        if url.is_empty() {
            return Err(invalid("url", "a cluster needs a URL"));
        }
        if self.by_name(name)?.is_some() {
            return Err(invalid(
                "name",
                &format!("a cluster named {name:?} already exists"),
            ));
        }
        let cluster = Cluster {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_string(),
            url: url.to_string(),
            kind: new.kind,
            created_at: time::now(),
            last_tested_at: None,
            last_status: None,
            last_error: None,
            capabilities: None,
        };
        self.conn.execute(
            "INSERT INTO clusters (id, name, url, kind, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                cluster.id,
                cluster.name,
                cluster.url,
                cluster.kind.as_str(),
                cluster.created_at
            ],
        )?;
        Ok(cluster)
    }

    /// Every cluster, local first, then by name.
    pub fn list(&self) -> Result<Vec<Cluster>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM clusters ORDER BY kind = 'remote', name COLLATE NOCASE"
        ))?;
        let rows = stmt.query_map([], raw_row)?;
        rows.map(|row| row.map_err(StoreError::from).and_then(into_cluster))
            .collect()
    }

    /// The cluster with this id.
    pub fn get(&self, id: &str) -> Result<Option<Cluster>, StoreError> {
        self.one("id = ?1", id)
    }

    /// The cluster with this name (case-insensitive).
    pub fn by_name(&self, name: &str) -> Result<Option<Cluster>, StoreError> {
        self.one("name = ?1", name.trim())
    }

    /// The cluster named, or with the id, `name_or_id`; `NotFound` when neither matches.
    pub fn find(&self, name_or_id: &str) -> Result<Cluster, StoreError> {
        match self.by_name(name_or_id)? {
            Some(cluster) => Ok(cluster),
            None => self.get(name_or_id)?.ok_or_else(|| StoreError::NotFound {
                what: "cluster",
                id: name_or_id.to_string(),
            }),
        }
    }

    /// The local cluster, if it was ever set up.
    pub fn local(&self) -> Result<Option<Cluster>, StoreError> {
        self.one("kind = ?1", ClusterKind::Local.as_str())
    }

    /// Changes a cluster's URL (the local daemon gets a new port each time it starts).
    pub fn set_url(&self, id: &str, url: &str) -> Result<(), StoreError> {
        let changed = self.conn.execute(
            "UPDATE clusters SET url = ?2 WHERE id = ?1",
            params![id, url.trim_end_matches('/')],
        )?;
        found(changed, id)
    }

    /// Records a connection test; a failed test keeps the last good capabilities.
    pub fn record_test(&self, id: &str, test: &ClusterTest<'_>) -> Result<(), StoreError> {
        let capabilities = test
            .capabilities
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| invalid("capabilities", &e.to_string()))?;
        let changed = self.conn.execute(
            "UPDATE clusters SET last_tested_at = ?2, last_status = ?3, last_error = ?4,
                 capabilities_json = COALESCE(?5, capabilities_json)
             WHERE id = ?1",
            params![id, time::now(), test.status.as_str(), test.error, capabilities],
        )?;
        found(changed, id)
    }

    /// Removes a cluster; `false` when there was none with this id. The caller deletes its keyring entry.
    pub fn delete(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.conn.execute("DELETE FROM clusters WHERE id = ?1", [id])? > 0)
    }

    fn one(&self, condition: &str, value: &str) -> Result<Option<Cluster>, StoreError> {
        let raw = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM clusters WHERE {condition}"),
                [value],
                raw_row,
            )
            .optional()?;
        raw.map(into_cluster).transpose()
    }
}

/// A row as SQLite gives it, before the enums and JSON are parsed.
struct RawCluster {
    id: String,
    name: String,
    url: String,
    kind: String,
    created_at: String,
    last_tested_at: Option<String>,
    last_status: Option<String>,
    last_error: Option<String>,
    capabilities_json: Option<String>,
}

fn raw_row(row: &Row<'_>) -> rusqlite::Result<RawCluster> {
    Ok(RawCluster {
        id: row.get(0)?,
        name: row.get(1)?,
        url: row.get(2)?,
        kind: row.get(3)?,
        created_at: row.get(4)?,
        last_tested_at: row.get(5)?,
        last_status: row.get(6)?,
        last_error: row.get(7)?,
        capabilities_json: row.get(8)?,
    })
}

fn into_cluster(raw: RawCluster) -> Result<Cluster, StoreError> {
    let corrupt = |message: String| StoreError::Corrupt {
        what: format!("cluster {}", raw.id),
        message,
    };
    let kind =
        ClusterKind::parse(&raw.kind).ok_or_else(|| corrupt(format!("unknown kind {:?}", raw.kind)))?;
    let last_status = match raw.last_status.as_deref() {
        None => None,
        Some(s) => Some(ClusterStatus::parse(s).ok_or_else(|| corrupt(format!("unknown status {s:?}")))?),
    };
    let capabilities = match raw.capabilities_json.as_deref() {
        None => None,
        Some(json) => Some(serde_json::from_str(json).map_err(|e| corrupt(e.to_string()))?),
    };
    Ok(Cluster {
        id: raw.id,
        name: raw.name,
        url: raw.url,
        kind,
        created_at: raw.created_at,
        last_tested_at: raw.last_tested_at,
        last_status,
        last_error: raw.last_error,
        capabilities,
    })
}

fn found(changed: usize, id: &str) -> Result<(), StoreError> {
    if changed == 0 {
        return Err(StoreError::NotFound {
            what: "cluster",
            id: id.to_string(),
        });
    }
    Ok(())
}

fn invalid(field: &str, message: &str) -> StoreError {
    StoreError::InvalidInput {
        field: field.to_string(),
        message: message.to_string(),
    }
}
