//! Exact tokens against a real SQLite store and a real `tokenizer.json` in a local model folder: counted with
//! the model's tokenizer, cached per dataset and tokenizer hash, and read back by the estimate's quick look.

use std::sync::atomic::AtomicBool;

use brightrun_core::store::{import_dataset, ImportRequest};

use super::*;
use crate::core_state::CoreState;

const LINE: &str = r#"{"messages":[{"role":"user","content":"hello there friend"},{"role":"assistant","content":"hello friend how are you today"}]}"#;

/// A whitespace word-level tokenizer: every listed word is one token, anything else `[UNK]`.
fn word_tokenizer(folder: &Path) {
    let vocab: serde_json::Map<String, serde_json::Value> =
        ["[UNK]", "hello", "there", "friend", "how", "are", "you"]
            .iter()
            .enumerate()
            .map(|(i, w)| ((*w).to_string(), i.into()))
            .collect();
    let json = serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [], "normalizer": null,
        "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"}
    });
    std::fs::create_dir_all(folder).unwrap();
    std::fs::write(folder.join("config.json"), r#"{"model_type":"llama"}"#).unwrap();
    std::fs::write(folder.join("tokenizer.json"), serde_json::to_vec(&json).unwrap()).unwrap();
}

fn imported(core: &CoreState, data: &Path) -> Dataset {
    let source = data.join("chat.jsonl");
    std::fs::write(&source, format!("{LINE}\n{LINE}\n{LINE}\n")).unwrap();
    import_dataset(
        core.store.as_ref(),
        data,
        &source,
        &ImportRequest::default(),
        &Default::default(),
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap()
    .dataset
}

#[tokio::test]
async fn a_local_models_tokenizer_counts_the_dataset_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let core = CoreState::open(dir.path(), "app.brightrun.desktop.test.unused").unwrap();
    let dataset = imported(&core, dir.path());
    word_tokenizer(&local_models_dir(dir.path()).join("tiny"));

    // Nothing counted yet: the estimate's quick look finds no exact figure.
    assert_eq!(
        cached_count(dir.path(), ClusterKind::Local, &dataset, "tiny"),
        None
    );

    let folder = local_folder_of(dir.path(), ClusterKind::Local, "tiny");
    assert!(folder.is_some());
    let tokenizer = tokenizer_at_hand(dir.path(), "tiny", folder.as_deref());
    let exact = count_with(dir.path(), &dataset, tokenizer).await;
    assert_eq!(exact.method, "exact");
    assert!(exact.tokens_total > 0.0);
    assert_ne!(
        exact.tokens_total, dataset.tokens_total as f64,
        "not the characters ÷ 4 estimate"
    );

    // Cached per dataset and tokenizer hash: the estimate now reads the same figure without counting.
    let counts = dir.path().join(brightrun_core::jobs::tokens::TOKEN_COUNTS_FOLDER);
    let files: Vec<_> = std::fs::read_dir(&counts).unwrap().collect();
    assert_eq!(files.len(), 1);
    assert_eq!(
        cached_count(dir.path(), ClusterKind::Local, &dataset, "tiny"),
        Some(exact.tokens_total as u64)
    );
}

#[tokio::test]
async fn without_a_tokenizer_the_estimate_stays_an_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let core = CoreState::open(dir.path(), "app.brightrun.desktop.test.unused").unwrap();
    let dataset = imported(&core, dir.path());
    word_tokenizer(&local_models_dir(dir.path()).join("tiny"));

    // A remote cluster cannot see the local agent's folder, and no tokenizer was fetched from it.
    assert_eq!(local_folder_of(dir.path(), ClusterKind::Remote, "tiny"), None);
    assert_eq!(tokenizer_at_hand(dir.path(), "tiny", None), None);
    assert_eq!(local_folder_of(dir.path(), ClusterKind::Local, "org/model"), None);
    let view = count_with(dir.path(), &dataset, None).await;
    assert_eq!(
        view,
        TokenCountView {
            tokens_total: dataset.tokens_total as f64,
            method: "estimate".into()
        }
    );
    assert_eq!(
        cached_count(dir.path(), ClusterKind::Remote, &dataset, "tiny"),
        None
    );
}
