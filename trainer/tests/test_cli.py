"""`python -m brightrun_trainer --job job.json` as the agent runs it: events on stdout, exit codes, files."""

from __future__ import annotations

import json
import os
import signal

import pytest

from conftest import make_job, of, parse_events, run_cli, start_cli, write_job


def stages(events):
    return [e["stage"] for e in of(events, "stage")]


def test_end_to_end_run_emits_the_contract_events(tmp_path, tiny_model, dataset):
    job = make_job(
        tmp_path, tiny_model, dataset,
        hyperparameters={"max_steps": 6, "eval_steps": 2, "save_steps": 3},
    )  # fmt: skip
    code, events, stderr = run_cli(write_job(tmp_path, job))
    assert code == 0, stderr[-3000:]

    # Stages in order; validation at each eval, training resumed after it.
    assert stages(events)[:3] == ["preprocessing", "model_loading", "training"]
    assert stages(events)[-1] == "saving"
    assert stages(events).count("validating") == 3

    plan = of(events, "plan")[0]
    assert plan["total_steps"] == 6 and plan["train_examples"] == 12 and plan["validation_examples"] == 4
    assert plan["train_tokens"] > 0
    assert events.index(plan) < events.index({"event": "stage", "stage": "training", **_time(events, "training")})

    # Exactly one metrics line per step, in order, the val loss on the eval steps and only there.
    metrics = of(events, "metrics")
    assert [m["step"] for m in metrics] == [1, 2, 3, 4, 5, 6]
    for m in metrics:
        assert m["train_loss"] is not None and m["learning_rate"] is not None and m["grad_norm"] is not None
        assert (m["val_loss"] is not None) == (m["step"] % 2 == 0), m
        assert m["gpu_utilization"] is None and m["gpu_memory_gb"] is None  # CPU run
        assert m["tokens_per_second"] > 0
    assert [m["epoch"] for m in metrics] == sorted(m["epoch"] for m in metrics)

    out = job["output_dir"]
    checkpoints = of(events, "checkpoint")
    assert [(c["step"], c["path"]) for c in checkpoints] == [
        (3, os.path.join(out, "checkpoints", "checkpoint-3")),
        (6, os.path.join(out, "checkpoints", "checkpoint-6")),
    ]
    assert all(os.path.isfile(os.path.join(c["path"], "trainer_state.json")) for c in checkpoints)

    artifacts = {a["name"]: a for a in of(events, "artifact")}
    for name in ("adapter_model.safetensors", "adapter_config.json", "tokenizer.json", "tokenizer_config.json"):
        assert artifacts[name]["path"] == os.path.join(out, "adapter", name)
        assert artifacts[name]["size"] == os.path.getsize(artifacts[name]["path"]) > 0
    assert artifacts["training_summary.json"]["path"] == os.path.join(out, "training_summary.json")

    completed = events[-1]
    assert completed["event"] == "completed"
    with open(os.path.join(out, "training_summary.json"), encoding="utf-8") as f:
        assert json.load(f) == completed["summary"]
    assert completed["summary"]["best_val_loss"] == min(m["val_loss"] for m in metrics if m["val_loss"] is not None)
    assert os.path.isfile(os.path.join(out, "adapter", "adapter_model.safetensors"))


def _time(events, stage):
    """The time field of the first stage event with this name (to find that event by equality)."""
    return {"time": next(e["time"] for e in of(events, "stage") if e["stage"] == stage)}


@pytest.fixture(scope="module")
def cancelled_run(tmp_path_factory, tiny_model):
    """A run stopped with SIGTERM once its first metrics line is out."""
    from conftest import write_dataset

    tmp = tmp_path_factory.mktemp("cancel")
    data = write_dataset(tmp / "train.jsonl")
    # Far more steps than the test waits for, no scheduled checkpoint or eval: any checkpoint is the signal's.
    job = make_job(
        tmp, tiny_model, data,
        hyperparameters={"max_steps": 100000, "save_steps": 100000, "validation_split": 0.0},
    )  # fmt: skip
    proc = start_cli(write_job(tmp, job))
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if json.loads(line)["event"] == "metrics":
            proc.send_signal(signal.SIGTERM)
            break
    rest, stderr = proc.communicate(timeout=120)
    return tmp, data, job, proc.returncode, parse_events("".join(lines) + rest), stderr


def test_sigterm_saves_a_checkpoint_and_exits_143(cancelled_run):
    _, _, job, code, events, stderr = cancelled_run
    assert code == 143, stderr[-3000:]
    checkpoint = of(events, "checkpoint")
    assert len(checkpoint) == 1
    step = checkpoint[0]["step"]
    assert step >= 1 and step == of(events, "metrics")[-1]["step"]
    assert events[-1] == {**events[-1], "event": "cancelled", "checkpoint": checkpoint[0]["path"]}
    assert os.path.isfile(os.path.join(checkpoint[0]["path"], "adapter_model.safetensors"))
    assert not os.path.exists(os.path.join(job["output_dir"], "adapter"))  # nothing passes for a finished model


def test_resume_continues_from_the_checkpoint(cancelled_run, tiny_model):
    tmp, data, _, _, events, _ = cancelled_run
    checkpoint = of(events, "checkpoint")[0]
    step = checkpoint["step"]
    job = make_job(
        tmp / "resumed", tiny_model, data,
        resume_from_checkpoint=checkpoint["path"],
        hyperparameters={"max_steps": step + 2, "save_steps": 100000, "validation_split": 0.0},
    )  # fmt: skip
    os.makedirs(tmp / "resumed")
    code, resumed, stderr = run_cli(write_job(tmp / "resumed", job))
    assert code == 0, stderr[-3000:]
    assert [m["step"] for m in of(resumed, "metrics")] == [step + 1, step + 2]
    assert resumed[-1]["summary"]["steps"] == step + 2


def test_missing_dataset_is_a_dataset_not_found_error(tmp_path, tiny_model):
    job = make_job(tmp_path, tiny_model, tmp_path / "missing.jsonl")
    code, events, _ = run_cli(write_job(tmp_path, job))
    assert code == 1
    error = events[-1]
    assert error["event"] == "error" and error["kind"] == "dataset_not_found"
    assert "missing.jsonl" in error["message"] and error["hint"]


def test_missing_local_model_is_a_model_not_found_error(tmp_path, dataset):
    job = make_job(tmp_path, str(tmp_path / "no-such-model"), dataset)
    code, events, _ = run_cli(write_job(tmp_path, job))
    assert code == 1
    assert events[-1]["event"] == "error" and events[-1]["kind"] == "model_not_found"
    assert "no-such-model" in events[-1]["message"] and "HF_HUB_OFFLINE" in events[-1]["hint"]


def test_unknown_hub_model_offline_is_a_model_not_found_error(tmp_path, dataset):
    job = make_job(tmp_path, "brightrun-tests/no-such-model", dataset)
    code, events, _ = run_cli(write_job(tmp_path, job))
    assert code == 1
    assert events[-1]["event"] == "error" and events[-1]["kind"] == "model_not_found"


def test_broken_dataset_line_is_an_invalid_dataset_error(tmp_path, tiny_model):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"messages": [{"role": "assistant", "content": "ok"}]}\n{"messages": 5}\n', encoding="utf-8")
    code, events, _ = run_cli(write_job(tmp_path, make_job(tmp_path, tiny_model, path)))
    assert code == 1
    assert events[-1]["kind"] == "invalid_dataset" and "line 2" in events[-1]["message"]


def test_wrong_dataset_hash_is_refused(tmp_path, tiny_model, dataset):
    job = make_job(tmp_path, tiny_model, dataset, dataset_sha256="0" * 64)
    code, events, _ = run_cli(write_job(tmp_path, job))
    assert code == 1 and events[-1]["kind"] == "invalid_dataset" and "sha256" in events[-1]["message"]


def test_invalid_job_file_is_an_invalid_job_error(tmp_path):
    path = tmp_path / "job.json"
    path.write_text('{"job_id": "x"}', encoding="utf-8")
    code, events, _ = run_cli(path)
    assert code == 1 and [e["kind"] for e in events] == ["invalid_job"]
