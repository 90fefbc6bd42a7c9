"""The loss mask of tool-use conversations: the assistant's calls and answers (and reasoning unless turned off),
never tool results, the system prompt or the tools list; through a template with tool support and the fallback."""

from __future__ import annotations

import json

import pytest

from brightrun_trainer.chat import IGNORE_INDEX, tokenize_conversation
from brightrun_trainer.data import read_conversations
from brightrun_trainer.render_tools import rendering
from brightrun_trainer.tiny_model import TOOL_CHAT_TEMPLATE

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}

MESSAGES = [
    {"role": "system", "content": "You are a travel assistant."},
    {"role": "user", "content": "Do I need a coat in Oslo?"},
    {
        "role": "assistant",
        "content": "",
        "reasoning_content": "I need the weather in Oslo first.",
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": '{"temperature": -3}'},
    {"role": "assistant", "content": "Yes, it is -3 degrees in Oslo: take a warm coat."},
]


@pytest.fixture(scope="module", params=["fallback", "chat_template"])
def tokenizer(request, tiny_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model, local_files_only=True)
    if request.param == "chat_template":
        tok.chat_template = TOOL_CHAT_TEMPLATE
    assert rendering(tok) == request.param
    return tok


def trained_text(tokenizer, example) -> list[str]:
    spans, current = [], []
    for token, label in zip(example.input_ids, example.labels, strict=True):
        if label == IGNORE_INDEX:
            if current:
                spans.append(tokenizer.decode(current))
            current = []
        else:
            assert label == token
            current.append(token)
    if current:
        spans.append(tokenizer.decode(current))
    return spans


def untrained_text(tokenizer, example) -> str:
    return tokenizer.decode(
        [t for t, label in zip(example.input_ids, example.labels, strict=True) if label == IGNORE_INDEX]
    )


def test_loss_on_calls_and_answers_and_reasoning_never_on_results_system_or_tools(tokenizer):
    example = tokenize_conversation(tokenizer, MESSAGES, 4096, tools=[WEATHER])
    spans = trained_text(tokenizer, example)
    assert len(spans) == 2, spans
    call, answer = spans
    assert "I need the weather in Oslo first." in call
    assert "<tool_call>" in call and '"name": "get_weather"' in call and '"city": "Oslo"' in call
    assert call.rstrip("\n").endswith("<|im_end|>")
    assert answer.rstrip("\n") == "Yes, it is -3 degrees in Oslo: take a warm coat.<|im_end|>"
    rest = untrained_text(tokenizer, example)
    # The system prompt, the tools list, the user turn and the tool result are all in the input, without loss.
    for text in ["You are a travel assistant.", '"get_weather"', "Current weather of a city",
                 "Do I need a coat in Oslo?", '{"temperature": -3}']:
        assert text in rest, text
    assert not any('{"temperature": -3}' in s for s in spans)


def test_reasoning_can_be_left_out_of_the_loss(tokenizer):
    example = tokenize_conversation(tokenizer, MESSAGES, 4096, tools=[WEATHER], train_on_reasoning=False)
    call, answer = trained_text(tokenizer, example)
    assert "I need the weather in Oslo" not in call and "<think>" not in call and "</think>" not in call
    assert call.startswith("<tool_call>")
    assert "I need the weather in Oslo first." in untrained_text(tokenizer, example)
    assert answer.startswith("Yes, it is -3 degrees")


def test_weight_zero_and_parallel_calls(tokenizer):
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello, where to?", "weight": 0},
        {"role": "user", "content": "Oslo or Rome, which is warmer?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}},
                {"id": "b", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}},
            ],
        },
        {"role": "tool", "tool_call_id": "a", "content": "3"},
        {"role": "tool", "tool_call_id": "b", "content": "22"},
        {"role": "assistant", "content": "Rome."},
    ]
    example = tokenize_conversation(tokenizer, messages, 4096, tools=[WEATHER])
    spans = trained_text(tokenizer, example)
    assert len(spans) == 2
    assert spans[0].count("<tool_call>") == 2 and "Rome" in spans[0] and "Oslo" in spans[0]
    assert spans[1].startswith("Rome.")
    assert "Hello, where to?" in untrained_text(tokenizer, example)


def test_the_dataset_reader_keeps_tools_calls_results_and_reasoning(tmp_path):
    record = {"messages": MESSAGES, "tools": [WEATHER]}
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    [conversation] = read_conversations(str(path))
    assert conversation.tools == [WEATHER]
    assert conversation.messages[2]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert conversation.messages[2]["content"] == ""
    assert conversation.messages[2]["reasoning_content"] == "I need the weather in Oslo first."
    assert conversation.messages[3]["tool_call_id"] == "call_1"
