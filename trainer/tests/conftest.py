"""Shared fixtures: a tiny model built once per session, small chat datasets, job files, and a CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TRAINER_ROOT = Path(__file__).resolve().parents[1]

# Nothing in these tests may reach the network: the model is local, the hub is off.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

TOPICS = ["budget", "mortgage", "savings", "debt", "retirement", "taxes", "insurance", "investing"]


def conversation(i: int) -> dict[str, Any]:
    """A short multi-turn chat; two assistant turns so the mask must find both."""
    topic = TOPICS[i % len(TOPICS)]
    return {
        "messages": [
            {"role": "system", "content": "You are a kind financial planning assistant."},
            {"role": "user", "content": f"Can you help me with my {topic}? I feel lost ({i})."},
            {"role": "assistant", "content": f"Of course. Let's look at your {topic} one step at a time."},
            {"role": "user", "content": "Where do I start?"},
            {"role": "assistant", "content": f"Start by writing down every number about your {topic} this week."},
        ]
    }


def write_dataset(path: Path, count: int = 16) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(count):
            f.write(json.dumps(conversation(i)) + "\n")
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    from brightrun_trainer.tiny_model import build

    return build(str(tmp_path_factory.mktemp("tiny-model")), seed=0)


@pytest.fixture()
def dataset(tmp_path) -> Path:
    return write_dataset(tmp_path / "train.jsonl")


def make_job(tmp_path: Path, model: str, dataset: Path | str, **overrides: Any) -> dict[str, Any]:
    """A job on the tiny model sized for a 2-core CI machine: short sequences, a few steps."""
    hyper = {
        "learning_rate": 5e-3,
        "batch_size": 2,
        "gradient_accumulation": 1,
        "num_epochs": 1,
        "max_steps": 4,
        "lora_rank": 4,
        "lora_alpha": 8,
        "lora_dropout": 0.0,
        "target_modules": None,
        "max_seq_len": 256,
        "warmup_ratio": 0.0,
        "weight_decay": 0.0,
        "seed": 42,
        "validation_split": 0.25,
        "eval_steps": None,
        "logging_steps": 1,
        "save_steps": None,
    }
    hyper.update(overrides.pop("hyperparameters", {}))
    job = {
        "job_id": "test-job",
        "dataset_path": str(dataset),
        "validation_path": None,
        "base_model": model,
        "output_dir": str(tmp_path / "out"),
        "resume_from_checkpoint": None,
        "dataset_sha256": None,
        "qlora": False,
        "gpu": {"type": "cpu", "count": 1},
        "hyperparameters": hyper,
    }
    job.update(overrides)
    return job


def write_job(tmp_path: Path, job: dict[str, Any], name: str = "job.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(job), encoding="utf-8")
    return path


def trainer_env() -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TRAINER_ROOT), env.get("PYTHONPATH")]))
    return env


def start_cli(job_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "brightrun_trainer", "--job", str(job_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=trainer_env(),
        text=True,
    )


def parse_events(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line must be one JSON object with an event name and a time: the contract's first rule."""
    events = []
    for line in stdout.splitlines():
        record = json.loads(line)
        assert isinstance(record, dict), line
        assert isinstance(record["event"], str) and isinstance(record["time"], float), line
        events.append(record)
    return events


def run_cli(job_path: Path, timeout: float = 240) -> tuple[int, list[dict[str, Any]], str]:
    proc = start_cli(job_path)
    stdout, stderr = proc.communicate(timeout=timeout)
    return proc.returncode, parse_events(stdout), stderr


def of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == kind]
