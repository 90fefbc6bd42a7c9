"""`python -m brightrun_trainer.bench`: the trainer against plain Hugging Face + PEFT, side by side, in one run.

It builds a Llama-architecture model from a config (random weights, no download: a ~1B shape on a GPU, a tiny one
on the CPU) and two synthetic chat sets of token ids, then trains each configuration for a few steps **in its own
process** (so one's memory and compiled kernels never help another) on the same model file, the same examples in
the same order, the same seed:

- `hf_peft_gc`: the plain baseline: padded to the longest example of each batch, gradient checkpointing on
  (what HF's `TrainingArguments(gradient_checkpointing=True)` + PEFT gives);
- `hf_peft`: the same without checkpointing;
- `trainer`: BrightRun's own path (`brightrun_trainer.model`, `.packing`, `.arguments`, exactly as a job runs it)
  with its defaults: padding-free packing, checkpointing `auto`;
- the levers one at a time: `trainer_gc` (packing, checkpointing forced on), `trainer_block_mask` (packing with
  transformers' SDPA block-diagonal mask instead of the per-example varlen attention), `group_by_length`.

Data `var`: log-normal lengths (median 500, sigma 0.8, clipped to [64, 2048]); `fixed`: every example 512 tokens.
Each example alternates prompt and answer segments; only answers carry loss, like chat data.

Rounds interleave the configurations (round 2 runs them in reverse order) and each figure is the best round, because
the machine may be shared: every round's figure is kept in `runs`. The run stops starting workers when the next
would pass `--deadline` and writes what it has; `bench.json` is rewritten after every worker.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from typing import Any

# name -> (implementation, gradient checkpointing, packing, attention override)
CONFIGS: dict[str, dict[str, Any]] = {
    "hf_peft_gc": {"path": "hf", "gradient_checkpointing": "on", "packing": "none"},
    "hf_peft": {"path": "hf", "gradient_checkpointing": "off", "packing": "none"},
    "trainer": {"path": "trainer", "gradient_checkpointing": "auto", "packing": "padding_free"},
    "trainer_gc": {"path": "trainer", "gradient_checkpointing": "on", "packing": "padding_free"},
    "trainer_block_mask": {
        "path": "trainer",
        "gradient_checkpointing": "auto",
        "packing": "padding_free",
        "attention": "sdpa",
    },
    "group_by_length": {"path": "trainer", "gradient_checkpointing": "auto", "packing": "group_by_length"},
}
# What each data set runs, contract configurations first (they are the ones a deadline must not cut).
PLAN = [
    ("hf_peft_gc", "var"),
    ("trainer", "var"),
    ("hf_peft", "var"),
    ("hf_peft_gc", "fixed"),
    ("trainer", "fixed"),
    ("trainer_gc", "var"),
    ("trainer_block_mask", "var"),
    ("group_by_length", "var"),
]
CONTRACT = PLAN[:5]

SHAPES = {
    # A Llama-3.2-1B-like shape for GPUs.
    "1b": {
        "hidden_size": 2048,
        "intermediate_size": 8192,
        "num_hidden_layers": 16,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "vocab_size": 128256,
    },
    # Small enough for a few steps per configuration on two shared CPU cores.
    "tiny": {
        "hidden_size": 128,
        "intermediate_size": 352,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "vocab_size": 2048,
    },
}

# Dense bf16 peak of GPUs we know (TFLOP/s), for MFU; others report MFU as null.
PEAK_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10G": 125.0, "L4": 121.0, "4090": 165.0}

SEED = 42


# ---------------------------------------------------------------------------------------------------------------
# Data and model
# ---------------------------------------------------------------------------------------------------------------
def make_examples(kind: str, count: int, vocab: int, seed: int) -> list[dict[str, list[int]]]:
    """Synthetic chat examples of token ids: prompt and answer segments alternate, answers carry the loss."""
    rng = random.Random(f"{seed}-{kind}")
    examples = []
    for _ in range(count):
        if kind == "var":
            length = int(min(2048, max(64, round(500 * math.exp(rng.gauss(0.0, 0.8))))))
        else:
            length = 512
        ids = [rng.randrange(4, vocab) for _ in range(length)]
        labels = [-100] * length
        turns = rng.randint(1, 3)
        cuts = sorted(rng.sample(range(8, length - 1), 2 * turns - 1)) if length > 16 else [length // 2]
        bounds = [0, *cuts, length]
        for i in range(len(bounds) - 1):
            if i % 2 == 1:  # segments 1, 3, 5: the assistant's answers
                labels[bounds[i] : bounds[i + 1]] = ids[bounds[i] : bounds[i + 1]]
        examples.append({"input_ids": ids, "labels": labels})
    return examples


def build_model(folder: str, shape: str) -> None:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        **SHAPES[shape],
        max_position_embeddings=4096,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    if shape != "tiny":
        model = model.to(torch.bfloat16)  # what a GPU run loads anyway; half the file of the ~1B shape
    model.save_pretrained(folder, safe_serialization=True)


# ---------------------------------------------------------------------------------------------------------------
# One configuration, in its own process
# ---------------------------------------------------------------------------------------------------------------
def run_worker(args: argparse.Namespace) -> int:
    import torch
    from transformers import TrainerCallback

    if args.device == "cpu" and args.threads:
        # One thread by default: on a shared machine a multi-threaded op waits for its slowest thread, so a
        # single preempted thread stalls every op; one thread per worker makes the rounds far less noisy.
        torch.set_num_threads(args.threads)

    spec = CONFIGS[args.worker]
    with open(os.path.join(args.out, f"data-{args.data}.json"), encoding="utf-8") as f:
        examples = json.load(f)
    cuda = args.device == "cuda"
    work = os.path.join(args.out, "work", f"{args.worker}-{args.data}-{args.round}")
    stats: list[tuple[int, int, list[int]]] = []  # (real, processed, example lengths) of each batch, in order

    def recording(collate):
        def call(features):
            batch = collate(features)
            ids = batch["input_ids"]
            real = int(batch["attention_mask"].sum()) if "attention_mask" in batch else int(ids.numel())
            stats.append((real, int(ids.numel()), [len(f["input_ids"]) for f in features]))
            return batch

        return call

    started = time.perf_counter()
    if spec["path"] == "hf":
        trainer, described = _hf_trainer(args, spec, examples, work, cuda, recording)
    else:
        trainer, described = _brightrun_trainer(args, spec, examples, work, cuda, recording)
    load_seconds = time.perf_counter() - started

    class Timer(TrainerCallback):
        def __init__(self) -> None:
            self.times: list[float] = []  # wall seconds of each step
            self.cpu_times: list[float] = []  # this process's CPU seconds of each step
            self.losses: list[float] = []
            self.begin = self.cpu_begin = 0.0

        def on_step_begin(self, a, state, control, **kw):
            if cuda:
                torch.cuda.synchronize()
            self.begin, self.cpu_begin = time.perf_counter(), time.process_time()

        def on_step_end(self, a, state, control, **kw):
            if cuda:
                torch.cuda.synchronize()
            self.times.append(time.perf_counter() - self.begin)
            self.cpu_times.append(time.process_time() - self.cpu_begin)
            if time.time() > args.stop_at and state.global_step >= 2:
                control.should_training_stop = True  # the deadline: keep what is measured
            return control

        def on_log(self, a, state, control, logs=None, **kw):
            if logs and "loss" in logs:
                self.losses.append(float(logs["loss"]))

    timer = Timer()
    trainer.add_callback(timer)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    trainer.train()
    # On the CPU the rates use the worker's CPU seconds (one thread: what the step takes on a core of its own),
    # which other programs on a shared machine barely move; wall-clock rates are reported beside them.
    timing = timer.times if cuda else timer.cpu_times
    result = _measure(args, spec, described, timing, timer.losses, stats, trainer, cuda, load_seconds)
    warm = range(min(args.warmup, max(len(timer.times) - 1, 0)), len(timer.times))
    wall = sum(timer.times[i] for i in warm)
    result["timing"] = "wall" if cuda else "process_cpu_time"
    result["wall_real_tokens_per_second"] = sum(stats[i][0] for i in warm if i < len(stats)) / wall if wall else None
    result["wall_step_time_seconds"] = wall / len(warm) if len(warm) else None
    path = os.path.join(args.out, "runs", f"{args.worker}-{args.data}-{args.round}.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    return 0


def _training_kwargs(args: argparse.Namespace, work: str, cuda: bool) -> dict[str, Any]:
    return dict(
        output_dir=work,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=1,
        learning_rate=2e-4,
        max_steps=args.steps,
        logging_steps=1,
        logging_nan_inf_filter=False,
        save_strategy="no",
        eval_strategy="no",
        seed=SEED,
        data_seed=SEED,
        bf16=cuda,
        use_cpu=not cuda,
        remove_unused_columns=False,
        dataloader_num_workers=0,
        report_to="none",
        disable_tqdm=True,
    )


def _hf_trainer(args, spec, examples, work, cuda, recording):
    """Plain transformers + PEFT as a user would write it: pad to longest, HF's own checkpointing switch."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments, set_seed

    from .batches import ExampleDataset, PadCollator
    from .chat import Example

    dtype = torch.bfloat16 if cuda else torch.float32
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=dtype, attn_implementation="sdpa")
    model.config.use_cache = False
    set_seed(SEED)
    model = get_peft_model(
        model, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")
    )
    gc = spec["gradient_checkpointing"] == "on"
    training = TrainingArguments(**_training_kwargs(args, work, cuda), gradient_checkpointing=gc)
    data = ExampleDataset([Example(e["input_ids"], e["labels"], False) for e in examples])
    trainer = Trainer(model=model, args=training, train_dataset=data, data_collator=recording(PadCollator(0)))
    return trainer, {"gradient_checkpointing": gc, "packing": "none", "attention": "sdpa", "liger": False}


def _brightrun_trainer(args, spec, examples, work, cuda, recording):
    """The trainer's own path: the functions a job runs (model.py, memory.py, packing.py, arguments.py)."""
    from transformers import Trainer

    from . import packing
    from .arguments import training_arguments
    from .batches import ExampleDataset
    from .chat import Example
    from .job import parse_job
    from .memory import decide_checkpointing, largest_batch_tokens
    from .model import apply_lora, detect_hardware, load_model
    from .train import make_collator

    if spec.get("attention"):
        # The `trainer_block_mask` lever: transformers' own packed-sequence handling (SDPA, block-diagonal mask).
        packing.attention_for = lambda mode, is_cuda: spec["attention"]
    job = parse_job(
        {
            "job_id": "bench",
            "dataset_path": os.path.join(args.out, "unused.jsonl"),
            "base_model": args.model,
            "output_dir": work,
            "gpu": {"type": "cuda" if cuda else "cpu", "count": 1},
            "hyperparameters": {
                "learning_rate": 2e-4,
                "batch_size": args.batch_size,
                "max_steps": args.steps,
                "lora_rank": 16,
                "lora_alpha": 32,
                "lora_dropout": 0.05,
                "max_seq_len": 4096,
                "seed": SEED,
                "validation_split": 0,
                "logging_steps": 1,
                "save_steps": 10**9,
                "gradient_checkpointing": spec["gradient_checkpointing"],
                "packing": spec["packing"],
            },
        }
    )
    hardware = detect_hardware(job)
    model = load_model(job, hardware)
    lengths = [len(e["input_ids"]) for e in examples]
    hardware.gradient_checkpointing = decide_checkpointing(
        spec["gradient_checkpointing"],
        cuda,
        model,
        largest_batch_tokens(lengths, args.batch_size, spec["packing"]),
        dtype_bytes=2 if cuda else 4,
        fused_loss=hardware.liger,
    )
    model = apply_lora(job, model, hardware)
    training = training_arguments(job, hardware, has_validation=False)
    data = ExampleDataset([Example(e["input_ids"], e["labels"], False) for e in examples])
    trainer = Trainer(
        model=model, args=training, train_dataset=data, data_collator=recording(make_collator(spec["packing"], 0))
    )
    described = {
        "gradient_checkpointing": hardware.gradient_checkpointing,
        "packing": spec["packing"],
        "attention": hardware.attention,
        "liger": hardware.liger,
    }
    return trainer, described


def _measure(args, spec, described, times, losses, stats, trainer, cuda, load_seconds) -> dict[str, Any]:
    import resource

    import torch

    warmup = min(args.warmup, max(len(times) - 1, 0))
    measured = list(range(warmup, len(times)))
    real = sum(stats[i][0] for i in measured if i < len(stats))
    processed = sum(stats[i][1] for i in measured if i < len(stats))
    seconds = sum(times[i] for i in measured)
    model = trainer.model
    params = sum(p.numel() for n, p in model.named_parameters() if "embed_tokens" not in n)
    config = model.get_base_model().config if hasattr(model, "get_base_model") else model.config
    # LoRA training: forward 2N and the input-gradient half of backward 2N per token (frozen weights get no
    # gradient), plus one more forward under checkpointing; causal attention 2 * 2 * layers * hidden * L^2 / 2
    # per example forward, three times that with backward.
    per_token = (6 if described["gradient_checkpointing"] else 4) * params
    lengths = [length for i in measured if i < len(stats) for length in stats[i][2]]
    attention = sum(3 * 2 * config.num_hidden_layers * config.hidden_size * length * length for length in lengths)
    flops = per_token * real + attention
    tflops = flops / seconds / 1e12 if seconds else None
    peak = None
    gpu_name = None
    if cuda:
        peak_memory = torch.cuda.max_memory_allocated()
        gpu_name = torch.cuda.get_device_name()
        peak = next((v for k, v in PEAK_TFLOPS.items() if k in gpu_name), None)
    else:
        peak_memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # process peak RSS
    return {
        "name": args.worker,
        "data": args.data,
        "round": args.round,
        "real_tokens_per_second": real / seconds if seconds else None,
        "processed_tokens_per_second": processed / seconds if seconds else None,
        "padding_fraction": 1 - real / processed if processed else None,
        "peak_memory_bytes": int(peak_memory),
        "peak_memory_kind": "cuda_max_allocated" if cuda else "process_peak_rss",
        "loss_first": losses[0] if losses else None,
        "loss_last": losses[-1] if losses else None,
        "losses": losses,
        "step_time_seconds": seconds / len(measured) if measured else None,
        "steps": len(times),
        "measured_steps": len(measured),
        "achieved_tflops": tflops,
        "mfu": tflops / peak if tflops is not None and peak else None,
        "gpu": gpu_name,
        "load_seconds": load_seconds,
        **described,
    }


# ---------------------------------------------------------------------------------------------------------------
# The coordinator
# ---------------------------------------------------------------------------------------------------------------
def library_versions() -> dict[str, str]:
    from .summary import library_versions as versions

    return versions()


def best_by_config(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (config, data): the round with the highest real tokens/s, with every round's figure kept."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for run in runs:
        key = (run["name"], run["data"])
        if run.get("real_tokens_per_second") is None:
            continue
        best = rows.get(key)
        if best is None or run["real_tokens_per_second"] > best["real_tokens_per_second"]:
            rows[key] = dict(run)
    for key, row in rows.items():
        row["runs"] = [r["real_tokens_per_second"] for r in runs if (r["name"], r["data"]) == key]
        row.pop("round", None)
    order = {k: i for i, k in enumerate(PLAN)}
    return sorted(rows.values(), key=lambda r: order.get((r["name"], r["data"]), 99))


def speedups(configs: list[dict[str, Any]]) -> dict[str, Any]:
    by = {(c["name"], c["data"]): c["real_tokens_per_second"] for c in configs}
    out: dict[str, dict[str, float]] = {}
    for (name, data), rate in by.items():
        for base in ("hf_peft_gc", "hf_peft"):
            if name != base and (base, data) in by and by[(base, data)]:
                out.setdefault(data, {})[f"{name}_vs_{base}"] = rate / by[(base, data)]
    return out


def find_cli() -> str | None:
    """The `brightrun` binary: $BRIGHTRUN_CLI, else on the PATH, else this checkout's debug build."""
    given = os.environ.get("BRIGHTRUN_CLI")
    if given:
        return given if os.path.isfile(given) else None
    on_path = shutil.which("brightrun")
    if on_path:
        return on_path
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(here, "..", "..", "target")
    built = os.path.join(target, "debug", "brightrun")
    return built if os.path.isfile(built) else None


def estimator_section(args: argparse.Namespace, model_dir: str, tokens: float) -> dict[str, Any]:
    """The core's estimator (Rust, `brightrun estimate`) for this model shape, device and batch, with
    gradient checkpointing on and off: its predicted tokens/s and peak memory go beside the measured ones.
    It is called, not reimplemented here, so the figures checked are the ones the app shows."""
    cli = find_cli()
    if cli is None:
        return {
            "status": "skipped",
            "note": "no `brightrun` binary found (set BRIGHTRUN_CLI, put it on the PATH, or `cargo build -p "
            "brightrun-cli`): the predicted figures were not compared",
        }
    if args.device == "cuda":
        import torch

        gpu = torch.cuda.get_device_name(0)
    else:
        gpu = "cpu"
    predicted = []
    for checkpointing in ("on", "off"):
        command = [
            cli,
            "estimate",
            "--json",
            "--model-config",
            os.path.join(model_dir, "config.json"),
            "--gpu",
            gpu,
            "--tokens",
            str(max(tokens, 1.0)),
            "--set",
            f"batch_size={args.batch_size}",
            "--set",
            "max_seq_len=2048",
            "--set",
            f"gradient_checkpointing={checkpointing}",
            "--set",
            "lora_dropout=0.0",
        ]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            return {"status": "failed", "cli": cli, "note": f"`brightrun estimate` did not run: {e}"}
        if proc.returncode != 0:
            return {
                "status": "failed",
                "cli": cli,
                "note": f"`brightrun estimate` exited {proc.returncode}: {proc.stdout.strip() or proc.stderr.strip()}",
            }
        answer = json.loads(proc.stdout)
        predicted.append(
            {
                "gradient_checkpointing": checkpointing,
                "tokens_per_second": answer["tokens_per_second"],
                "peak_memory_bytes": answer["peak_memory_bytes"],
                "memory_verdict": answer["memory"]["verdict"],
                "device": answer["gpu"]["name"],
            }
        )
    return {
        "status": "ok",
        "cli": cli,
        "predicted": predicted,
        "note": "predicted by the core's FLOPs model for the whole device at its peak (on the CPU: all cores, "
        "while each worker here runs one thread) and the memory model at max_seq_len 2048; measured rates are "
        "real tokens/s",
    }


def _predicted_for(report: dict[str, Any], config: dict[str, Any]) -> dict[str, Any] | None:
    estimator = report.get("estimator") or {}
    # Workers record checkpointing as a bool; older reports as text ("on", "off (auto)").
    value = config.get("gradient_checkpointing")
    flag = "on" if value is True or str(value).startswith("on") else "off"
    for p in estimator.get("predicted", []):
        if p["gradient_checkpointing"] == flag:
            return p
    return None


def write_report(out: str, report: dict[str, Any]) -> None:
    tmp = os.path.join(out, "bench.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    os.replace(tmp, os.path.join(out, "bench.json"))
    with open(os.path.join(out, "bench.md"), "w", encoding="utf-8") as f:
        f.write(render_markdown(report))


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def render_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Trainer benchmark ({report['device']}, shape {report['shape']}, {report['date']})",
        "",
        f"Batch {report['batch_size']}, {report['steps']} steps per configuration ({report['warmup_steps']} warm-up "
        f"step excluded), best of {report['rounds']} interleaved round(s); every round's real tokens/s in `runs`.",
        "Rates are per "
        + (
            "second of the worker's CPU time (one thread; wall-clock rates beside them)."
            if report["device"] == "cpu"
            else "wall-clock second."
        ),
        "",
        "| config | data | real tok/s | processed tok/s | wall real tok/s | padding | step s | peak memory MiB "
        "| loss first | loss last | checkpointing | packing | attention | runs |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|",
    ]
    for c in report["configs"]:
        runs = ", ".join(_fmt(r, 0) for r in c.get("runs", []))
        lines.append(
            f"| {c['name']} | {c['data']} | {_fmt(c['real_tokens_per_second'])} | "
            f"{_fmt(c['processed_tokens_per_second'])} | {_fmt(c.get('wall_real_tokens_per_second'))} | "
            f"{_fmt(100 * c['padding_fraction'])} % | "
            f"{_fmt(c['step_time_seconds'], 3)} | {_fmt(c['peak_memory_bytes'] / 2**20, 0)} | "
            f"{_fmt(c['loss_first'], 4)} | {_fmt(c['loss_last'], 4)} | {c['gradient_checkpointing']} | "
            f"{c['packing']} | {c['attention']} | {runs} |"
        )
    lines += ["", "Speed-up (real tokens/s):", ""]
    for data, table in report["speedup"].items():
        for name, value in table.items():
            lines.append(f"- {data}: {name} = {value:.2f}×")
    estimator = report["estimator"]
    lines += ["", f"Estimator (`brightrun estimate`): {estimator['status']} — {estimator.get('note', '')}", ""]
    if estimator.get("predicted"):
        lines += [
            "| config | data | measured real tok/s | predicted tok/s (low – expected – high) | measured peak MiB "
            "| predicted peak MiB |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for c in report["configs"]:
            p = _predicted_for(report, c)
            if p is None:
                continue
            rate = p["tokens_per_second"]
            lines.append(
                f"| {c['name']} | {c['data']} | {_fmt(c['real_tokens_per_second'])} | "
                f"{_fmt(rate['low'], 0)} – {_fmt(rate['expected'], 0)} – {_fmt(rate['high'], 0)} | "
                f"{_fmt(c['peak_memory_bytes'] / 2**20, 0)} | {_fmt(p['peak_memory_bytes'] / 2**20, 0)} |"
            )
        lines.append("")
    if report.get("stopped_at_deadline"):
        lines += [f"Stopped at the deadline; not run: {', '.join(report['not_run'])}", ""]
    lines += ["Libraries: " + ", ".join(f"{k} {v}" for k, v in report["libraries"].items()), ""]
    return "\n".join(lines)


def coordinate(args: argparse.Namespace) -> int:
    started = time.time()
    deadline = started + args.deadline
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    shape = args.shape or ("1b" if args.device == "cuda" else "tiny")
    model_dir = os.path.join(out, "model")
    build_model(model_dir, shape)
    count = args.steps * args.batch_size
    for kind in ("var", "fixed"):
        with open(os.path.join(out, f"data-{kind}.json"), "w", encoding="utf-8") as f:
            json.dump(make_examples(kind, count, SHAPES[shape]["vocab_size"], SEED), f)

    # The estimate for one run's real tokens (median 500 per example on `var`); rates do not depend on it.
    estimator = estimator_section(args, model_dir, float(count * 500))
    print(f"bench: estimator {estimator['status']}: {estimator.get('note', '')}", file=sys.stderr)
    runs: list[dict[str, Any]] = []
    failures: list[str] = []
    report: dict[str, Any] = {}
    durations: list[float] = []
    rounds_done = 0
    not_run: list[str] = []

    def refresh() -> None:
        configs = best_by_config(runs)
        report.update(
            {
                "device": args.device,
                "shape": shape,
                "model": SHAPES[shape],
                "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
                "quick": args.quick,
                "batch_size": args.batch_size,
                "steps": args.steps,
                "warmup_steps": args.warmup,
                "threads": args.threads if args.device == "cpu" else None,
                "rounds": rounds_done,
                "configs": configs,
                "speedup": speedups(configs),
                "estimator": estimator,
                "failures": failures,
                "stopped_at_deadline": bool(not_run),
                "not_run": not_run,
                "cpu_count": os.cpu_count(),
                "machine": platform.machine(),
                "libraries": library_versions(),
                "elapsed_seconds": time.time() - started,
            }
        )
        write_report(out, report)

    only = set(args.only.split(",")) if args.only else None
    for round_index in range(args.rounds):
        plan = PLAN if round_index % 2 == 0 else CONTRACT[::-1] + PLAN[len(CONTRACT) :][::-1]
        if round_index > 0 and args.quick:
            plan = [p for p in plan if p in CONTRACT]  # quick: repeat only what the contract compares
        if only:
            plan = [p for p in plan if p[0] in only]
        for name, data in plan:
            expected = max(durations) if durations else 60.0
            if time.time() + expected * 1.2 > deadline:
                not_run.append(f"{name}/{data} (round {round_index + 1})")
                continue
            began = time.time()
            command = [
                sys.executable,
                "-m",
                "brightrun_trainer.bench",
                "--worker",
                name,
                "--data",
                data,
                "--round",
                str(round_index + 1),
                "--out",
                out,
                "--model",
                model_dir,
                "--device",
                args.device,
                "--steps",
                str(args.steps),
                "--batch-size",
                str(args.batch_size),
                "--warmup",
                str(args.warmup),
                "--threads",
                str(args.threads),
                "--stop-at",
                str(deadline - 5),
            ]
            try:
                proc = subprocess.run(
                    command, stdout=sys.stderr, stderr=sys.stderr, timeout=max(deadline - time.time(), 1)
                )
                ok = proc.returncode == 0
            except subprocess.TimeoutExpired:
                ok = False
            durations.append(time.time() - began)
            path = os.path.join(out, "runs", f"{name}-{data}-{round_index + 1}.json")
            if ok and os.path.isfile(path):
                with open(path, encoding="utf-8") as f:
                    runs.append(json.load(f))
            else:
                failures.append(f"{name}/{data} round {round_index + 1}")
            print(
                f"bench: {name}/{data} round {round_index + 1}: {'ok' if ok else 'failed'} in {durations[-1]:.1f} s",
                file=sys.stderr,
            )
            refresh()
        rounds_done = round_index + 1
    refresh()
    print(os.path.join(out, "bench.json"))
    missing = [
        f"{n}/{d}"
        for n, d in CONTRACT
        if (not only or n in only) and not any(c["name"] == n and c["data"] == d for c in report["configs"])
    ]
    if missing:
        print(f"bench: no result for {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brightrun_trainer.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default=None, help="default: cuda when available")
    parser.add_argument("--out", required=True, help="folder for bench.json, bench.md, the model and the data")
    parser.add_argument("--quick", action="store_true", help="few steps, contract configurations repeated only")
    parser.add_argument("--deadline", type=float, default=None, help="seconds; stop cleanly and write what is measured")
    parser.add_argument(
        "--shape", choices=tuple(SHAPES), default=None, help="model shape (default: 1b on cuda, tiny on cpu)"
    )
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps per configuration")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1, help="first steps left out of the rates")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (the best is reported)")
    parser.add_argument("--only", help="comma-separated configuration names to run (default: all)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per worker (0: torch's default)")
    # Internal: one configuration in its own process.
    parser.add_argument("--worker", choices=tuple(CONFIGS), help=argparse.SUPPRESS)
    parser.add_argument("--data", choices=("var", "fixed"), help=argparse.SUPPRESS)
    parser.add_argument("--round", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--stop-at", type=float, default=float("inf"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.device is None:
        import torch

        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.steps is None:
        args.steps = 6 if args.quick else 20
    if args.deadline is None:
        args.deadline = 480.0 if args.quick else 3600.0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.worker:
        return run_worker(args)
    return coordinate(args)


if __name__ == "__main__":
    sys.exit(main())
