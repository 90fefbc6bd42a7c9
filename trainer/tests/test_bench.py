"""The benchmark: its synthetic data, its report's shape, and (slow) one short run end to end."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

import pytest

from brightrun_trainer.bench import (
    best_by_config,
    build_model,
    estimator_section,
    find_cli,
    make_examples,
    render_markdown,
    speedups,
)
from conftest import trainer_env


def test_variable_lengths_are_log_normal_around_500_and_clipped():
    examples = make_examples("var", 2000, 2048, seed=1)
    lengths = [len(e["input_ids"]) for e in examples]
    assert 450 < statistics.median(lengths) < 550
    assert min(lengths) >= 64 and max(lengths) <= 2048 and max(lengths) == 2048
    assert {len(e["input_ids"]) for e in make_examples("fixed", 10, 2048, seed=1)} == {512}
    # Answers carry the loss, prompts do not; the same seed gives the same data.
    first = examples[0]
    assert first["labels"][0] == -100 and any(label != -100 for label in first["labels"])
    assert make_examples("var", 5, 2048, seed=1) == examples[:5]


def run(name, data, rate, loss, round_=1):
    return {
        "name": name,
        "data": data,
        "round": round_,
        "real_tokens_per_second": rate,
        "processed_tokens_per_second": rate * 2,
        "padding_fraction": 0.5,
        "peak_memory_bytes": 2**20,
        "loss_first": loss,
        "loss_last": loss,
        "step_time_seconds": 1.0,
        "gradient_checkpointing": False,
        "packing": "none",
        "attention": "sdpa",
    }


def test_each_config_reports_its_best_round_and_speedups_divide_real_rates():
    runs = [
        run("hf_peft_gc", "var", 100.0, 7.0),
        run("trainer", "var", 180.0, 7.0),
        run("hf_peft_gc", "var", 120.0, 7.0, 2),
        run("trainer", "var", 150.0, 7.0, 2),
    ]
    configs = best_by_config(runs)
    assert [(c["name"], c["real_tokens_per_second"], c["runs"]) for c in configs] == [
        ("hf_peft_gc", 120.0, [100.0, 120.0]),
        ("trainer", 180.0, [180.0, 150.0]),
    ]
    assert speedups(configs) == {"var": {"trainer_vs_hf_peft_gc": 1.5}}
    report = {
        "device": "cpu",
        "shape": "tiny",
        "date": "2026-11-30",
        "batch_size": 4,
        "steps": 6,
        "warmup_steps": 1,
        "rounds": 2,
        "configs": configs,
        "speedup": speedups(configs),
        "estimator": {"status": "skipped", "note": "n"},
        "libraries": {"torch": "x"},
    }
    assert "| trainer | var | 180.0 | 360.0 |" in render_markdown(report)


def test_the_report_puts_the_estimators_prediction_beside_the_measured_figures():
    configs = best_by_config([run("hf_peft_gc", "var", 100.0, 7.0), run("trainer", "var", 180.0, 7.0)])
    configs[0]["gradient_checkpointing"] = True
    configs[1]["gradient_checkpointing"] = False
    predicted = [
        {"gradient_checkpointing": flag, "tokens_per_second": {"low": lo, "expected": mid, "high": hi},
         "peak_memory_bytes": mem * 2**20, "memory_verdict": "fits", "device": "CPU"}
        for flag, lo, mid, hi, mem in (("on", 50.0, 75.0, 99.0, 300), ("off", 70.0, 101.0, 130.0, 400))
    ]
    report = {
        "device": "cpu", "shape": "tiny", "date": "2026-11-30", "batch_size": 4, "steps": 6, "warmup_steps": 1,
        "rounds": 1, "configs": configs, "speedup": speedups(configs),
        "estimator": {"status": "ok", "note": "n", "predicted": predicted}, "libraries": {"torch": "x"},
    }
    text = render_markdown(report)
    assert "| hf_peft_gc | var | 100.0 | 50 – 75 – 99 | 1 | 300 |" in text
    assert "| trainer | var | 180.0 | 70 – 101 – 130 | 1 | 400 |" in text


@pytest.mark.skipif(find_cli() is None, reason="no `brightrun` binary built (cargo build -p brightrun-cli)")
def test_the_estimator_is_asked_through_the_cli(tmp_path):
    """The real `brightrun estimate` on the tiny shape: checkpointing costs speed and saves memory."""
    build_model(str(tmp_path / "model"), "tiny")
    args = argparse.Namespace(device="cpu", batch_size=4)
    section = estimator_section(args, str(tmp_path / "model"), 100_000.0)
    assert section["status"] == "ok", section
    by_flag = {p["gradient_checkpointing"]: p for p in section["predicted"]}
    assert set(by_flag) == {"on", "off"}
    assert by_flag["on"]["tokens_per_second"]["expected"] < by_flag["off"]["tokens_per_second"]["expected"]
    assert 0 < by_flag["on"]["peak_memory_bytes"] <= by_flag["off"]["peak_memory_bytes"]


def test_without_the_cli_the_report_says_so(monkeypatch):
    monkeypatch.setenv("BRIGHTRUN_CLI", "/nonexistent/brightrun")
    section = estimator_section(None, "/nonexistent", 1.0)
    assert section["status"] == "skipped" and "brightrun" in section["note"]


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("BRIGHTRUN_SLOW_TESTS") != "1", reason="slow: set BRIGHTRUN_SLOW_TESTS=1")
def test_a_short_cpu_run_writes_the_contract_fields(tmp_path):
    out = tmp_path / "bench"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "brightrun_trainer.bench",
            "--device",
            "cpu",
            "--quick",
            "--out",
            str(out),
            "--only",
            "hf_peft_gc,trainer",
            "--steps",
            "3",
            "--rounds",
            "1",
        ],
        env=trainer_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "bench.json").read_text())
    rows = {(c["name"], c["data"]): c for c in report["configs"]}
    assert set(rows) == {("hf_peft_gc", "var"), ("trainer", "var"), ("hf_peft_gc", "fixed"), ("trainer", "fixed")}
    for row in rows.values():
        for key in (
            "real_tokens_per_second",
            "processed_tokens_per_second",
            "padding_fraction",
            "peak_memory_bytes",
            "loss_first",
            "loss_last",
        ):
            assert row[key] is not None, key
    # Same model, data and seed: the first step's loss is the same computation.
    assert abs(rows[("trainer", "var")]["loss_first"] - rows[("hf_peft_gc", "var")]["loss_first"]) < 0.02
    assert rows[("trainer", "var")]["padding_fraction"] == 0 and rows[("hf_peft_gc", "var")]["padding_fraction"] > 0.2
    assert (out / "bench.md").is_file()
