"""`python -m brightrun_trainer.merge --base B --adapter A --out DIR`: the adapter folded into its base model.

PEFT's `merge_and_unload` adds each LoRA update to the weights it adapts; the result is a plain transformers
model (safetensors, config, tokenizer) that any inference server loads without PEFT. Merged in float32 so its
logits match base + adapter closely. Written to `DIR.tmp` and renamed when complete; prints one JSON line
`{"path", "files": [...]}` on success.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys


def merge(base: str, adapter: str, out: str) -> list[str]:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base_path = os.path.expanduser(base)
    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    tmp = out.rstrip("/") + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    merged.save_pretrained(tmp, safe_serialization=True)
    AutoTokenizer.from_pretrained(base_path).save_pretrained(tmp)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    return sorted(os.listdir(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brightrun_trainer.merge", description=__doc__)
    parser.add_argument("--base", required=True, help="base model: a local folder or a hub id")
    parser.add_argument("--adapter", required=True, help="the PEFT adapter folder")
    parser.add_argument("--out", required=True, help="folder to write the merged model to")
    args = parser.parse_args(argv)
    try:
        files = merge(args.base, args.adapter, args.out)
    except Exception as e:
        print(json.dumps({"error": {"kind": "merge_failed", "message": f"{type(e).__name__}: {e}"}}), flush=True)
        return 1
    print(json.dumps({"path": args.out, "files": files}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
