#!/usr/bin/env python3
"""How close a calibrated estimate lands: one run on the Local cluster, then the dry-run estimate for an
identical second run, then that second run; prints the estimate, the second run's duration and the error.

Usage (a session with a keyring; the CLI and agent built, the trainer's Python set up):

    bash scripts/with-session.sh python3 scripts/bench-calibration.py [--runs 2] [--max-steps 12]

Uses BRIGHTRUN_PYTHON (default .venv/bin/python), CARGO_TARGET_DIR (default target/) and a fresh temporary
data folder and keyring service, so it never touches the user's own library. The figure goes in
docs/benchmarks.md ("Calibrated estimates"); it is a measurement, not a test.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parts(job) -> str:
    """The measured run split as calibration sees it."""
    t = job.get("throughput") or {}
    return (f"{t.get('tokens_per_second', 0):.0f} tokens/s, training {t.get('training_seconds', 0):.1f} s, "
            f"fixed {t.get('overhead_seconds', 0):.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2, help="identical runs after the first (default 2)")
    parser.add_argument("--max-steps", type=int, default=12)
    parser.add_argument(
        "--dataset",
        default=str(ROOT.parent / "shared/datasets/brightrun-v4/EQ-12-conversations-demo.jsonl"),
    )
    args = parser.parse_args()
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    cli = target / "debug/brightrun"
    agent = target / "debug/brightrun-agent"
    python = os.environ.get("BRIGHTRUN_PYTHON", str(ROOT / ".venv/bin/python"))
    for path in (cli, agent, Path(python), Path(args.dataset)):
        if not path.exists():
            sys.exit(f"missing {path}: build with `cargo build -p brightrun-cli -p brightrun-agent` and run "
                     "scripts/setup-python.sh")
    data = tempfile.mkdtemp(prefix="brightrun-calibration-")
    env = dict(
        os.environ,
        BRIGHTRUN_DATA_DIR=data,
        BRIGHTRUN_KEYRING_SERVICE=f"app.brightrun.bench.calibration.{os.getpid()}",
        BRIGHTRUN_AGENT_BIN=str(agent),
        BRIGHTRUN_PYTHON=python,
        BRIGHTRUN_POLL_INTERVAL_MS="300",
        HF_HUB_OFFLINE="1",
    )
    run = [str(cli), "train", args.dataset, "--cluster", "local",
           "--set", f"max_steps={args.max_steps}", "--set", "logging_steps=1",
           "--set", f"eval_steps={max(1, args.max_steps // 2)}",
           "--set", "validation_split=0.25"]

    def brightrun(extra):
        out = subprocess.run(run + extra, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"{' '.join(extra)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
        return json.loads(out.stdout)

    def duration(job_id):
        out = subprocess.run([str(cli), "jobs", "show", job_id, "--json"], env=env, capture_output=True,
                             text=True, check=True)
        job = json.loads(out.stdout)
        return (iso(job["finished_at"]) - iso(job["started_at"])).total_seconds(), job

    try:
        first = brightrun(["--wait", "--json"])
        seconds, job = duration(first["job"]["id"])
        print(f"run 1: {seconds:.1f} s; {parts(job)}", flush=True)
        errors = []
        for n in range(2, args.runs + 2):
            dry = brightrun(["--dry-run", "--json"])["estimate"]
            done = brightrun(["--wait", "--json"])
            seconds, job = duration(done["job"]["id"])
            error = (dry["expected_seconds"] - seconds) / seconds
            errors.append(error)
            print(f"run {n}: estimate {dry['expected_seconds']:.1f} s "
                  f"[{dry['low_seconds']:.1f}–{dry['high_seconds']:.1f}] on {dry['calibrated_runs']} run(s); "
                  f"took {seconds:.1f} s ({parts(job)}); error {error * 100:+.1f} %", flush=True)
            time.sleep(1)
        worst = max(abs(e) for e in errors)
        print(f"worst error {worst * 100:.1f} % over {len(errors)} run(s)")
        return 0 if worst <= 0.15 else 1
    finally:
        subprocess.run([str(cli), "cluster", "local", "--stop"], env=env, capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
