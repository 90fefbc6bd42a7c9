"""The job file the agent writes (docs/trainer.md, "job.json"), read and checked before anything heavy loads."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import invalid_job


@dataclass
class Hyperparameters:
    """The training knobs; defaults match the contract's example job."""

    learning_rate: float = 2e-4
    batch_size: int = 4
    gradient_accumulation: int = 1
    num_epochs: float = 3
    max_steps: int | None = None
    lora_rank: int = 8
    lora_alpha: float = 16
    lora_dropout: float = 0.05
    target_modules: list[str] | str | None = None
    max_seq_len: int = 2048
    warmup_ratio: float = 0.0
    weight_decay: float = 0.0
    seed: int = 42
    validation_split: float = 0.1
    eval_steps: int | None = None
    logging_steps: int = 1
    save_steps: int | None = None
    # How many checkpoints to keep (the newest); null keeps all. Older ones are deleted as new ones are written.
    save_total_limit: int | None = 2
    # "auto" (on only when the memory check says the activations would not fit), "on" or "off".
    gradient_checkpointing: str = "auto"
    # "padding_free" (examples end to end, no padding), "group_by_length" (padded, similar lengths together), "none".
    packing: str = "padding_free"
    train_on_reasoning: bool = True  # loss on the assistant's reasoning (reasoning_content / thinking) too


# Settings that are one of a few words: name -> allowed values (the first is not necessarily the default).
_CHOICES = {
    "gradient_checkpointing": ("auto", "on", "off"),
    "packing": ("padding_free", "group_by_length", "none"),
}


@dataclass
class Gpu:
    """What the job runs on: type "cpu" or a GPU name, and how many processes (one per GPU) to start."""

    type: str = "cpu"
    count: int = 1


@dataclass
class Job:
    """One training job, as the agent describes it."""

    job_id: str
    dataset_path: str
    base_model: str
    output_dir: str
    validation_path: str | None = None
    resume_from_checkpoint: str | None = None
    dataset_sha256: str | None = None
    qlora: bool = False
    gpu: Gpu = field(default_factory=Gpu)
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def checkpoints_dir(self) -> str:
        return os.path.join(self.output_dir, "checkpoints")

    @property
    def adapter_dir(self) -> str:
        return os.path.join(self.output_dir, "adapter")

    @property
    def summary_path(self) -> str:
        return os.path.join(self.output_dir, "training_summary.json")


def load_job(path: str) -> Job:
    """Read and check a job file; any problem is an `invalid_job` error naming the field."""
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except FileNotFoundError:
        raise invalid_job(f"job file not found: {path}") from None
    except (OSError, ValueError) as e:
        raise invalid_job(f"job file {path} is not readable JSON: {e}") from None
    return parse_job(raw)


def parse_job(raw: Any) -> Job:
    """Build a Job from decoded JSON, checking types and ranges (unknown keys are ignored for forward compatibility)."""
    if not isinstance(raw, dict):
        raise invalid_job("the job must be a JSON object")
    job = Job(
        job_id=_string(raw, "job_id"),
        dataset_path=_path(raw, "dataset_path", required=True),
        base_model=_string(raw, "base_model"),
        output_dir=_path(raw, "output_dir", required=True),
        validation_path=_path(raw, "validation_path"),
        resume_from_checkpoint=_path(raw, "resume_from_checkpoint"),
        dataset_sha256=_optional_string(raw, "dataset_sha256"),
        qlora=_bool(raw, "qlora", False),
        gpu=_gpu(raw.get("gpu")),
        hyperparameters=_hyperparameters(_with_top_level_settings(raw)),
    )
    return job


def _with_top_level_settings(raw: dict) -> Any:
    """The newer settings (`gradient_checkpointing`, `packing`, `save_total_limit`) belong in `hyperparameters`;
    a job file that puts them at the top level is read the same way (the hyperparameters' value wins)."""
    hyper = raw.get("hyperparameters")
    top = {k: raw[k] for k in ("gradient_checkpointing", "packing", "save_total_limit") if k in raw}
    if not top or (hyper is not None and not isinstance(hyper, dict)):
        return hyper
    return {**top, **(hyper or {})}


def _string(raw: dict, key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise invalid_job(f"`{key}` must be a non-empty string")
    return value


def _optional_string(raw: dict, key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_job(f"`{key}` must be a string or null")
    return value


def _path(raw: dict, key: str, required: bool = False) -> str | None:
    value = _string(raw, key) if required else _optional_string(raw, key)
    if value is not None and not os.path.isabs(value):
        raise invalid_job(f"`{key}` must be an absolute path, got {value!r}")
    return value


def _bool(raw: dict, key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid_job(f"`{key}` must be true or false")
    return value


def _gpu(raw: Any) -> Gpu:
    if raw is None:
        return Gpu()
    if not isinstance(raw, dict):
        raise invalid_job("`gpu` must be an object {type, count}")
    gpu_type = raw.get("type", "cpu")
    count = raw.get("count", 1)
    if not isinstance(gpu_type, str) or not gpu_type:
        raise invalid_job("`gpu.type` must be a string")
    if not _is_int(count) or count < 1:
        raise invalid_job("`gpu.count` must be an integer >= 1")
    return Gpu(type=gpu_type, count=count)


# (name, kind, low, high): low/high are inclusive bounds, None = unbounded.
_HYPER_RULES: list[tuple[str, str, float | None, float | None]] = [
    ("learning_rate", "float", 0.0, 1.0),
    ("batch_size", "int", 1, None),
    ("gradient_accumulation", "int", 1, None),
    ("num_epochs", "float", 0.0, None),
    ("max_steps", "int?", 1, None),
    ("lora_rank", "int", 1, None),
    ("lora_alpha", "float", 0.0, None),
    ("lora_dropout", "float", 0.0, 0.99),
    ("max_seq_len", "int", 8, None),
    ("warmup_ratio", "float", 0.0, 0.99),
    ("weight_decay", "float", 0.0, None),
    ("seed", "int", 0, None),
    ("validation_split", "float", 0.0, 0.9),
    ("eval_steps", "int?", 1, None),
    ("logging_steps", "int", 1, None),
    ("save_steps", "int?", 1, None),
    ("save_total_limit", "int?", 1, None),
]


def _hyperparameters(raw: Any) -> Hyperparameters:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise invalid_job("`hyperparameters` must be an object")
    values: dict[str, Any] = {}
    for name, kind, low, high in _HYPER_RULES:
        if name not in raw or (raw[name] is None and kind.endswith("?")):
            continue
        value = raw[name]
        if kind.startswith("int"):
            if not _is_int(value):
                raise invalid_job(f"`hyperparameters.{name}` must be an integer")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise invalid_job(f"`hyperparameters.{name}` must be a number")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"[{low}, {high if high is not None else '∞'}]"
            raise invalid_job(f"`hyperparameters.{name}` = {value} is outside {bounds}")
        values[name] = value
    if raw.get("save_total_limit", 2) is None:
        values["save_total_limit"] = None  # explicit null: keep every checkpoint
    for name, allowed in _CHOICES.items():
        value = raw.get(name)
        if value is None:
            continue
        if value not in allowed:
            raise invalid_job(f"`hyperparameters.{name}` must be one of {', '.join(allowed)}; got {value!r}")
        values[name] = value
    if values.get("learning_rate", 1.0) == 0.0:
        raise invalid_job("`hyperparameters.learning_rate` must be above 0")
    targets = raw.get("target_modules")
    if targets is not None:
        ok = (isinstance(targets, str) and targets) or (
            isinstance(targets, list) and targets and all(isinstance(t, str) and t for t in targets)
        )
        if not ok:
            raise invalid_job("`hyperparameters.target_modules` must be null, a string or a list of module names")
        values["target_modules"] = targets
    reasoning = raw.get("train_on_reasoning")
    if reasoning is not None:
        if not isinstance(reasoning, bool):
            raise invalid_job("`hyperparameters.train_on_reasoning` must be true or false")
        values["train_on_reasoning"] = reasoning
    hp = Hyperparameters(**values)
    if hp.max_steps is None and hp.num_epochs <= 0:
        raise invalid_job("`hyperparameters.num_epochs` must be above 0 when max_steps is null")
    return hp


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
