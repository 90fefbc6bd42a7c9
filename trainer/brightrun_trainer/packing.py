"""Padding-free batching: a batch's examples laid end to end in one row, attention kept inside each example.

Padding to the longest example wastes about half of every batch on chat data, whose lengths vary widely. Here
the examples of a batch (the same examples, in the same order, that the padded path would put in it) are
concatenated into a single row of `sum(lengths)` tokens with per-example `position_ids` that restart at 0, so:

- no token is padding: every processed token is a real one;
- rotary positions are the ones each example would have alone;
- attention never crosses an example boundary: FlashAttention's varlen kernel where `flash-attn` is installed
  (it reads the boundaries from `cu_seq_lens_*`), else `varlen_sdpa_attention` below, which runs PyTorch's
  SDPA once per example with `is_causal` (no mask is built). The alternative, SDPA with a block-diagonal mask
  over the whole row (what transformers does by itself for packed `position_ids`), costs `sum(L)^2` instead of
  `sum(L^2)` and was measured slower (docs/benchmarks.md, config `trainer_block_mask`);
- the first label of each example is ignored, so the shifted loss never asks an example's last token to predict
  the next example's first one. In the padded path position 0 is never a target either, so a packed batch has
  exactly the padded batch's targets, and its per-token mean loss is the same.
"""

from __future__ import annotations

from typing import Any

import torch

from .chat import IGNORE_INDEX

PACKING_MODES = ("padding_free", "group_by_length", "none")
VARLEN_SDPA = "brightrun_varlen_sdpa"  # the name our attention function is registered under in transformers


class PackedCollator:
    """Lays the batch's examples end to end in one row: `input_ids`, `labels`, `position_ids` of shape (1, T)."""

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor | int]:
        input_ids: list[int] = []
        labels: list[int] = []
        positions: list[int] = []
        boundaries = [0]
        for f in features:
            ids = list(f["input_ids"])
            input_ids.extend(ids)
            labels.extend([IGNORE_INDEX, *list(f["labels"])[1:]])
            positions.extend(range(len(ids)))
            boundaries.append(boundaries[-1] + len(ids))
        cu_seq_lens = torch.tensor(boundaries, dtype=torch.int32)
        longest = max(b - a for a, b in zip(boundaries, boundaries[1:], strict=False))
        return {
            "input_ids": torch.tensor([input_ids], dtype=torch.long),
            "labels": torch.tensor([labels], dtype=torch.long),
            "position_ids": torch.tensor([positions], dtype=torch.long),
            # FlashAttention's varlen kwargs (transformers passes them through to the attention function).
            "cu_seq_lens_q": cu_seq_lens,
            "cu_seq_lens_k": cu_seq_lens,
            "max_length_q": longest,
            "max_length_k": longest,
        }


def boundaries_from_positions(position_ids: torch.Tensor) -> list[int]:
    """Example boundaries of a packed row: where `position_ids` restarts at 0 (plus the row's end)."""
    row = position_ids[0]
    starts = torch.nonzero(row == 0, as_tuple=False).flatten().tolist()
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    return [*starts, int(row.shape[0])]


def varlen_sdpa_attention(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Causal attention per example of a packed row (query: batch, heads, tokens, head_dim); returns
    (batch, tokens, heads, head_dim) like transformers' own SDPA function."""
    import torch.nn.functional as F

    cu_seq_lens = kwargs.get("cu_seq_lens_q")
    position_ids = kwargs.get("position_ids")
    if cu_seq_lens is not None and query.shape[0] == 1:
        boundaries = [int(b) for b in cu_seq_lens.tolist()]
    elif position_ids is not None and query.shape[0] == 1 and attention_mask is None:
        boundaries = boundaries_from_positions(position_ids)
    else:
        boundaries = None
    gqa = query.shape[1] != key.shape[1]
    if boundaries is None:
        # Not a packed row (a padded batch, or generation with a cache): causal SDPA. Right padding never changes
        # the outputs of real tokens under a causal mask; a single new token (q shorter than k) sees every key.
        out = F.scaled_dot_product_attention(
            query,
            key,
            value,
            dropout_p=dropout,
            is_causal=query.shape[2] == key.shape[2],
            scale=scaling,
            enable_gqa=gqa,
        )
        return out.transpose(1, 2).contiguous(), None
    pieces = []
    for start, end in zip(boundaries, boundaries[1:], strict=False):
        if end <= start:
            continue
        pieces.append(
            F.scaled_dot_product_attention(
                query[:, :, start:end],
                key[:, :, start:end],
                value[:, :, start:end],
                dropout_p=dropout,
                is_causal=True,
                scale=scaling,
                enable_gqa=gqa,
            )
        )
    out = torch.cat(pieces, dim=2) if len(pieces) > 1 else pieces[0]
    return out.transpose(1, 2).contiguous(), None


def _no_mask(*args: Any, **kwargs: Any) -> None:
    """The varlen attention needs no mask: boundaries come from `cu_seq_lens_*` or `position_ids`."""
    return None


def register_varlen_sdpa() -> str:
    """Make `attn_implementation=VARLEN_SDPA` known to transformers (idempotent); returns the name."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS

    AttentionInterface.register(VARLEN_SDPA, varlen_sdpa_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(VARLEN_SDPA, _no_mask)
    return VARLEN_SDPA


def has_flash_attention() -> bool:
    try:
        import flash_attn  # noqa: F401
    except Exception:  # not installed, or built for another torch/CUDA: either way not usable
        return False
    return True


def attention_for(packing: str, cuda: bool) -> str:
    """The attention implementation the model loads with for this packing mode."""
    if packing != "padding_free":
        return "sdpa"
    if cuda and has_flash_attention():
        return "flash_attention_2"
    return register_varlen_sdpa()
