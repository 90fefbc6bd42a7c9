//! The Notifications page and the header menu: the recorded notifications, the unread count, marking read.
//! Each command is a thin wrapper over a plain function of [`CoreState`] that tests call without a window.

use brightrun_core::store::StoreError;
use tauri::State;

use crate::core_state::CoreState;
pub use crate::dto::notifications::{
    NotificationKind, NotificationList, NotificationPriority, NotificationView,
};
use crate::error::AppError;

/// How many notifications one list holds; older ones stay in the store.
pub const LIST_LIMIT: u32 = 200;

/// Notifications, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_notifications(
    core: State<'_, CoreState>,
    unread_only: bool,
) -> Result<NotificationList, AppError> {
    list(&core, unread_only).await
}

/// Marks notifications read (all unread ones when `ids` is empty).
#[tauri::command]
#[specta::specta]
pub async fn mark_notifications_read(core: State<'_, CoreState>, ids: Vec<String>) -> Result<u32, AppError> {
    mark_read(&core, ids).await
}

/// The newest [`LIST_LIMIT`] notifications (unread ones only when asked) and the unread count of all.
pub async fn list(core: &CoreState, unread_only: bool) -> Result<NotificationList, AppError> {
    core.read(move |s| -> Result<_, StoreError> {
        let items = s.notifications().list(unread_only, LIST_LIMIT)?;
        let unread = s.notifications().list(true, u32::MAX)?.len();
        Ok(NotificationList {
            items: items.iter().map(NotificationView::from).collect(),
            unread: u32::try_from(unread).unwrap_or(u32::MAX),
        })
    })
    .await
}

/// Marks `ids` read (every unread one when empty); how many of them were unread.
pub async fn mark_read(core: &CoreState, ids: Vec<String>) -> Result<u32, AppError> {
    core.read(move |s| -> Result<u32, StoreError> {
        let marked = if ids.is_empty() {
            s.notifications().mark_all_read()?
        } else {
            let unread: std::collections::HashSet<String> = s
                .notifications()
                .list(true, u32::MAX)?
                .into_iter()
                .map(|n| n.id)
                .collect();
            let mut marked = 0;
            for id in ids.iter().filter(|id| unread.contains(*id)) {
                if s.notifications().mark_read(id)? {
                    marked += 1;
                }
            }
            marked
        };
        Ok(u32::try_from(marked).unwrap_or(u32::MAX))
    })
    .await
}
