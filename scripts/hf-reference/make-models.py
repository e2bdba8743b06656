"""Tiny random Hugging Face models with their transformers outputs, for linewise's parity tests.

usage: make-models.py OUT_DIR [CASE ...]

For each case (all when none is named) it writes OUT_DIR/CASE/ with config.json and model.safetensors, saved by
transformers itself (some cases rewrite config.json into the transformers 4.x layout), and reference.json with
what transformers computes from that folder, reloaded:
  ids, logits     a (2, T) batch of fixed ids and the logits (or per-token scalar values) at every position
  padded          a left-padded batch (ids, mask, positions as generate() makes them) and the outputs at real tokens
  pooled          *ForSequenceClassification only: its pooled output for the padded batch (last non-pad token)
  greedy          CausalLM only: 64 greedy tokens from one prompt with and without the KV cache, and from two
                  prompts of different lengths left-padded in one batch
Every weight, norms and biases included, is drawn at random with a fixed seed, so biases and norms matter.
"""

import json
import os
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

NEW_TOKENS = 64
PAD = 0

BASE = dict(
    vocab_size=96,
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=128,
    rms_norm_eps=1e-5,
    pad_token_id=PAD,
    bos_token_id=None,
    eos_token_id=None,
    tie_word_embeddings=False,
)

# name: (model_type, head, config fields over BASE, layout of config.json: "v5" as saved, or "v4")
CASES = {
    "llama-mha": ("llama", "lm", dict(num_key_value_heads=4), "v5"),
    "llama-gqa-theta-v5": ("llama", "lm", dict(rope_theta=500000.0), "v5"),
    "llama-gqa-theta-v4": ("llama", "lm", dict(rope_theta=500000.0), "v4"),
    "llama-tied": ("llama", "lm", dict(tie_word_embeddings=True), "v5"),
    "llama-bias-headdim": (
        "llama",
        "lm",
        dict(attention_bias=True, mlp_bias=True, head_dim=16, rope_theta=1000.0),
        "v5",
    ),
    # DeepSeek-Coder ships linear scaling with factor 4, in the 4.x layout ("type", top-level rope_theta).
    "llama-linear": (
        "llama",
        "lm",
        dict(rope_theta=100000.0, rope_scaling={"type": "linear", "factor": 4.0}),
        "v4",
    ),
    # Dynamic NTK only changes anything beyond max_position_embeddings: logits of 48 positions for 32.
    "llama-dynamic": (
        "llama",
        "lm",
        dict(max_position_embeddings=32, rope_scaling={"rope_type": "dynamic", "factor": 2.0}),
        "v5",
    ),
    # Llama 3.1's scaling, with a head wide enough that all three frequency bands occur.
    "llama-llama3": (
        "llama",
        "lm",
        dict(
            hidden_size=64,
            head_dim=16,
            max_position_embeddings=131072,
            rope_parameters={
                "rope_type": "llama3",
                "rope_theta": 500000.0,
                "factor": 8.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                "original_max_position_embeddings": 8192,
            },
        ),
        "v5",
    ),
    "qwen2-tied": ("qwen2", "lm", dict(tie_word_embeddings=True, rope_theta=1000000.0), "v5"),
    "qwen2-sliding": (
        "qwen2",
        "lm",
        dict(use_sliding_window=True, sliding_window=8, max_window_layers=1),
        "v5",
    ),
    "mistral": ("mistral", "lm", dict(sliding_window=None), "v5"),
    "mistral-sliding": ("mistral", "lm", dict(sliding_window=8), "v5"),
    "llama-seq-cls": ("llama", "seq", dict(num_labels=1), "v5"),
    "qwen2-seq-cls": ("qwen2", "seq", dict(num_labels=1, tie_word_embeddings=True), "v5"),
    "qwen2-token-cls": ("qwen2", "token", dict(num_labels=1), "v5"),
    "mistral-token-cls": ("mistral", "token", dict(num_labels=1, sliding_window=8), "v5"),
}

AUTO = {
    "lm": AutoModelForCausalLM,
    "seq": AutoModelForSequenceClassification,
    "token": AutoModelForTokenClassification,
}


def ids_batch(vocab, rows, length, salt):
    """Fixed ids from a formula, never the pad id."""
    return torch.tensor(
        [[1 + (7 * t + 13 * r + salt * 5 + (t * t) % 11) % (vocab - 1) for t in range(length)] for r in range(rows)],
        dtype=torch.long,
    )


def randomize(model, seed):
    """Every weight at random: matrices N(0, 0.2), biases N(0, 0.2), norm gains U(0.5, 1.5)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(torch.rand(p.shape, generator=generator) + 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=generator) * 0.2)


def to_v4_layout(path):
    """Rewrites config.json as transformers 4.x writes it: top-level rope_theta, rope_scaling with "type"."""
    with open(path) as f:
        config = json.load(f)
    params = config.pop("rope_parameters", None) or {}
    config["rope_theta"] = params.pop("rope_theta", config.get("rope_theta", 10000.0))
    rope_type = params.pop("rope_type", "default")
    config["rope_scaling"] = None if rope_type == "default" else {"type": rope_type, **params}
    with open(path, "w") as f:
        json.dump(config, f, indent=2)


def outputs(model, head, ids, mask=None, positions=None):
    """Per-token outputs: logits (B, T, V) for an LM, the scalar (B, T) for a classification head."""
    if head == "lm":
        return model(input_ids=ids, attention_mask=mask, position_ids=positions).logits
    if head == "token":
        return model(input_ids=ids, attention_mask=mask, position_ids=positions).logits[..., 0]
    hidden = model.model(input_ids=ids, attention_mask=mask, position_ids=positions).last_hidden_state
    return model.score(hidden)[..., 0]


def flat(t):
    return [float(x) for x in t.reshape(-1).tolist()]


def make(out_dir, name):
    model_type, head, fields, layout = CASES[name]
    seed = sorted(CASES).index(name)
    folder = os.path.join(out_dir, name)
    config = AutoConfig.for_model(model_type, **{**BASE, **fields})
    torch.manual_seed(seed)
    model = AUTO[head].from_config(config, attn_implementation="eager")
    randomize(model, seed)
    model.save_pretrained(folder)
    if layout == "v4":
        to_v4_layout(os.path.join(folder, "config.json"))
    # The reference is what transformers computes from the folder, as a user would load it.
    model = AUTO[head].from_pretrained(folder, attn_implementation="eager").eval()
    vocab = model.config.vocab_size
    length = 48 if name == "llama-dynamic" else 24
    ids = ids_batch(vocab, 2, length, seed)
    reference = {"transformers": transformers.__version__, "torch": torch.__version__, "head": head}
    with torch.no_grad():
        reference["ids"] = ids.tolist()
        reference["logits"] = flat(outputs(model, head, ids))

        # Left padding: positions restart at each row's first real token, as generate() makes them.
        short = ids_batch(vocab, 1, 15, seed + 1)
        padded = torch.cat([torch.cat([torch.full((1, 5), PAD), short], 1), ids[1:, :20]], 0)
        mask = torch.ones_like(padded)
        mask[0, :5] = 0
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        out = outputs(model, head, padded, mask, positions)
        reference["padded"] = {
            "ids": padded.tolist(),
            "mask": mask.tolist(),
            "outputs": [flat(out[0, 5:]), flat(out[1])],
        }
        if head == "seq":
            reference["pooled"] = flat(model(input_ids=padded, attention_mask=mask, position_ids=positions).logits)

        if head == "lm" and name != "llama-dynamic":
            prompts = [ids_batch(vocab, 1, 9, seed + 2), ids_batch(vocab, 1, 5, seed + 3)]
            settings = dict(do_sample=False, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, pad_token_id=PAD)
            one = prompts[0]
            cached = model.generate(one, attention_mask=torch.ones_like(one), use_cache=True, **settings)
            uncached = model.generate(one, attention_mask=torch.ones_like(one), use_cache=False, **settings)
            batch = torch.cat([prompts[0], torch.cat([torch.full((1, 4), PAD), prompts[1]], 1)], 0)
            batch_mask = torch.ones_like(batch)
            batch_mask[1, :4] = 0
            both = model.generate(batch, attention_mask=batch_mask, use_cache=True, **settings)
            reference["greedy"] = {
                "prompts": [p[0].tolist() for p in prompts],
                "cache": cached[0, one.shape[1] :].tolist(),
                "noCache": uncached[0, one.shape[1] :].tolist(),
                "padded": [row[batch.shape[1] :].tolist() for row in both],
            }
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(reference, f)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    names = sys.argv[2:] or sorted(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        sys.exit(f"make-models.py: unknown case {unknown[0]} (cases: {', '.join(sorted(CASES))})")
    torch.set_num_threads(1)
    for name in names:
        make(out_dir, name)
    print(json.dumps({"cases": names, "transformers": transformers.__version__, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
