"""One training job from start to finish: preprocessing, model loading, training, saving, and its events.

`run_job` never raises: every outcome is an event (`completed`, `cancelled` or `error`) and an exit code
(0, 143, 1) that the caller passes to `sys.exit`.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
import traceback
from dataclasses import dataclass
from typing import Any

from . import errors
from .cancel import CancelRequest
from .data import check_exists, file_sha256, read_conversations, split_validation
from .errors import Cancelled, TrainerError
from .events import EventStream, json_safe
from .job import Job

log = logging.getLogger("brightrun_trainer")

EXIT_OK, EXIT_FAILED, EXIT_CANCELLED = 0, 1, 143  # 143 = 128 + SIGTERM, what a shell reports for a kill


@dataclass
class Prepared:
    """The tokenized datasets and what the plan and the summary say about them."""

    train: list[Any]
    validation: list[Any]
    info: dict[str, Any]


def run_job(job: Job, events: EventStream, cancel: CancelRequest | None = None) -> int:
    cancel = cancel or CancelRequest()
    try:
        return _run(job, events, cancel)
    except Cancelled:
        events.emit("cancelled", checkpoint=_latest_checkpoint(job))
        return EXIT_CANCELLED
    except TrainerError as e:
        events.emit("error", kind=e.kind, message=e.message, hint=e.hint)
        return EXIT_FAILED
    except BaseException as e:  # noqa: BLE001 - every failure must reach the agent as an event
        traceback.print_exc()
        if errors.is_out_of_memory(e):
            failure = errors.out_of_memory(job.hyperparameters.batch_size, e)
        else:
            failure = errors.internal(e)
        events.emit("error", kind=failure.kind, message=failure.message, hint=failure.hint)
        return EXIT_FAILED


def _run(job: Job, events: EventStream, cancel: CancelRequest) -> int:
    started_at = time.time()
    events.stage("preprocessing")
    os.makedirs(job.output_dir, exist_ok=True)
    # The cheap checks come before the heavy imports, so a wrong path fails in a fraction of a second.
    check_exists(job.dataset_path)
    if job.validation_path:
        check_exists(job.validation_path)
    if job.resume_from_checkpoint and not os.path.isdir(job.resume_from_checkpoint):
        raise errors.invalid_job(f"checkpoint to resume from not found: {job.resume_from_checkpoint}")
    sha256 = file_sha256(job.dataset_path)
    if job.dataset_sha256 and job.dataset_sha256.lower() != sha256:
        raise errors.invalid_dataset(
            f"the dataset's sha256 is {sha256}, the job expects {job.dataset_sha256}",
            "The file changed or was truncated after upload: upload the dataset again.",
        )

    # Read (and reject) the dataset before the model: a broken line fails fast, without loading anything.
    hp = job.hyperparameters
    conversations = read_conversations(job.dataset_path)
    if job.validation_path:
        train_set, validation_set = conversations, read_conversations(job.validation_path)
    else:
        train_set, validation_set = split_validation(conversations, hp.validation_split, hp.seed)

    from .model import check_model_available

    check_model_available(job)

    from transformers import set_seed

    from .model import load_tokenizer

    set_seed(hp.seed)
    tokenizer = load_tokenizer(job)
    prepared = _prepare(job, tokenizer, sha256, train_set, validation_set)

    events.stage("model_loading")
    from .model import apply_lora, detect_hardware, load_model

    hardware = detect_hardware(job)
    model = load_model(job, hardware)
    hardware.gradient_checkpointing = _checkpointing(job, hardware, model, prepared)
    # apply_lora seeds again right before the LoRA weights are drawn.
    model = apply_lora(job, model, hardware)
    trainer, progress = _build_trainer(job, hardware, model, tokenizer, prepared, events, cancel)

    total_steps, total_epochs = _plan(job, trainer)
    events.emit(
        "plan",
        total_steps=total_steps,
        total_epochs=total_epochs,
        train_examples=len(prepared.train),
        validation_examples=len(prepared.validation),
        train_tokens=prepared.info["train_tokens"],
    )

    events.stage("training")
    cancel.training = True
    trainer.train(resume_from_checkpoint=job.resume_from_checkpoint)
    if cancel.requested:
        return _finish_cancelled(job, trainer, progress, events)
    cancel.training = False
    if cancel.requested:  # a signal between the two lines above
        raise Cancelled()

    events.stage("saving")
    summary = _save(job, trainer, tokenizer, prepared, progress, hardware, started_at, events)
    events.emit("completed", summary=summary)
    return EXIT_OK


def _prepare(job: Job, tokenizer: Any, sha256: str, train_set: list[Any], validation_set: list[Any]) -> Prepared:
    """Tokenize both sets with the model's chat template; examples cut before any assistant token are dropped."""
    from .chat import TemplateError, tokenize_conversation

    hp = job.hyperparameters

    shortened = 0

    def tokenize(items: list[Any], path: str) -> tuple[list[Any], int, int]:
        nonlocal shortened
        examples, truncated, dropped = [], 0, 0
        for conversation in items:
            try:
                example = tokenize_conversation(
                    tokenizer, conversation.messages, hp.max_seq_len, conversation.tools, hp.train_on_reasoning
                )
            except TemplateError as e:
                raise errors.invalid_dataset(f"{os.path.basename(path)} line {conversation.line}: {e}") from None
            truncated += example.truncated
            shortened += example.dropped_turns > 0
            # Cut at max_seq_len before any assistant token: nothing to learn from this example.
            if example.loss_tokens == 0:
                dropped += 1
                continue
            examples.append(example)
        return examples, truncated, dropped

    train, train_truncated, train_dropped = tokenize(train_set, job.dataset_path)
    validation, _, validation_dropped = tokenize(validation_set, job.validation_path or job.dataset_path)
    if not train:
        raise errors.invalid_dataset(
            f"no training example keeps an assistant token within max_seq_len={hp.max_seq_len}",
            "Raise max_seq_len or shorten the conversations.",
        )
    info = {
        "path": job.dataset_path,
        "sha256": sha256,
        "validation_path": job.validation_path,
        "validation_sha256": file_sha256(job.validation_path) if job.validation_path else None,
        "train_examples": len(train),
        "validation_examples": len(validation),
        "train_tokens": sum(len(e.input_ids) for e in train),
        "train_loss_tokens": sum(e.loss_tokens for e in train),
        "validation_tokens": sum(len(e.input_ids) for e in validation),
        "truncated_examples": train_truncated,
        # Of the truncated ones (both sets): those that fit by leaving out their oldest history turns.
        "history_shortened_examples": shortened,
        "dropped_examples": train_dropped + validation_dropped,
        "tool_rendering": _tool_rendering(tokenizer, train_set),
    }
    return Prepared(train, validation, info)


def _checkpointing(job: Job, hardware: Any, model: Any, prepared: Prepared) -> bool:
    from .memory import decide_checkpointing, largest_batch_tokens

    hp = job.hyperparameters
    lengths = [len(e.input_ids) for e in prepared.train]
    return decide_checkpointing(
        hp.gradient_checkpointing,
        hardware.cuda,
        model,
        largest_batch_tokens(lengths, hp.batch_size, hp.packing),
        dtype_bytes=2 if hardware.cuda else 4,
        fused_loss=hardware.liger,
    )


def make_collator(packing: str, pad_token_id: int) -> Any:
    """The batch layout for a `packing` mode: end to end without padding, or padded to the longest."""
    from .batches import PadCollator
    from .packing import PackedCollator

    return PackedCollator() if packing == "padding_free" else PadCollator(pad_token_id)


def _tool_rendering(tokenizer: Any, conversations: list[Any]) -> str | None:
    """How tool conversations were rendered (`chat_template` or `fallback`), or None when the data has none."""
    from .render_tools import needs_rendering, rendering

    if not any(needs_rendering(c.messages, c.tools) for c in conversations):
        return None
    return rendering(tokenizer)


def _build_trainer(job, hardware, model, tokenizer, prepared, events, cancel):
    from transformers import Trainer

    from .arguments import training_arguments
    from .batches import ExampleDataset
    from .evaluation import evaluate_loss
    from .progress import ProgressReporter

    hp = job.hyperparameters
    collator = make_collator(hp.packing, tokenizer.pad_token_id)

    class ReportingTrainer(Trainer):
        def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix="eval"):
            """Token-level loss (evaluation.py) instead of the Trainer's mean of per-batch means."""
            events.stage("validating")
            try:
                loss = evaluate_loss(
                    self.model, prepared.validation, collator, hp.batch_size, self.args.device, self.accelerator
                )
                metrics = {} if loss is None else {f"{metric_key_prefix}_loss": loss}
                self.log(dict(metrics))
                self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
                return metrics
            finally:
                events.stage("training")

    progress = ProgressReporter(events, cancel, hp.learning_rate)
    trainer = ReportingTrainer(
        model=model,
        args=training_arguments(job, hardware, has_validation=bool(prepared.validation)),
        train_dataset=ExampleDataset(prepared.train),
        eval_dataset=ExampleDataset(prepared.validation) if prepared.validation else None,
        data_collator=collator,
        processing_class=tokenizer,
        callbacks=[progress],
    )
    # Progress lines come from rank 0 only; errors from every rank (the launcher keeps the first).
    events.enabled = events.enabled and trainer.is_world_process_zero()
    return trainer, progress


def _plan(job: Job, trainer: Any) -> tuple[int, int]:
    """The same arithmetic as Trainer.set_initial_training_values, so the plan matches the steps that run."""
    hp = job.hyperparameters
    batches = len(trainer.get_train_dataloader())
    per_epoch = max(math.ceil(batches / hp.gradient_accumulation), 1)
    if hp.max_steps is not None:
        return hp.max_steps, math.ceil(hp.max_steps / per_epoch)
    return math.ceil(hp.num_epochs * per_epoch), math.ceil(hp.num_epochs)


def _finish_cancelled(job: Job, trainer: Any, progress: Any, events: EventStream) -> int:
    step = trainer.state.global_step
    expected = os.path.abspath(os.path.join(job.checkpoints_dir, f"checkpoint-{step}"))
    if step > 0 and expected not in progress.checkpoints:
        # The request came after the last step (during a final evaluation): save that state now.
        trainer._save_checkpoint(trainer.model, trial=None)
        progress.on_save(trainer.args, trainer.state, trainer.control)
    events.emit("cancelled", checkpoint=_latest_checkpoint(job))
    return EXIT_CANCELLED


def _latest_checkpoint(job: Job) -> str | None:
    try:
        names = os.listdir(job.checkpoints_dir)
    except OSError:
        return None
    steps = [int(n.split("-", 1)[1]) for n in names if n.startswith("checkpoint-") and n.split("-", 1)[1].isdigit()]
    if not steps:
        return None
    return os.path.abspath(os.path.join(job.checkpoints_dir, f"checkpoint-{max(steps)}"))


def _save(job, trainer, tokenizer, prepared, progress, hardware, started_at, events) -> dict[str, Any]:
    from .summary import build_summary

    model = trainer.accelerator.unwrap_model(trainer.model)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    summary = build_summary(
        config=job.to_dict(),
        dataset=prepared.info,
        train_losses=progress.train_losses,
        val_losses=progress.val_losses,
        state=trainer.state,
        hardware={**hardware.describe(), "gpu": {"type": job.gpu.type, "count": job.gpu.count}},
        started_at=started_at,
        finished_at=time.time(),
        trainable_parameters=trainable,
        total_parameters=total,
    )
    if not trainer.is_world_process_zero():
        return summary
    os.makedirs(job.adapter_dir, exist_ok=True)
    model.save_pretrained(job.adapter_dir, safe_serialization=True)
    tokenizer.save_pretrained(job.adapter_dir)
    if prepared.info.get("tool_rendering") == "fallback":
        from .render_tools import MODEL_CARD_NOTE

        with open(os.path.join(job.adapter_dir, "README.md"), "a", encoding="utf-8") as card:
            card.write(MODEL_CARD_NOTE)
    for root, _, files in sorted(os.walk(job.adapter_dir)):
        for name in sorted(files):
            path = os.path.abspath(os.path.join(root, name))
            events.emit(
                "artifact",
                name=os.path.relpath(path, job.adapter_dir),
                path=path,
                size=os.path.getsize(path),
            )
    tmp = job.summary_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(json_safe(summary), f, indent=2, allow_nan=False, default=str)
        f.write("\n")
    os.replace(tmp, job.summary_path)  # never a half-written summary next to a finished adapter
    events.emit(
        "artifact",
        name="training_summary.json",
        path=os.path.abspath(job.summary_path),
        size=os.path.getsize(job.summary_path),
    )
    return summary
