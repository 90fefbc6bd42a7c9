//! The `notifications` table (migration `20261122050500_notifications`): what the user is told about, with a
//! priority and a read flag. An alert that must fire once carries a `once_key`; recording it again is a no-op.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{time, Store, StoreError};

/// What a notification is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A job was accepted by its cluster.
    JobQueued,
    /// A job started running.
    JobStarted,
    /// A job finished with an adapter.
    JobCompleted,
    /// A job failed.
    JobFailed,
    /// A job was cancelled.
    JobCancelled,
    /// A trained adapter is downloaded and verified.
    ArtifactReady,
    /// A job's cost passed a share of its estimate.
    CostAlert,
    /// The month's spend passed a share of the budget.
    BudgetAlert,
    /// A dataset finished validating.
    DatasetReady,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [NotificationKind; 9] = [
        NotificationKind::JobQueued,
        NotificationKind::JobStarted,
        NotificationKind::JobCompleted,
        NotificationKind::JobFailed,
        NotificationKind::JobCancelled,
        NotificationKind::ArtifactReady,
        NotificationKind::CostAlert,
        NotificationKind::BudgetAlert,
        NotificationKind::DatasetReady,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::JobQueued => "job_queued",
            NotificationKind::JobStarted => "job_started",
            NotificationKind::JobCompleted => "job_completed",
            NotificationKind::JobFailed => "job_failed",
            NotificationKind::JobCancelled => "job_cancelled",
            NotificationKind::ArtifactReady => "artifact_ready",
            NotificationKind::CostAlert => "cost_alert",
            NotificationKind::BudgetAlert => "budget_alert",
            NotificationKind::DatasetReady => "dataset_ready",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// How urgently the user should see a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// For the record.
    Low,
    /// Worth a look.
    Medium,
    /// Needs attention.
    High,
    /// Money or work is at stake now.
    Critical,
}

impl Priority {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Critical => "critical",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [
            Priority::Low,
            Priority::Medium,
            Priority::High,
            Priority::Critical,
        ]
        .into_iter()
        .find(|p| p.as_str() == raw)
    }
}

/// A notification to record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewNotification {
    /// What it is about.
    pub kind: NotificationKind,
    /// How urgent.
    pub priority: Priority,
    /// One line.
    pub title: String,
    /// The details.
    pub body: String,
    /// The job it is about, if any.
    pub job_id: Option<String>,
    /// Set for alerts that fire once: a second notification with the same key is not recorded.
    pub once_key: Option<String>,
}

/// A recorded notification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Id (uuid v7).
    pub id: String,
    /// What it is about.
    pub kind: NotificationKind,
    /// How urgent.
    pub priority: Priority,
    /// One line.
    pub title: String,
    /// The details.
    pub body: String,
    /// The job it is about.
    pub job_id: Option<String>,
    /// Whether the user has seen it.
    pub read: bool,
    /// When it was recorded.
    pub created_at: String,
}

/// The `notifications` table of a store.
pub struct Notifications<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The notifications.
    pub fn notifications(&self) -> Notifications<'_> {
        Notifications {
            conn: self.connection(),
        }
    }
}

const COLUMNS: &str = "id, kind, priority, title, body, job_id, read, created_at";

impl Notifications<'_> {
    /// Records `new`; `None` when its `once_key` was already recorded (the alert already fired).
    pub fn record(&self, new: &NewNotification) -> Result<Option<Notification>, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let inserted = self.conn.execute(
            "INSERT INTO notifications (id, kind, priority, title, body, job_id, once_key, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (once_key) DO NOTHING",
            params![
                id,
                new.kind.as_str(),
                new.priority.as_str(),
                new.title,
                new.body,
                new.job_id,
                new.once_key,
                time::now(),
            ],
        )?;
        if inserted == 0 {
            return Ok(None);
        }
        self.get(&id)
    }

    /// The notification with this id, if any.
    pub fn get(&self, id: &str) -> Result<Option<Notification>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM notifications WHERE id = ?1");
        self.conn.query_row(&sql, [id], read_row).optional()?.transpose()
    }

    /// The newest `limit` notifications, newest first; only unread ones with `unread_only`.
    pub fn list(&self, unread_only: bool, limit: u32) -> Result<Vec<Notification>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notifications WHERE (?1 = 0 OR read = 0) ORDER BY created_at DESC, id DESC LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![unread_only, limit], read_row)?;
        rows.collect::<Result<Result<_, _>, _>>()?
    }

    /// Every notification about `job_id`, oldest first.
    pub fn for_job(&self, job_id: &str) -> Result<Vec<Notification>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM notifications WHERE job_id = ?1 ORDER BY created_at, id");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([job_id], read_row)?;
        rows.collect::<Result<Result<_, _>, _>>()?
    }

    /// Marks one notification read; false when there is none with this id.
    pub fn mark_read(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("UPDATE notifications SET read = 1 WHERE id = ?1", [id])?
            > 0)
    }

    /// Marks every notification read; returns how many were unread.
    pub fn mark_all_read(&self) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .execute("UPDATE notifications SET read = 1 WHERE read = 0", [])?)
    }
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<Result<Notification, StoreError>> {
    let id: String = row.get(0)?;
    let kind_raw: String = row.get(1)?;
    let priority_raw: String = row.get(2)?;
    let corrupt = |what: &str, raw: &str| StoreError::Corrupt {
        what: format!("{what} of notification {id}"),
        message: format!("unknown value {raw:?}"),
    };
    let Some(kind) = NotificationKind::parse(&kind_raw) else {
        return Ok(Err(corrupt("kind", &kind_raw)));
    };
    let Some(priority) = Priority::parse(&priority_raw) else {
        return Ok(Err(corrupt("priority", &priority_raw)));
    };
    Ok(Ok(Notification {
        kind,
        priority,
        title: row.get(3)?,
        body: row.get(4)?,
        job_id: row.get(5)?,
        read: row.get(6)?,
        created_at: row.get(7)?,
        id,
    }))
}
