//! `brightrun models export`: one ZIP with the adapter as PEFT wrote it, `summary.json` (what it is and how it
//! was made) and a Hugging Face model card. Written to `<file>.part` and renamed when complete, so a file at the
//! destination is always a whole archive.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

use crate::store::model_artifacts::ModelArtifact;
use crate::store::{Store, StoreError};

/// The adapter files every export carries (PEFT's names).
pub const ADAPTER_FILES: [&str; 2] = ["adapter_config.json", "adapter_model.safetensors"];

/// What went wrong exporting.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The model has no verified download of this file.
    #[error("the model's {0} is missing from its verified download; download the model again")]
    MissingFile(String),
    /// A file on disk differs from the verified download.
    #[error("{name} changed since it was downloaded (SHA-256 {actual}, verified {expected}); download the model again")]
    Changed {
        /// The file.
        name: String,
        /// Recorded at download.
        expected: String,
        /// On disk now.
        actual: String,
    },
    /// Reading or writing a file.
    #[error("{context} {path}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The file.
        path: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Writing the archive.
    #[error("cannot write the ZIP: {0}")]
    Zip(#[from] zip::result::ZipError),
}

/// One file inside the archive.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZipEntry {
    /// Its name in the archive.
    pub name: String,
    /// Uncompressed bytes.
    pub bytes: u64,
    /// SHA-256 of its content.
    pub sha256: String,
}

/// The written archive (`--json` contract: `path`, `bytes`, `sha256`, `files`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExportedZip {
    /// Where it is.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// SHA-256 of the ZIP file.
    pub sha256: String,
    /// What it holds.
    pub files: Vec<ZipEntry>,
}

/// Writes model `model_id` (id, prefix or job id) of the data folder `data_dir` to the ZIP `dest`.
pub fn export_model(
    store: &Store,
    data_dir: &Path,
    model_id: &str,
    dest: &Path,
) -> Result<ExportedZip, ExportError> {
    let model = store.model_artifacts().find(model_id)?;
    let summary = summary_json(store, &model)?;
    let card = model_card(&model, &summary);
    let adapter_dir = data_dir.join(&model.adapter_dir);

    let mut adapter = Vec::new();
    for name in ADAPTER_FILES {
        let recorded = model
            .files
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| ExportError::MissingFile(name.to_string()))?;
        let path = adapter_dir.join(name);
        let content = std::fs::read(&path).map_err(io("cannot read", &path))?;
        let actual = hex::encode(Sha256::digest(&content));
        // The promise of an export: these are the bytes the verified download recorded.
        if !actual.eq_ignore_ascii_case(&recorded.sha256) {
            return Err(ExportError::Changed {
                name: name.to_string(),
                expected: recorded.sha256.clone(),
                actual,
            });
        }
        adapter.push((name.to_string(), content));
    }
    let mut entries = adapter;
    entries.push((
        "summary.json".into(),
        serde_json::to_vec_pretty(&summary).unwrap_or_default(),
    ));
    entries.push(("README.md".into(), card.into_bytes()));

    let part = part_path(dest);
    let written = write_zip(&part, &entries);
    if let Err(err) = written {
        let _ = std::fs::remove_file(&part);
        return Err(err);
    }
    std::fs::rename(&part, dest).map_err(io("cannot move into place", dest))?;

    let mut file = std::fs::File::open(dest).map_err(io("cannot read", dest))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(io("cannot read", dest))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok(ExportedZip {
        path: std::path::absolute(dest).unwrap_or_else(|_| dest.to_path_buf()),
        bytes,
        sha256: hex::encode(hasher.finalize()),
        files: entries
            .iter()
            .map(|(name, content)| ZipEntry {
                name: name.clone(),
                bytes: content.len() as u64,
                sha256: hex::encode(Sha256::digest(content)),
            })
            .collect(),
    })
}

fn write_zip(part: &Path, entries: &[(String, Vec<u8>)]) -> Result<(), ExportError> {
    if let Some(parent) = part.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io("cannot create", parent))?;
    }
    let file = std::fs::File::create(part).map_err(io("cannot write", part))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        zip.start_file(name.as_str(), options)?;
        zip.write_all(content).map_err(io("cannot write", part))?;
    }
    let file = zip.finish()?;
    file.sync_all().map_err(io("cannot write", part))?;
    Ok(())
}

/// `summary.json`: base model, dataset with its SHA-256, hyperparameters, the split, metrics and lineage.
pub fn summary_json(store: &Store, model: &ModelArtifact) -> Result<Value, StoreError> {
    let job = store.training_jobs().get(&model.job_id)?;
    let dataset = store.datasets().get(&model.dataset_id).ok();
    let version = store.model_versions().of(&model.id)?;
    let h = &job.hyperparameters;
    Ok(json!({
        "model": {
            "id": model.id,
            "name": model.name,
            "version": version.version,
            "parent_model_id": version.parent_model_id,
            "created_at": model.created_at,
        },
        "base_model": model.base_model,
        "dataset": {
            "id": model.dataset_id,
            "name": dataset.as_ref().map(|d| d.name.clone()),
            "source_sha256": dataset.as_ref().map(|d| d.sha256.clone()),
            "sha256": model.dataset_sha256,
        },
        "hyperparameters": h,
        "split": {
            "validation_fraction": h.validation_split,
            "seed": h.seed,
        },
        "metrics": model.quality,
        "training_summary": job.summary,
        "lineage": {
            "job_id": job.id,
            "job_name": job.name,
            "cluster_id": job.cluster_id,
            "remote_job_id": job.remote_job_id,
            "gpu_type": job.gpu_type,
            "gpu_count": job.gpu_count,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "parent_model_id": version.parent_model_id,
        },
        "files": model.files,
        "exported_by": format!("BrightRun {}", env!("CARGO_PKG_VERSION")),
    }))
}

/// `README.md` in the Hugging Face model-card layout: YAML front matter, then what it is and how to load it.
pub fn model_card(model: &ModelArtifact, summary: &Value) -> String {
    let q = &model.quality;
    let num = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_else(|| "-".into());
    let yaml_str = |s: &str| serde_json::to_string(s).unwrap_or_default();
    format!(
        "---\nbase_model: {base}\nlibrary_name: peft\ntags:\n- brightrun\n- lora\n- peft\n- text-generation\n---\n\n\
# {name}\n\nA LoRA adapter for `{base_raw}`, trained with BrightRun.\n\n\
## Training\n\n- Dataset: {dataset} (training file SHA-256 `{sha}`)\n- Hyperparameters: see `summary.json`\n\n\
## Results\n\n| Metric | Value |\n|---|---|\n| Final training loss | {train} |\n| Final validation loss | {val} |\n\
| Perplexity | {ppl} |\n| Rating | {rating}/5 |\n\n\
## Use\n\n```python\n{snippet}```\n",
        base = yaml_str(&model.base_model),
        base_raw = model.base_model,
        name = model.name,
        dataset = summary["dataset"]["name"].as_str().unwrap_or(&model.dataset_id),
        sha = model.dataset_sha256,
        train = num(q.final_train_loss),
        val = num(q.final_val_loss),
        ppl = num(q.perplexity),
        rating = q.rating,
        snippet = peft_snippet(&model.base_model, "."),
    )
}

/// Python that loads the base model with this adapter (PEFT).
pub fn peft_snippet(base_model: &str, adapter_dir: &str) -> String {
    format!(
        "from transformers import AutoModelForCausalLM, AutoTokenizer\nfrom peft import PeftModel\n\n\
base = AutoModelForCausalLM.from_pretrained({base:?})\ntokenizer = AutoTokenizer.from_pretrained({base:?})\n\
model = PeftModel.from_pretrained(base, {adapter:?})\n",
        base = base_model,
        adapter = adapter_dir,
    )
}

/// A vLLM server started with this adapter, and an OpenAI-style request that uses it.
pub fn vllm_snippet(base_model: &str, adapter_dir: &str, adapter_name: &str) -> String {
    format!(
        "vllm serve {base_model} --enable-lora --lora-modules {adapter_name}={adapter_dir}\n\n\
curl http://localhost:8000/v1/chat/completions -H 'Content-Type: application/json' \\\n  \
-d '{{\"model\": \"{adapter_name}\", \"messages\": [{{\"role\": \"user\", \"content\": \"Hello\"}}]}}'\n"
    )
}

fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".part");
    dest.with_file_name(name)
}

fn io(context: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ExportError {
    let path = path.display().to_string();
    move |source| ExportError::Io {
        context,
        path,
        source,
    }
}
