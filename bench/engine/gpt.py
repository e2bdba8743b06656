"""The engine benchmark's PyTorch side: the same GPT-2-style model and training step as
src/torch/examples/tinyGpt.ts and bench/engine/gpt.cc, written the way a PyTorch user would (nn.Module,
torch.optim.AdamW), with the same operators in the same order: what a user compares linewise against.

Usage: python gpt.py --serve LAYERS WIDTH HEADS VOCAB BATCH SEQ THREADS ATTENTION
  ATTENTION is "matmul" (matmul, causal mask, softmax, matmul: F.scaledDotProductAttention's matmul path)
  or "fused" (F.scaled_dot_product_attention). Reads a step count a line from stdin and answers each with
  {"threads":N,"parameters":P,"torch":V,"stepsMs":[...],"cpuMs":[...],"phasesMs":{...},"loss":L}, as gpt.cc.
"""

import json
import math
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

# gpt.cc's constants (kLr, kWeightDecay; PyTorch's default betas and eps), as bench/engine.ts uses.
LR, WEIGHT_DECAY = 3e-4, 0.01


class Block(nn.Module):
    def __init__(self, d: int, n_head: int, attention: str):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.n_head, self.attention = n_head, attention

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, 2)
        heads = lambda t: t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nHead, T, headDim)
        q, k, v = heads(q), heads(k), heads(v)
        if self.attention == "fused":
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            # F.scaledDotProductAttention's matmul path, with its finite mask value
            scores = q.matmul(k.transpose(-2, -1)).mul(1 / math.sqrt(q.size(-1)))
            allowed = torch.ones(T, T, dtype=torch.bool).tril(0)
            scores = scores.masked_fill(allowed.logical_not(), -1e30)
            y = scores.softmax(-1).matmul(v)  # (B, nHead, T, headDim)
        x = x.add(self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C)))
        return x.add(self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)))))


class Gpt(nn.Module):
    def __init__(self, n_layer, d, n_head, vocab, block, attention):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(block, d)
        with torch.no_grad():  # as TinyGpt's Embedding(std: 0.02)
            self.wte.weight.normal_(0, 0.02)
            self.wpe.weight.normal_(0, 0.02)
        self.h = nn.ModuleList(Block(d, n_head, attention) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.vocab = vocab

    def loss(self, idx, targets):
        T = idx.size(1)
        x = self.wte(idx).add(self.wpe(torch.arange(T)))  # (B, T, dModel)
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, self.vocab), targets.view(-1))


def cpu_ms():
    return time.process_time() * 1e3


def main(argv):
    if len(argv) != 10 or argv[1] != "--serve" or argv[9] not in ("matmul", "fused"):
        sys.exit("usage: gpt.py --serve LAYERS WIDTH HEADS VOCAB BATCH SEQ THREADS matmul|fused")
    n_layer, d, n_head, vocab, batch, seq, threads = map(int, argv[2:9])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Gpt(n_layer, d, n_head, vocab, seq, argv[9])
    # foreach=False: the per-parameter loop, as linewise's AdamW (native/natives.cc AdamwStep) and
    # PyTorch's own default on CPU tensors
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY, foreach=False)
    idx = torch.randint(0, vocab, (batch, seq))
    targets = torch.randint(0, vocab, (batch, seq))
    parameters = sum(p.numel() for p in model.parameters())

    for line in sys.stdin:
        times = {"stepsMs": [], "cpuMs": [], "forward": [], "backward": [], "optimizer": []}
        loss = None
        for _ in range(int(line)):
            cpu_start, start = cpu_ms(), time.perf_counter()
            loss = model.loss(idx, targets)
            forward_end = time.perf_counter()
            loss.backward()
            backward_end = time.perf_counter()
            opt.step()
            opt.zero_grad(set_to_none=True)
            end = time.perf_counter()
            times["cpuMs"].append(cpu_ms() - cpu_start)
            times["stepsMs"].append((end - start) * 1e3)
            times["forward"].append((forward_end - start) * 1e3)
            times["backward"].append((backward_end - forward_end) * 1e3)
            times["optimizer"].append((end - backward_end) * 1e3)
        phases = {p: times.pop(p) for p in ("forward", "backward", "optimizer")}
        out = {"threads": torch.get_num_threads(), "parameters": parameters, "torch": torch.__version__, **times}
        print(json.dumps({**out, "phasesMs": phases, "loss": loss.item() if loss is not None else 0}), flush=True)


if __name__ == "__main__":
    main(sys.argv)
