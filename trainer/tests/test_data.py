"""Reading the openai_messages dataset and splitting off validation."""

from __future__ import annotations

import json

import pytest

from brightrun_trainer.data import read_conversations, split_validation
from brightrun_trainer.errors import TrainerError
from conftest import write_dataset


def test_reads_every_conversation_and_skips_blank_lines(tmp_path):
    path = write_dataset(tmp_path / "train.jsonl", count=5)
    path.write_text(path.read_text() + "\n\n", encoding="utf-8")
    conversations = read_conversations(str(path))
    assert len(conversations) == 5
    assert conversations[0].messages[0] == {"role": "system", "content": "You are a kind financial planning assistant."}


def test_text_content_parts_are_joined(tmp_path):
    path = tmp_path / "train.jsonl"
    parts = [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there"}]
    path.write_text(json.dumps({"messages": [{"role": "assistant", "content": parts}]}) + "\n", encoding="utf-8")
    assert read_conversations(str(path))[0].messages == [{"role": "assistant", "content": "Hello there"}]


@pytest.mark.parametrize(
    "line, needle",
    [
        ("{oops", "line 2: not valid JSON"),
        (json.dumps({"turns": []}), 'line 2: expected an object with a "messages" list'),
        (json.dumps({"messages": [{"role": "robot", "content": "x"}]}), "line 2: message 1 has role 'robot'"),
        (json.dumps({"messages": [{"role": "user", "content": "hi"}]}), "line 2: the conversation has no assistant"),
    ],
)
def test_broken_line_is_an_invalid_dataset_with_its_line_number(tmp_path, line, needle):
    path = tmp_path / "train.jsonl"
    good = json.dumps({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]})
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(TrainerError) as caught:
        read_conversations(str(path))
    assert caught.value.kind == "invalid_dataset"
    assert needle in caught.value.message


def test_missing_file_is_dataset_not_found(tmp_path):
    with pytest.raises(TrainerError) as caught:
        read_conversations(str(tmp_path / "nope.jsonl"))
    assert caught.value.kind == "dataset_not_found"


def test_split_is_seeded_disjoint_and_complete(tmp_path):
    conversations = read_conversations(str(write_dataset(tmp_path / "t.jsonl", count=20)))
    train, validation = split_validation(conversations, 0.2, seed=7)
    again_train, again_validation = split_validation(conversations, 0.2, seed=7)
    other_train, _ = split_validation(conversations, 0.2, seed=8)
    assert len(validation) == 4 and len(train) == 16
    assert {c.line for c in train} | {c.line for c in validation} == {c.line for c in conversations}
    assert not {c.line for c in train} & {c.line for c in validation}
    assert [c.line for c in train] == [c.line for c in again_train]
    assert [c.line for c in validation] == [c.line for c in again_validation]
    assert [c.line for c in train] != [c.line for c in other_train]


def test_zero_split_keeps_everything_for_training(tmp_path):
    conversations = read_conversations(str(write_dataset(tmp_path / "t.jsonl", count=6)))
    train, validation = split_validation(conversations, 0.0, seed=1)
    assert len(train) == 6 and validation == []
