//! What the trainer's Python environment can do (CUDA, bitsandbytes, Liger), probed once when the agent starts
//! by importing them with the configured python, so capabilities tell the truth before a job is launched.

use std::path::Path;
use std::time::Duration;

use crate::api::RuntimeView;

/// Importing torch (and bitsandbytes, which loads CUDA libraries) takes seconds; a python that hangs longer is
/// treated as having nothing.
const PROBE_TIMEOUT: Duration = Duration::from_secs(120);

/// Prints one JSON line; each import failing for any reason (missing, broken, no driver) reads as absent.
const PROBE: &str = r#"
import json
found = {"cuda": False, "bitsandbytes": False, "liger": False}
try:
    import torch
    found["cuda"] = bool(torch.cuda.is_available())
except Exception:
    pass
for name, module in (("bitsandbytes", "bitsandbytes"), ("liger", "liger_kernel")):
    try:
        __import__(module)
        found[name] = True
    except Exception:
        pass
print(json.dumps(found))
"#;

/// Runs the probe with `python`; a python that cannot run reports nothing available.
pub async fn probe(python: &Path) -> RuntimeView {
    let run = tokio::process::Command::new(python)
        .args(["-c", PROBE])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(PROBE_TIMEOUT, run).await {
        Ok(Ok(output)) if output.status.success() => String::from_utf8_lossy(&output.stdout)
            .lines()
            .rev()
            .find_map(|line| serde_json::from_str(line.trim()).ok())
            .unwrap_or_default(),
        Ok(Ok(output)) => {
            tracing::warn!(
                "runtime probe with {} failed: {}",
                python.display(),
                output.status
            );
            RuntimeView::default()
        }
        Ok(Err(err)) => {
            tracing::warn!("runtime probe cannot run {}: {err}", python.display());
            RuntimeView::default()
        }
        Err(_) => {
            tracing::warn!("runtime probe with {} timed out", python.display());
            RuntimeView::default()
        }
    }
}
