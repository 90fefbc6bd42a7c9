"""Reads the `openai_messages` dataset (one `{"messages": [...]}` per line) and splits off the validation set."""

from __future__ import annotations

import hashlib
import json
import os
import random
from dataclasses import dataclass
from typing import Any

from .errors import dataset_not_found, invalid_dataset

ROLES = ("system", "user", "assistant", "tool")


@dataclass
class Conversation:
    """One training example: the messages of one conversation, and the line it came from (for error messages)."""

    messages: list[dict[str, Any]]
    line: int
    tools: list[Any] | None = None  # the record's `tools` (function JSON schemas), rendered by render_tools


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_exists(path: str) -> None:
    if not os.path.isfile(path):
        raise dataset_not_found(path)


def read_conversations(path: str) -> list[Conversation]:
    """Every non-blank line must be a conversation with at least one non-empty assistant message that carries loss."""
    check_exists(path)
    conversations: list[Conversation] = []
    with open(path, encoding="utf-8", errors="strict") as f:
        try:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                messages, tools = _parse_line(line, number, path)
                conversations.append(Conversation(messages, number, tools))
        except UnicodeDecodeError as e:
            raise invalid_dataset(f"{path}: the file is not UTF-8 text ({e.reason})") from None
    if not conversations:
        raise invalid_dataset(f"{path}: the dataset has no conversations")
    return conversations


def _parse_line(line: str, number: int, path: str) -> tuple[list[dict[str, Any]], list[Any] | None]:
    where = f"{os.path.basename(path)} line {number}"
    try:
        record = json.loads(line)
    except ValueError as e:
        raise invalid_dataset(f"{where}: not valid JSON ({e})") from None
    if not isinstance(record, dict) or not isinstance(record.get("messages"), list):
        raise invalid_dataset(f'{where}: expected an object with a "messages" list')
    messages: list[dict[str, Any]] = []
    for index, message in enumerate(record["messages"], start=1):
        if not isinstance(message, dict):
            raise invalid_dataset(f"{where}: message {index} is not an object")
        role = message.get("role")
        if role not in ROLES:
            raise invalid_dataset(f"{where}: message {index} has role {role!r}; expected one of {', '.join(ROLES)}")
        calls = message.get("tool_calls") if role == "assistant" else None
        if calls is not None and not isinstance(calls, list):
            raise invalid_dataset(f"{where}: message {index} has tool_calls that are not a list")
        # An assistant message that calls tools may have no text (OpenAI writes `content: null`).
        content = message.get("content")
        text = "" if calls and content is None else _text(content, where, index)
        entry: dict[str, Any] = {"role": role, "content": text}
        if calls:
            entry["tool_calls"] = calls
        for key in ("tool_call_id", "name") if role == "tool" else ():
            if isinstance(message.get(key), str):
                entry[key] = message[key]
        reasoning = message.get("reasoning_content") or message.get("thinking")
        if role == "assistant" and isinstance(reasoning, str) and reasoning.strip():
            entry["reasoning_content"] = reasoning
        weight = message.get("weight", 1)
        if weight not in (0, 1) or isinstance(weight, bool):
            raise invalid_dataset(f"{where}: message {index} has weight {weight!r}; expected 0 or 1")
        if role == "assistant" and weight == 0:
            entry["weight"] = 0
        messages.append(entry)
    if not any(
        m["role"] == "assistant" and (m["content"].strip() or m.get("tool_calls")) and m.get("weight", 1)
        for m in messages
    ):
        raise invalid_dataset(f"{where}: the conversation has no assistant message to learn from")
    tools = record.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise invalid_dataset(f'{where}: "tools" is not a list of function schemas')
    return messages, tools or None


def _text(content: object, where: str, index: int) -> str:
    """OpenAI content is a string or a list of parts; only text parts can be trained on."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                parts.append(part["text"])
            else:
                raise invalid_dataset(f"{where}: message {index} has a content part that is not text")
        return "".join(parts)
    raise invalid_dataset(f"{where}: message {index} has no text content")


def split_validation(
    conversations: list[Conversation], fraction: float, seed: int
) -> tuple[list[Conversation], list[Conversation]]:
    """Shuffle with the seed and hold out `fraction` (at least one example when fraction > 0, never all)."""
    if fraction <= 0 or len(conversations) < 2:
        return list(conversations), []
    order = list(range(len(conversations)))
    random.Random(seed).shuffle(order)
    held = min(max(1, round(len(conversations) * fraction)), len(conversations) - 1)
    validation = sorted(order[:held])
    training = sorted(order[held:])
    return [conversations[i] for i in training], [conversations[i] for i in validation]
