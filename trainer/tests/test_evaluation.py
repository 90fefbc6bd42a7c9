"""Validation loss is token-level: summed NLL / target tokens, the same for every eval batch size and layout."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from brightrun_trainer.batches import PadCollator
from brightrun_trainer.chat import IGNORE_INDEX, Example
from brightrun_trainer.evaluation import evaluate_loss
from brightrun_trainer.packing import PackedCollator, register_varlen_sdpa

SINGLE_PROCESS = SimpleNamespace(process_index=0, num_processes=1)


@pytest.fixture(scope="module")
def setup(tiny_model):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model, local_files_only=True, dtype=torch.float32)
    model.config.use_cache = False
    g = torch.Generator().manual_seed(11)
    examples = []
    # Very different lengths and target counts: a mean of per-batch means would weight them wrongly.
    for length, targets in [(90, 60), (12, 2), (40, 30), (9, 1), (70, 5), (25, 20), (50, 49)]:
        ids = torch.randint(4, model.config.vocab_size, (length,), generator=g).tolist()
        labels = [IGNORE_INDEX] * (length - targets) + ids[length - targets :]
        examples.append(Example(ids, labels, False))
    return model.eval(), examples


def reference_loss(model, examples) -> float:
    """Full logits, one example at a time: sum of every target's NLL / number of targets."""
    total, count = 0.0, 0
    with torch.no_grad():
        for e in examples:
            logits = model(input_ids=torch.tensor([e.input_ids])).logits[0, :-1]
            labels = torch.tensor(e.labels[1:])
            total += torch.nn.functional.cross_entropy(
                logits, labels, ignore_index=IGNORE_INDEX, reduction="sum"
            ).item()
            count += int((labels != IGNORE_INDEX).sum())
    return total / count


def test_eval_loss_is_the_same_for_batch_sizes_1_and_4(setup):
    model, examples = setup
    expected = reference_loss(model, examples)
    padded = PadCollator(pad_token_id=1)
    one = evaluate_loss(model, examples, padded, 1, "cpu", SINGLE_PROCESS)
    four = evaluate_loss(model, examples, padded, 4, "cpu", SINGLE_PROCESS)
    assert one == pytest.approx(expected, abs=1e-5)
    assert four == pytest.approx(one, abs=1e-5)
    # The old figure (the mean of per-batch means) differs here: the test can tell the two apart.
    means = []
    for start in range(0, len(examples), 4):
        chunk = examples[start : start + 4]
        means.append(reference_loss(model, chunk))
    assert abs(sum(means) / len(means) - four) > 1e-3


def test_eval_loss_of_packed_batches_matches(setup):
    model, examples = setup
    original = model.config._attn_implementation
    try:
        model.config._attn_implementation = register_varlen_sdpa()
        packed = evaluate_loss(model, examples, PackedCollator(), 4, "cpu", SINGLE_PROCESS)
    finally:
        model.config._attn_implementation = original
    assert packed == pytest.approx(reference_loss(model, examples), abs=1e-5)


def test_two_processes_each_take_their_share(setup):
    """Each rank evaluates every world_size-th example; with a summing reduce the figure is the whole set's."""
    model, examples = setup
    partial = []

    class Rank:
        def __init__(self, index):
            self.process_index, self.num_processes = index, 2

        def reduce(self, tensor, reduction):
            partial.append(tensor.clone())
            return tensor  # the other rank's share is added below, as all_reduce would

    for index in (0, 1):
        evaluate_loss(model, examples, PadCollator(1), 2, "cpu", Rank(index))
    both = partial[0] + partial[1]
    assert float(both[0] / both[1]) == pytest.approx(reference_loss(model, examples), abs=1e-5)
