"""`gradient_checkpointing`: on and off as asked; auto decided by the activation estimate against free memory."""

from __future__ import annotations

from types import SimpleNamespace

from brightrun_trainer.memory import activation_bytes, decide_checkpointing, largest_batch_tokens

LLAMA_8B = SimpleNamespace(
    hidden_size=4096,
    intermediate_size=14336,
    num_hidden_layers=32,
    num_attention_heads=32,
    num_key_value_heads=8,
    vocab_size=128256,
)


def test_on_and_off_are_obeyed_and_auto_is_off_on_the_cpu():
    model = SimpleNamespace(config=LLAMA_8B)
    assert decide_checkpointing("on", False, model, 16384, 2, False) is True
    assert decide_checkpointing("off", True, model, 16384, 2, False) is False
    assert decide_checkpointing("auto", False, model, 16384, 2, False) is False


def test_checkpointing_cuts_the_activations_of_a_long_batch_by_an_order_of_magnitude():
    tokens = 8 * 2048
    without = activation_bytes(LLAMA_8B, tokens, 2, checkpointing=False, fused_loss=True)
    with_it = activation_bytes(LLAMA_8B, tokens, 2, checkpointing=True, fused_loss=True)
    # Llama-3.1-8B, batch 8 x 2048: ~130 GiB of activations without checkpointing (no 80 GB GPU holds that),
    # under 10 GiB with it.
    assert without > 100 * 2**30 and with_it < 10 * 2**30
    # The unfused loss adds the logits (128k vocabulary: ~20 GiB here).
    assert activation_bytes(LLAMA_8B, tokens, 2, False, fused_loss=False) - without > 15 * 2**30


def test_largest_batch_counts_padding_only_when_padded():
    lengths = [100, 900, 300, 50, 700]
    assert largest_batch_tokens(lengths, 2, "padding_free") == 1600
    assert largest_batch_tokens(lengths, 2, "none") == 1800
    assert largest_batch_tokens([], 2, "none") == 0


def test_auto_on_a_gpu_compares_with_the_memory_the_weights_leave(monkeypatch):
    """No GPU here: the free memory is given, the decision logic is real."""
    import torch

    weights = torch.nn.Linear(1024, 1024)  # 4 MiB of fp32 weights, still on the CPU
    model = SimpleNamespace(config=LLAMA_8B, parameters=weights.parameters)
    need = activation_bytes(LLAMA_8B, 4096, 2, checkpointing=False, fused_loss=False)
    weight_bytes = 1024 * 1024 * 4 + 1024 * 4
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (int(need / 0.8) + weight_bytes + 2**20, 0))
    assert decide_checkpointing("auto", True, model, 4096, 2, False) is False
    # The same free memory minus the weights' room is too little: on.
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (int(need / 0.8) + weight_bytes - 2**20, 0))
    assert decide_checkpointing("auto", True, model, 4096, 2, False) is True
