"""Loads checkpoints (linewise's or anyone's) with transformers and prints what they compute.

usage: outputs.py < request.json
request: {"cases": [{"dir": "...", "ids": [[...], ...], "dtype": "float32"|"bfloat16",
                     "attention": "eager"|"sdpa"}, ...]}
prints:  {"transformers": "5.18.0", "cases": [{"architecture": "...", "outputs": [...]}, ...]}
outputs are the logits (B, T, V) of a *ForCausalLM, or the per-token scalar (B, T) of a
*ForSequenceClassification (its score on every position) or *ForTokenClassification, flattened.
With "dtype": "bfloat16" the model is loaded and computed in bf16 (transformers' own casts inside) and
the outputs widened to float32. "attention" picks transformers' attention implementation (default eager).
A checkpoint that transformers loads with missing, unexpected or mismatched weights is an error.
"""

import json
import sys

import offline  # noqa: F401  (before transformers)
import torch
import transformers
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
)


def load(folder, dtype, attention):
    architecture = AutoConfig.from_pretrained(folder).architectures[0]
    if architecture.endswith("ForCausalLM"):
        auto = AutoModelForCausalLM
    elif architecture.endswith("ForSequenceClassification"):
        auto = AutoModelForSequenceClassification
    elif architecture.endswith("ForTokenClassification"):
        auto = AutoModelForTokenClassification
    else:
        raise SystemExit(f"{folder}: unexpected architecture {architecture}")
    model, info = auto.from_pretrained(
        folder, attn_implementation=attention, output_loading_info=True, dtype=getattr(torch, dtype)
    )
    problems = {k: v for k, v in info.items() if v}
    if problems:
        raise SystemExit(f"{folder}: transformers did not load every weight: {problems}")
    return architecture, model.eval()


def main():
    request = json.load(sys.stdin)
    torch.set_num_threads(1)
    results = []
    for case in request["cases"]:
        architecture, model = load(case["dir"], case.get("dtype", "float32"), case.get("attention", "eager"))
        ids = torch.tensor(case["ids"], dtype=torch.long)
        with torch.no_grad():
            if architecture.endswith("ForCausalLM"):
                out = model(input_ids=ids).logits
            elif architecture.endswith("ForTokenClassification"):
                out = model(input_ids=ids).logits[..., 0]
            else:
                out = model.score(model.model(input_ids=ids).last_hidden_state)[..., 0]
        results.append({"architecture": architecture, "outputs": [float(x) for x in out.float().reshape(-1).tolist()]})
    print(json.dumps({"transformers": transformers.__version__, "cases": results}))


if __name__ == "__main__":
    main()
