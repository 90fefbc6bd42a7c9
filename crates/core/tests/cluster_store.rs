//! The `clusters` table on a real SQLite file: add, find, list, record tests, rename the URL, remove.

use brightrun_core::store::{ClusterKind, ClusterStatus, ClusterTest, NewCluster, Store, StoreError};

fn remote(name: &str, url: &str) -> NewCluster {
    NewCluster {
        name: name.to_string(),
        url: url.to_string(),
        kind: ClusterKind::Remote,
    }
}

#[test]
fn clusters_are_added_found_listed_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let clusters = store.clusters();

    let gpu = clusters
        .insert(&remote(" gpu-box ", "http://10.0.0.5:8750/"))
        .unwrap();
    assert_eq!(gpu.name, "gpu-box");
    assert_eq!(gpu.url, "http://10.0.0.5:8750", "the trailing slash is dropped");
    let local = clusters
        .insert(&NewCluster {
            name: "Local (this computer)".into(),
            url: "http://127.0.0.1:1".into(),
            kind: ClusterKind::Local,
        })
        .unwrap();

    let names: Vec<_> = clusters.list().unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["Local (this computer)", "gpu-box"], "local first");
    assert_eq!(
        clusters.find("GPU-BOX").unwrap().id,
        gpu.id,
        "names are case-insensitive"
    );
    assert_eq!(clusters.find(&gpu.id).unwrap().name, "gpu-box", "an id works too");
    assert_eq!(clusters.local().unwrap().unwrap().id, local.id);
    assert!(matches!(clusters.find("nope"), Err(StoreError::NotFound { .. })));

    let again = clusters.insert(&remote("Gpu-Box", "http://other:1")).unwrap_err();
    assert!(matches!(again, StoreError::InvalidInput { .. }), "{again}");
    assert!(clusters.insert(&remote("  ", "http://x")).is_err());

    clusters.set_url(&local.id, "http://127.0.0.1:4242").unwrap();
    assert_eq!(
        clusters.get(&local.id).unwrap().unwrap().url,
        "http://127.0.0.1:4242"
    );

    assert!(clusters.delete(&gpu.id).unwrap());
    assert!(!clusters.delete(&gpu.id).unwrap());
    assert_eq!(clusters.list().unwrap().len(), 1);
}

#[test]
fn a_failed_test_keeps_the_last_good_capabilities() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let clusters = store.clusters();
    let cluster = clusters.insert(&remote("box", "http://10.0.0.5:8750")).unwrap();
    assert_eq!(cluster.last_status, None);

    let capabilities = serde_json::json!({"gpus": [{"type": "cpu", "count": 1}]});
    clusters
        .record_test(
            &cluster.id,
            &ClusterTest {
                status: ClusterStatus::Ok,
                error: None,
                capabilities: Some(&capabilities),
            },
        )
        .unwrap();
    clusters
        .record_test(
            &cluster.id,
            &ClusterTest {
                status: ClusterStatus::Unreachable,
                error: Some("connection refused"),
                capabilities: None,
            },
        )
        .unwrap();

    // Reopened from the file: what was recorded survived.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let cluster = store.clusters().find("box").unwrap();
    assert_eq!(cluster.last_status, Some(ClusterStatus::Unreachable));
    assert_eq!(cluster.last_error.as_deref(), Some("connection refused"));
    assert!(cluster.last_tested_at.is_some());
    assert_eq!(cluster.capabilities, Some(capabilities));
    assert!(matches!(
        store.clusters().record_test(
            "missing",
            &ClusterTest {
                status: ClusterStatus::Ok,
                error: None,
                capabilities: None
            }
        ),
        Err(StoreError::NotFound { .. })
    ));
}
