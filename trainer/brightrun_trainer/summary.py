"""training_summary.json: what was trained, on what, how it went, and with which library versions."""

from __future__ import annotations

import importlib.metadata
import math
import platform
from typing import Any

from . import __version__

LIBRARIES = ("torch", "transformers", "peft", "accelerate", "tokenizers", "safetensors", "bitsandbytes", "liger-kernel")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "brightrun_trainer": __version__}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass  # optional extras are listed only when installed
    return versions


def _first(points: list[tuple[int, float]]) -> float | None:
    return points[0][1] if points else None


def _last(points: list[tuple[int, float]]) -> float | None:
    return points[-1][1] if points else None


def _best(points: list[tuple[int, float]]) -> tuple[int, float] | None:
    finite = [p for p in points if math.isfinite(p[1])]
    return min(finite, key=lambda p: p[1]) if finite else None


def build_summary(
    *,
    config: dict[str, Any],
    dataset: dict[str, Any],
    train_losses: list[tuple[int, float]],
    val_losses: list[tuple[int, float]],
    state: Any,
    hardware: dict[str, Any],
    started_at: float,
    finished_at: float,
    trainable_parameters: int,
    total_parameters: int,
) -> dict[str, Any]:
    best_val = _best(val_losses)
    final_val = _last(val_losses)
    final_train = _last(train_losses)
    # Perplexity of held-out text when there is some; otherwise of the last training window (flagged).
    basis = final_val if final_val is not None else final_train
    perplexity = math.exp(basis) if basis is not None and basis < 50 else None
    first_train = _first(train_losses)
    return {
        "job_id": config["job_id"],
        "base_model": config["base_model"],
        "config": config,
        "dataset_sha256": dataset["sha256"],
        "dataset": dataset,
        "seed": config["hyperparameters"]["seed"],
        "first_train_loss": first_train,
        "final_train_loss": final_train,
        "best_train_loss": _best(train_losses)[1] if _best(train_losses) else None,
        "first_val_loss": _first(val_losses),
        "final_val_loss": final_val,
        "best_val_loss": best_val[1] if best_val else None,
        "best_val_step": best_val[0] if best_val else None,
        "perplexity": perplexity,
        "perplexity_source": None if perplexity is None else "validation" if final_val is not None else "train",
        "loss_improvement": (first_train - final_train) / first_train
        if first_train and final_train is not None
        else None,
        "steps": state.global_step,
        "epochs": state.epoch,
        "tokens_seen": state.num_input_tokens_seen,
        "trainable_parameters": trainable_parameters,
        "total_parameters": total_parameters,
        "hardware": hardware,
        "started_at": started_at,
        "finished_at": finished_at,
        "duration_seconds": finished_at - started_at,
        "library_versions": library_versions(),
        "train_loss_history": [[s, v] for s, v in train_losses],
        "val_loss_history": [[s, v] for s, v in val_losses],
    }
