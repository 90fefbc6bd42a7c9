"""Loads the base model and tokenizer and wraps the model with LoRA (4-bit QLoRA when asked for and possible)."""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass
from typing import Any

from .chat import FALLBACK_CHAT_TEMPLATE
from .errors import TrainerError, model_not_found
from .job import Job

log = logging.getLogger("brightrun_trainer")


@dataclass
class Hardware:
    """What this process trains on, decided once so that the model loading and the Trainer agree."""

    cuda: bool
    bf16: bool
    fp16: bool
    qlora: bool
    liger: bool
    local_rank: int
    # Decided after the model is loaded (the memory check needs its size and the free GPU memory).
    gradient_checkpointing: bool = False
    packing: str = "padding_free"
    attention: str = "sdpa"

    def describe(self) -> dict[str, Any]:
        return {
            "device": "cuda" if self.cuda else "cpu",
            "precision": "bf16" if self.bf16 else "fp16" if self.fp16 else "fp32",
            "qlora": self.qlora,
            "liger_kernel": self.liger,
            "gradient_checkpointing": self.gradient_checkpointing,
            "packing": self.packing,
            "attention": self.attention,
        }


def detect_hardware(job: Job) -> Hardware:
    import torch

    wants_gpu = job.gpu.type.lower() != "cpu"
    if wants_gpu and not torch.cuda.is_available():
        # Training a GPU-sized job on the CPU would look like a hang to the user: refuse it instead.
        raise TrainerError(
            "invalid_job",
            f"the job asks for GPU type {job.gpu.type!r} but no CUDA GPU is visible to the trainer",
            'Check CUDA_VISIBLE_DEVICES and the NVIDIA driver, or run the job with gpu.type "cpu".',
        )
    cuda = wants_gpu
    # bf16 needs Ampere (compute capability 8.0) or newer; older GPUs emulate it slowly or not at all: fp16.
    bf16 = cuda and torch.cuda.get_device_capability() >= (8, 0)
    has_bnb = cuda and _imports("bitsandbytes")
    has_liger = importlib.util.find_spec("liger_kernel") is not None
    if job.qlora and not (cuda and has_bnb):
        log.warning(
            "QLoRA asked for but %s; training in 16/32-bit LoRA instead",
            "bitsandbytes is not installed or does not import" if cuda else "no CUDA GPU is in use",
        )
    return Hardware(
        cuda=cuda,
        bf16=bf16,
        fp16=cuda and not bf16,
        qlora=job.qlora and cuda and has_bnb,
        # Liger's kernels are Triton GPU kernels: no use on CPU.
        liger=cuda and has_liger,
        local_rank=int(os.environ.get("LOCAL_RANK", "0")),
        packing=job.hyperparameters.packing,
    )


def _imports(module: str) -> bool:
    """Whether `module` really imports: an installed bitsandbytes without its CUDA library is not usable."""
    if importlib.util.find_spec(module) is None:
        return False
    try:
        __import__(module)
    except Exception as e:  # the library's own failure to find its CUDA build, a torch it was not built for
        log.warning("%s is installed but does not import: %s", module, e)
        return False
    return True


def _looks_like_path(name: str) -> bool:
    # A hub id is "org/name"; anything that starts like a file path is a local folder and never goes to the hub.
    return name.startswith(("/", "./", "../", "~"))


def check_model_available(job: Job) -> None:
    """Fail in a fraction of a second, before transformers loads, when the model can't be there: a local folder
    that does not exist, or a hub id missing from the cache while the hub is off (HF_HUB_OFFLINE=1)."""
    name = job.base_model
    if _looks_like_path(name):
        if not os.path.isdir(os.path.expanduser(name)):
            raise model_not_found(name)
        return
    from huggingface_hub import constants, snapshot_download

    if not constants.HF_HUB_OFFLINE:
        return  # the download (or its failure) happens in load_tokenizer
    try:
        snapshot_download(name, local_files_only=True)
    except Exception as e:  # LocalEntryNotFoundError, or a malformed id (HFValidationError)
        raise model_not_found(name, e) from e


def load_tokenizer(job: Job) -> Any:
    name = job.base_model
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(os.path.expanduser(name))
    except (OSError, ValueError) as e:
        raise model_not_found(name, e) from e
    except Exception as e:  # huggingface_hub's HTTP errors (repository not found, gated, offline)
        if type(e).__module__.startswith("huggingface_hub"):
            raise model_not_found(name, e) from e
        raise
    if not tokenizer.is_fast:
        # Offsets (for the assistant-token mask) need a fast tokenizer.
        raise model_not_found(name, ValueError("the model has no fast (tokenizer.json) tokenizer"))
    if not tokenizer.chat_template:
        log.warning("%s has no chat template; using ChatML", name)
        tokenizer.chat_template = FALLBACK_CHAT_TEMPLATE
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    return tokenizer


def load_model(job: Job, hardware: Hardware) -> Any:
    import torch
    from transformers import AutoModelForCausalLM

    from .packing import attention_for

    hardware.attention = attention_for(hardware.packing, hardware.cuda)
    kwargs: dict[str, Any] = {"attn_implementation": hardware.attention}
    if hardware.cuda:
        kwargs["dtype"] = torch.bfloat16 if hardware.bf16 else torch.float16
    else:
        kwargs["dtype"] = torch.float32
    if hardware.qlora:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=kwargs["dtype"],
        )
        # Each process keeps its whole quantized copy on its own GPU.
        kwargs["device_map"] = {"": hardware.local_rank}
    try:
        model = AutoModelForCausalLM.from_pretrained(os.path.expanduser(job.base_model), **kwargs)
    except (OSError, ValueError) as e:
        raise model_not_found(job.base_model, e) from e
    model.config.use_cache = False  # the KV cache is useless in training and conflicts with checkpointing
    return model


def apply_lora(job: Job, model: Any, hardware: Hardware) -> Any:
    """Wrap the model with LoRA. Gradient checkpointing follows `hardware.gradient_checkpointing` (decided by
    `memory.decide_checkpointing`), always non-reentrant: the reentrant kind needs inputs that require grad and
    breaks with frozen embeddings and with keyword arguments such as the packed rows' `position_ids`."""
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import set_seed

    hp = job.hyperparameters
    checkpointing = {"use_reentrant": False}
    if hardware.qlora:
        model = prepare_model_for_kbit_training(
            model,
            use_gradient_checkpointing=hardware.gradient_checkpointing,
            gradient_checkpointing_kwargs=checkpointing,
        )
    elif hardware.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=checkpointing)
        model.enable_input_require_grads()
    # LoRA's initial weights are drawn here: seed right before, so nothing done since the start (model loading,
    # a library that draws a random number) changes them.
    set_seed(hp.seed)
    config = LoraConfig(
        r=hp.lora_rank,
        lora_alpha=hp.lora_alpha,
        lora_dropout=hp.lora_dropout,
        target_modules=hp.target_modules or "all-linear",
        bias="none",
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)
