//! The `dataset_ready` notification: what the user is told when a dataset finishes validating, recorded in the
//! notifications table like the job notifications, so the app's list shows both.

use super::notifications::{NewNotification, Notification, NotificationKind, Priority};
use super::{Dataset, DatasetStatus, Store, StoreError};

/// The notification for a dataset whose validation just ended (ready, valid but not ready, or in error).
///
/// Its `once_key` names the validation (the dataset and when it ended), so importing the same bytes again
/// without a new validation records nothing, while a later re-validation is told again.
pub fn dataset_ready_notification(dataset: &Dataset) -> NewNotification {
    let name = &dataset.name;
    let (priority, title, body) = match dataset.status {
        DatasetStatus::Ready if dataset.ready => (
            Priority::Low,
            format!("{name} is ready to train"),
            format!(
                "{} training examples from {} conversations, about {} tokens.",
                dataset.training_examples, dataset.conversations, dataset.tokens_total
            ),
        ),
        DatasetStatus::Ready => (
            Priority::Medium,
            format!("{name} is valid but not ready to train"),
            "A readiness check did not pass; the dataset's checklist says which.".to_string(),
        ),
        DatasetStatus::Error => (
            Priority::Medium,
            format!("{name} has problems"),
            match &dataset.error_message {
                Some(reason) => format!("Validation could not run: {reason}"),
                None => format!(
                    "{} errors; the dataset's report lists each with its line number.",
                    dataset.error_count
                ),
            },
        ),
        // Still running: nothing to tell yet (callers pass finished datasets).
        DatasetStatus::Validating => (Priority::Low, format!("{name} is being checked"), String::new()),
    };
    // A validation that could not run leaves the last report's `validated_at` in place; its own moment is
    // the row's last change. Its key also names the outcome: a failure recorded in the same millisecond as
    // the report it replaces would otherwise share the report's key and never be told (seen in CI).
    let outcome = match (&dataset.error_message, &dataset.validated_at) {
        (None, Some(validated_at)) => validated_at.clone(),
        _ => format!("failed:{}", dataset.updated_at),
    };
    NewNotification {
        kind: NotificationKind::DatasetReady,
        priority,
        title,
        body,
        job_id: None,
        once_key: Some(format!("dataset_ready:{}:{outcome}", dataset.id)),
    }
}

/// Records the `dataset_ready` notification of `dataset` once its validation has ended; `None` while it is
/// still validating or when this validation was already announced.
pub fn record_dataset_ready(store: &Store, dataset: &Dataset) -> Result<Option<Notification>, StoreError> {
    if dataset.status == DatasetStatus::Validating {
        return Ok(None);
    }
    store.notifications().record(&dataset_ready_notification(dataset))
}
