"""gpu.count > 1: the trainer re-executes itself under torchrun and relays one clean event stream.

On a machine without GPUs the same path runs as two CPU processes (gloo), so CI covers it too.
"""

from __future__ import annotations

from brightrun_trainer.job import parse_job
from brightrun_trainer.launch import needs_launcher, torchrun_command
from conftest import make_job, of, run_cli, write_job


def test_two_processes_report_one_stream(tmp_path, tiny_model, dataset):
    job = make_job(
        tmp_path, tiny_model, dataset,
        gpu={"type": "cpu", "count": 2},
        hyperparameters={"max_steps": 2, "eval_steps": 2, "save_steps": 2},
    )  # fmt: skip
    code, events, stderr = run_cli(write_job(tmp_path, job))
    assert code == 0, stderr[-3000:]
    # Only rank 0 speaks: each stage once, each step once, one terminal event.
    stages = [e["stage"] for e in of(events, "stage")]
    assert stages.count("preprocessing") == 1 and stages.count("model_loading") == 1
    assert [m["step"] for m in of(events, "metrics")] == [1, 2]
    assert of(events, "metrics")[-1]["val_loss"] is not None
    # 12 training examples, batch 2 per process, 2 processes: 3 steps per epoch.
    assert of(events, "plan")[0]["total_steps"] == 2 and of(events, "plan")[0]["total_epochs"] == 1
    assert [e["event"] for e in events if e["event"] in ("completed", "error", "cancelled")] == ["completed"]
    assert events[-1]["summary"]["hardware"]["gpu"]["count"] == 2


def test_launcher_is_used_only_outside_torchrun(monkeypatch):
    job = parse_job({"job_id": "j", "dataset_path": "/d", "base_model": "m", "output_dir": "/o", "gpu": {"count": 4}})
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert needs_launcher(job)
    assert "--nproc_per_node=4" in torchrun_command("/job.json", 4)
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "4")
    assert not needs_launcher(job)
