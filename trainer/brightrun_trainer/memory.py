"""`gradient_checkpointing: auto`: turn checkpointing on only when the activations would not fit.

Checkpointing recomputes each layer's forward during the backward pass: 20-35 % slower, for activation memory
cut from every layer's intermediates to one hidden state per layer. The check compares an estimate of the
activations of the largest micro-batch without checkpointing with the memory the GPU has free once the model is
loaded, keeping a margin for the allocator's fragmentation and the optimizer's state. The estimate is the same
shape as the core's memory model (crates/core/src/training/estimator/memory.rs): saved activations per token and
layer for a Llama-style block with LoRA on every linear layer, plus the logits of the loss (unless Liger's fused
loss computes them in chunks).
"""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger("brightrun_trainer")

# Share of the free memory the activations may take: the rest covers the LoRA optimizer state, gradients, the
# allocator's fragmentation and the temporaries of the backward pass.
FREE_MEMORY_SHARE = 0.8


def activation_bytes(config: Any, tokens: int, dtype_bytes: int, checkpointing: bool, fused_loss: bool) -> int:
    """Activation memory of one micro-batch of `tokens` tokens (padding included) in training."""
    hidden = int(config.hidden_size)
    intermediate = int(getattr(config, "intermediate_size", 4 * hidden))
    layers = int(config.num_hidden_layers)
    heads = int(config.num_attention_heads)
    kv_heads = int(getattr(config, "num_key_value_heads", heads) or heads)
    kv = hidden * kv_heads // heads
    vocab = int(config.vocab_size)
    # Saved per token and layer (elements): the two norms' inputs and outputs, q/k/v and their rotary copies, the
    # attention output, o_proj's input; gate, up, their product and the activation; LoRA dropout's copies of the
    # inputs of the 7 projections.
    per_layer = 10 * hidden + 4 * kv + 4 * intermediate + (4 * hidden + intermediate)
    if checkpointing:
        # One hidden state per layer is kept; one layer's intermediates exist at a time during recomputation.
        elements = tokens * (layers * hidden + per_layer)
    else:
        elements = tokens * layers * per_layer
    total = elements * dtype_bytes
    if not fused_loss:
        # Logits in the model's dtype, their fp32 copy in the loss, and its gradient.
        total += tokens * vocab * (dtype_bytes + 4 + 4)
    return total


def decide_checkpointing(
    setting: str, cuda: bool, model: Any, largest_batch_tokens: int, dtype_bytes: int, fused_loss: bool
) -> bool:
    """`on`/`off` as asked; `auto`: on only when the activations without it would not fit in the free GPU memory."""
    if setting == "on":
        return True
    if setting == "off":
        return False
    if not cuda:
        # CPU training is for tiny models and tests; its RAM is not the limit checkpointing is for.
        return False
    import torch

    # This process's GPU (under torchrun the current device is not set yet when this runs).
    free, _total = torch.cuda.mem_get_info(int(os.environ.get("LOCAL_RANK", "0")))
    if not any(p.is_cuda for p in model.parameters()):
        # Loaded on the CPU (plain LoRA): the Trainer moves the weights to the GPU later; count them now.
        free -= sum(p.numel() * p.element_size() for p in model.parameters())
    need = activation_bytes(model.config, largest_batch_tokens, dtype_bytes, checkpointing=False, fused_loss=fused_loss)
    on = need > FREE_MEMORY_SHARE * free
    log.warning(
        "gradient checkpointing %s: activations of the largest micro-batch (%d tokens) need about %.1f GiB "
        "without it, %.1f GiB of GPU memory is free for them",
        "on" if on else "off",
        largest_batch_tokens,
        need / 2**30,
        free / 2**30,
    )
    return on


def largest_batch_tokens(lengths: list[int], batch_size: int, packing: str) -> int:
    """Tokens of the largest micro-batch the data can produce: the `batch_size` longest examples, end to end when
    padding-free, else `batch_size` times the longest (padding included)."""
    if not lengths:
        return 0
    longest = sorted(lengths, reverse=True)[:batch_size]
    if packing == "padding_free":
        return sum(longest)
    return batch_size * longest[0]
