"""Several GPUs: the trainer re-executes itself under torchrun, one process per GPU, and relays their events.

The agent always starts `python -m brightrun_trainer --job job.json`, whatever the GPU count. With
`gpu.count > 1` that process becomes a small supervisor: it starts
`python -m torch.distributed.run --standalone --nproc_per_node N -m brightrun_trainer --job job.json`, passes
SIGTERM on (torchrun hands it to every worker, which all save the same checkpoint and stop), forwards the
workers' JSON lines, keeps only the first terminal event (ranks other than 0 report only errors), and exits
with the code the contract gives that event.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import Any

from .errors import first_line
from .events import TERMINAL_EVENTS, EventStream
from .job import Job

EXIT_CODES = {"completed": 0, "error": 1, "cancelled": 143}


def inside_launcher() -> bool:
    """True in a worker that torchrun (or accelerate launch) started."""
    return "LOCAL_RANK" in os.environ and "WORLD_SIZE" in os.environ


def needs_launcher(job: Job) -> bool:
    return job.gpu.count > 1 and not inside_launcher()


def torchrun_command(job_path: str, processes: int) -> list[str]:
    return [
        sys.executable, "-m", "torch.distributed.run",
        "--standalone", f"--nproc_per_node={processes}",
        "-m", "brightrun_trainer", "--job", job_path,
    ]  # fmt: skip


def _stop_with_parent() -> None:
    """Linux: torchrun gets SIGTERM if the supervisor dies, even by SIGKILL, so no worker outlives the job."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass  # not Linux/glibc: the agent's own process-group handling is the fallback


def supervise(job: Job, job_path: str, events: EventStream) -> int:
    """Run the workers, relay their events, return the exit code for the agent."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    try:
        child = subprocess.Popen(
            torchrun_command(job_path, job.gpu.count),
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
            bufsize=1,
            preexec_fn=_stop_with_parent,
        )
    except OSError as e:
        events.emit(
            "error",
            kind="internal",
            message=f"cannot start torchrun: {first_line(e)}",
            hint="Check that torch is installed in the trainer's Python environment.",
        )
        return 1
    terminated = False

    def forward(signum: int, frame: Any) -> None:
        nonlocal terminated
        terminated = True
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)

    terminal: str | None = None
    assert child.stdout is not None
    for line in child.stdout:
        line = line.rstrip("\n")
        try:
            record = json.loads(line)
            kind = record["event"]
        except (ValueError, TypeError, KeyError):
            print(line, file=sys.stderr)  # not an event: belongs in the log
            continue
        if kind in TERMINAL_EVENTS:
            if terminal is not None:
                continue  # a second rank reporting the same end
            terminal = kind
        events.write_raw(line)
    child.stdout.close()
    code = child.wait()
    if terminal is None:
        if terminated:
            events.emit("cancelled", checkpoint=None)
            return 143
        events.emit(
            "error",
            kind="internal",
            message=f"the training processes exited with code {code}",
            hint="The job's stderr log has the workers' output.",
        )
        return 1
    return EXIT_CODES[terminal]
