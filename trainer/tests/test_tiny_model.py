"""The tiny model: built offline, the same bytes for the same seed, and a tokenizer.json that Rust can use."""

from __future__ import annotations

import hashlib
import os

from brightrun_trainer.tiny_model import build


def digest(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_same_seed_builds_identical_files(tmp_path, tiny_model):
    again = build(str(tmp_path / "again"), seed=0)
    other = build(str(tmp_path / "other"), seed=1)
    for name in ("tokenizer.json", "model.safetensors", "config.json"):
        assert digest(os.path.join(again, name)) == digest(os.path.join(tiny_model, name)), name
    assert digest(os.path.join(other, "model.safetensors")) != digest(os.path.join(tiny_model, "model.safetensors"))


def test_tokenizer_json_alone_counts_the_same_tokens(tiny_model):
    # The Rust side loads only tokenizer.json (the `tokenizers` crate); its counts must match transformers'.
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    text = "Let's look at your mortgage, one step at a time. Ünïcödé and emoji 🙂 too."
    raw = Tokenizer.from_file(os.path.join(tiny_model, "tokenizer.json"))
    wrapped = AutoTokenizer.from_pretrained(tiny_model, local_files_only=True)
    assert raw.encode(text, add_special_tokens=False).ids == wrapped(text, add_special_tokens=False)["input_ids"]
    assert wrapped.decode(wrapped(text)["input_ids"]) == text


def test_chat_template_marks_assistant_text(tiny_model):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model, local_files_only=True)
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    out = tokenizer.apply_chat_template(messages, return_dict=True, return_assistant_tokens_mask=True)
    marked = [t for t, m in zip(out["input_ids"], out["assistant_masks"], strict=True) if m]
    assert tokenizer.decode(marked) == "hello<|im_end|>"


def test_corpus_grows_the_vocabulary(tmp_path, tiny_model):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("quarterly amortization schedule refinancing\n" * 50, encoding="utf-8")
    grown = build(str(tmp_path / "grown"), corpus=str(corpus))
    from transformers import AutoTokenizer

    small = AutoTokenizer.from_pretrained(tiny_model, local_files_only=True)
    large = AutoTokenizer.from_pretrained(grown, local_files_only=True)
    word = " amortization"
    assert len(large(word, add_special_tokens=False)["input_ids"]) < len(
        small(word, add_special_tokens=False)["input_ids"]
    )
