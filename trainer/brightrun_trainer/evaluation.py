"""Token-level validation loss: summed negative log-likelihood over every target token / the number of them.

The Trainer's own evaluation averages per-batch means, which weights a short batch like a long one: the figure
changes with the eval batch size. Here each process sums the NLL and counts the target tokens of its share of the
validation set, the two sums are added over all processes, and only then divided. Perplexity = exp(that loss).

Full logits are never built: the decoder's last hidden states are taken with a forward hook (the model itself is
asked for the logits of one position only), and the output head is applied in chunks to the target positions,
so evaluation needs `chunk x vocab` floats, not `batch x sequence x vocab`.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch

from .chat import IGNORE_INDEX

# Logit elements per chunk (fp32): 64 Mi elements = 256 MiB, e.g. 512 tokens of a 128k vocabulary.
CHUNK_ELEMENTS = 64 * 2**20


def _inner(model: Any) -> Any:
    """The transformers model under PEFT's and DDP's wrappers."""
    model = getattr(model, "module", model)
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def _head_logits(inner: Any, hidden: torch.Tensor) -> torch.Tensor:
    """The output head on some hidden states, with the architecture's own logit post-processing."""
    logits = inner.get_output_embeddings()(hidden).float()
    config = inner.config
    scale = getattr(config, "logit_scale", None)  # Cohere multiplies
    if isinstance(scale, (int, float)) and not isinstance(scale, bool):
        logits = logits * scale
    divide = getattr(config, "logits_scaling", None)  # Granite divides
    if isinstance(divide, (int, float)) and not isinstance(divide, bool) and divide:
        logits = logits / divide
    cap = getattr(config, "final_logit_softcapping", None)  # Gemma 2/3
    if cap:
        logits = torch.tanh(logits / cap) * cap
    return logits


@torch.no_grad()
def batch_nll(model: Any, batch: dict[str, Any]) -> tuple[float, int]:
    """(summed NLL, target tokens) of one batch; the same targets as the training loss (labels shifted by one)."""
    inner = _inner(model)
    labels = batch["labels"]
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    captured: dict[str, torch.Tensor] = {}
    decoder = inner.get_decoder()

    def keep(_module: Any, _args: Any, output: Any) -> None:
        captured["hidden"] = output[0] if isinstance(output, tuple) else output.last_hidden_state

    accepts_keep = "logits_to_keep" in inspect.signature(inner.forward).parameters
    handle = decoder.register_forward_hook(keep)
    try:
        model(**inputs, **({"logits_to_keep": 1} if accepts_keep else {}))
    finally:
        handle.remove()
    hidden = captured["hidden"][:, :-1, :]
    targets = labels[:, 1:].to(hidden.device)
    where = targets != IGNORE_INDEX
    hidden, targets = hidden[where], targets[where]
    vocab = int(inner.config.vocab_size)
    chunk = max(1, CHUNK_ELEMENTS // max(vocab, 1))
    total = torch.zeros((), dtype=torch.float64, device=hidden.device)
    for start in range(0, targets.shape[0], chunk):
        logits = _head_logits(inner, hidden[start : start + chunk])
        total += torch.nn.functional.cross_entropy(logits, targets[start : start + chunk], reduction="sum").double()
    return float(total), int(targets.shape[0])


def evaluate_loss(
    model: Any, examples: list[Any], collator: Any, batch_size: int, device: Any, accelerator: Any
) -> float | None:
    """Token-level loss over the validation examples, this process taking every world_size-th example
    (no padding of the set to equal shares: each example counts exactly once)."""
    rank, world = accelerator.process_index, accelerator.num_processes
    mine = examples[rank::world]
    was_training = model.training
    model.eval()
    nll, count = 0.0, 0
    try:
        for start in range(0, len(mine), batch_size):
            batch = collator([{"input_ids": e.input_ids, "labels": e.labels} for e in mine[start : start + batch_size]])
            batch = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
            batch_sum, batch_count = batch_nll(model, batch)
            nll += batch_sum
            count += batch_count
    finally:
        model.train(was_training)
    totals = torch.tensor([nll, float(count)], dtype=torch.float64, device=device)
    if world > 1:
        totals = accelerator.reduce(totals, reduction="sum")
    nll_sum, tokens = float(totals[0]), float(totals[1])
    return nll_sum / tokens if tokens else None
