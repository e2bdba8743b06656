"""Loads a base checkpoint with a PEFT LoRA adapter (linewise's or anyone's) and prints the logits.

usage: lora-outputs.py < request.json
request: {"base": "DIR", "adapter": "DIR", "ids": [[...], ...], "make": null | {"r", "alpha", "targets"}}
prints:  {"peft": "0.21.0", "outputs": [...]}  (the logits (B, T, V), flattened)
With "make", PEFT first writes a new adapter with random A and B into DIR (save_pretrained), for linewise to read.
Every tensor in the adapter's safetensors file must land in the PEFT model unchanged, and every LoRA layer
PEFT made must have received one: an adapter PEFT reads only in part is an error, not a warning.
"""

import json
import sys

import offline  # noqa: F401  (before transformers)
import peft
import torch
from peft import PeftModel
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM


def main():
    request = json.load(sys.stdin)
    torch.set_num_threads(1)
    base = AutoModelForCausalLM.from_pretrained(request["base"], attn_implementation="eager")
    make = request.get("make")
    if make:
        torch.manual_seed(0)
        config = peft.LoraConfig(
            r=make["r"], lora_alpha=make["alpha"], target_modules=make["targets"], init_lora_weights=False
        )
        made = peft.get_peft_model(base, config)
        made.save_pretrained(request["adapter"])
        base = AutoModelForCausalLM.from_pretrained(request["base"], attn_implementation="eager")
    model = PeftModel.from_pretrained(base, request["adapter"]).eval()
    saved = load_file(f"{request['adapter']}/adapter_model.safetensors")
    state = model.state_dict()
    lora_keys = [k for k in state if ".lora_A." in k or ".lora_B." in k]
    if len(lora_keys) != len(saved):
        raise SystemExit(f"PEFT made {len(lora_keys)} LoRA tensors, the file holds {len(saved)}")
    for key, tensor in saved.items():
        name = key.replace(".lora_A.weight", ".lora_A.default.weight").replace(".lora_B.weight", ".lora_B.default.weight")
        if name not in state or not torch.equal(state[name], tensor):
            raise SystemExit(f"{key}: not loaded by PEFT as saved")
    with torch.no_grad():
        out = model(input_ids=torch.tensor(request["ids"], dtype=torch.long)).logits
    print(json.dumps({"peft": peft.__version__, "outputs": [float(x) for x in out.reshape(-1).tolist()]}))


if __name__ == "__main__":
    main()
