"""`python -m brightrun_trainer --job job.json`: run one training job, speaking JSON lines on stdout."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings

from .cancel import CancelRequest
from .errors import Cancelled, TrainerError
from .events import stdout_stream


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brightrun_trainer", description=__doc__)
    parser.add_argument("--job", required=True, help="path of the job file (docs/trainer.md)")
    args = parser.parse_args(argv)

    # Under torchrun only rank 0 reports progress (RANK is unset in a single-process run).
    events = stdout_stream(enabled=os.environ.get("RANK", "0") == "0")
    # Everything that is not an event goes to stderr, which the agent keeps as the job's log.
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    warnings.simplefilter("default")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # its fork warning would spam the log

    cancel = CancelRequest()
    cancel.install()

    from .job import load_job

    try:
        job = load_job(args.job)
        from .launch import needs_launcher, supervise
        from .train import run_job
    except TrainerError as e:
        events.emit("error", kind=e.kind, message=e.message, hint=e.hint)
        return 1
    except Cancelled:
        events.emit("cancelled", checkpoint=None)
        return 143

    if needs_launcher(job):
        return supervise(job, os.path.abspath(args.job), events)
    return run_job(job, events, cancel)


if __name__ == "__main__":
    sys.exit(main())
