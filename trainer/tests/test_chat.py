"""The loss mask: exactly the assistant tokens (their text and end-of-turn marker), nothing else, none twice."""

from __future__ import annotations

import pytest

from brightrun_trainer.chat import (
    IGNORE_INDEX,
    TemplateError,
    has_generation_marks,
    tokenize_conversation,
)
from conftest import conversation


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model, local_files_only=True)


def loss_spans(example) -> list[list[int]]:
    """Runs of consecutive label positions that carry loss."""
    spans, current = [], []
    for token, label in zip(example.input_ids, example.labels, strict=True):
        if label == IGNORE_INDEX:
            if current:
                spans.append(current)
            current = []
        else:
            assert label == token  # a kept label is the token itself; the model shifts it
            current.append(token)
    if current:
        spans.append(current)
    return spans


def test_mask_covers_exactly_the_assistant_turns(tokenizer):
    messages = conversation(3)["messages"]
    example = tokenize_conversation(tokenizer, messages, max_seq_len=4096)
    assistant = [m["content"] for m in messages if m["role"] == "assistant"]

    spans = loss_spans(example)

    assert [tokenizer.decode(span) for span in spans] == [text + "<|im_end|>" for text in assistant]
    # Every assistant token is in the mask: their count equals the tokens of the texts plus one end marker each.
    expected = sum(len(tokenizer(text, add_special_tokens=False)["input_ids"]) + 1 for text in assistant)
    assert example.loss_tokens == expected
    # And nothing of the system or user turns is: the unmasked text still holds them whole.
    kept = tokenizer.decode(
        [token for token, label in zip(example.input_ids, example.labels, strict=True) if label == IGNORE_INDEX]
    )
    for message in messages:
        if message["role"] != "assistant":
            assert message["content"] in kept


def test_template_without_generation_marks_gives_the_same_mask(tokenizer):
    messages = conversation(5)["messages"]
    marked = tokenize_conversation(tokenizer, messages, max_seq_len=4096)
    plain = tokenizer.chat_template.replace("{% generation %}", "").replace("{% endgeneration %}", "")
    original = tokenizer.chat_template
    tokenizer.chat_template = plain
    try:
        assert not has_generation_marks(tokenizer)
        unmarked = tokenize_conversation(tokenizer, messages, max_seq_len=4096)
    finally:
        tokenizer.chat_template = original
    assert unmarked.input_ids == marked.input_ids
    # Rendering turn by turn also counts the newline the template puts after each assistant turn.
    unmarked_spans = [tokenizer.decode(s) for s in loss_spans(unmarked)]
    marked_spans = [tokenizer.decode(s) for s in loss_spans(marked)]
    assert [s.rstrip("\n") for s in unmarked_spans] == marked_spans


def test_template_that_rewrites_earlier_turns_is_refused(tokenizer):
    # Renders only the last message: earlier turns vanish once a new one is added, so spans can't be located.
    original = tokenizer.chat_template
    tokenizer.chat_template = "{{ messages[-1]['content'] }}{% if add_generation_prompt %}>{% endif %}"
    try:
        with pytest.raises(TemplateError):
            tokenize_conversation(tokenizer, conversation(1)["messages"], max_seq_len=4096)
    finally:
        tokenizer.chat_template = original


def test_truncation_cuts_tokens_and_labels_together(tokenizer):
    # One exchange, too long: the system prompt stays, the oldest tokens after it go, the answer stays whole.
    messages = conversation(2)["messages"][:3]
    full = tokenize_conversation(tokenizer, messages, max_seq_len=4096)
    system = len(tokenize_conversation(tokenizer, messages[:1], max_seq_len=4096).input_ids)
    cut = tokenize_conversation(tokenizer, messages, max_seq_len=len(full.input_ids) - 5)
    assert cut.truncated and not full.truncated
    assert cut.input_ids == full.input_ids[:system] + full.input_ids[system + 5 :]
    assert cut.labels == full.labels[:system] + full.labels[system + 5 :]
    assert cut.loss_tokens == full.loss_tokens


def test_assistant_turns_with_weight_zero_carry_no_loss(tokenizer):
    # BrightRun's converter marks the history turns of a v4 record with weight 0: context, not a target.
    messages = conversation(2)["messages"]
    messages[2] = {**messages[2], "weight": 0}
    target = messages[4]["content"]
    for template in (tokenizer.chat_template, None):
        original = tokenizer.chat_template
        if template is None:
            tokenizer.chat_template = original.replace("{% generation %}", "").replace("{% endgeneration %}", "")
        try:
            example = tokenize_conversation(tokenizer, messages, max_seq_len=4096)
        finally:
            tokenizer.chat_template = original
        spans = [tokenizer.decode(span).rstrip("\n") for span in loss_spans(example)]
        assert spans == [target + "<|im_end|>"]
        # The unweighted turn is still in the input, as context.
        assert messages[2]["content"] in tokenizer.decode(example.input_ids)


def test_chatml_fallback_ends_assistant_turns_with_the_eos(tokenizer):
    from brightrun_trainer.chat import FALLBACK_CHAT_TEMPLATE

    messages = conversation(1)["messages"]
    original_template, original_eos = tokenizer.chat_template, tokenizer.eos_token
    tokenizer.chat_template = FALLBACK_CHAT_TEMPLATE
    try:
        # A base model's EOS is not ChatML's end marker: the fallback adds it, inside the trained span.
        tokenizer.eos_token = "<|endoftext|>"
        example = tokenize_conversation(tokenizer, messages, max_seq_len=4096)
        spans = [tokenizer.decode(span) for span in loss_spans(example)]
        assistant = [m["content"] for m in messages if m["role"] == "assistant"]
        assert spans == [text + "<|im_end|><|endoftext|>" for text in assistant]
        # When the EOS is ChatML's marker itself it is not repeated.
        tokenizer.eos_token = "<|im_end|>"
        example = tokenize_conversation(tokenizer, messages, max_seq_len=4096)
        assert [tokenizer.decode(span) for span in loss_spans(example)] == [t + "<|im_end|>" for t in assistant]
    finally:
        tokenizer.chat_template, tokenizer.eos_token = original_template, original_eos


def test_template_refusal_is_a_template_error_quoting_it(tokenizer):
    original = tokenizer.chat_template
    tokenizer.chat_template = (
        "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
        + original
    )
    try:
        with pytest.raises(TemplateError, match="System role not supported"):
            tokenize_conversation(tokenizer, conversation(1)["messages"], max_seq_len=4096)
    finally:
        tokenizer.chat_template = original


def long_history(turns: int) -> list[dict]:
    messages = [{"role": "system", "content": "You are a patient tutor."}]
    for i in range(turns):
        messages.append({"role": "user", "content": f"Question number {i}: what is the budget for this month?"})
        messages.append(
            {"role": "assistant", "content": f"Answer number {i}: write down every expense first.", "weight": 0}
        )
    messages[-1] = {"role": "assistant", "content": "The final answer: save ten percent of what you earn."}
    return messages


def test_a_long_conversation_drops_its_oldest_turns_and_keeps_system_and_target(tokenizer):
    messages = long_history(8)
    full = tokenize_conversation(tokenizer, messages, max_seq_len=100_000)
    limit = len(full.input_ids) // 2
    cut = tokenize_conversation(tokenizer, messages, max_seq_len=limit)
    assert cut.truncated and cut.dropped_turns > 0 and len(cut.input_ids) <= limit
    text = tokenizer.decode(cut.input_ids)
    assert text.startswith("<|im_start|>system\nYou are a patient tutor.")
    assert "Question number 0" not in text  # the oldest exchange went first
    assert "Question number 7" in text  # the last question stays with its answer
    spans = [tokenizer.decode(span) for span in loss_spans(cut)]
    assert spans == ["The final answer: save ten percent of what you earn.<|im_end|>"]
    # As few turns as needed were dropped: keeping one more exchange would not fit.
    kept_users = sum(1 for m in messages if m["role"] == "user" and m["content"] in text)
    assert cut.dropped_turns == 2 * (8 - kept_users)
    one_more = [messages[0], *messages[1 + 2 * (8 - kept_users - 1) :]]
    assert len(tokenize_conversation(tokenizer, one_more, max_seq_len=100_000).input_ids) > limit


def test_a_conversation_too_long_even_without_history_keeps_the_system_prompt_and_the_answer(tokenizer):
    messages = long_history(2)
    shortest = [messages[0], messages[-2], messages[-1]]
    whole = tokenize_conversation(tokenizer, shortest, max_seq_len=100_000)
    cut = tokenize_conversation(tokenizer, messages, max_seq_len=len(whole.input_ids) - 3)
    assert len(cut.input_ids) == len(whole.input_ids) - 3 and cut.truncated and cut.dropped_turns == 2
    # The start of the last question went; the system prompt and the whole answer stayed.
    assert tokenizer.decode(cut.input_ids).startswith("<|im_start|>system\nYou are a patient tutor.")
    assert cut.loss_tokens == whole.loss_tokens and cut.input_ids[-5:] == whole.input_ids[-5:]


def test_turns_after_the_last_target_go_first(tokenizer):
    messages = [*long_history(1), {"role": "user", "content": "Thanks! " * 40}]
    full = tokenize_conversation(tokenizer, messages, max_seq_len=100_000)
    without = tokenize_conversation(tokenizer, messages[:-1], max_seq_len=100_000)
    cut = tokenize_conversation(tokenizer, messages, max_seq_len=len(full.input_ids) - 1)
    assert cut.input_ids == without.input_ids and cut.dropped_turns == 1
