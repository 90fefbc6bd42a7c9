"""Maps the job's hyperparameters onto Hugging Face TrainingArguments."""

from __future__ import annotations

from typing import Any

from .job import Job
from .model import Hardware


def training_arguments(job: Job, hardware: Hardware, has_validation: bool) -> Any:
    from transformers import TrainingArguments

    hp = job.hyperparameters
    if not has_validation:
        eval_kwargs: dict[str, Any] = {"eval_strategy": "no"}
    elif hp.eval_steps is None:
        eval_kwargs = {"eval_strategy": "epoch"}
    else:
        eval_kwargs = {"eval_strategy": "steps", "eval_steps": hp.eval_steps}
    if hp.save_steps is None:
        save_kwargs: dict[str, Any] = {"save_strategy": "epoch"}
    else:
        save_kwargs = {"save_strategy": "steps", "save_steps": hp.save_steps}
    return TrainingArguments(
        output_dir=job.checkpoints_dir,
        per_device_train_batch_size=hp.batch_size,
        per_device_eval_batch_size=hp.batch_size,
        gradient_accumulation_steps=hp.gradient_accumulation,
        learning_rate=hp.learning_rate,
        weight_decay=hp.weight_decay,
        # transformers 5 reads a float below 1 as a fraction of the total steps.
        warmup_steps=float(hp.warmup_ratio),
        num_train_epochs=float(hp.num_epochs),
        max_steps=hp.max_steps if hp.max_steps is not None else -1,
        logging_strategy="steps",
        logging_steps=hp.logging_steps,
        # The Trainer would otherwise replace a NaN loss by the running mean and hide it from us.
        logging_nan_inf_filter=False,
        # A padding-free row has no padding: every token counts (comparing with the pad id would also drop real
        # EOS tokens where the pad token is the EOS).
        include_num_input_tokens_seen="all" if hp.packing == "padding_free" else "non_padding",
        # Only the loss is needed from evaluation; gathering logits would cost vocab-size memory per token.
        prediction_loss_only=True,
        seed=hp.seed,
        data_seed=hp.seed,
        bf16=hardware.bf16,
        fp16=hardware.fp16,
        use_cpu=not hardware.cuda,
        use_liger_kernel=hardware.liger,
        # Our collator builds the tensors; the default column pruning would drop "labels" lookups it can't see.
        remove_unused_columns=False,
        # LoRA leaves the base weights frozen, which DDP would otherwise search for on every step.
        ddp_find_unused_parameters=False,
        dataloader_num_workers=0,
        report_to="none",
        disable_tqdm=True,
        # Keep the newest N checkpoints (HF deletes older ones after each save); null keeps all.
        save_total_limit=hp.save_total_limit,
        # Padded batches of similar lengths waste less on padding; padding-free batches have none to save.
        train_sampling_strategy="group_by_length" if hp.packing == "group_by_length" else "random",
        **eval_kwargs,
        **save_kwargs,
    )
