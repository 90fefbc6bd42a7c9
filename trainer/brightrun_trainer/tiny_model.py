"""`python -m brightrun_trainer.tiny_model --out DIR`: a tiny Llama with its own tokenizer, built offline.

For tests, demos and the CPU local cluster: a byte-level BPE tokenizer trained with `tokenizers` on built-in text
(plus `--corpus FILE`), wrapped as a PreTrainedTokenizerFast with a ChatML chat template that marks assistant
text with `{% generation %}`, and a randomly initialised LlamaForCausalLM (hidden 64, 2 layers, 4 heads). The same
seed and corpus give byte-identical files. `tokenizer.json` is always written: the Rust side counts tokens with it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable

# ChatML, assistant text (and its end marker, which is this tokenizer's EOS) inside {% generation %}.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\\n' }}{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{{ '\\n' }}"
    "{% else %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# ChatML that knows tools and reasoning, in the Hermes / Qwen style: the tools in the system turn, each call as
# <tool_call> JSON, results in `tool` turns, reasoning in <think>. For tests of the chat-template tool rendering
# (`--tool-template`); the default template has no tool support, which exercises the fallback rendering.
TOOL_CHAT_TEMPLATE = (
    "{% if messages and messages[0]['role'] == 'system' %}{% set system = messages[0]['content'] %}"
    "{% else %}{% set system = '' %}{% endif %}"
    "{% if tools %}{{ '<|im_start|>system\n' }}{% if system %}{{ system + '\n\n' }}{% endif %}"
    "{{ '# Tools\n<tools>' }}{% for tool in tools %}{{ '\n' }}{{ tool | tojson }}{% endfor %}"
    "{{ '\n</tools><|im_end|>\n' }}"
    "{% elif system %}{{ '<|im_start|>system\n' + system + '<|im_end|>\n' }}{% endif %}"
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}"
    "{% elif message['role'] == 'assistant' %}{{ '<|im_start|>assistant\n' }}"
    "{% if message.reasoning_content %}{{ '<think>\n' + message.reasoning_content + '\n</think>\n\n' }}{% endif %}"
    "{{ message['content'] or '' }}"
    "{% for call in message.tool_calls or [] %}"
    "{% if message['content'] or not loop.first %}{{ '\n' }}{% endif %}"
    "{{ '<tool_call>\n{\"name\": \"' + call.function.name + '\", \"arguments\": ' }}"
    "{{ call.function.arguments | tojson }}{{ '}\n</tool_call>' }}"
    "{% endfor %}{{ '<|im_end|>\n' }}"
    "{% else %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

SPECIAL_TOKENS = ["<|endoftext|>", "<|pad|>", "<|im_start|>", "<|im_end|>"]

# Built-in training text for the tokenizer: plain English in the register of the conversations BrightRun trains on,
# so that common words become single tokens and token counts look like a real model's, only larger.
BUILTIN_TEXT = """\
You are a helpful assistant. Answer the question clearly and kindly, and ask before giving advice.
The user asked about saving for retirement, paying off a mortgage early, and building an emergency fund.
I hear that this feels overwhelming, and that is completely normal. Let's take it one step at a time.
First, how much do you spend in a typical month? Knowing that number helps us plan the next step.
An emergency fund usually covers three to six months of expenses and lives in a savings account.
Paying off debt with a high interest rate first saves the most money over time.
Thank you for sharing that with me. It takes courage to talk about money and feelings together.
Would it help if I explained how compound interest works, with a simple example and real numbers?
If you invest 100 dollars a month for 30 years at 7 percent, you end up with about 120,000 dollars.
The system prompt describes the assistant: warm, professional, never condescending, and always honest.
Please summarise the conversation so far, then suggest one small action the user can take this week.
The weather today is sunny with a light breeze; tomorrow it may rain in the afternoon and evening.
She opened the book, read the first chapter again, and wrote down three questions for the next meeting.
Training a language model means showing it many examples and adjusting its weights to predict the next token.
A LoRA adapter adds small low-rank matrices to the attention and feed-forward layers of a frozen model.
The learning rate, the batch size and the number of epochs are the first knobs most people tune.
Validation loss measures how well the model predicts text it has not seen during training.
If the loss stops going down, try a lower learning rate, more data, or a different number of epochs.
What would you like to focus on first: the budget, the debt, or the plan for the next five years?
I understand. Many people feel the same way, and there is no judgment here. You are not alone in this.
"""


def _texts(corpus: str | None) -> Iterable[str]:
    yield from BUILTIN_TEXT.splitlines()
    if corpus:
        with open(corpus, encoding="utf-8", errors="replace") as f:
            yield from (line.rstrip("\n") for line in f)


def build_tokenizer(corpus: str | None = None, vocab_size: int = 1024):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        # All 256 byte symbols up front: any text, in any script, tokenizes without an unknown token.
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(_texts(corpus), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<|endoftext|>",
        eos_token="<|im_end|>",
        pad_token="<|pad|>",
        additional_special_tokens=["<|im_start|>"],
        chat_template=CHAT_TEMPLATE,
        model_max_length=4096,
        padding_side="right",
    )


def build_model(tokenizer, seed: int = 0):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    return LlamaForCausalLM(config)


def build(
    out: str, corpus: str | None = None, seed: int = 0, vocab_size: int = 1024, tool_template: bool = False
) -> str:
    """Write the tokenizer and the model to `out`; return its absolute path."""
    tokenizer = build_tokenizer(corpus, vocab_size)
    if tool_template:
        tokenizer.chat_template = TOOL_CHAT_TEMPLATE
    model = build_model(tokenizer, seed)
    os.makedirs(out, exist_ok=True)
    tokenizer.save_pretrained(out)
    model.save_pretrained(out, safe_serialization=True)
    if not os.path.isfile(os.path.join(out, "tokenizer.json")):
        raise RuntimeError("tokenizer.json was not written")
    return os.path.abspath(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brightrun_trainer.tiny_model", description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="folder to write the model into (created if missing)")
    parser.add_argument("--corpus", help="extra UTF-8 text to train the tokenizer on, one paragraph per line")
    parser.add_argument("--seed", type=int, default=0, help="seed of the model's random weights (default 0)")
    parser.add_argument("--vocab-size", type=int, default=1024, help="upper bound of the BPE vocabulary")
    parser.add_argument(
        "--tool-template",
        action="store_true",
        help="give the tokenizer a ChatML template that renders tools, calls and reasoning (default: plain ChatML)",
    )
    args = parser.parse_args(argv)
    path = build(args.out, args.corpus, args.seed, args.vocab_size, args.tool_template)
    print(json.dumps({"path": path, "files": sorted(os.listdir(path))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
