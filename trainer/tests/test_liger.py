"""Liger's fused linear cross-entropy (used on CUDA when liger-kernel is installed) gives the unfused loss.

Liger's kernels are Triton GPU kernels: without liger-kernel or without a CUDA GPU these tests skip.
"""

from __future__ import annotations

import pytest
import torch

from brightrun_trainer.chat import IGNORE_INDEX


def _liger_on_cuda():
    pytest.importorskip("liger_kernel", reason="liger-kernel is not installed (GPU installs only)")
    if not torch.cuda.is_available():
        pytest.skip("Liger's kernels need a CUDA GPU")
    from liger_kernel.transformers import LigerFusedLinearCrossEntropyLoss

    return LigerFusedLinearCrossEntropyLoss


def test_fused_loss_and_gradients_match_the_unfused_ones():
    fused_loss = _liger_on_cuda()
    g = torch.Generator(device="cuda").manual_seed(0)
    tokens, hidden, vocab = 1000, 256, 32000
    states = torch.randn(tokens, hidden, device="cuda", generator=g, requires_grad=True)
    head = (torch.randn(vocab, hidden, device="cuda", generator=g) * 0.02).requires_grad_()
    targets = torch.randint(0, vocab, (tokens,), device="cuda", generator=g)
    targets[::3] = IGNORE_INDEX  # prompt tokens carry no loss

    expected = torch.nn.functional.cross_entropy(states @ head.T, targets, ignore_index=IGNORE_INDEX)
    expected.backward()
    expected_grads = states.grad.clone(), head.grad.clone()
    states.grad, head.grad = None, None

    actual = fused_loss(ignore_index=IGNORE_INDEX)(head, states, targets)
    actual.backward()
    assert actual.item() == pytest.approx(expected.item(), abs=1e-4)
    assert torch.allclose(states.grad, expected_grads[0], atol=1e-5, rtol=1e-3)
    assert torch.allclose(head.grad, expected_grads[1], atol=1e-5, rtol=1e-3)
