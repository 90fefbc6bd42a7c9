"""Failures the agent can act on: each has a kind (what went wrong), a message and a hint (what to change)."""

from __future__ import annotations

import math
from typing import Any


class TrainerError(Exception):
    """A failure reported to the agent as `{"event":"error","kind":..,"message":..,"hint":..}`."""

    def __init__(self, kind: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint


class Cancelled(Exception):
    """Raised when SIGTERM arrives before training has started (nothing to checkpoint yet)."""


def invalid_job(message: str) -> TrainerError:
    return TrainerError("invalid_job", message, "Fix the job file; docs/trainer.md describes every field.")


def dataset_not_found(path: str) -> TrainerError:
    return TrainerError(
        "dataset_not_found",
        f"dataset file not found: {path}",
        "Upload the dataset again: the file the job names is not on this machine.",
    )


def invalid_dataset(message: str, hint: str | None = None) -> TrainerError:
    return TrainerError(
        "invalid_dataset",
        message,
        hint
        or 'Each line must be a JSON object {"messages": [{"role": .., "content": ..}, ..]} with an assistant turn.',
    )


def model_not_found(model: str, cause: BaseException | None = None) -> TrainerError:
    detail = f": {first_line(cause)}" if cause else ""
    return TrainerError(
        "model_not_found",
        f"base model not found: {model}{detail}",
        "Check the base model id or folder; with HF_HUB_OFFLINE=1 the model must already be in the local "
        "Hugging Face cache or be a local folder.",
    )


def out_of_memory(batch_size: int, cause: BaseException) -> TrainerError:
    smaller = max(batch_size // 2, 1)
    if batch_size > 1:
        hint = (
            f"Halve the batch size (to {smaller}) and double gradient_accumulation to keep the effective batch; "
            "or lower max_seq_len, or use QLoRA."
        )
    else:
        hint = "The batch size is already 1: lower max_seq_len, use QLoRA, or pick a GPU with more memory."
    return TrainerError("out_of_memory", f"out of memory: {first_line(cause)}", hint)


def nan_loss(step: int, learning_rate: float) -> TrainerError:
    return TrainerError(
        "nan_loss",
        f"the training loss became NaN or infinite at step {step}",
        f"Lower the learning rate (try {learning_rate / 2:g}) or add warmup; check the dataset for empty or broken "
        "examples.",
    )


def internal(cause: BaseException) -> TrainerError:
    return TrainerError(
        "internal",
        f"{type(cause).__name__}: {first_line(cause)}",
        "An unexpected failure in the trainer: the job's stderr log has the traceback.",
    )


def first_line(cause: BaseException | None) -> str:
    text = str(cause).strip() if cause is not None else ""
    return text.splitlines()[0][:500] if text else type(cause).__name__


def is_out_of_memory(cause: BaseException) -> bool:
    """CUDA's OutOfMemoryError, a CPU allocation failure, or the RuntimeErrors that libraries raise for both."""
    if isinstance(cause, MemoryError):
        return True
    name = type(cause).__name__
    if name in ("OutOfMemoryError", "OutOfMemoryException"):
        return True
    text = str(cause).lower()
    return isinstance(cause, RuntimeError) and (
        "out of memory" in text or "cublas_status_alloc_failed" in text or "can't allocate memory" in text
    )


def is_nan(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)
