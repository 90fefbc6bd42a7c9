"""Turns the Hugging Face Trainer's callbacks into the agent's events (metrics, checkpoints) and stop requests.

The Trainer logs the train loss of a step first and evaluates afterwards (at a step or at the end of an epoch),
while the contract wants exactly one metrics line per step that already carries the validation loss. So the
train log of a step waits here until it is known whether an evaluation follows at the same step: until the
evaluation arrives, the next step begins, a new epoch begins, or training ends.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

from transformers import TrainerCallback

from .cancel import CancelRequest
from .errors import is_nan, nan_loss
from .events import EventStream


class ProgressReporter(TrainerCallback):
    """Emits `metrics` and `checkpoint` events and records the losses for the training summary."""

    def __init__(self, events: EventStream, cancel: CancelRequest, learning_rate: float) -> None:
        self.events = events
        self.cancel = cancel
        self.learning_rate = learning_rate
        self.pending: dict[str, Any] | None = None
        self.last_emitted_step = 0
        self.last_time = time.monotonic()
        self.last_tokens = 0
        self.train_losses: list[tuple[int, float]] = []
        self.val_losses: list[tuple[int, float]] = []
        self.checkpoints: list[str] = []

    # --- Trainer hooks -------------------------------------------------------------------------------------
    def on_train_begin(self, args, state, control, **kwargs):
        # After a resume the Trainer starts at the checkpoint's step: lines continue from the next one.
        self.last_emitted_step = state.global_step
        self.last_time = time.monotonic()
        self.last_tokens = state.num_input_tokens_seen

    def on_step_begin(self, args, state, control, **kwargs):
        self._flush()

    def on_epoch_begin(self, args, state, control, **kwargs):
        self._flush()

    def on_step_end(self, args, state, control, **kwargs):
        if state.max_steps and state.global_step >= state.max_steps:
            # The last step is always logged: a run shorter than logging_steps still reports its training loss.
            control.should_log = True
        if self.cancel.agreed():
            control.should_save = True
            control.should_training_stop = True
            control.should_evaluate = False  # the agent is waiting for the exit, not for a validation loss
        return control

    def on_epoch_end(self, args, state, control, **kwargs):
        if self.cancel.requested:
            # The checkpoint was written at the step the request was seen; an end-of-epoch evaluation or a
            # second save of the same step would only delay the exit the agent is waiting for.
            control.should_evaluate = False
            control.should_save = False
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        step = state.global_step
        if "loss" in logs:
            loss = float(logs["loss"])
            if is_nan(loss):
                raise nan_loss(step, self.learning_rate)
            self._flush()
            self.train_losses.append((step, loss))
            self.pending = self._metrics(state, logs, train_loss=loss)
        if "eval_loss" in logs:
            val_loss = float(logs["eval_loss"])
            self.val_losses.append((step, val_loss))
            if self.pending is None or self.pending["step"] != step:
                self._flush()
                self.pending = self._metrics(state, logs, train_loss=None)
            self.pending["val_loss"] = val_loss
            self._flush()
        return control

    def on_save(self, args, state, control, **kwargs):
        path = os.path.abspath(os.path.join(args.output_dir, f"checkpoint-{state.global_step}"))
        self.checkpoints.append(path)
        self.events.emit("checkpoint", step=state.global_step, path=path)
        return control

    def on_train_end(self, args, state, control, **kwargs):
        self._flush()

    # --- helpers -------------------------------------------------------------------------------------------
    def _metrics(self, state: Any, logs: dict[str, Any], train_loss: float | None) -> dict[str, Any]:
        now = time.monotonic()
        tokens = state.num_input_tokens_seen
        elapsed = now - self.last_time
        tokens_per_second = (tokens - self.last_tokens) / elapsed if elapsed > 0 and tokens else None
        self.last_time, self.last_tokens = now, tokens
        gpu_memory_gb, gpu_utilization = _gpu_stats()
        return {
            "step": state.global_step,
            "epoch": float(logs.get("epoch", state.epoch or 0.0)),
            "train_loss": train_loss,
            "val_loss": None,
            "learning_rate": _number(logs.get("learning_rate")),
            "grad_norm": _number(logs.get("grad_norm")),
            "tokens_per_second": tokens_per_second,
            "gpu_utilization": gpu_utilization,
            "gpu_memory_gb": gpu_memory_gb,
        }

    def _flush(self) -> None:
        pending, self.pending = self.pending, None
        if pending is None or pending["step"] <= self.last_emitted_step:
            return  # a step's line is never emitted twice
        self.last_emitted_step = pending["step"]
        self.events.emit("metrics", **pending)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _gpu_stats() -> tuple[float | None, float | None]:
    """Peak GPU memory since the previous line (GiB) and utilisation (%, needs NVML); null on CPU."""
    import torch

    if not torch.cuda.is_available():
        return None, None
    memory = torch.cuda.max_memory_allocated() / 2**30
    torch.cuda.reset_peak_memory_stats()
    try:
        utilization = float(torch.cuda.utilization())
    except Exception:  # NVML (the nvidia-ml-py package) is optional
        utilization = None
    return memory, utilization
