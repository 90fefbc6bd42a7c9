"""Turns one conversation into model inputs with the base model's chat template, loss on assistant tokens only.

Two ways to find the assistant tokens:
- templates that mark assistant text with `{% generation %}` give the mask directly
  (`apply_chat_template(return_assistant_tokens_mask=True)`);
- other templates (most hub models') are rendered turn by turn: the text an assistant turn adds after the
  generation prompt of the turns before it is that turn's target, end-of-turn marker included, so the model
  learns to stop. Its characters are mapped to tokens through the tokenizer's offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

IGNORE_INDEX = -100  # label value that torch's cross-entropy skips

# Used only when the model ships no chat template at all (a base model): plain ChatML. A base model's tokenizer does
# not know `<|im_end|>` as its end of sequence, so each assistant turn also ends with the tokenizer's EOS (inside
# the trained span): the model learns to emit it, and generation stops there.
FALLBACK_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\\n' }}{% generation %}{{ message['content'] + '<|im_end|>' }}"
    "{% if eos_token and eos_token != '<|im_end|>' %}{{ eos_token }}{% endif %}{% endgeneration %}"
    "{{ '\\n' }}"
    "{% else %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

_GENERATION_TAG = re.compile(r"{%-?\s*generation\s*-?%}")


@dataclass
class Example:
    """One tokenized training example."""

    input_ids: list[int]
    labels: list[int]
    truncated: bool
    # History turns left out so that the example fits in max_seq_len (the oldest first).
    dropped_turns: int = 0

    @property
    def loss_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE_INDEX)


class TemplateError(ValueError):
    """The chat template does not render this conversation so that its assistant turns can be located."""


def has_generation_marks(tokenizer: Any) -> bool:
    template = tokenizer.chat_template
    return isinstance(template, str) and bool(_GENERATION_TAG.search(template))


def tokenize_conversation(
    tokenizer: Any,
    messages: list[dict[str, Any]],
    max_seq_len: int,
    tools: list[Any] | None = None,
    train_on_reasoning: bool = True,
) -> Example:
    """Tokens of the conversation and labels that keep only assistant tokens, within `max_seq_len`.

    An assistant message with `"weight": 0` (OpenAI's fine-tuning convention) is context, not a target: its
    tokens carry no loss. BrightRun's converter marks the history turns of a v4 record that way, so a turn
    that recurs as history in later records is not trained on again.

    A conversation longer than `max_seq_len` keeps what trains: its system messages and its last assistant turn
    that carries loss. Turns after that one go first (they carry no loss), then whole exchanges of history (from a
    user message to the next), oldest first, as few as needed. When even the system messages and the last exchange
    are too long, the oldest tokens after the system messages go (the start of the last user message, then of the
    answer), so the example still ends with its answer and its end-of-turn marker.
    """
    from .render_tools import needs_rendering, tokenize_with_tools

    if needs_rendering(messages, tools):  # tool calls, tool results, tools or reasoning: see render_tools
        return tokenize_with_tools(tokenizer, messages, tools, max_seq_len, train_on_reasoning)
    ids, mask = _tokens_and_mask(tokenizer, messages)
    if len(ids) <= max_seq_len:
        return _example(ids, mask, max_seq_len, truncated=False, dropped=0)
    system, rest = _split_system(messages)
    targets = [i for i, m in enumerate(rest) if m["role"] == "assistant" and m.get("weight", 1) != 0]
    if not targets:
        return _example(ids, mask, max_seq_len, truncated=True, dropped=0)
    after = len(rest) - targets[-1] - 1
    rest = rest[: targets[-1] + 1]
    cuts = [0, *(i for i, m in enumerate(rest) if m["role"] == "user" and 0 < i < targets[-1])]
    # The fewest dropped exchanges that fit (lengths shrink as more history goes): a binary search over the cuts.
    low, high = 0, len(cuts) - 1
    best: tuple[list[int], list[int], int] | None = None
    while low <= high:
        middle = (low + high) // 2
        cut_ids, cut_mask = _tokens_and_mask(tokenizer, system + rest[cuts[middle] :])
        if len(cut_ids) <= max_seq_len:
            best = (cut_ids, cut_mask, cuts[middle])
            high = middle - 1
        else:
            low = middle + 1
    if best is None:
        cut = cuts[-1]
        cut_ids, cut_mask = _keep_system_and_newest(tokenizer, system, rest[cut:], max_seq_len)
        best = (cut_ids, cut_mask, cut)
    cut_ids, cut_mask, cut = best
    dropped = after + sum(1 for m in rest[:cut] if m["role"] in ("user", "assistant", "tool"))
    return _example(cut_ids, cut_mask, max_seq_len, truncated=True, dropped=dropped)


def _split_system(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    count = 0
    while count < len(messages) and messages[count]["role"] == "system":
        count += 1
    return list(messages[:count]), list(messages[count:])


def _keep_system_and_newest(
    tokenizer: Any, system: list[dict[str, Any]], rest: list[dict[str, Any]], max_seq_len: int
) -> tuple[list[int], list[int]]:
    """The system messages' tokens, then the newest tokens of the rest that still fit."""
    ids, mask = _tokens_and_mask(tokenizer, system + rest)
    prefix = 0
    if system:
        try:
            system_ids, _ = _tokens_and_mask(tokenizer, system)
        except TemplateError:
            system_ids = []  # a template that renders no conversation without a user turn
        if system_ids and ids[: len(system_ids)] == system_ids:
            prefix = len(system_ids)
    keep = max_seq_len - prefix
    if keep <= 0:
        return ids, mask  # the system messages alone are too long: the end is cut (by _example)
    return ids[:prefix] + ids[-keep:], mask[:prefix] + mask[-keep:]


def _example(ids: list[int], mask: list[int], max_seq_len: int, truncated: bool, dropped: int) -> Example:
    truncated = truncated or len(ids) > max_seq_len
    ids, mask = ids[:max_seq_len], mask[:max_seq_len]
    labels = [tok if keep else IGNORE_INDEX for tok, keep in zip(ids, mask, strict=True)]
    return Example(input_ids=ids, labels=labels, truncated=truncated, dropped_turns=dropped)


def _tokens_and_mask(tokenizer: Any, messages: list[dict[str, Any]]) -> tuple[list[int], list[int]]:
    """Every token of the rendered conversation, and 1 where it is a target (an assistant turn of weight 1)."""
    weights = [message.get("weight", 1) != 0 for message in messages if message["role"] == "assistant"]
    plain = [{"role": message["role"], "content": message["content"]} for message in messages]
    if has_generation_marks(tokenizer):
        ids, mask = _by_generation_marks(tokenizer, plain)
        if not all(weights):
            mask = _drop_unweighted_runs(mask, weights)
    else:
        ids, mask = _by_rendering_prefixes(tokenizer, plain, weights)
    return ids, mask


def _apply_template(tokenizer: Any, messages: list[dict[str, str]], **kwargs: Any) -> Any:
    """`apply_chat_template`, with the template's own refusal (`raise_exception(...)`: "System role not
    supported", "roles must alternate") turned into a TemplateError that quotes it."""
    import jinja2

    try:
        return tokenizer.apply_chat_template(messages, **kwargs)
    except jinja2.exceptions.TemplateError as e:
        raise TemplateError(f"the model's chat template refused this conversation: {e}") from None


def _by_generation_marks(tokenizer: Any, messages: list[dict[str, str]]) -> tuple[list[int], list[int]]:
    out = _apply_template(tokenizer, messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    return list(out["input_ids"]), list(out["assistant_masks"])


def _drop_unweighted_runs(mask: list[int], weights: list[bool]) -> list[int]:
    """The template's mask has one run of ones per assistant message, in order; clear the runs of weight 0."""
    runs: list[tuple[int, int]] = []
    start = None
    for position, keep in enumerate([*mask, 0]):
        if keep and start is None:
            start = position
        elif not keep and start is not None:
            runs.append((start, position))
            start = None
    if len(runs) != len(weights):
        raise TemplateError(
            f"the chat template marks {len(runs)} assistant spans for {len(weights)} assistant messages, "
            "so the turns that carry no loss (weight 0) cannot be told apart"
        )
    mask = list(mask)
    for (run_start, run_end), weighted in zip(runs, weights, strict=True):
        if not weighted:
            mask[run_start:run_end] = [0] * (run_end - run_start)
    return mask


def _render(tokenizer: Any, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
    return _apply_template(tokenizer, messages, tokenize=False, add_generation_prompt=add_generation_prompt)


def _by_rendering_prefixes(
    tokenizer: Any, messages: list[dict[str, str]], weights: list[bool] | None = None
) -> tuple[list[int], list[int]]:
    text = _render(tokenizer, messages, add_generation_prompt=False)
    spans: list[tuple[int, int]] = []
    assistant_index = -1
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        assistant_index += 1
        if weights is not None and not weights[assistant_index]:
            continue
        before = _render(tokenizer, messages[:i], add_generation_prompt=True) if i else ""
        through = _render(tokenizer, messages[: i + 1], add_generation_prompt=False)
        # Templates that rewrite earlier turns (e.g. drop old reasoning) are not prefix-stable; their spans
        # cannot be located this way, and guessing would train on the wrong tokens.
        if not through.startswith(before) or not text.startswith(through):
            raise TemplateError(
                "the chat template does not render the conversation turn by turn (assistant turn "
                f"{i + 1} is not a continuation of the turns before it)"
            )
        spans.append((len(before), len(through)))
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(encoded["input_ids"])
    mask = [
        int(any(start < span_end and end > span_start for span_start, span_end in spans) and end > start)
        for start, end in encoded["offset_mapping"]
    ]
    return ids, mask
