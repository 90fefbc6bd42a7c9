"""Tool calls, tool results, the tools list and reasoning: rendered through the base model's chat template, with
loss on the assistant's calls and answers (and its reasoning unless `train_on_reasoning` is false), never on tool
results, the system prompt or the tools list.

Two renderings (docs/trainer.md, "Tool calls and reasoning"):
- **chat template**: when the template knows tools (its source mentions `tool_calls`), the conversation goes
  through `apply_chat_template(messages, tools=tools)` in the shape transformers documents: assistant
  `tool_calls: [{"type": "function", "function": {"name", "arguments": {...}}}]`, `tool` messages with
  `tool_call_id` and `name`, reasoning as `reasoning_content` (and `thinking`, which other templates read).
- **fallback** (the Hermes / Qwen `<tool_call>` JSON convention) when it does not: the tools are listed in the
  system message between `<tools></tools>`, each call is appended to the assistant's text as
  `<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>`, each result becomes a user turn
  `<tool_response>\n...\n</tool_response>`, and reasoning the template does not read is put before the answer as
  `<think>\n...\n</think>\n\n`. The adapter's model card states it (`MODEL_CARD_NOTE`).

The assistant spans are found by rendering turn by turn, as chat.py does for templates without generation marks.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .chat import IGNORE_INDEX, Example, TemplateError

FALLBACK_TOOLS_PROMPT = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{tools}\n</tools>\n\n"
    "For each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{{"name": <function-name>, "arguments": <args-json-object>}}\n</tool_call>'
)

MODEL_CARD_NOTE = """
## Tool calls and reasoning (BrightRun fallback rendering)

The base model's chat template has no tool support, so this adapter was trained on tool-use conversations
rendered with the `<tool_call>` JSON convention (Hermes / Qwen): the tools are listed in the system message
between `<tools></tools>` (one JSON schema per line), the assistant writes each call as
`<tool_call>\\n{"name": "...", "arguments": {...}}\\n</tool_call>` after its text, each tool result is a user turn
`<tool_response>\\n...\\n</tool_response>`, and reasoning comes before the answer as `<think>\\n...\\n</think>`.
Prompt the model the same way at inference.
"""

# After the reasoning text: a closing tag (</think>, </thinking>, ...) and the blank space around it.
_AFTER_REASONING = re.compile(r"\s*(?:</[A-Za-z_|]{1,32}>)?\s*")


def needs_rendering(messages: list[dict[str, Any]], tools: list[Any] | None) -> bool:
    """True when the conversation has anything the plain role/content path would lose."""
    return bool(tools) or any(
        m.get("tool_calls") or m["role"] == "tool" or m.get("reasoning_content") for m in messages
    )


def supports_tools(tokenizer: Any) -> bool:
    template = tokenizer.chat_template
    return isinstance(template, str) and "tool_calls" in template


def _supports_reasoning(tokenizer: Any) -> bool:
    template = tokenizer.chat_template
    return isinstance(template, str) and ("reasoning_content" in template or "thinking" in template)


def rendering(tokenizer: Any) -> str:
    """`chat_template` or `fallback`: how tool conversations are rendered for this tokenizer."""
    return "chat_template" if supports_tools(tokenizer) else "fallback"


def _arguments(call: dict[str, Any]) -> Any:
    arguments = call["function"].get("arguments", {})
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except ValueError:
            return arguments
    return arguments


def _native(messages: list[dict[str, Any]], reasoning: bool) -> list[dict[str, Any]]:
    out = []
    for m in messages:
        entry: dict[str, Any] = {"role": m["role"], "content": m.get("content") or ""}
        if m.get("tool_calls"):
            entry["tool_calls"] = [
                {
                    "id": c.get("id"),
                    "type": "function",
                    "function": {"name": c["function"]["name"], "arguments": _arguments(c)},
                }
                for c in m["tool_calls"]
            ]
        if m["role"] == "tool":
            entry["tool_call_id"] = m.get("tool_call_id")
            if m.get("name"):
                entry["name"] = m["name"]
        if m.get("reasoning_content"):
            if reasoning:
                entry["reasoning_content"] = entry["thinking"] = m["reasoning_content"]
            else:
                entry["content"] = _think(m["reasoning_content"]) + entry["content"]
        out.append(entry)
    return out


def _think(reasoning: str) -> str:
    return f"<think>\n{reasoning}\n</think>\n\n"


def _fallback(messages: list[dict[str, Any]], tools: list[Any] | None, reasoning: bool) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for m in messages:
        content = m.get("content") or ""
        if m["role"] == "assistant":
            for c in m.get("tool_calls") or []:
                call = json.dumps({"name": c["function"]["name"], "arguments": _arguments(c)}, ensure_ascii=False)
                content += ("\n" if content else "") + f"<tool_call>\n{call}\n</tool_call>"
            if m.get("reasoning_content") and not reasoning:
                content = _think(m["reasoning_content"]) + content
            entry = {"role": "assistant", "content": content}
            if m.get("reasoning_content") and reasoning:
                entry["reasoning_content"] = entry["thinking"] = m["reasoning_content"]
            out.append(entry)
        elif m["role"] == "tool":
            out.append({"role": "user", "content": f"<tool_response>\n{content}\n</tool_response>"})
        else:
            out.append({"role": m["role"], "content": content})
    if tools:
        listing = "\n".join(json.dumps(t, ensure_ascii=False) for t in tools)
        prompt = FALLBACK_TOOLS_PROMPT.format(tools=listing)
        if out and out[0]["role"] == "system":
            out[0] = {"role": "system", "content": out[0]["content"] + "\n\n" + prompt}
        else:
            out.insert(0, {"role": "system", "content": prompt})
    return out


def tokenize_with_tools(
    tokenizer: Any,
    messages: list[dict[str, Any]],
    tools: list[Any] | None,
    max_seq_len: int,
    train_on_reasoning: bool = True,
) -> Example:
    """Tokens of the conversation and labels that keep the assistant's calls, answers and (optionally) reasoning."""
    native = supports_tools(tokenizer)
    reads_reasoning = _supports_reasoning(tokenizer)
    if native:
        rendered = _native(messages, reads_reasoning)
        template_tools = tools or None
    else:
        rendered = _fallback(messages, tools, reads_reasoning)
        template_tools = None
    # The fallback may add a system message in front: keep the indexes of the original messages aligned.
    shift = len(rendered) - len(messages)

    def render(msgs: list[dict[str, Any]], add_generation_prompt: bool) -> str:
        return tokenizer.apply_chat_template(
            msgs, tools=template_tools, tokenize=False, add_generation_prompt=add_generation_prompt
        )

    text = render(rendered, add_generation_prompt=False)
    spans: list[tuple[int, int]] = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant" or message.get("weight", 1) == 0:
            continue
        j = i + shift
        before = render(rendered[:j], add_generation_prompt=True) if j else ""
        through = render(rendered[: j + 1], add_generation_prompt=False)
        if not through.startswith(before) or not text.startswith(through):
            raise TemplateError(
                "the chat template does not render the conversation turn by turn (assistant turn "
                f"{i + 1} is not a continuation of the turns before it)"
            )
        start, end = len(before), len(through)
        reasoning = message.get("reasoning_content")
        if reasoning and not train_on_reasoning:
            at = text.find(reasoning, start, end)
            if at >= 0:
                after = _AFTER_REASONING.match(text, at + len(reasoning))
                start = after.end() if after else at + len(reasoning)
        if start < end:
            spans.append((start, end))
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(encoded["input_ids"])
    mask = [
        int(end > start and any(start < span_end and end > span_start for span_start, span_end in spans))
        for start, end in encoded["offset_mapping"]
    ]
    truncated = len(ids) > max_seq_len
    ids, mask = ids[:max_seq_len], mask[:max_seq_len]
    labels = [tok if keep else IGNORE_INDEX for tok, keep in zip(ids, mask, strict=True)]
    return Example(input_ids=ids, labels=labels, truncated=truncated)
