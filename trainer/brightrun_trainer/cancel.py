"""SIGTERM (and SIGINT) handling: before training nothing is worth saving, during training save and stop.

The handler only records the request; the training loop checks it at the end of each optimizer step, where a
checkpoint is consistent. In a multi-process run every rank must agree on the step at which to stop (saving is
collective), so the flag is combined across ranks at each step.
"""

from __future__ import annotations

import signal
from typing import Any

from .errors import Cancelled


class CancelRequest:
    """Whether the agent asked this run to stop, and how to react to the signal in the current phase."""

    def __init__(self) -> None:
        self.requested = False
        self.training = False  # once True, the signal only sets the flag

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        self.requested = True
        if not self.training:
            raise Cancelled()

    def agreed(self) -> bool:
        """True when any rank was asked to stop (collective in a distributed run, so all ranks call it)."""
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized()):
            return self.requested
        import torch

        backend = dist.get_backend()
        device = torch.device("cuda", torch.cuda.current_device()) if backend == "nccl" else torch.device("cpu")
        flag = torch.tensor([1 if self.requested else 0], device=device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        if flag.item():
            self.requested = True
        return self.requested
