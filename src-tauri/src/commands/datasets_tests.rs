//! The dataset handlers against a real SQLite file in a temporary data folder, with no window: progress
//! events go to a list instead of the WebView.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use brightrun_core::store::notifications::{Notification, NotificationKind};

use super::*;
use crate::dto::dataset_sorts::DatasetSortView;

/// The real BrightHub v4 sample (12 conversations, 89 pairs, 44 with a target), kept beside the repository.
fn v4_sample() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/datasets/brightrun-v4/EQ-12-conversations-demo.jsonl");
    assert!(path.is_file(), "the v4 sample is missing at {}", path.display());
    path
}

fn open_core() -> (tempfile::TempDir, CoreState) {
    let dir = tempfile::tempdir().unwrap();
    let core = CoreState::open(dir.path(), "app.brightrun.desktop.test.unused").unwrap();
    (dir, core)
}

/// What the import handed to the app's notifier (the desktop path of notify.rs), in order.
#[derive(Default)]
struct Delivered(Mutex<Vec<Notification>>);

impl Notifier for Delivered {
    fn deliver(&self, notification: &Notification) {
        self.0.lock().unwrap().push(notification.clone());
    }
}

/// Imports `paths` through the handler and waits for the batch; returns every event it sent.
async fn import(core: &CoreState, paths: &[PathBuf]) -> Vec<DatasetImportProgress> {
    import_as(core, paths, None, Arc::new(Delivered::default())).await
}

/// [`import`] with a forced format, delivering notifications to `notifier`.
async fn import_as(
    core: &CoreState,
    paths: &[PathBuf],
    format: Option<DatasetFormat>,
    notifier: Arc<Delivered>,
) -> Vec<DatasetImportProgress> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let sink: ProgressSink = Arc::new(move |e| seen.lock().unwrap().push(e));
    let paths = paths.iter().map(|p| p.display().to_string()).collect();
    let (tickets, running) = start_imports(core, paths, format, sink, notifier).unwrap();
    running.await.unwrap();
    let events = events.lock().unwrap().clone();
    for ticket in tickets {
        assert!(
            core.import_flag(&ticket.import_id).is_none(),
            "a finished import is forgotten"
        );
    }
    events
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const OPENAI_LINE: &str =
    r#"{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}"#;

#[tokio::test]
async fn the_v4_sample_imports_ready_with_44_examples_and_its_report() {
    let (_dir, core) = open_core();
    let events = import(&core, &[v4_sample()]).await;
    let stages: Vec<&str> = events.iter().map(|e| e.stage.as_str()).collect();
    assert_eq!(stages.first(), Some(&"queued"));
    assert_eq!(stages.last(), Some(&"done"), "events: {stages:?}");
    assert!(stages.contains(&"validating"));
    let done = events.last().unwrap();
    assert_eq!(done.message.as_deref(), Some("added"));
    assert_eq!(done.bytes_done, done.bytes_total);
    assert!(done.bytes_total > 0.0);

    let page = list(&core, &DatasetListQuery::default()).await.unwrap();
    assert_eq!(page.total, 1.0);
    let d = &page.items[0];
    assert_eq!(d.name, "EQ-12-conversations-demo");
    assert_eq!(d.status, "ready");
    assert!(d.ready);
    assert_eq!(d.format.as_deref(), Some("brightrun_lora_v4"));
    assert_eq!(d.training_examples, 44.0);
    assert_eq!(d.conversations, 12.0);
    assert_eq!(Some(d.id.clone()), done.dataset_id);

    let stats = library_stats(&core).await.unwrap();
    assert_eq!(
        stats,
        LibraryStats {
            datasets: 1.0,
            ready: 1.0,
            conversations: 12.0,
            training_examples: 44.0
        }
    );

    let detail = detail(&core, &d.id).await.unwrap();
    let report = detail.report.expect("a ready dataset has its report");
    assert_eq!(report.training_examples, 44.0);
    assert!(report.quality.is_some(), "v4 carries quality scores");
    assert!(report.scaffolding.iter().any(|s| s.name == "personas"));
    assert!(!report.histogram.is_empty());
    assert!(report.readiness.iter().all(|c| c.passed));

    // The same bytes again: the same entry, not a second one.
    let again = import(&core, &[v4_sample()]).await;
    assert_eq!(
        again.last().unwrap().message.as_deref(),
        Some("already in the library")
    );
    assert_eq!(
        list(&core, &DatasetListQuery::default()).await.unwrap().total,
        1.0
    );
}

#[tokio::test]
async fn samples_are_paged_chat_messages_with_the_system_prompt() {
    let (_dir, core) = open_core();
    import(&core, &[v4_sample()]).await;
    let id = list(&core, &DatasetListQuery::default()).await.unwrap().items[0]
        .id
        .clone();
    let first = samples(&core, &id, 0, 5).await.unwrap();
    assert_eq!(first.len(), 5);
    for sample in &first {
        assert_eq!(sample.messages.first().unwrap().role, "system");
        assert_eq!(sample.messages.last().unwrap().role, "assistant");
    }
    let next = samples(&core, &id, 5, 5).await.unwrap();
    assert_eq!(next.len(), 5);
    assert_ne!(first[0].line, next[0].line, "offset moves through the file");
    let tail = samples(&core, &id, 40, 100).await.unwrap();
    assert_eq!(tail.len(), 4, "44 examples in all");
    let missing = samples(&core, "no-such-id", 0, 5).await.unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_folder_imports_its_dataset_files_and_a_broken_line_is_reported_with_its_number() {
    let (_dir, core) = open_core();
    let folder = tempfile::tempdir().unwrap();
    write(
        folder.path(),
        "good.jsonl",
        &format!("{OPENAI_LINE}\n{OPENAI_LINE}\n"),
    );
    write(
        folder.path(),
        "broken.jsonl",
        &format!("{OPENAI_LINE}\n{OPENAI_LINE}\n{{not json\n"),
    );
    write(folder.path(), "notes.txt", "not a dataset");
    let events = import(&core, &[folder.path().to_path_buf()]).await;
    let files: std::collections::BTreeSet<&str> = events.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        ["broken.jsonl", "good.jsonl"]
    );

    let broken = list(
        &core,
        &DatasetListQuery {
            status: Some("error".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(broken.total, 1.0);
    let report = detail(&core, &broken.items[0].id).await.unwrap().report.unwrap();
    let issue = report.issues.iter().find(|i| i.severity == "error").unwrap();
    assert_eq!(issue.line, 3.0);
    assert_eq!(issue.code, "invalid_json");
    assert!(issue.suggestion.is_some());
}

/// The names of one page of the library, in the list's order.
async fn names(core: &CoreState, query: DatasetListQuery) -> Vec<String> {
    list(core, &query)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|d| d.name)
        .collect()
}

#[tokio::test]
async fn the_list_sorts_filters_searches_and_pages() {
    let (_dir, core) = open_core();
    let folder = tempfile::tempdir().unwrap();
    let small = write(folder.path(), "alpha chat.jsonl", &format!("{OPENAI_LINE}\n"));
    import(&core, &[v4_sample(), small]).await;
    let sorted = |sort: DatasetSortView| DatasetListQuery {
        sort: Some(sort),
        ..Default::default()
    };
    let v4_first = ["EQ-12-conversations-demo", "alpha chat"];
    let small_first = ["alpha chat", "EQ-12-conversations-demo"];
    for (sort, expected) in [
        (DatasetSortView::Name, small_first),
        (DatasetSortView::NameDesc, v4_first),
        (DatasetSortView::MostExamples, v4_first),
        (DatasetSortView::FewestExamples, small_first),
        (DatasetSortView::Largest, v4_first),
        (DatasetSortView::Smallest, small_first),
        (DatasetSortView::MostTokens, v4_first),
        (DatasetSortView::FewestTokens, small_first),
        // Only the v4 sample carries quality scores; the other comes last either way.
        (DatasetSortView::BestQuality, v4_first),
        (DatasetSortView::WorstQuality, v4_first),
    ] {
        assert_eq!(names(&core, sorted(sort)).await, expected, "{sort:?}");
    }
    let v4_only = DatasetListQuery {
        format: Some("brightrun_lora_v4".into()),
        ..Default::default()
    };
    assert_eq!(names(&core, v4_only).await, ["EQ-12-conversations-demo"]);
    let not_ready = DatasetListQuery {
        ready: Some(false),
        ..Default::default()
    };
    assert_eq!(
        names(&core, not_ready).await,
        ["alpha chat"],
        "one pair is not enough to be ready"
    );
    let search = DatasetListQuery {
        search: Some("ALPHA".into()),
        ..Default::default()
    };
    assert_eq!(names(&core, search).await, ["alpha chat"]);
    let second_page = list(
        &core,
        &DatasetListQuery {
            sort: Some(DatasetSortView::Name),
            page: 2,
            per_page: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(second_page.total, 2.0);
    assert_eq!(second_page.items[0].name, "EQ-12-conversations-demo");
    // The sort crosses IPC as the core's names: an unknown one never reaches the handler.
    let bad = serde_json::from_value::<DatasetListQuery>(serde_json::json!({
        "search": null, "sort": "loudest", "format": null, "status": null, "ready": null,
        "trash": false, "page": 1, "perPage": 0
    }));
    assert!(bad.is_err());
    let good: DatasetListQuery = serde_json::from_value(serde_json::json!({
        "search": null, "sort": "recently-used", "format": null, "status": null, "ready": null,
        "trash": false, "page": 1, "perPage": 0
    }))
    .unwrap();
    assert_eq!(good.sort, Some(DatasetSortView::RecentlyUsed));
}

#[tokio::test]
async fn a_page_holds_25_by_default_and_the_user_may_pick_another_size() {
    let (_dir, core) = open_core();
    let folder = tempfile::tempdir().unwrap();
    for i in 0..27 {
        // Distinct bytes per file, or the library would hold one entry.
        let line = OPENAI_LINE.replace("Hello!", &format!("Hello number {i}!"));
        write(folder.path(), &format!("set {i:02}.jsonl"), &format!("{line}\n"));
    }
    import(&core, &[folder.path().to_path_buf()]).await;
    let first = list(&core, &DatasetListQuery::default()).await.unwrap();
    assert_eq!((first.items.len(), first.per_page, first.total), (25, 25, 27.0));
    let page = |page: u32, per_page: u32| {
        let core = core.clone();
        async move {
            let query = DatasetListQuery {
                sort: Some(DatasetSortView::Name),
                page,
                per_page,
                ..Default::default()
            };
            list(&core, &query).await.unwrap()
        }
    };
    assert_eq!(page(2, 0).await.items.len(), 2, "page 2 of the default size");
    let tens = page(3, 10).await;
    assert_eq!((tens.items.len(), tens.per_page), (7, 10));
    assert_eq!(tens.items[0].name, "set 20", "sorted by the query, then paged");
    assert_eq!(page(1, 50).await.items.len(), 27);
    let too_big = list(
        &core,
        &DatasetListQuery {
            per_page: 501,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(too_big.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_finished_import_is_announced_once_as_dataset_ready() {
    let (_dir, core) = open_core();
    let delivered = Arc::new(Delivered::default());
    import_as(&core, &[v4_sample()], None, delivered.clone()).await;
    let stored = core
        .store
        .with_store(|s| s.notifications().list(false, 10))
        .unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].kind, NotificationKind::DatasetReady);
    assert_eq!(stored[0].title, "EQ-12-conversations-demo is ready to train");
    assert!(
        stored[0].body.contains("44 training examples"),
        "{}",
        stored[0].body
    );
    assert_eq!(
        delivered.0.lock().unwrap().as_slice(),
        stored.as_slice(),
        "the recorded notification goes down the notifier path"
    );
    assert!(
        !crate::notify::shows_on_desktop(NotificationKind::DatasetReady),
        "it stays in the app's list"
    );

    // The same bytes again: no new validation, no new notification.
    import_as(&core, &[v4_sample()], None, delivered.clone()).await;
    let again = core
        .store
        .with_store(|s| s.notifications().list(false, 10))
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(delivered.0.lock().unwrap().len(), 1);

    // A file with errors is announced too, saying so.
    let folder = tempfile::tempdir().unwrap();
    let broken = write(folder.path(), "broken.jsonl", "{not json\n");
    import_as(&core, &[broken], None, delivered.clone()).await;
    let latest = core
        .store
        .with_store(|s| s.notifications().list(false, 1))
        .unwrap();
    assert_eq!(latest[0].title, "broken has problems");
}

#[tokio::test]
async fn the_format_can_be_forced_like_the_clis_format_flag() {
    assert_eq!(parse_format(None).unwrap(), None);
    assert_eq!(parse_format(Some("auto")).unwrap(), None);
    assert_eq!(parse_format(Some("alpaca")).unwrap(), Some(DatasetFormat::Alpaca));
    let unknown = parse_format(Some("csv")).unwrap_err();
    assert_eq!(unknown.code, ErrorCode::InvalidInput);
    assert!(
        unknown.message.contains("alpaca"),
        "names the known formats: {}",
        unknown.message
    );

    // OpenAI chat lines read as Alpaca have no instruction/output: validation says so, with the forced format.
    let (_dir, core) = open_core();
    let folder = tempfile::tempdir().unwrap();
    let chat = write(folder.path(), "chat.jsonl", &format!("{OPENAI_LINE}\n"));
    import_as(
        &core,
        std::slice::from_ref(&chat),
        Some(DatasetFormat::Alpaca),
        Arc::new(Delivered::default()),
    )
    .await;
    let forced = &list(&core, &DatasetListQuery::default()).await.unwrap().items[0];
    assert_eq!(forced.format.as_deref(), Some("alpaca"));
    assert_eq!(forced.status, "error", "{forced:?}");

    let (_dir2, detected_core) = open_core();
    import(&detected_core, &[chat]).await;
    let detected = &list(&detected_core, &DatasetListQuery::default())
        .await
        .unwrap()
        .items[0];
    assert_eq!(detected.format.as_deref(), Some("openai_messages"));
    assert_eq!(detected.status, "ready");
}

#[tokio::test]
async fn delete_moves_to_the_trash_and_restore_brings_it_back_and_edits_stick() {
    let (_dir, core) = open_core();
    import(&core, &[v4_sample()]).await;
    let id = list(&core, &DatasetListQuery::default()).await.unwrap().items[0]
        .id
        .clone();

    let edited = update(&core, &id, Some("Coaching v4"), Some("from BrightHub"))
        .await
        .unwrap();
    assert_eq!(edited.name, "Coaching v4");
    assert_eq!(edited.description.as_deref(), Some("from BrightHub"));
    assert_eq!(
        update(&core, &id, Some("  "), None).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );

    let deleted = delete(&core, &id).await.unwrap();
    assert!(deleted.deleted_at.is_some());
    assert_eq!(
        list(&core, &DatasetListQuery::default()).await.unwrap().total,
        0.0
    );
    assert_eq!(library_stats(&core).await.unwrap().datasets, 0.0);
    let trash = DatasetListQuery {
        trash: true,
        ..Default::default()
    };
    assert_eq!(list(&core, &trash).await.unwrap().items[0].id, id);

    let restored = restore(&core, &id).await.unwrap();
    assert!(restored.deleted_at.is_none());
    assert_eq!(
        list(&core, &DatasetListQuery::default()).await.unwrap().total,
        1.0
    );
    assert_eq!(list(&core, &trash).await.unwrap().total, 0.0);
}

#[tokio::test]
async fn a_cancelled_import_leaves_nothing_and_unknown_ids_cannot_be_cancelled() {
    let (_dir, core) = open_core();
    let ticket = ImportTicket {
        import_id: "manual".into(),
        file: "EQ-12-conversations-demo.jsonl".into(),
    };
    let flag = core.register_import(&ticket.import_id);
    assert!(cancel(&core, "manual"));
    assert!(!cancel(&core, "never-started"));
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let sink: ProgressSink = Arc::new(move |e| seen.lock().unwrap().push(e));
    let opts = ValidateOptions::default();
    import_one(
        &core,
        &ticket,
        &v4_sample(),
        &flag,
        &opts,
        &sink,
        &Delivered::default(),
    );
    assert_eq!(events.lock().unwrap().last().unwrap().stage, "cancelled");
    assert_eq!(
        list(&core, &DatasetListQuery::default()).await.unwrap().total,
        0.0
    );
}

#[test]
fn nothing_to_import_is_the_callers_mistake() {
    let empty = tempfile::tempdir().unwrap();
    let error = expand_paths(&[empty.path().display().to_string()]).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(is_dataset_file(std::path::Path::new("a/B.JSONL.GZ")));
    assert!(!is_dataset_file(std::path::Path::new("a/b.txt")));
}
