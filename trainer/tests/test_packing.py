"""Padding-free packing: a packed batch gives every example the loss (and the gradients) it has when padded."""

from __future__ import annotations

import pytest
import torch

from brightrun_trainer.batches import PadCollator
from brightrun_trainer.chat import IGNORE_INDEX
from brightrun_trainer.packing import PackedCollator, boundaries_from_positions, register_varlen_sdpa

LENGTHS = [37, 5, 64, 18]


def examples(vocab: int) -> list[dict[str, list[int]]]:
    """Different lengths, targets in the middle and at the very end (the last token is a target)."""
    g = torch.Generator().manual_seed(3)
    out = []
    for length in LENGTHS:
        ids = torch.randint(4, vocab, (length,), generator=g).tolist()
        labels = [IGNORE_INDEX] * (length // 3) + ids[length // 3 :]
        out.append({"input_ids": ids, "labels": labels})
    return out


def per_example_losses(logits: torch.Tensor, labels: torch.Tensor) -> list[torch.Tensor]:
    """Mean NLL of each row's targets (labels shifted by one, as the model's loss does)."""
    losses = []
    for row_logits, row_labels in zip(logits, labels, strict=True):
        losses.append(torch.nn.functional.cross_entropy(row_logits[:-1], row_labels[1:], ignore_index=IGNORE_INDEX))
    return losses


def split_packed(tensor: torch.Tensor, boundaries: list[int]) -> list[torch.Tensor]:
    return [tensor[0, a:b] for a, b in zip(boundaries, boundaries[1:], strict=False)]


@pytest.fixture(scope="module")
def model(tiny_model):
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_model, local_files_only=True, dtype=torch.float32)
    # As in training: transformers only reads packed position_ids without a KV cache.
    model.config.use_cache = False
    return model.eval()


def test_collator_restarts_positions_and_ignores_each_first_label():
    feats = [{"input_ids": [5, 6, 7], "labels": [5, 6, 7]}, {"input_ids": [8, 9], "labels": [8, 9]}]
    batch = PackedCollator()(feats)
    assert batch["input_ids"].tolist() == [[5, 6, 7, 8, 9]]
    assert batch["position_ids"].tolist() == [[0, 1, 2, 0, 1]]
    # Position 0 of an example is never a target; here it also stops example 1's last token predicting 8.
    assert batch["labels"].tolist() == [[IGNORE_INDEX, 6, 7, IGNORE_INDEX, 9]]
    assert batch["cu_seq_lens_q"].tolist() == [0, 3, 5] and batch["max_length_q"] == 3
    assert "attention_mask" not in batch
    assert boundaries_from_positions(batch["position_ids"]) == [0, 3, 5]


@pytest.mark.parametrize("attention", ["varlen", "block_mask"])
def test_packed_losses_equal_padded_ones(model, attention):
    feats = examples(model.config.vocab_size)
    padded = PadCollator(pad_token_id=1)(feats)
    packed = PackedCollator()(feats)
    if attention == "block_mask":
        # transformers' own SDPA path: a block-diagonal mask built from the restarting position_ids.
        packed = {k: packed[k] for k in ("input_ids", "labels", "position_ids")}
    original = model.config._attn_implementation
    try:
        model.config._attn_implementation = "sdpa"
        with torch.no_grad():
            reference = model(input_ids=padded["input_ids"], attention_mask=padded["attention_mask"]).logits
        if attention == "varlen":
            model.config._attn_implementation = register_varlen_sdpa()
        with torch.no_grad():
            inputs = {k: v for k, v in packed.items() if k != "labels"}
            logits = model(**inputs).logits
    finally:
        model.config._attn_implementation = original
    expected = per_example_losses(reference, padded["labels"])
    bounds = [0, *torch.cumsum(torch.tensor(LENGTHS), 0).tolist()]
    rows_logits = split_packed(logits, bounds)
    rows_labels = split_packed(packed["labels"], bounds)
    actual = [
        torch.nn.functional.cross_entropy(lg[:-1], lb[1:], ignore_index=IGNORE_INDEX)
        for lg, lb in zip(rows_logits, rows_labels, strict=True)
    ]
    for got, want in zip(actual, expected, strict=True):
        assert abs(got.item() - want.item()) < 1e-4
    # The check can fail: without boundaries (one causal sequence) later examples see earlier ones.
    with torch.no_grad():
        leaked = model(input_ids=packed["input_ids"]).logits
    leaked_losses = [
        torch.nn.functional.cross_entropy(lg[:-1], lb[1:], ignore_index=IGNORE_INDEX)
        for lg, lb in zip(split_packed(leaked, bounds), rows_labels, strict=True)
    ]
    assert max(abs(a.item() - b.item()) for a, b in zip(leaked_losses[1:], expected[1:], strict=True)) > 1e-4


def test_packed_batch_loss_and_gradients_equal_padded(model):
    """The model's own loss (per-token mean over the batch) and its gradients, padded vs packed (varlen)."""
    feats = examples(model.config.vocab_size)
    padded = PadCollator(pad_token_id=1)(feats)
    packed = PackedCollator()(feats)
    original = model.config._attn_implementation
    results = []
    try:
        for implementation, batch in (("sdpa", padded), (register_varlen_sdpa(), packed)):
            model.config._attn_implementation = implementation
            model.zero_grad()
            loss = model(**batch).loss
            loss.backward()
            results.append((loss.item(), model.model.layers[0].self_attn.q_proj.weight.grad.clone()))
    finally:
        model.config._attn_implementation = original
        model.zero_grad()
    (padded_loss, padded_grad), (packed_loss, packed_grad) = results
    assert abs(padded_loss - packed_loss) < 1e-5
    assert torch.allclose(padded_grad, packed_grad, atol=1e-5, rtol=1e-4)
