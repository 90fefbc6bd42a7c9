"""The generation worker (serve.py) and the merge (merge.py) on the tiny model with a real, non-zero LoRA adapter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from conftest import trainer_env


@pytest.fixture(scope="module")
def adapter(tiny_model, tmp_path_factory) -> str:
    """A LoRA adapter whose B matrices are random (PEFT's default starts them at zero, which would change nothing)."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    out = tmp_path_factory.mktemp("adapter")
    get_peft_model(model, config).save_pretrained(out)
    return str(out)


def _ask(worker: subprocess.Popen, request: dict) -> tuple[str, dict]:
    assert worker.stdin and worker.stdout
    worker.stdin.write(json.dumps(request) + "\n")
    worker.stdin.flush()
    text = ""
    while True:
        line = worker.stdout.readline()
        assert line, "the worker exited"
        message = json.loads(line)
        assert message.get("id") == request["id"], message
        assert "error" not in message, message
        if message.get("done"):
            return text, message
        text += message["delta"]


def test_worker_streams_seeded_answers_from_base_and_adapter(tiny_model, adapter):
    worker = subprocess.Popen(
        [sys.executable, "-m", "brightrun_trainer.serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**trainer_env(), "BRIGHTRUN_SERVE_IDLE_SECONDS": "30"},
    )
    try:
        assert json.loads(worker.stdout.readline()) == {"ready": True}
        base = {
            "base_model": tiny_model,
            "adapter": None,
            "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
            "max_tokens": 8,
            "temperature": 1.0,
            "top_p": 0.95,
            "seed": 1,
        }
        first, done = _ask(worker, {**base, "id": "a"})
        assert 1 <= done["completion_tokens"] <= 8
        again, _ = _ask(worker, {**base, "id": "b"})
        assert again == first, "the same seed must give the same text"
        tuned, done = _ask(worker, {**base, "id": "c", "adapter": adapter, "adapter_name": "job1"})
        assert done["completion_tokens"] <= 8
        # The base answer after the adapter was attached is still the base model's.
        after, _ = _ask(worker, {**base, "id": "d"})
        assert after == first
    finally:
        worker.stdin.close()
        worker.wait(timeout=60)
    assert worker.returncode == 0


def test_worker_exits_when_idle():
    # stdin kept open and silent: the worker must leave on its own, freeing its memory.
    proc = subprocess.Popen(
        [sys.executable, "-m", "brightrun_trainer.serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**trainer_env(), "BRIGHTRUN_SERVE_IDLE_SECONDS": "0.5"},
    )
    try:
        assert proc.wait(timeout=60) == 0
    finally:
        proc.stdin.close()


def test_merged_model_gives_the_logits_of_base_plus_adapter(tiny_model, adapter, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    out = tmp_path / "merged"
    result = subprocess.run(
        [sys.executable, "-m", "brightrun_trainer.merge", "--base", tiny_model, "--adapter", adapter, "--out", str(out)],
        capture_output=True,
        text=True,
        env=trainer_env(),
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "model.safetensors" in json.loads(result.stdout.strip().splitlines()[-1])["files"]
    ids = torch.tensor([[1, 5, 9, 13, 17, 21]])
    with torch.no_grad():
        base = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32)
        plain = base(ids).logits
        expected = PeftModel.from_pretrained(base, adapter)(ids).logits
        merged = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32)(ids).logits
    assert (expected - plain).abs().max() > 1e-3, "the adapter must change the logits for this test to mean anything"
    assert (merged - expected).abs().max() < 1e-4
