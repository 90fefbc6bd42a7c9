//! The `datasets` table on a real SQLite file: insert and dedup, reports, soft delete and restore,
//! every sort, filter, search and pagination, and the recovery of interrupted validations.

mod store_support;

use brightrun_core::dataset::DatasetFormat;
use brightrun_core::store::datasets::INTERRUPTED_MESSAGE;
use brightrun_core::store::{
    DatasetQuery, DatasetSort, DatasetStatus, Inserted, NewDataset, Store, StoreError,
};
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

/// Four datasets with distinct names, dates and example counts, in a known creation order.
fn sortable_library(store: &Store) {
    let rows = [
        ("banana", 1, "2026-01-02T00:00:00.000Z", 30),
        ("Apple", 2, "2026-01-04T00:00:00.000Z", 10),
        ("cherry", 3, "2026-01-01T00:00:00.000Z", 40),
        ("date", 4, "2026-01-03T00:00:00.000Z", 20),
    ];
    for (name, seed, created, examples) in rows {
        let d = insert_validated(
            store,
            name,
            seed,
            DatasetFormat::OpenaiMessages,
            true,
            examples,
            true,
        );
        set_created_at(store, &d.id, created);
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
        (DatasetSort::MostExamples, ["cherry", "banana", "date", "Apple"]),
        (DatasetSort::FewestExamples, ["Apple", "date", "banana", "cherry"]),
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
    }
    assert!("sideways".parse::<DatasetSort>().is_err());
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
