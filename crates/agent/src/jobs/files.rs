//! A job's folder: `job.json` for the trainer, `output/` for its results, `job.log` for its stderr and the
//! agent's notes.

use std::io::Write;
use std::path::{Path, PathBuf};

use brightrun_core::training::Checkpointing;
use serde_json::json;

use crate::db::jobs::JobRecord;
use crate::state::Paths;

/// The files of one job.
#[derive(Clone, Debug)]
pub struct JobFiles {
    pub dir: PathBuf,
    pub job_json: PathBuf,
    pub output: PathBuf,
    pub log: PathBuf,
}

impl JobFiles {
    pub fn new(paths: &Paths, job_id: &str) -> Self {
        let dir = paths.jobs.join(job_id);
        Self {
            job_json: dir.join("job.json"),
            output: dir.join("output"),
            log: dir.join("job.log"),
            dir,
        }
    }

    /// The folder of the finished adapter.
    pub fn adapter(&self) -> PathBuf {
        self.output.join("adapter")
    }

    pub fn summary(&self) -> PathBuf {
        self.output.join("training_summary.json")
    }

    /// Appends a line from the agent to the job's log (O_APPEND: whole lines never interleave with stderr).
    pub fn note(&self, text: &str) {
        let line = format!(
            "[agent {}] {text}\n",
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        let written = std::fs::create_dir_all(&self.dir).and_then(|_| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)?
                .write_all(line.as_bytes())
        });
        if let Err(err) = written {
            tracing::warn!("cannot write to {}: {err}", self.log.display());
        }
    }
}

/// What `base_model` means for the trainer: a local folder's absolute path, or the hub id unchanged.
pub fn resolve_base_model(paths: &Paths, base_model: &str) -> String {
    let local = paths.models.join(base_model);
    if is_local_model_name(base_model) && local.join("config.json").is_file() {
        local.to_string_lossy().into_owned()
    } else {
        base_model.to_string()
    }
}

/// A name that can only mean a folder directly under `models/` (no separators, no `..`).
pub fn is_local_model_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['/', '\\']) && name != "." && name != ".."
}

/// Whether the trainer recomputes activations. The core decides `auto` with its memory model before it
/// submits; a request that still says `auto` (another client) gets the trainer's long-standing default: on for
/// a GPU, off on the CPU.
pub fn gradient_checkpointing(setting: Checkpointing, gpu_type: &str) -> bool {
    match setting {
        Checkpointing::On => true,
        Checkpointing::Off => false,
        Checkpointing::Auto => !gpu_type.eq_ignore_ascii_case("cpu"),
    }
}

/// Writes the trainer's job file (its contract: docs/trainer.md).
pub fn write_job_json(
    files: &JobFiles,
    job: &JobRecord,
    dataset_path: &Path,
    validation_path: Option<&Path>,
    base_model: &str,
    cuda_devices: &str,
) -> std::io::Result<()> {
    let h = &job.hyperparameters;
    let body = json!({
        "job_id": job.id,
        "dataset_path": dataset_path,
        "validation_path": validation_path,
        "base_model": base_model,
        "output_dir": files.output,
        "resume_from_checkpoint": job.resume_checkpoint,
        "dataset_sha256": job.dataset_sha256,
        "qlora": h.qlora,
        "gpu": {"type": job.gpu.gpu_type, "count": job.gpu.count, "cuda_visible_devices": cuda_devices},
        "hyperparameters": {
            "learning_rate": h.learning_rate,
            "batch_size": h.batch_size,
            "gradient_accumulation": h.gradient_accumulation,
            "num_epochs": h.num_epochs,
            "max_steps": h.max_steps,
            "lora_rank": h.lora_rank,
            "lora_alpha": h.lora_alpha,
            "lora_dropout": h.lora_dropout,
            "target_modules": h.target_modules,
            "max_seq_len": h.max_seq_len,
            "warmup_ratio": h.warmup_ratio,
            "weight_decay": h.weight_decay,
            "seed": h.seed,
            "validation_split": h.validation_split,
            "eval_steps": h.eval_steps,
            "logging_steps": h.logging_steps,
            "save_steps": h.save_steps,
            "gradient_checkpointing": if gradient_checkpointing(h.gradient_checkpointing, &job.gpu.gpu_type) { "on" } else { "off" },
            "packing": h.packing.as_str(),
        },
    });
    std::fs::create_dir_all(&files.output)?;
    let tmp = files.job_json.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&body).unwrap_or_default())?;
    std::fs::rename(&tmp, &files.job_json)
}
