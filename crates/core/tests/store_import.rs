//! The import flow on real files: the v4 sample from `shared/`, content addressing and dedup, the trash,
//! invalid files, cancellation, and re-validating an entry whose validation was interrupted.

mod store_support;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use brightrun_core::dataset::{DatasetFormat, ValidateOptions};
use brightrun_core::paths;
use brightrun_core::store::datasets::INTERRUPTED_MESSAGE;
use brightrun_core::store::{
    import_dataset, revalidate_dataset, DatasetStatus, ImportError, ImportOutcome, ImportRequest, Imported,
    Store, StoreAccess,
};
use store_support::v4_sample_dir;

fn import(store: &impl StoreAccess, data: &Path, file: &Path, request: &ImportRequest) -> Imported {
    import_dataset(
        store,
        data,
        file,
        request,
        &ValidateOptions::default(),
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap()
}

/// The files in the data folder's datasets folder, sorted.
fn stored_files(data: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(paths::datasets_dir(data))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_v4_sample_imports_ready_in_both_forms() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let jsonl = v4_sample_dir().join("EQ-12-conversations-demo.jsonl");
    let json = v4_sample_dir().join("EQ-12-conversations-demo.json");
    let progress_calls = AtomicU64::new(0);

    let first = import_dataset(
        &store,
        dir.path(),
        &jsonl,
        &ImportRequest {
            name: None,
            description: Some("twelve conversations".into()),
        },
        &ValidateOptions::default(),
        &|_, _| {
            progress_calls.fetch_add(1, Ordering::Relaxed);
        },
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(first.outcome, ImportOutcome::Added);
    let d = &first.dataset;
    assert_eq!(d.name, "EQ-12-conversations-demo");
    assert_eq!(d.description.as_deref(), Some("twelve conversations"));
    assert_eq!(d.status, DatasetStatus::Ready);
    assert_eq!(d.format, Some(DatasetFormat::BrightrunLoraV4));
    assert_eq!(
        (d.conversations, d.training_examples, d.training_pairs),
        (12, 44, 44)
    );
    assert!(d.tokens_total > 0);
    assert!(d.ready);
    assert_eq!(d.bytes, std::fs::metadata(&jsonl).unwrap().len());
    assert_eq!(d.file_path, format!("datasets/{}.jsonl", d.sha256));
    assert_eq!(
        brightrun_core::dataset::sha256_file(&d.path_in(dir.path())).unwrap(),
        d.sha256
    );
    assert!(
        progress_calls.load(Ordering::Relaxed) > 0,
        "validation reported progress"
    );

    let detail = store.datasets().get_detail(&d.id).unwrap();
    let report = detail.report.unwrap();
    assert_eq!(
        report.file, "EQ-12-conversations-demo.jsonl",
        "the report names the user's file"
    );
    assert_eq!(report.training_examples, 44);

    let second = import(&store, dir.path(), &json, &ImportRequest::default());
    assert_eq!(second.outcome, ImportOutcome::Added, "other bytes, another entry");
    assert_eq!(second.dataset.status, DatasetStatus::Ready);
    assert_eq!(second.dataset.training_examples, 44);
    assert!(second.dataset.file_path.ends_with(".json"));
    assert_eq!(stored_files(dir.path()).len(), 2);
}

#[test]
fn the_same_bytes_twice_give_one_entry_and_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let original = v4_sample_dir().join("EQ-12-conversations-demo.jsonl");
    let copy = elsewhere.path().join("renamed copy.JSONL");
    std::fs::copy(&original, &copy).unwrap();
    let store = Store::open(dir.path()).unwrap();

    let first = import(
        &store,
        dir.path(),
        &original,
        &ImportRequest {
            name: Some("First".into()),
            ..Default::default()
        },
    );
    let second = import(
        &store,
        dir.path(),
        &copy,
        &ImportRequest {
            name: Some("Second".into()),
            ..Default::default()
        },
    );
    assert_eq!(second.outcome, ImportOutcome::AlreadyInLibrary);
    assert_eq!(second.dataset.id, first.dataset.id);
    assert_eq!(
        second.dataset.name, "First",
        "the existing entry is returned unchanged"
    );
    assert_eq!(
        stored_files(dir.path()),
        vec![format!("{}.jsonl", first.dataset.sha256)]
    );
    let all = store.datasets().list(&Default::default()).unwrap();
    assert_eq!(all.total, 1);
}

#[test]
fn importing_bytes_from_the_trash_restores_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let file = v4_sample_dir().join("EQ-12-conversations-demo.jsonl");
    let first = import(&store, dir.path(), &file, &ImportRequest::default());
    store.datasets().soft_delete(&first.dataset.id).unwrap();
    assert!(
        first.dataset.path_in(dir.path()).is_file(),
        "the trash keeps the file"
    );

    let again = import(&store, dir.path(), &file, &ImportRequest::default());
    assert_eq!(again.outcome, ImportOutcome::Restored);
    assert_eq!(again.dataset.id, first.dataset.id);
    assert_eq!(again.dataset.deleted_at, None);
    assert_eq!(again.dataset.status, DatasetStatus::Ready);
}

#[test]
fn an_invalid_file_is_kept_with_status_error_and_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let file = src.path().join("broken.jsonl");
    std::fs::write(
        &file,
        "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hello\"}]}\n\
         {not json at all\n",
    )
    .unwrap();
    let store = Store::open(dir.path()).unwrap();
    let imported = import(&store, dir.path(), &file, &ImportRequest::default());
    let d = imported.dataset;
    assert_eq!(d.status, DatasetStatus::Error);
    assert_eq!(d.error_message, None, "the report explains it");
    assert!(d.error_count >= 1);
    assert!(!d.ready);
    let report = store.datasets().get_detail(&d.id).unwrap().report.unwrap();
    assert!(!report.valid);
    assert_eq!(report.errors[0].line, 2);
}

#[test]
fn a_missing_source_or_a_folder_is_an_error_and_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let run = |path: &Path| {
        import_dataset(
            &store,
            dir.path(),
            path,
            &ImportRequest::default(),
            &ValidateOptions::default(),
            &|_, _| {},
            &AtomicBool::new(false),
        )
    };
    let missing = run(&dir.path().join("nope.jsonl")).unwrap_err();
    assert!(matches!(missing, ImportError::SourceNotFound { .. }), "{missing}");
    let folder = run(&v4_sample_dir()).unwrap_err();
    assert!(matches!(folder, ImportError::Read { .. }), "{folder}");
    assert_eq!(store.datasets().list(&Default::default()).unwrap().total, 0);
}

#[test]
fn a_cancelled_import_leaves_no_entry_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let cancel = AtomicBool::new(true);
    let err = import_dataset(
        &store,
        dir.path(),
        &v4_sample_dir().join("EQ-12-conversations-demo.jsonl"),
        &ImportRequest::default(),
        &ValidateOptions::default(),
        &|_, _| {},
        &cancel,
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::Cancelled), "{err}");
    assert_eq!(store.datasets().list(&Default::default()).unwrap().total, 0);
    assert!(
        stored_files(dir.path()).is_empty(),
        "{:?}",
        stored_files(dir.path())
    );
}

#[test]
fn an_interrupted_entry_is_validated_again_by_a_new_import_or_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let file = v4_sample_dir().join("EQ-12-conversations-demo.jsonl");
    let id = {
        let store = Store::open(dir.path()).unwrap();
        let d = import(&store, dir.path(), &file, &ImportRequest::default()).dataset;
        // As if the process had died mid-validation long ago.
        store
            .connection()
            .execute(
                "UPDATE datasets SET status = 'validating', report_json = NULL,
                     validation_heartbeat_at = '2000-01-01T00:00:00.000Z' WHERE id = ?1",
                [&d.id],
            )
            .unwrap();
        d.id
    };
    let store = Mutex::new(Store::open(dir.path()).unwrap());
    let stuck = store.with_store(|s| s.datasets().get(&id).unwrap());
    assert_eq!(stuck.status, DatasetStatus::Error);
    assert_eq!(stuck.error_message.as_deref(), Some(INTERRUPTED_MESSAGE));

    let again = import(&store, dir.path(), &file, &ImportRequest::default());
    assert_eq!(again.outcome, ImportOutcome::AlreadyInLibrary);
    assert_eq!(again.dataset.id, id);
    assert_eq!(again.dataset.status, DatasetStatus::Ready);
    assert_eq!(again.dataset.error_message, None);

    let revalidated = revalidate_dataset(
        &store,
        dir.path(),
        &id,
        &ValidateOptions {
            max_seq_len: Some(8192),
            ..Default::default()
        },
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(revalidated.status, DatasetStatus::Ready);
    assert_eq!(revalidated.warning_count, 0, "no example is over 8192 tokens");
}

#[test]
fn unusable_options_record_nothing_and_keep_the_previous_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let src = tempfile::tempdir().unwrap();
    let bad_tokenizer = src.path().join("tokenizer.json");
    std::fs::write(&bad_tokenizer, "this is not a tokenizer").unwrap();
    let file = v4_sample_dir().join("EQ-12-conversations-demo.jsonl");
    let bad_opts = ValidateOptions {
        tokenizer: Some(bad_tokenizer),
        ..Default::default()
    };
    let run_import = |opts: &ValidateOptions| {
        import_dataset(
            &store,
            dir.path(),
            &file,
            &ImportRequest::default(),
            opts,
            &|_, _| {},
            &AtomicBool::new(false),
        )
    };
    let err = run_import(&bad_opts).unwrap_err();
    assert!(matches!(err, ImportError::InvalidOptions(_)), "{err}");
    assert_eq!(
        store.datasets().list(&Default::default()).unwrap().total,
        0,
        "a new entry is not kept"
    );
    assert!(stored_files(dir.path()).is_empty());

    let good = run_import(&ValidateOptions::default()).unwrap().dataset;
    assert_eq!(good.status, DatasetStatus::Ready);
    let err = revalidate_dataset(
        &store,
        dir.path(),
        &good.id,
        &bad_opts,
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::InvalidOptions(_)), "{err}");
    let after = store.datasets().get_detail(&good.id).unwrap();
    assert_eq!(
        after.dataset.status,
        DatasetStatus::Ready,
        "a typo does not spoil a good dataset"
    );
    assert!(after.report.is_some());

    let err = revalidate_dataset(
        &store,
        dir.path(),
        &good.id,
        &Default::default(),
        &|_, _| {},
        &AtomicBool::new(true),
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::Cancelled), "{err}");
    assert_eq!(
        store.datasets().get(&good.id).unwrap().status,
        DatasetStatus::Ready
    );
}

#[test]
fn a_stored_file_that_went_missing_is_recorded_on_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let d = import(
        &store,
        dir.path(),
        &v4_sample_dir().join("EQ-12-conversations-demo.jsonl"),
        &ImportRequest::default(),
    )
    .dataset;
    std::fs::remove_file(d.path_in(dir.path())).unwrap();
    let failed = revalidate_dataset(
        &store,
        dir.path(),
        &d.id,
        &Default::default(),
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(failed.status, DatasetStatus::Error);
    let message = failed.error_message.unwrap();
    assert!(message.starts_with("validation could not run"), "{message}");
    assert!(store.datasets().get_detail(&d.id).unwrap().report.is_none());

    // Importing the file again stores it again and repairs the entry.
    let again = import(
        &store,
        dir.path(),
        &v4_sample_dir().join("EQ-12-conversations-demo.jsonl"),
        &ImportRequest::default(),
    );
    assert_eq!(again.dataset.id, d.id);
    assert_eq!(again.dataset.status, DatasetStatus::Ready);
}

#[test]
fn cancelling_during_validation_removes_the_new_entry_and_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let cancel = AtomicBool::new(false);
    // The copy never reports progress, so the first report comes from the validator.
    let err = import_dataset(
        &store,
        dir.path(),
        &v4_sample_dir().join("EQ-12-conversations-demo.json"),
        &ImportRequest::default(),
        &ValidateOptions::default(),
        &|_, _| cancel.store(true, Ordering::Relaxed),
        &cancel,
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::Cancelled), "{err}");
    assert_eq!(store.datasets().list(&Default::default()).unwrap().total, 0);
    assert!(
        stored_files(dir.path()).is_empty(),
        "{:?}",
        stored_files(dir.path())
    );
}

#[test]
fn opening_the_store_removes_partial_copies_left_by_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let folder = paths::datasets_dir(dir.path());
    std::fs::create_dir_all(&folder).unwrap();
    let abandoned = folder.join(".import-0190e0e0-0000-7000-8000-000000000001.partial");
    let in_progress = folder.join(".import-0190e0e0-0000-7000-8000-000000000002.partial");
    let unrelated = folder.join("notes.txt");
    for path in [&abandoned, &in_progress, &unrelated] {
        std::fs::write(path, "partial bytes").unwrap();
    }
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for path in [&abandoned, &unrelated] {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
    }
    drop(Store::open(dir.path()).unwrap());
    assert!(!abandoned.exists(), "an old partial copy is removed");
    assert!(in_progress.exists(), "a fresh one may belong to a running import");
    assert!(unrelated.exists(), "other files are left alone");
}
