//! The dashboard handler on a real SQLite file: a dataset imported through the datasets handler shows in the
//! cards and the feed, with the month against the budget.

use std::path::PathBuf;
use std::sync::Arc;

use brightrun_core::jobs::RecordOnlyNotifier;
use brightrun_core::store::notifications::{NewNotification, NotificationKind, Priority};
use brightrun_core::store::StoreAccess;

use super::*;
use crate::commands::datasets::{start_imports, ProgressSink};
use crate::dto::dashboard::ActivitySubjectView;

fn open_core() -> (tempfile::TempDir, CoreState) {
    let dir = tempfile::tempdir().unwrap();
    let core = CoreState::open(dir.path(), "app.brightrun.desktop.test.unused").unwrap();
    (dir, core)
}

#[tokio::test]
async fn an_imported_dataset_and_an_alert_show_in_the_cards_and_the_feed() {
    let (_dir, core) = open_core();
    let empty = load(&core, FEED_LENGTH).await.unwrap();
    assert_eq!(
        (empty.datasets, empty.active_jobs, empty.completed_models),
        (0.0, 0.0, 0.0)
    );
    assert!(empty.activity.is_empty());

    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/datasets/brightrun-v4/EQ-12-conversations-demo.jsonl");
    let sink: ProgressSink = Arc::new(|_| {});
    let (_, running) = start_imports(
        &core,
        vec![sample.display().to_string()],
        None,
        sink,
        Arc::new(RecordOnlyNotifier),
    )
    .unwrap();
    running.await.unwrap();
    core.store.with_store(|s| {
        s.settings().set_monthly_budget_usd(Some(25.0)).unwrap();
        s.notifications()
            .record(&NewNotification {
                kind: NotificationKind::BudgetAlert,
                priority: Priority::High,
                title: "80% of the monthly budget spent".into(),
                body: "$20.00 of $25.00".into(),
                job_id: None,
                once_key: None,
            })
            .unwrap();
    });

    let view = load(&core, FEED_LENGTH).await.unwrap();
    assert_eq!((view.datasets, view.datasets_ready), (1.0, 1.0));
    assert_eq!((view.active_jobs, view.completed_models), (0.0, 0.0));
    assert_eq!((view.month_spent_usd, view.monthly_budget_usd), (0.0, Some(25.0)));
    let feed: Vec<(ActivitySubjectView, &str)> = view
        .activity
        .iter()
        .map(|a| (a.subject, a.title.as_str()))
        .collect();
    assert_eq!(
        feed,
        vec![
            (
                ActivitySubjectView::Notification,
                "80% of the monthly budget spent"
            ),
            (ActivitySubjectView::Dataset, "EQ-12-conversations-demo imported"),
        ],
        "the dataset_ready notification is not repeated beside its dataset"
    );
    assert_eq!(load(&core, 1).await.unwrap().activity.len(), 1);
}
