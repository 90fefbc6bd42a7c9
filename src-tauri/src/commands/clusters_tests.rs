//! The cluster handlers against a real `brightrun-agent` on 127.0.0.1:0, a real SQLite file and the real OS
//! keyring (run under scripts/with-session.sh, which provides an unlocked one).

use super::*;
use crate::commands::test_support::{open_core, start_agent, ENV_LOCK};

/// Every file of the data folder, to look for a key in.
fn all_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(all_bytes(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.extend(bytes);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn add_test_edit_and_remove_a_cluster_against_a_real_agent() {
    let agent = start_agent();
    let (dir, core) = open_core();

    let added = add(
        &core,
        "GPU box",
        &agent.url,
        Sensitive::new(agent.key.clone()),
        false,
    )
    .await
    .unwrap();
    assert_eq!(added.kind, "remote");
    assert_eq!(list(&core).await.unwrap().len(), 1);

    let report = test(&core, &added.id).await.unwrap();
    assert_eq!(report.status, "ok", "{:?}", report.error);
    let caps = report.capabilities.expect("capabilities with a good key");
    assert!(
        !caps.gpus.is_empty(),
        "the agent offers at least the cpu GPU type"
    );
    assert!(report.agent_version.is_some());
    let listed = list(&core).await.unwrap();
    assert_eq!(listed[0].last_status.as_deref(), Some("ok"));
    assert!(
        listed[0].capabilities.is_some(),
        "capabilities are cached on the row"
    );

    // A wrong key is a report, not an error; the right one makes it ok again.
    update(
        &core,
        &added.id,
        None,
        Some(Sensitive::new("wrong-key".into())),
        false,
    )
    .await
    .unwrap();
    assert_eq!(test(&core, &added.id).await.unwrap().status, "unauthorized");
    update(
        &core,
        &added.id,
        Some(&agent.url),
        Some(Sensitive::new(agent.key.clone())),
        false,
    )
    .await
    .unwrap();
    assert_eq!(test(&core, &added.id).await.unwrap().status, "ok");

    // The key never reaches the database (nor its WAL), nor anything the UI receives.
    assert!(
        !contains(&all_bytes(dir.path()), &agent.key),
        "the key leaked into the data folder"
    );
    let json = serde_json::to_string(&list(&core).await.unwrap()).unwrap();
    assert!(!json.contains(&agent.key));

    let removed = remove(&core, &added.id).await.unwrap();
    assert_eq!(removed.id, added.id);
    assert!(list(&core).await.unwrap().is_empty());
    assert!(
        core.keyring.api_key(&added.id).is_err(),
        "removing a cluster deletes its keyring entry"
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_stored() {
    let (_dir, core) = open_core();
    let no_name = add(
        &core,
        " ",
        "http://127.0.0.1:1",
        Sensitive::new("k".into()),
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(no_name.code, ErrorCode::InvalidInput);
    let bad_url = add(&core, "x", "ftp://host", Sensitive::new("k".into()), false)
        .await
        .unwrap_err();
    assert_eq!(bad_url.code, ErrorCode::InvalidInput);
    let with_credentials = add(
        &core,
        "x",
        "http://user:secret@host",
        Sensitive::new("k".into()),
        false,
    )
    .await
    .unwrap_err();
    assert!(!with_credentials.message.contains("secret"));
    assert!(list(&core).await.unwrap().is_empty());
    let unreachable = add(
        &core,
        "down",
        "http://127.0.0.1:9",
        Sensitive::new("k".into()),
        false,
    )
    .await
    .unwrap();
    assert_eq!(test(&core, &unreachable.id).await.unwrap().status, "unreachable");
    remove(&core, &unreachable.id).await.unwrap();
}

#[tokio::test]
async fn the_local_cluster_reports_a_missing_python_stack_with_the_fix() {
    let (_dir, core) = open_core();
    // Point the local cluster at a Python that cannot import the trainer's stack.
    let view = {
        let _guard = ENV_LOCK.lock().await;
        std::env::set_var(local::PYTHON_ENV, "/nonexistent/python3");
        let view = local_status(&core).await;
        std::env::remove_var(local::PYTHON_ENV);
        view.unwrap()
    };
    assert_eq!(view.state, "python_missing");
    assert!(view.detail.is_some());
    assert_eq!(view.prepare_command, "brightrun cluster prepare-local");
    assert!(view.url.is_none());
}
