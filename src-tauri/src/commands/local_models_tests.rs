//! "Use a local folder" against a real temporary data folder: the link the local agent reads, and the
//! refusals (a remote cluster, a folder that is not a model).

use super::*;
use crate::error::ErrorCode;

fn model_folder(root: &Path, name: &str) -> PathBuf {
    let folder = root.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("config.json"), r#"{"model_type":"llama"}"#).unwrap();
    folder
}

#[test]
fn a_model_folder_is_linked_into_the_local_agents_models_not_copied() {
    let data = tempfile::tempdir().unwrap();
    let models = tempfile::tempdir().unwrap();
    let folder = model_folder(models.path(), "my-llama");
    let path = folder.display().to_string();

    let view = register_folder(data.path(), "Local", ClusterKind::Local, &path).unwrap();
    assert_eq!(view.name, "my-llama");
    assert_eq!(view.path, path);
    let link = brightrun_core::cluster::local::local_models_dir(data.path()).join("my-llama");
    assert!(
        link.symlink_metadata().unwrap().file_type().is_symlink(),
        "linked, not copied"
    );
    assert_eq!(link.canonicalize().unwrap(), folder.canonicalize().unwrap());
    // Choosing the same folder again offers the same name.
    let again = register_folder(data.path(), "Local", ClusterKind::Local, &format!("  {path} ")).unwrap();
    assert_eq!(again.name, "my-llama");
}

#[test]
fn a_remote_cluster_is_refused_with_the_clis_message() {
    let data = tempfile::tempdir().unwrap();
    let models = tempfile::tempdir().unwrap();
    let path = model_folder(models.path(), "m").display().to_string();

    let err = register_folder(data.path(), "gpu-box", ClusterKind::Remote, &path).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let cli = LocalModelError::RemoteCluster {
        path: path.clone(),
        cluster: "gpu-box".into(),
    };
    assert_eq!(err.message, cli.to_string());
    assert!(
        err.message.contains("runs elsewhere and cannot read it"),
        "{}",
        err.message
    );
    assert!(
        !brightrun_core::cluster::local::local_models_dir(data.path()).exists(),
        "nothing is linked for a remote cluster"
    );
}

#[test]
fn a_folder_without_config_json_is_not_a_model() {
    let data = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let err = register_folder(
        data.path(),
        "Local",
        ClusterKind::Local,
        &empty.path().display().to_string(),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("not a Hugging Face model folder"),
        "{}",
        err.message
    );
    let missing = register_folder(data.path(), "Local", ClusterKind::Local, "/no/such/folder").unwrap_err();
    assert_eq!(missing.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_removed_cluster_is_cluster_missing_not_a_missing_folder() {
    let (_dir, core) = crate::commands::test_support::open_core();
    let models = tempfile::tempdir().unwrap();
    let path = model_folder(models.path(), "m").display().to_string();
    let err = use_folder(&core, "no-such-cluster".into(), path)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ClusterMissing, "{}", err.message);
}
