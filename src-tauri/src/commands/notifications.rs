//! The Notifications page and the header menu: the recorded notifications, the unread count, marking read.

use brightrun_core::store::notifications::Notification;
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::core_state::CoreState;
use crate::error::AppError;

/// How many notifications one list holds; older ones stay in the store.
pub const LIST_LIMIT: u32 = 200;

/// A notification as the UI shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct NotificationView {
    /// Id.
    pub id: String,
    /// `job_completed`, `budget_alert`, …
    pub kind: String,
    /// `low`, `medium`, `high`, `critical`.
    pub priority: String,
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
            kind: n.kind.as_str().to_string(),
            priority: n.priority.as_str().to_string(),
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

/// Notifications, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_notifications(
    core: State<'_, CoreState>,
    unread_only: bool,
) -> Result<NotificationList, AppError> {
    core.read(move |s| -> Result<_, brightrun_core::store::StoreError> {
        let items = s.notifications().list(unread_only, LIST_LIMIT)?;
        let unread = s.notifications().list(true, u32::MAX)?.len();
        Ok(NotificationList {
            items: items.iter().map(NotificationView::from).collect(),
            unread: u32::try_from(unread).unwrap_or(u32::MAX),
        })
    })
    .await
}

/// Marks notifications read (all unread ones when `ids` is empty).
#[tauri::command]
#[specta::specta]
pub async fn mark_notifications_read(core: State<'_, CoreState>, ids: Vec<String>) -> Result<u32, AppError> {
    core.read(move |s| -> Result<u32, brightrun_core::store::StoreError> {
        let ids = if ids.is_empty() {
            s.notifications()
                .list(true, u32::MAX)?
                .into_iter()
                .map(|n| n.id)
                .collect()
        } else {
            ids
        };
        let mut marked = 0;
        for id in &ids {
            if s.notifications().mark_read(id)? {
                marked += 1;
            }
        }
        Ok(marked)
    })
    .await
}
