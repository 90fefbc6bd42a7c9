"""`python -m brightrun_trainer.serve`: the agent's generation worker (the playground and /v1/chat/completions).

Speaks JSON lines. Each request on stdin:
  {"id", "base_model", "adapter": path | null, "adapter_name", "messages": [{role, content}],
   "max_tokens", "temperature", "top_p", "seed"}
Answers on stdout, in order, for that id:
  {"id", "delta": "text"}                          as tokens are generated
  {"id", "done": true, "prompt_tokens", "completion_tokens", "finish_reason": "stop" | "length"}
  {"id", "error": {"kind", "message"}}             instead of done when it fails
One request at a time. The base model stays loaded between requests (adapters are added to it by name); after
BRIGHTRUN_SERVE_IDLE_SECONDS (default 60) without a request the worker exits, which frees its memory, and the
agent starts a new one for the next request.
"""

from __future__ import annotations

import json
import logging
import os
import select
import sys
from typing import Any

from .chat import FALLBACK_CHAT_TEMPLATE

log = logging.getLogger("brightrun_trainer.serve")

_out = sys.stdout


def _send(message: dict[str, Any]) -> None:
    _out.write(json.dumps(message) + "\n")
    _out.flush()


class _Loaded:
    """The base model in memory, with the adapters already attached to it."""

    def __init__(self) -> None:
        self.base_name: str | None = None
        self.model: Any = None
        self.tokenizer: Any = None
        self.adapters: set[str] = set()

    def ensure(self, base_name: str, adapter_path: str | None, adapter_name: str | None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if self.base_name != base_name:
            self.model = self.tokenizer = None
            self.adapters = set()
            cuda = torch.cuda.is_available() and os.environ.get("CUDA_VISIBLE_DEVICES", "") != ""
            dtype = (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16) if cuda else torch.float32
            path = os.path.expanduser(base_name)
            self.tokenizer = AutoTokenizer.from_pretrained(path)
            if not self.tokenizer.chat_template:
                self.tokenizer.chat_template = FALLBACK_CHAT_TEMPLATE
            model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
            self.model = model.to("cuda" if cuda else "cpu").eval()
            self.base_name = base_name
        if adapter_path and adapter_name not in self.adapters:
            from peft import PeftModel

            if self.adapters:
                self.model.load_adapter(adapter_path, adapter_name=adapter_name)
            else:
                self.model = PeftModel.from_pretrained(self.model, adapter_path, adapter_name=adapter_name).eval()
            self.adapters.add(adapter_name)


class _DeltaStreamer:
    """transformers calls `put` with each new token (the prompt first); the text they add is sent at once."""

    def __init__(self, request_id: str, tokenizer: Any) -> None:
        self.id = request_id
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self.sent = ""
        self.prompt_seen = False

    def put(self, value: Any) -> None:
        if not self.prompt_seen:
            self.prompt_seen = True
            return
        self.ids.extend(int(t) for t in value.reshape(-1).tolist())
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        # A token can end inside a multi-byte character: hold it back until it decodes whole.
        if text.endswith("\ufffd"):
            return
        if len(text) > len(self.sent) and text.startswith(self.sent):
            _send({"id": self.id, "delta": text[len(self.sent) :]})
            self.sent = text

    def end(self) -> None:
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if len(text) > len(self.sent) and text.startswith(self.sent):
            _send({"id": self.id, "delta": text[len(self.sent) :]})
            self.sent = text


def generate(loaded: _Loaded, request: dict[str, Any]) -> None:
    import contextlib

    import torch
    from transformers import set_seed

    request_id = str(request["id"])
    adapter_path = request.get("adapter")
    adapter_name = str(request.get("adapter_name") or "adapter")
    loaded.ensure(str(request["base_model"]), adapter_path, adapter_name)
    model, tokenizer = loaded.model, loaded.tokenizer
    prompt = tokenizer.apply_chat_template(request["messages"], add_generation_prompt=True, tokenize=False)
    inputs = tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(model.device)
    max_tokens = int(request.get("max_tokens") or 256)
    temperature = float(request.get("temperature", 1.0) if request.get("temperature") is not None else 1.0)
    top_p = float(request.get("top_p") if request.get("top_p") is not None else 1.0)
    seed = request.get("seed")
    if seed is not None:
        set_seed(int(seed))  # the same seed gives the same sample, on the base model and the adapter alike
    sampling: dict[str, Any] = (
        {"do_sample": True, "temperature": temperature, "top_p": top_p} if temperature > 0 else {"do_sample": False}
    )
    if adapter_path:
        model.set_adapter(adapter_name)
        context: Any = contextlib.nullcontext()
    elif hasattr(model, "disable_adapter"):
        context = model.disable_adapter()  # the base model's own answer, adapters switched off
    else:
        context = contextlib.nullcontext()
    streamer = _DeltaStreamer(request_id, tokenizer)
    with torch.inference_mode(), context:
        output = model.generate(
            **inputs,
            max_new_tokens=max_tokens,
            streamer=streamer,
            pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
            **sampling,
        )
    prompt_tokens = int(inputs["input_ids"].shape[1])
    completion = int(output.shape[1]) - prompt_tokens
    _send(
        {
            "id": request_id,
            "done": True,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion,
            "finish_reason": "length" if completion >= max_tokens else "stop",
        }
    )


def main() -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    idle = float(os.environ.get("BRIGHTRUN_SERVE_IDLE_SECONDS", "60"))
    loaded = _Loaded()
    _send({"ready": True})
    while True:
        readable, _, _ = select.select([sys.stdin], [], [], idle)
        if not readable:
            log.info("idle for %.0f s: exiting to free the model's memory", idle)
            return 0
        line = sys.stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as e:
            _send({"id": None, "error": {"kind": "bad_request", "message": f"not JSON: {e}"}})
            continue
        try:
            generate(loaded, request)
        except Exception as e:  # one failed request must not take the worker down
            log.exception("generation failed")
            kind = "model_not_found" if isinstance(e, OSError) else "generation_failed"
            _send({"id": request.get("id"), "error": {"kind": kind, "message": f"{type(e).__name__}: {e}"}})


if __name__ == "__main__":
    sys.exit(main())
