"""The JSON-lines channel to the agent: every line on stdout is one event object, flushed at once.

The agent parses stdout line by line, so nothing else may ever reach it. `claim_stdout()` moves the real stdout
to a private file descriptor and points fd 1 (and `sys.stdout`) at stderr, so stray prints, library banners and
child processes land in the log instead of corrupting the stream.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

# Events that end a run: after one of them the process exits.
TERMINAL_EVENTS = ("completed", "error", "cancelled")


def json_safe(value: Any) -> Any:
    """JSON has no NaN or infinity: such a number travels as null (the agent then sees "unknown")."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


class EventStream:
    """Writes events as single JSON lines to one text stream (the real stdout, or a list in tests)."""

    def __init__(self, write_line: Callable[[str], None], enabled: bool = True) -> None:
        self._write_line = write_line
        self._lock = threading.Lock()
        # In a multi-process run only rank 0 reports progress; other ranks still report their errors.
        self.enabled = enabled

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        record = {"event": event, "time": time.time(), **json_safe(fields)}
        if self.enabled or event == "error":
            line = json.dumps(record, ensure_ascii=False, allow_nan=False)
            with self._lock:
                self._write_line(line)
        return record

    def write_raw(self, line: str) -> None:
        """Pass on a line that is already an event (from a worker process)."""
        with self._lock:
            self._write_line(line)

    def stage(self, stage: str) -> None:
        self.emit("stage", stage=stage)


class ListEventStream(EventStream):
    """Keeps the events in memory; for tests and in-process runs."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        super().__init__(lambda line: self.events.append(json.loads(line)))

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == kind]


def claim_stdout() -> TextIO:
    """Reserve the process's stdout for events and redirect everything else written to fd 1 to stderr."""
    sys.stdout.flush()
    events_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    stream = os.fdopen(events_fd, "w", encoding="utf-8", buffering=1)
    atexit.register(stream.close)
    return stream


def stdout_stream(enabled: bool = True) -> EventStream:
    """An EventStream on the real stdout, which it claims for itself."""
    out = claim_stdout()

    def write_line(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    return EventStream(write_line, enabled=enabled)
