//! The `datasets` table on a real SQLite file: insert and dedup, reports, soft delete and restore,
//! every sort, filter, search and pagination, and the recovery of interrupted validations.

mod store_support;

use brightrun_core::dataset::{DatasetFormat, QualityStats};
use brightrun_core::store::datasets::INTERRUPTED_MESSAGE;
use brightrun_core::store::training_jobs::NewTrainingJob;
use brightrun_core::store::{
    DatasetQuery, DatasetSort, DatasetStatus, Inserted, NewDataset, Store, StoreError,
};
use brightrun_core::training::Hyperparameters;
use chrono::{TimeZone, Utc};
use store_support::*;

fn names(store: &Store, query: &DatasetQuery) -> Vec<String> {
    store
        .datasets()
        .list(query)
        .unwrap()
        .items
        .into_iter()
        .map(|d| d.name)
        .collect()
}

#[test]
fn a_new_dataset_starts_validating_and_the_same_bytes_find_the_same_row() {
    let (_dir, store) = temp_store();
    let first = insert(&store, "  Support chats  ", Some("  "), 1);
    assert_eq!(first.status, DatasetStatus::Validating);
    assert_eq!(first.name, "Support chats", "names are trimmed");
    assert_eq!(first.description, None, "a blank description is none");
    assert_eq!(first.bytes, 1001);
    assert!(uuid::Uuid::parse_str(&first.id).is_ok());

    let again = NewDataset {
        name: "another name".into(),
        description: None,
        sha256: first.sha256.clone(),
        file_path: first.file_path.clone(),
        original_file_name: "copy.jsonl".into(),
        bytes: first.bytes,
    };
    match store.datasets().insert_validating(&again).unwrap() {
        Inserted::Existing(existing) => assert_eq!(existing, first),
        Inserted::New(d) => panic!("the same bytes made a second row {}", d.id),
    }
    let all = store.datasets().list(&DatasetQuery::default()).unwrap();
    assert_eq!(all.total, 1);
    assert_eq!(
        store.datasets().find_by_sha256(&first.sha256).unwrap(),
        Some(first)
    );
}

#[test]
fn an_empty_name_is_refused() {
    let (_dir, store) = temp_store();
    let new = NewDataset {
        name: "   ".into(),
        description: None,
        sha256: "a".repeat(64),
        file_path: "datasets/a.jsonl".into(),
        original_file_name: "a.jsonl".into(),
        bytes: 1,
    };
    let err = store.datasets().insert_validating(&new).unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput { .. }), "{err}");
}

#[test]
fn recording_a_report_sets_status_counters_and_keeps_the_report() {
    let (_dir, store) = temp_store();
    let ok = insert(&store, "ok", None, 1);
    let recorded = store
        .datasets()
        .record_report(&ok.id, &report(DatasetFormat::OpenaiMessages, true, 10, true))
        .unwrap();
    assert_eq!(recorded.status, DatasetStatus::Ready);
    assert_eq!(recorded.format, Some(DatasetFormat::OpenaiMessages));
    assert_eq!(
        (
            recorded.conversations,
            recorded.training_examples,
            recorded.training_pairs
        ),
        (5, 10, 20)
    );
    assert_eq!((recorded.tokens_total, recorded.error_count), (1000, 0));
    assert!(recorded.ready);
    assert!(recorded.validated_at.is_some());
    let detail = store.datasets().get_detail(&ok.id).unwrap();
    assert_eq!(detail.report.unwrap().training_examples, 10);

    let weak = insert(&store, "weak", None, 2);
    let weak = store
        .datasets()
        .record_report(&weak.id, &report(DatasetFormat::Alpaca, true, 1, false))
        .unwrap();
    assert_eq!(
        weak.status,
        DatasetStatus::Ready,
        "a failed readiness check is a warning"
    );
    assert!(!weak.ready);

    let bad = insert(&store, "bad", None, 3);
    let bad = store
        .datasets()
        .record_report(&bad.id, &report(DatasetFormat::Sharegpt, false, 4, true))
        .unwrap();
    assert_eq!(bad.status, DatasetStatus::Error);
    assert_eq!(bad.error_count, 1);
    assert!(!bad.ready, "an invalid dataset is never ready");
    assert_eq!(bad.error_message, None, "the report explains an invalid dataset");
}

#[test]
fn a_failure_is_recorded_without_a_report_and_the_json_shows_the_report() {
    let (_dir, store) = temp_store();
    let d = insert(&store, "d", None, 1);
    let failed = store.datasets().record_failure(&d.id, "cannot read it").unwrap();
    assert_eq!(failed.status, DatasetStatus::Error);
    assert_eq!(failed.error_message.as_deref(), Some("cannot read it"));
    let detail = store.datasets().get_detail(&d.id).unwrap();
    assert!(detail.report.is_none());
    let json = serde_json::to_value(&detail).unwrap();
    assert_eq!(
        json["id"],
        d.id.as_str(),
        "the dataset's fields sit at the top level"
    );
    assert!(json["report"].is_null());
}

#[test]
fn unknown_ids_are_not_found() {
    let (_dir, store) = temp_store();
    for result in [
        store.datasets().get("nope").map(|_| ()),
        store.datasets().soft_delete("nope").map(|_| ()),
        store.datasets().restore("nope").map(|_| ()),
        store.datasets().record_failure("nope", "x").map(|_| ()),
        store.datasets().remove("nope"),
    ] {
        assert!(matches!(result, Err(StoreError::NotFound { .. })), "{result:?}");
    }
}

#[test]
fn soft_delete_moves_to_the_trash_and_restore_brings_it_back() {
    let (_dir, store) = temp_store();
    let keep = insert(&store, "keep", None, 1);
    let gone = insert(&store, "gone", None, 2);
    let deleted = store.datasets().soft_delete(&gone.id).unwrap();
    assert!(deleted.deleted_at.is_some());
    let again = store.datasets().soft_delete(&gone.id).unwrap();
    assert_eq!(
        again.deleted_at, deleted.deleted_at,
        "deleting twice keeps the first time"
    );

    assert_eq!(names(&store, &DatasetQuery::default()), vec!["keep"]);
    let trash = DatasetQuery {
        deleted: true,
        ..DatasetQuery::default()
    };
    assert_eq!(names(&store, &trash), vec!["gone"]);
    assert_eq!(
        store.datasets().get(&gone.id).unwrap().name,
        "gone",
        "get still finds it"
    );

    let restored = store.datasets().restore(&gone.id).unwrap();
    assert_eq!(restored.deleted_at, None);
    let mut library = names(
        &store,
        &DatasetQuery {
            sort: DatasetSort::Name,
            ..DatasetQuery::default()
        },
    );
    library.sort();
    assert_eq!(library, vec!["gone", "keep"]);
    assert!(names(&store, &trash).is_empty());
    assert_eq!(store.datasets().restore(&keep.id).unwrap().deleted_at, None);
}

/// Sets one column of a dataset row by hand, so order tests choose every key independently.
fn set_column(store: &Store, id: &str, column: &str, value: rusqlite::types::Value) {
    store
        .connection()
        .execute(
            &format!("UPDATE datasets SET {column} = ?2 WHERE id = ?1"),
            rusqlite::params![id, value],
        )
        .expect("set column");
}

/// Records a job trained on `dataset_id`, created at `created_at` (what "last used" reads).
fn use_dataset(store: &Store, dataset_id: &str, created_at: &str) {
    let job = store
        .training_jobs()
        .insert_submitting(&NewTrainingJob {
            cluster_id: "cluster-1".into(),
            name: format!("run on {dataset_id}"),
            dataset_id: dataset_id.into(),
            dataset_sha256: "a".repeat(64),
            base_model: "tiny".into(),
            hyperparameters: Hyperparameters::default(),
            gpu_type: "cpu".into(),
            gpu_count: 1,
            spot: false,
            max_duration_hours: 1.0,
            estimate: None,
            retry_of: None,
            validation_sha256: None,
            split: None,
            skipped_invalid: 0,
        })
        .expect("insert job");
    store
        .connection()
        .execute(
            "UPDATE training_jobs SET created_at = ?2 WHERE id = ?1",
            [&job.id, created_at],
        )
        .expect("set job created_at");
}

/// Four datasets whose every sort key gives a different order: name, import date, last change, size,
/// examples, tokens, quality (one without scores) and last use (two never trained on).
fn sortable_library(store: &Store) {
    use rusqlite::types::Value::{Integer, Null, Real, Text};
    // name, seed, created, examples, updated, bytes, tokens, quality, last used
    let rows = [
        (
            "banana",
            1,
            "2026-01-02",
            30,
            "2026-02-04",
            500,
            9000,
            Real(3.5),
            Some("2026-03-05"),
        ),
        (
            "Apple",
            2,
            "2026-01-04",
            10,
            "2026-02-01",
            4000,
            7000,
            Real(4.5),
            None,
        ),
        (
            "cherry",
            3,
            "2026-01-01",
            40,
            "2026-02-03",
            2000,
            1000,
            Null,
            None,
        ),
        (
            "date",
            4,
            "2026-01-03",
            20,
            "2026-02-02",
            3000,
            5000,
            Real(2.0),
            Some("2026-03-01"),
        ),
    ];
    for (name, seed, created, examples, updated, bytes, tokens, quality, used) in rows {
        let d = insert_validated(
            store,
            name,
            seed,
            DatasetFormat::OpenaiMessages,
            true,
            examples,
            true,
        );
        set_created_at(store, &d.id, &format!("{created}T00:00:00.000Z"));
        set_column(
            store,
            &d.id,
            "updated_at",
            Text(format!("{updated}T00:00:00.000Z")),
        );
        set_column(store, &d.id, "bytes", Integer(bytes));
        set_column(store, &d.id, "tokens_total", Integer(tokens));
        set_column(store, &d.id, "quality_mean", quality);
        if let Some(used) = used {
            use_dataset(store, &d.id, &format!("{used}T00:00:00.000Z"));
        }
    }
}

#[test]
fn every_sort_orders_the_library() {
    let (_dir, store) = temp_store();
    sortable_library(&store);
    let expect = [
        (DatasetSort::Newest, ["Apple", "date", "banana", "cherry"]),
        (DatasetSort::Oldest, ["cherry", "banana", "date", "Apple"]),
        (DatasetSort::Name, ["Apple", "banana", "cherry", "date"]),
        (DatasetSort::NameDesc, ["date", "cherry", "banana", "Apple"]),
        (
            DatasetSort::RecentlyUpdated,
            ["banana", "cherry", "date", "Apple"],
        ),
        (DatasetSort::Largest, ["Apple", "date", "cherry", "banana"]),
        (DatasetSort::Smallest, ["banana", "cherry", "date", "Apple"]),
        (DatasetSort::MostExamples, ["cherry", "banana", "date", "Apple"]),
        (DatasetSort::FewestExamples, ["Apple", "date", "banana", "cherry"]),
        (DatasetSort::MostTokens, ["banana", "Apple", "date", "cherry"]),
        (DatasetSort::FewestTokens, ["cherry", "date", "Apple", "banana"]),
        // No scores (cherry) come last whichever way quality is sorted.
        (DatasetSort::BestQuality, ["Apple", "banana", "date", "cherry"]),
        (DatasetSort::WorstQuality, ["date", "banana", "Apple", "cherry"]),
        // Never trained on (Apple, cherry) come last, newest import first.
        (DatasetSort::RecentlyUsed, ["banana", "date", "Apple", "cherry"]),
    ];
    assert_eq!(
        expect.len(),
        DatasetSort::ALL.len(),
        "a new sort needs a case here"
    );
    for (sort, order) in expect {
        let query = DatasetQuery {
            sort,
            ..DatasetQuery::default()
        };
        assert_eq!(names(&store, &query), order, "sort {sort}");
        assert_eq!(sort.as_str().parse::<DatasetSort>().unwrap(), sort);
        // Paged one at a time, the order is the same: the sort happens in the query, before LIMIT.
        let paged: Vec<String> = (1..=4)
            .flat_map(|page| {
                names(
                    &store,
                    &DatasetQuery {
                        sort,
                        page,
                        per_page: 1,
                        ..DatasetQuery::default()
                    },
                )
            })
            .collect();
        assert_eq!(paged, order, "sort {sort}, one per page");
    }
    assert!("sideways".parse::<DatasetSort>().is_err());

    let listed = store.datasets().list(&DatasetQuery::default()).unwrap();
    let banana = listed.items.iter().find(|d| d.name == "banana").unwrap();
    assert_eq!(banana.quality_mean, Some(3.5));
    assert_eq!(banana.last_used_at.as_deref(), Some("2026-03-05T00:00:00.000Z"));
    let cherry = listed.items.iter().find(|d| d.name == "cherry").unwrap();
    assert_eq!(
        (cherry.quality_mean, cherry.last_used_at.as_deref()),
        (None, None)
    );
}

#[test]
fn a_page_holds_25_unless_asked_otherwise() {
    let (_dir, store) = temp_store();
    for i in 0..30u32 {
        insert(&store, &format!("set {i:02}"), None, i + 1);
    }
    let first = store.datasets().list(&DatasetQuery::default()).unwrap();
    assert_eq!((first.items.len(), first.per_page, first.total), (25, 25, 30));
    let second = store
        .datasets()
        .list(&DatasetQuery {
            page: 2,
            ..DatasetQuery::default()
        })
        .unwrap();
    assert_eq!(second.items.len(), 5);
}

#[test]
fn the_quality_score_follows_the_report() {
    let (_dir, store) = temp_store();
    let d = insert(&store, "scored", None, 1);
    let mut scored = report(DatasetFormat::BrightrunLoraV4, true, 10, true);
    scored.stats.quality = Some(QualityStats {
        scored_examples: 10,
        min: 2.0,
        mean: 3.25,
        max: 5.0,
        distribution: Default::default(),
        human_reviewed: 0,
    });
    let recorded = store.datasets().record_report(&d.id, &scored).unwrap();
    assert_eq!(recorded.quality_mean, Some(3.25));
    let unscored = store
        .datasets()
        .record_report(&d.id, &report(DatasetFormat::OpenaiMessages, true, 10, true))
        .unwrap();
    assert_eq!(
        unscored.quality_mean, None,
        "a report without scores clears the old one"
    );
    store.datasets().record_report(&d.id, &scored).unwrap();
    let failed = store.datasets().record_failure(&d.id, "disk gone").unwrap();
    assert_eq!(failed.quality_mean, None, "no report, no score");
}

#[test]
fn filters_by_format_status_and_readiness() {
    let (_dir, store) = temp_store();
    insert_validated(
        &store,
        "chat-ready",
        1,
        DatasetFormat::OpenaiMessages,
        true,
        50,
        true,
    );
    insert_validated(
        &store,
        "chat-weak",
        2,
        DatasetFormat::OpenaiMessages,
        true,
        2,
        false,
    );
    insert_validated(&store, "alpaca-bad", 3, DatasetFormat::Alpaca, false, 5, true);
    insert(&store, "pending", None, 4);
    let sorted = |query: DatasetQuery| {
        names(
            &store,
            &DatasetQuery {
                sort: DatasetSort::Name,
                ..query
            },
        )
    };

    let by_format = DatasetQuery {
        format: Some(DatasetFormat::OpenaiMessages),
        ..DatasetQuery::default()
    };
    assert_eq!(sorted(by_format), vec!["chat-ready", "chat-weak"]);
    let alpaca = DatasetQuery {
        format: Some(DatasetFormat::Alpaca),
        ..DatasetQuery::default()
    };
    assert_eq!(sorted(alpaca), vec!["alpaca-bad"]);

    let expect_status = [
        (DatasetStatus::Ready, vec!["chat-ready", "chat-weak"]),
        (DatasetStatus::Error, vec!["alpaca-bad"]),
        (DatasetStatus::Validating, vec!["pending"]),
    ];
    for (status, expected) in expect_status {
        let query = DatasetQuery {
            status: Some(status),
            ..DatasetQuery::default()
        };
        assert_eq!(sorted(query), expected, "status {status}");
    }

    let ready = DatasetQuery {
        ready: Some(true),
        ..DatasetQuery::default()
    };
    assert_eq!(sorted(ready), vec!["chat-ready"]);
    let not_ready = DatasetQuery {
        ready: Some(false),
        ..DatasetQuery::default()
    };
    assert_eq!(sorted(not_ready), vec!["alpaca-bad", "chat-weak", "pending"]);

    let combined = DatasetQuery {
        format: Some(DatasetFormat::OpenaiMessages),
        ready: Some(false),
        ..DatasetQuery::default()
    };
    assert_eq!(sorted(combined), vec!["chat-weak"]);
}

#[test]
fn search_looks_in_names_and_descriptions_ignoring_case_and_wildcards() {
    let (_dir, store) = temp_store();
    insert(&store, "Customer Support", Some("tickets from 2025"), 1);
    insert(
        &store,
        "Therapy sessions",
        Some("EMPATHY and support, 100% reviewed"),
        2,
    );
    insert(&store, "Code review", None, 3);
    let search = |s: &str| {
        names(
            &store,
            &DatasetQuery {
                search: Some(s.into()),
                sort: DatasetSort::Name,
                ..DatasetQuery::default()
            },
        )
    };
    assert_eq!(search("support"), vec!["Customer Support", "Therapy sessions"]);
    assert_eq!(search("TICKETS"), vec!["Customer Support"]);
    assert_eq!(search("review"), vec!["Code review", "Therapy sessions"]);
    assert_eq!(search("100%"), vec!["Therapy sessions"]);
    assert!(search("1_0").is_empty(), "`_` is a literal, not a wildcard");
    assert!(search("%").len() == 1, "`%` is a literal, not a wildcard");
    assert_eq!(search("   ").len(), 3, "a blank search lists everything");
}

#[test]
fn pages_split_the_list_and_report_the_total() {
    let (_dir, store) = temp_store();
    for i in 0..7u32 {
        let d = insert(&store, &format!("set {i}"), None, i + 1);
        set_created_at(&store, &d.id, &format!("2026-01-0{}T00:00:00.000Z", i + 1));
    }
    let page = |page, per_page| {
        store
            .datasets()
            .list(&DatasetQuery {
                sort: DatasetSort::Oldest,
                page,
                per_page,
                ..DatasetQuery::default()
            })
            .unwrap()
    };
    let first = page(1, 3);
    assert_eq!((first.total, first.page, first.per_page), (7, 1, 3));
    let all: Vec<String> = [page(1, 3), page(2, 3), page(3, 3)]
        .into_iter()
        .flat_map(|p| p.items.into_iter().map(|d| d.name))
        .collect();
    assert_eq!(all, (0..7).map(|i| format!("set {i}")).collect::<Vec<_>>());
    let past_the_end = page(4, 3);
    assert!(past_the_end.items.is_empty());
    assert_eq!(past_the_end.total, 7);

    let filtered = store
        .datasets()
        .list(&DatasetQuery {
            search: Some("set 1".into()),
            per_page: 1,
            ..DatasetQuery::default()
        })
        .unwrap();
    assert_eq!(filtered.total, 1, "the total counts matches, not the library");

    for (p, per) in [(0, 10), (1, 0), (1, 501)] {
        let err = store
            .datasets()
            .list(&DatasetQuery {
                page: p,
                per_page: per,
                ..DatasetQuery::default()
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput { .. }), "{err}");
    }
}

#[test]
fn details_can_be_changed() {
    let (_dir, store) = temp_store();
    let d = insert(&store, "old", Some("first"), 1);
    let renamed = store.datasets().update_details(&d.id, Some("new"), None).unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.description.as_deref()),
        ("new", Some("first"))
    );
    let cleared = store.datasets().update_details(&d.id, None, Some("")).unwrap();
    assert_eq!((cleared.name.as_str(), cleared.description), ("new", None));
    assert!(store.datasets().update_details(&d.id, Some(" "), None).is_err());
}

#[test]
fn a_validation_left_by_a_dead_process_is_marked_failed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let store = Store::open(dir.path()).unwrap();
        let d = insert(&store, "stuck", None, 1);
        // As if the process stopped long ago, mid-validation.
        store
            .connection()
            .execute(
                "UPDATE datasets SET validation_heartbeat_at = '2000-01-01T00:00:00.000Z' WHERE id = ?1",
                [&d.id],
            )
            .unwrap();
        d.id
    };
    let store = Store::open(dir.path()).unwrap();
    let recovered = store.datasets().get(&id).unwrap();
    assert_eq!(recovered.status, DatasetStatus::Error);
    assert_eq!(recovered.error_message.as_deref(), Some(INTERRUPTED_MESSAGE));
    let failed = DatasetQuery {
        status: Some(DatasetStatus::Error),
        ..DatasetQuery::default()
    };
    assert_eq!(store.datasets().list(&failed).unwrap().total, 1);
}

#[test]
fn a_validation_with_a_fresh_heartbeat_is_left_running() {
    let (_dir, store) = temp_store();
    let alive = insert(&store, "alive", None, 1);
    let dead = insert(&store, "dead", None, 2);
    let set_heartbeat = |id: &str, at: &str| {
        store
            .connection()
            .execute(
                "UPDATE datasets SET validation_heartbeat_at = ?2 WHERE id = ?1",
                [id, at],
            )
            .unwrap();
    };
    set_heartbeat(&alive.id, "2026-06-01T11:59:50.000Z");
    set_heartbeat(&dead.id, "2026-06-01T11:50:00.000Z");
    let done = insert_validated(&store, "done", 3, DatasetFormat::Alpaca, true, 3, true);

    let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
    assert_eq!(store.datasets().recover_interrupted(now).unwrap(), 1);
    assert_eq!(
        store.datasets().get(&alive.id).unwrap().status,
        DatasetStatus::Validating
    );
    assert_eq!(
        store.datasets().get(&dead.id).unwrap().status,
        DatasetStatus::Error
    );
    assert_eq!(
        store.datasets().get(&done.id).unwrap().status,
        DatasetStatus::Ready
    );

    // A heartbeat refreshes the time that recovery compares with.
    set_heartbeat(&alive.id, "2000-01-01T00:00:00.000Z");
    store.datasets().heartbeat(&alive.id).unwrap();
    let hb: String = store
        .connection()
        .query_row(
            "SELECT validation_heartbeat_at FROM datasets WHERE id = ?1",
            [&alive.id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(hb.as_str() > "2000-01-01T00:00:00.000Z", "{hb}");
}

#[test]
fn a_finished_validation_is_announced_once() {
    use brightrun_core::store::dataset_notices::record_dataset_ready;
    use brightrun_core::store::notifications::{NotificationKind, Priority};

    let (_dir, store) = temp_store();
    let pending = insert(&store, "pending", None, 1);
    assert_eq!(
        record_dataset_ready(&store, &pending).unwrap(),
        None,
        "nothing to say while validating"
    );

    let ready = insert_validated(&store, "chats", 2, DatasetFormat::OpenaiMessages, true, 10, true);
    let told = record_dataset_ready(&store, &ready).unwrap().expect("recorded");
    assert_eq!(told.kind, NotificationKind::DatasetReady);
    assert_eq!(told.title, "chats is ready to train");
    assert!(told.body.contains("10 training examples"), "{}", told.body);
    assert_eq!((told.priority, told.job_id.as_deref()), (Priority::Low, None));
    assert_eq!(
        record_dataset_ready(&store, &ready).unwrap(),
        None,
        "the same validation is not announced twice"
    );

    let bad = insert_validated(&store, "broken", 3, DatasetFormat::Sharegpt, false, 4, true);
    let told = record_dataset_ready(&store, &bad).unwrap().expect("recorded");
    assert_eq!(told.title, "broken has problems");
    assert_eq!(told.priority, Priority::Medium);
    let failed = store
        .datasets()
        .record_failure(&bad.id, "the disk is gone")
        .unwrap();
    let told = record_dataset_ready(&store, &failed)
        .unwrap()
        .expect("a failure after a report is news");
    assert!(told.body.contains("the disk is gone"), "{}", told.body);

    // A failure recorded in the same millisecond as the report it replaces is still news.
    use brightrun_core::store::dataset_notices::dataset_ready_notification;
    let same_moment = brightrun_core::store::Dataset {
        updated_at: bad.validated_at.clone().expect("validated"),
        ..failed.clone()
    };
    assert_ne!(
        dataset_ready_notification(&same_moment).once_key,
        dataset_ready_notification(&bad).once_key
    );
}
