//! The model page's commands on a real SQLite file in a temporary data folder, with real adapter files on
//! disk and no window: export to a temporary path (the save dialog cannot be driven headless), versions after
//! "Train again", rename / describe / delete / restore, and the comparison of two runs.

use std::io::Read;

use brightrun_core::cluster::client::{Artifact, MetricsPoint};
use brightrun_core::jobs::model_quality;
use brightrun_core::store::model_artifacts::{ModelArtifact, NewModelArtifact};
use brightrun_core::store::training_jobs::NewTrainingJob;
use brightrun_core::store::{Inserted, NewDataset, Store};
use brightrun_core::training::Hyperparameters;
use sha2::{Digest, Sha256};

use super::*;
use crate::commands::compare::compare;
use crate::core_state::CoreState;

struct Fixture {
    dir: tempfile::TempDir,
    core: CoreState,
    dataset_id: String,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let core = CoreState::open(dir.path(), "app.brightrun.desktop.test.unused").unwrap();
    fixture_on(dir, &core)
}

fn fixture_on(dir: tempfile::TempDir, core: &CoreState) -> Fixture {
    let core = core.clone();
    let dataset_id = core.with_store(|s| {
        let new = NewDataset {
            name: "EQ demo".into(),
            description: None,
            sha256: "d".repeat(64),
            file_path: "datasets/demo.jsonl".into(),
            original_file_name: "demo.jsonl".into(),
            bytes: 1000,
        };
        match s.datasets().insert_validating(&new).unwrap() {
            Inserted::New(d) | Inserted::Existing(d) => d.id,
        }
    });
    Fixture {
        dir,
        core,
        dataset_id,
    }
}

fn point(step: u64, train: f64, val: Option<f64>) -> MetricsPoint {
    MetricsPoint {
        step,
        epoch: Some(step as f64 / 10.0),
        train_loss: Some(train),
        val_loss: val,
        learning_rate: Some(1e-4),
        grad_norm: None,
        tokens_per_second: Some(100.0),
        gpu_utilization: None,
        gpu_memory_gb: None,
        timestamp: format!("2026-11-30T00:00:{step:02}Z"),
    }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A finished job with its metrics and a downloaded, verified adapter (real files in the data folder).
async fn trained(f: &Fixture, name: &str, learning_rate: f64, parent: Option<&str>) -> ModelArtifact {
    trained_on(f, "cluster-1", name, learning_rate, parent).await
}

async fn trained_on(
    f: &Fixture,
    cluster_id: &str,
    name: &str,
    learning_rate: f64,
    parent: Option<&str>,
) -> ModelArtifact {
    let s = &f.core;
    let job = s.with_store(|s: &Store| {
        s.training_jobs()
            .insert_submitting(&NewTrainingJob {
                cluster_id: cluster_id.into(),
                name: name.into(),
                dataset_id: f.dataset_id.clone(),
                dataset_sha256: "a".repeat(64),
                base_model: "tiny-llama".into(),
                hyperparameters: Hyperparameters {
                    learning_rate,
                    ..Hyperparameters::default()
                },
                gpu_type: "cpu".into(),
                gpu_count: 1,
                spot: false,
                max_duration_hours: 2.0,
                estimate: None,
                retry_of: None,
                validation_sha256: None,
                split: None,
                skipped_invalid: 0,
            })
            .unwrap()
    });
    if let Some(parent) = parent {
        record_parent(s, job.id.clone(), parent.to_owned()).await.unwrap();
    }
    let points = [
        point(1, 4.0, None),
        point(2, 3.0, Some(3.5)),
        point(3, 2.0, Some(2.5)),
    ];
    let adapter_dir = format!("models/{}", job.id);
    let folder = f.dir.path().join(&adapter_dir);
    std::fs::create_dir_all(&folder).unwrap();
    let config = br#"{"peft_type": "LORA", "r": 8}"#.to_vec();
    let weights = format!("weights of {name}").into_bytes();
    std::fs::write(folder.join("adapter_config.json"), &config).unwrap();
    std::fs::write(folder.join("adapter_model.safetensors"), &weights).unwrap();
    s.with_store(|s: &Store| {
        s.metrics().upsert(&job.id, &points).unwrap();
        let model = s
            .model_artifacts()
            .upsert(&NewModelArtifact {
                job_id: job.id.clone(),
                name: name.into(),
                adapter_dir,
                base_model: "tiny-llama".into(),
                dataset_id: f.dataset_id.clone(),
                dataset_sha256: "a".repeat(64),
                config: serde_json::json!({"hyperparameters": job.hyperparameters, "remote_job_id": "r-1"}),
                quality: model_quality(&points),
                files: vec![
                    Artifact {
                        name: "adapter_config.json".into(),
                        size: config.len() as u64,
                        sha256: sha(&config),
                    },
                    Artifact {
                        name: "adapter_model.safetensors".into(),
                        size: weights.len() as u64,
                        sha256: sha(&weights),
                    },
                ],
                verified: true,
            })
            .unwrap();
        // What the adapter download does once the files are verified.
        s.model_versions().assign_from_job(&job.id).unwrap();
        model
    })
}

#[tokio::test]
async fn export_writes_the_zip_with_the_verified_adapter_and_leaves_no_part_file() {
    let f = fixture();
    let model = trained(&f, "EQ demo · tiny", 2e-4, None).await;
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("eq-demo.zip");
    let zip = export_to(&f.core, &model.id, &dest).await.unwrap();

    assert_eq!(zip.path, dest.display().to_string());
    let bytes = std::fs::read(&dest).unwrap();
    assert_eq!(zip.bytes, bytes.len() as f64);
    assert_eq!(zip.sha256, sha(&bytes));
    let names: Vec<&str> = zip.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "adapter_config.json",
            "adapter_model.safetensors",
            "summary.json",
            "README.md"
        ]
    );
    // The archive's adapter is byte for byte what the verified download recorded.
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&dest).unwrap()).unwrap();
    let mut weights = Vec::new();
    archive
        .by_name("adapter_model.safetensors")
        .unwrap()
        .read_to_end(&mut weights)
        .unwrap();
    let recorded = model
        .files
        .iter()
        .find(|f| f.name == "adapter_model.safetensors")
        .unwrap();
    assert_eq!(sha(&weights), recorded.sha256);
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        1,
        "only the ZIP: the .part file was renamed"
    );
}

#[tokio::test]
async fn export_refuses_an_adapter_changed_since_its_download() {
    let f = fixture();
    let model = trained(&f, "run", 2e-4, None).await;
    std::fs::write(
        f.dir
            .path()
            .join(&model.adapter_dir)
            .join("adapter_model.safetensors"),
        b"tampered",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("run.zip");
    let err = export_to(&f.core, &model.id, &dest).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("download the model again"),
        "{}",
        err.message
    );
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "nothing left behind"
    );
}

#[tokio::test]
async fn train_again_gives_the_next_version_and_the_page_shows_the_line() {
    let f = fixture();
    let first = trained(&f, "first", 2e-4, None).await;
    let second = trained(&f, "second", 1e-4, Some(&first.id)).await;

    let page1 = page(&f.core, &first.id).await.unwrap();
    assert_eq!(page1.version, 1);
    assert_eq!(page1.parent_model_id, None);
    let page2 = page(&f.core, &second.id).await.unwrap();
    assert_eq!(page2.version, 2);
    assert_eq!(page2.parent_model_id.as_deref(), Some(first.id.as_str()));
    let line: Vec<(u32, &str)> = page2
        .versions
        .iter()
        .map(|v| (v.version, v.model_id.as_str()))
        .collect();
    assert_eq!(line, [(1, first.id.as_str()), (2, second.id.as_str())]);
    assert_eq!(page1.versions.len(), 2, "the parent's page lists its child too");
    assert_eq!(page2.model.dataset_name.as_deref(), Some("EQ demo"));
    // The Models list shows each card's version.
    let listed: Vec<(String, u32)> = crate::commands::models::list(&f.core)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.id, m.version))
        .collect();
    assert!(listed.contains(&(first.id.clone(), 1)), "{listed:?}");
    assert!(listed.contains(&(second.id.clone(), 2)), "{listed:?}");
    assert_eq!(page2.model.version, 2);

    // The snippets are the core's, pointing at this adapter's folder.
    assert!(page2.snippets.peft.contains("PeftModel.from_pretrained"));
    assert!(page2.snippets.peft.contains(&page2.model.adapter_dir));
    assert!(page2.snippets.vllm.contains("--lora-modules second="));

    let err = record_parent(&f.core, second.job_id.clone(), "no-such-model".into())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn rename_describe_delete_and_restore() {
    let f = fixture();
    let model = trained(&f, "run", 2e-4, None).await;
    let core = &f.core;
    let id = || model.id.clone();

    let blank = rename(core, id(), "  ".into()).await.unwrap_err();
    assert_eq!(blank.code, ErrorCode::InvalidInput, "a blank name is refused");
    let renamed = rename(core, id(), "Support bot v1".into()).await.unwrap();
    assert_eq!(renamed.model.name, "Support bot v1");
    let shown = describe(core, id(), "first try".into()).await.unwrap();
    assert_eq!(shown.model.name, "Support bot v1");
    assert_eq!(shown.description, "first try");
    assert_eq!(shown.deleted_at, None);

    let trashed = delete(core, id()).await.unwrap();
    assert!(trashed.deleted_at.is_some(), "the trash still opens on its page");
    let trash: Vec<String> = deleted(core).await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(trash, std::slice::from_ref(&model.id));
    assert!(crate::commands::models::list(core).await.unwrap().is_empty());
    let restored = restore(core, id()).await.unwrap();
    assert_eq!(restored.deleted_at, None);
    assert!(deleted(core).await.unwrap().is_empty());
    assert_eq!(crate::commands::models::list(core).await.unwrap().len(), 1);

    let missing = page(core, "no-such-model").await.unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
    let gone = rename(core, "no-such-model".into(), "x".into())
        .await
        .unwrap_err();
    assert_eq!(gone.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn compare_two_runs_shows_curves_the_differing_setting_and_final_losses() {
    let f = fixture();
    let a = trained(&f, "lr 2e-4", 2e-4, None).await;
    let b = trained(&f, "lr 1e-4", 1e-4, None).await;
    let view = compare(&f.core, vec![a.job_id.clone(), b.job_id.clone()])
        .await
        .unwrap();
    assert_eq!(view.jobs.len(), 2);
    assert_eq!(view.jobs[0].id, a.job_id);
    assert_eq!(view.jobs[0].final_train_loss, Some(2.0));
    assert_eq!(view.jobs[0].final_val_loss, Some(2.5));
    assert_eq!(view.jobs[1].series.steps, [1.0, 2.0, 3.0]);
    assert_eq!(view.jobs[1].series.val_loss, [None, Some(3.5), Some(2.5)]);
    let fields: Vec<&str> = view.differences.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["learning_rate"]);
    assert_eq!(view.differences[0].values, ["0.0002", "0.0001"]);

    let err = compare(&f.core, vec![a.job_id.clone()]).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = compare(&f.core, vec![a.job_id.clone(), a.job_id.clone()])
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[test]
fn file_stems_from_model_names() {
    assert_eq!(file_stem("EQ demo · tiny"), "eq-demo-tiny");
    assert_eq!(file_stem("··"), "model");
}

/// Merge and chat reach the model's own cluster through the keyring, like the app: a real agent (no Python)
/// that does not know this job answers with its error, which the page shows; nothing is streamed or written.
#[tokio::test]
async fn merge_and_chat_reach_the_models_cluster_and_show_its_refusal() {
    use crate::commands::test_support::{open_core, start_agent};
    let agent = start_agent();
    let (dir, core) = open_core();
    let cluster = crate::commands::clusters::add(
        &core,
        "GPU box",
        &agent.url,
        brightrun_core::cluster::Sensitive::new(agent.key.clone()),
        false,
    )
    .await
    .unwrap();
    let f = fixture_on(dir, &core);
    let model = trained_on(&f, &cluster.id, "run", 2e-4, None).await;

    let mut steps = Vec::new();
    let err = merge(&f.core, &model.id, &mut |s| steps.push(s))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("/v1/jobs/r-1/merge") && err.message.contains("404"),
        "{}",
        err.message
    );
    assert!(steps.is_empty(), "no merge started: {steps:?}");
    assert!(!brightrun_core::jobs::models_dir(f.dir.path())
        .join(format!("{}-merged", model.job_id))
        .exists());

    let settings = crate::dto::model_use::ChatSettings {
        system: None,
        max_new_tokens: 8,
        temperature: 0.0,
        top_p: 1.0,
        seed: Some(1),
    };
    let mut pieces = Vec::new();
    let err =
        crate::commands::playground::chat(&f.core, &model.id, "Hello", &settings, &mut |p| pieces.push(p))
            .await
            .unwrap_err();
    // The agent offers no model "tiny-llama": refused before any token.
    assert!(err.message.contains("model_not_found"), "{}", err.message);
    assert!(pieces.is_empty());
}
