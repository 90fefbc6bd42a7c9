//! The generation worker behind `/v1/chat/completions`: one `python -m brightrun_trainer.serve` process,
//! started on the first request, kept while requests come, gone after an idle minute (it exits by itself and
//! its memory with it). Requests are served one at a time: on a GPU box they also wait for training to finish
//! (a chat never takes a GPU from a run); on a CPU box they simply take turns.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::mpsc;

use crate::state::{lock, AppState};

/// Idle seconds after which the worker leaves (BRIGHTRUN_SERVE_IDLE_SECONDS overrides it, for tests).
pub const IDLE_SECONDS: u64 = 60;

/// One conversation turn.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Turn {
    pub role: String,
    pub content: String,
}

/// What to generate, as the worker reads it.
#[derive(Clone, Debug, Serialize)]
pub struct GenerationRequest {
    /// The base model as the trainer loads it (a local folder's path or a hub id).
    pub base_model: String,
    /// The adapter folder, or None for the base model's own answer.
    pub adapter: Option<PathBuf>,
    /// Name of the adapter inside the worker (the job id).
    pub adapter_name: Option<String>,
    pub messages: Vec<Turn>,
    pub max_tokens: u32,
    pub temperature: f64,
    pub top_p: f64,
    pub seed: Option<u64>,
}

/// What the worker sends back, piece by piece.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    /// Waiting for a training run to release the GPU.
    Queued,
    /// Text of the tokens just generated.
    Delta(String),
    /// Finished.
    Done {
        prompt_tokens: u64,
        completion_tokens: u64,
        finish_reason: String,
    },
    /// Failed.
    Failed { kind: String, message: String },
}

#[derive(Deserialize)]
struct WorkerLine {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    delta: Option<String>,
    #[serde(default)]
    done: bool,
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    finish_reason: Option<String>,
    #[serde(default)]
    error: Option<WorkerError>,
}

#[derive(Deserialize)]
struct WorkerError {
    kind: String,
    message: String,
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

/// The worker process and the turn-taking around it.
#[derive(Default)]
pub struct Generator {
    worker: tokio::sync::Mutex<Option<Worker>>,
    next_id: AtomicU64,
}

impl Generator {
    /// Generates `request`, sending its pieces to `out` as they come; a closed `out` (the client left) stops
    /// nothing but the forwarding, so the worker's answer is still read to its end.
    pub async fn generate(&self, state: &AppState, request: GenerationRequest, out: mpsc::Sender<Piece>) {
        let gpu_box = state.devices.iter().any(|d| d.gpu_type != "cpu");
        let mut told = false;
        // Training owns the GPUs: a chat waits for the running jobs rather than failing with out-of-memory.
        while gpu_box && !lock(&state.running).is_empty() {
            if !told {
                let _ = out.send(Piece::Queued).await;
                told = true;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let mut slot = self.worker.lock().await;
        // One retry: the worker may have left for idleness just as this request was written to it.
        for attempt in 0..2 {
            if slot
                .as_mut()
                .is_none_or(|w| !matches!(w.child.try_wait(), Ok(None)))
            {
                match spawn(state) {
                    Ok(worker) => *slot = Some(worker),
                    Err(message) => {
                        let _ = out
                            .send(Piece::Failed {
                                kind: "generator_unavailable".into(),
                                message,
                            })
                            .await;
                        return;
                    }
                }
            }
            let Some(worker) = slot.as_mut() else { return };
            let id = self.next_id.fetch_add(1, Ordering::Relaxed).to_string();
            match run_one(worker, &id, &request, &out).await {
                Ok(()) => return,
                Err(sent_any) => {
                    *slot = None;
                    if sent_any || attempt == 1 {
                        let _ = out
                            .send(Piece::Failed {
                                kind: "generator_exited".into(),
                                message: "the generation worker stopped; see the agent's generator.log"
                                    .into(),
                            })
                            .await;
                        return;
                    }
                }
            }
        }
    }
}

/// Err(true) when the worker died after text was already forwarded, Err(false) when it died before.
async fn run_one(
    worker: &mut Worker,
    id: &str,
    request: &GenerationRequest,
    out: &mpsc::Sender<Piece>,
) -> Result<(), bool> {
    let mut body = serde_json::to_value(request).map_err(|_| false)?;
    body["id"] = serde_json::json!(id);
    let mut line = body.to_string();
    line.push('\n');
    if worker.stdin.write_all(line.as_bytes()).await.is_err() || worker.stdin.flush().await.is_err() {
        return Err(false);
    }
    let mut sent_any = false;
    loop {
        let Ok(Some(text)) = worker.lines.next_line().await else {
            return Err(sent_any);
        };
        let Ok(message) = serde_json::from_str::<WorkerLine>(&text) else {
            continue; // a stray print from a library: not ours
        };
        if message.id.as_deref() != Some(id) {
            continue;
        }
        let piece = if let Some(error) = message.error {
            Piece::Failed {
                kind: error.kind,
                message: error.message,
            }
        } else if message.done {
            Piece::Done {
                prompt_tokens: message.prompt_tokens,
                completion_tokens: message.completion_tokens,
                finish_reason: message.finish_reason.unwrap_or_else(|| "stop".into()),
            }
        } else if let Some(delta) = message.delta {
            sent_any = true;
            Piece::Delta(delta)
        } else {
            continue;
        };
        let last = matches!(piece, Piece::Done { .. } | Piece::Failed { .. });
        let _ = out.send(piece).await;
        if last {
            return Ok(());
        }
    }
}

fn spawn(state: &AppState) -> Result<Worker, String> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(state.paths.data_dir.join("generator.log"))
        .map_err(|e| format!("cannot open generator.log: {e}"))?;
    let idle = std::env::var("BRIGHTRUN_SERVE_IDLE_SECONDS").unwrap_or_else(|_| IDLE_SECONDS.to_string());
    let mut command = Command::new(&state.python);
    command
        // Started like the trainer: -I (the data folder and PYTHON* variables never decide what is imported)
        // and an allow-listed environment (the agent's secrets stay with it).
        .args(["-I", "-m", "brightrun_trainer.serve"])
        .current_dir(&state.paths.data_dir)
        .env_clear()
        .envs(crate::jobs::runner::trainer_environment())
        .env(
            "CUDA_VISIBLE_DEVICES",
            crate::gpu::cuda_visible_devices(&state.devices),
        )
        .env("BRIGHTRUN_SERVE_IDLE_SECONDS", idle)
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        // Dropping the worker (the agent stops) ends it; it holds a model in memory and nothing else.
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|e| {
        format!(
            "cannot start the generation worker with {}: {e}",
            state.python.display()
        )
    })?;
    let stdin = child.stdin.take().ok_or("the worker's stdin is missing")?;
    let stdout = child.stdout.take().ok_or("the worker's stdout is missing")?;
    Ok(Worker {
        child,
        stdin,
        lines: BufReader::new(stdout).lines(),
    })
}
