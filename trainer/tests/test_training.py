"""Training in-process on the tiny model: seeded runs repeat exactly, and the saved adapter is the trained one."""

from __future__ import annotations

import math

import pytest

from brightrun_trainer import train
from brightrun_trainer.errors import TrainerError, is_out_of_memory, out_of_memory
from brightrun_trainer.events import ListEventStream
from brightrun_trainer.job import parse_job
from conftest import make_job


def train_in_process(tmp_path, tiny_model, dataset, name, **overrides):
    job = parse_job(make_job(tmp_path / name, tiny_model, dataset, **overrides))
    events = ListEventStream()
    code = train.run_job(job, events)
    assert code == 0, events.events[-1]
    return job, events


def train_losses(events: ListEventStream) -> list[float]:
    return [m["train_loss"] for m in events.of("metrics")]


@pytest.fixture(scope="module")
def seeded_runs(tmp_path_factory, tiny_model):
    """Two runs with seed 42 and one with seed 7; the second run's trained model is kept for the reload test."""
    from conftest import write_dataset

    tmp = tmp_path_factory.mktemp("seeded")
    data = write_dataset(tmp / "train.jsonl")
    first = train_in_process(tmp, tiny_model, data, "a")
    captured = {}
    original_save = train._save

    def keep_model(job, trainer, *args, **kwargs):
        captured["model"] = trainer.model
        return original_save(job, trainer, *args, **kwargs)

    train._save = keep_model
    try:
        second = train_in_process(tmp, tiny_model, data, "b")
    finally:
        train._save = original_save
    other = train_in_process(tmp, tiny_model, data, "c", hyperparameters={"seed": 7})
    return first, second, other, captured["model"]


def test_same_seed_gives_the_same_losses(seeded_runs):
    (_, first), (_, second), (_, other), _ = seeded_runs
    assert len(train_losses(first)) == 4
    assert train_losses(first) == train_losses(second)
    assert [m["val_loss"] for m in first.of("metrics")] == [m["val_loss"] for m in second.of("metrics")]
    # A different seed (other split, other LoRA init, other order) trains differently: the check can fail.
    assert train_losses(other) != train_losses(first)


def test_saved_adapter_reloads_with_peft_and_reproduces_the_logits(seeded_runs, tiny_model):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    _, (job, _), _, trained = seeded_runs
    inputs = torch.tensor([[5, 17, 42, 99, 7, 3, 250, 64]])
    trained.eval()
    with torch.no_grad():
        expected = trained(input_ids=inputs).logits
        base = AutoModelForCausalLM.from_pretrained(tiny_model, local_files_only=True)
        base_logits = base(input_ids=inputs).logits
        reloaded = PeftModel.from_pretrained(base, job.adapter_dir).eval()
        actual = reloaded(input_ids=inputs).logits
    assert torch.equal(actual, expected)
    # The adapter is not a no-op: LoRA starts as the identity and training moved it.
    assert not torch.allclose(actual, base_logits)


def test_summary_holds_losses_perplexity_and_versions(seeded_runs):
    (job, events), _, _, _ = seeded_runs
    summary = events.of("completed")[0]["summary"]
    losses = train_losses(events)
    assert summary["first_train_loss"] == losses[0] and summary["final_train_loss"] == losses[-1]
    assert summary["best_train_loss"] == min(losses)
    assert summary["final_val_loss"] is not None
    assert summary["perplexity"] == pytest.approx(math.exp(summary["final_val_loss"]))
    assert summary["seed"] == 42 and summary["steps"] == 4
    assert summary["tokens_seen"] > 0 and summary["dataset"]["train_tokens"] > 0
    assert {"torch", "transformers", "peft"} <= set(summary["library_versions"])


def test_nan_loss_is_reported_with_a_lower_learning_rate_hint():
    from transformers import TrainerControl, TrainerState

    from brightrun_trainer.cancel import CancelRequest
    from brightrun_trainer.progress import ProgressReporter

    reporter = ProgressReporter(ListEventStream(), CancelRequest(), learning_rate=2e-4)
    state = TrainerState()
    state.global_step = 3
    with pytest.raises(TrainerError) as caught:
        reporter.on_log(None, state, TrainerControl(), logs={"loss": float("nan"), "epoch": 0.3})
    assert caught.value.kind == "nan_loss"
    assert "0.0001" in caught.value.hint


def test_out_of_memory_is_recognised_and_suggests_half_the_batch():
    import torch

    assert is_out_of_memory(torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert is_out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 8 GB"))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))
    error = out_of_memory(8, MemoryError())
    assert error.kind == "out_of_memory" and "to 4" in error.hint


def adapter_weights(job):
    from safetensors.torch import load_file

    return load_file(f"{job.adapter_dir}/adapter_model.safetensors")


@pytest.mark.parametrize("packing", ["padding_free", "none"])
def test_batch_4_equals_batch_2_with_accumulation_2(tmp_path, tiny_model, dataset, packing):
    """Same examples per optimizer step: the loss (a per-token mean over the whole step) and the gradients agree."""
    common = {"max_steps": 2, "validation_split": 0, "packing": packing}
    whole, whole_events = train_in_process(
        tmp_path, tiny_model, dataset, "b4", hyperparameters={**common, "batch_size": 4, "gradient_accumulation": 1}
    )
    split, split_events = train_in_process(
        tmp_path, tiny_model, dataset, "b2", hyperparameters={**common, "batch_size": 2, "gradient_accumulation": 2}
    )
    a, b = whole_events.of("metrics"), split_events.of("metrics")
    assert [m["step"] for m in a] == [m["step"] for m in b] == [1, 2]
    for x, y in zip(a, b, strict=True):
        assert x["train_loss"] == pytest.approx(y["train_loss"], abs=1e-5)
        assert x["grad_norm"] == pytest.approx(y["grad_norm"], rel=1e-4)
    # grad_norm above shows the gradients' scale agrees (Adam's update alone would hide a factor); the weights agree.
    for name, tensor in adapter_weights(whole).items():
        assert torch_allclose(tensor, adapter_weights(split)[name])


def torch_allclose(a, b) -> bool:
    import torch

    # Adam's first steps are about lr * sign(grad): float32 rounding of near-zero gradients moves them ~1e-6.
    return torch.allclose(a, b, atol=1e-5, rtol=0)


def test_cancel_at_step_3_and_resume_gives_the_uninterrupted_losses(tmp_path, tiny_model, dataset):
    from brightrun_trainer.cancel import CancelRequest

    class CancelAtStep(CancelRequest):
        """As if SIGTERM arrived during step 3 (agreed() is asked once per optimizer step)."""

        def __init__(self, step):
            super().__init__()
            self.step, self.calls = step, 0

        def agreed(self):
            self.calls += 1
            self.requested = self.requested or self.calls >= self.step
            return self.requested

    hyper = {"max_steps": 6, "save_steps": 1, "validation_split": 0.25}
    full, full_events = train_in_process(tmp_path, tiny_model, dataset, "full", hyperparameters=hyper)

    job = parse_job(make_job(tmp_path / "cut", tiny_model, dataset, hyperparameters=hyper))
    events = ListEventStream()
    assert train.run_job(job, events, CancelAtStep(3)) == train.EXIT_CANCELLED
    checkpoint = events.of("cancelled")[0]["checkpoint"]
    assert checkpoint.endswith("checkpoint-3")
    resumed_job = parse_job(
        make_job(tmp_path / "cut", tiny_model, dataset, hyperparameters=hyper, resume_from_checkpoint=checkpoint)
    )
    resumed = ListEventStream()
    assert train.run_job(resumed_job, resumed) == 0

    before = [m["train_loss"] for m in events.of("metrics")]
    after = [m["train_loss"] for m in resumed.of("metrics")]
    assert [m["step"] for m in resumed.of("metrics")] == [4, 5, 6]
    assert before + after == pytest.approx(train_losses(full_events), abs=1e-6)
    assert resumed.of("metrics")[-1]["val_loss"] == pytest.approx(full_events.of("metrics")[-1]["val_loss"], abs=1e-6)
    # Retention: every save was announced, the newest two are kept (the default save_total_limit).
    assert [c["step"] for c in full_events.of("checkpoint")] == [1, 2, 3, 4, 5, 6]
    import os

    assert sorted(os.listdir(full.checkpoints_dir)) == ["checkpoint-5", "checkpoint-6"]


def test_save_total_limit_null_keeps_every_checkpoint(tmp_path, tiny_model, dataset):
    import os

    job, _ = train_in_process(
        tmp_path,
        tiny_model,
        dataset,
        "all",
        hyperparameters={"max_steps": 3, "save_steps": 1, "validation_split": 0, "save_total_limit": None},
    )
    assert sorted(os.listdir(job.checkpoints_dir)) == ["checkpoint-1", "checkpoint-2", "checkpoint-3"]


def test_a_run_shorter_than_logging_steps_still_reports_its_loss_and_uses_the_validation_file(
    tmp_path, tiny_model, dataset
):
    from conftest import write_dataset

    validation = write_dataset(tmp_path / "val.jsonl", count=3)
    job, events = train_in_process(
        tmp_path,
        tiny_model,
        dataset,
        "short",
        validation_path=str(validation),
        hyperparameters={"max_steps": 5, "logging_steps": 10, "eval_steps": 5},
    )
    metrics = events.of("metrics")
    assert [m["step"] for m in metrics] == [5]
    assert metrics[0]["train_loss"] is not None and metrics[0]["val_loss"] is not None
    plan = events.of("plan")[0]
    # The validation file is used as is: no split of the training file.
    assert (plan["train_examples"], plan["validation_examples"]) == (16, 3)
    assert events.of("completed")[0]["summary"]["final_train_loss"] == metrics[0]["train_loss"]
