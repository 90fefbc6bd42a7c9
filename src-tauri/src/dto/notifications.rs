//! Notification shapes for the UI: the Notifications page, the header menu and the poller's live updates.

use brightrun_core::store::notifications::{
    Notification, NotificationKind as CoreNotificationKind, Priority as CorePriority,
};
use serde::{Deserialize, Serialize};

use super::mirror_enum;

mirror_enum! {
    /// What a notification is about.
    NotificationKind <=> CoreNotificationKind {
        JobQueued,
        JobStarted,
        JobCompleted,
        JobFailed,
        JobCancelled,
        ArtifactReady,
        /// A job's cost passed 80 %, 100 % or 120 % of its estimate.
        CostAlert,
        /// The month's spend passed 80 %, 90 % or 100 % of the budget.
        BudgetAlert,
        DatasetReady,
    }
}

mirror_enum! {
    /// How urgently the user should see a notification.
    NotificationPriority <=> CorePriority {
        Low,
        Medium,
        High,
        Critical,
    }
}

/// A notification as the UI shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct NotificationView {
    /// Id.
    pub id: String,
    /// What it is about.
    pub kind: NotificationKind,
    /// How urgent.
    pub priority: NotificationPriority,
    /// One line.
    pub title: String,
    /// Details.
    pub body: String,
    /// The job it is about.
    pub job_id: Option<String>,
    /// Seen.
    pub read: bool,
    /// When (RFC 3339).
    pub created_at: String,
}

impl From<&Notification> for NotificationView {
    fn from(n: &Notification) -> Self {
        Self {
            id: n.id.clone(),
            kind: n.kind.into(),
            priority: n.priority.into(),
            title: n.title.clone(),
            body: n.body.clone(),
            job_id: n.job_id.clone(),
            read: n.read,
            created_at: n.created_at.clone(),
        }
    }
}

/// The list and the unread count.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct NotificationList {
    /// Newest first.
    pub items: Vec<NotificationView>,
    /// How many are unread (of all, not only the listed).
    pub unread: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_priorities_cross_as_the_core_stores_them() {
        for kind in CoreNotificationKind::ALL {
            assert_eq!(
                serde_json::to_value(NotificationKind::from(kind)).unwrap(),
                kind.as_str()
            );
        }
        assert_eq!(
            serde_json::to_value(NotificationPriority::from(CorePriority::Critical)).unwrap(),
            "critical"
        );
    }
}
