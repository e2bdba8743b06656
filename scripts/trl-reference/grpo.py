"""TRL's GRPOTrainer on a fixed batch, for test/train/grpo-trl.test.ts.

Reads a JSON object on stdin:
  checkpoint      a linewise checkpoint folder (config.json, model.safetensors, tokenizer.json)
  prompts         token ids of each prompt (all of one length: TRL left-pads prompts and transformers'
                  Llama then shifts their positions, which linewise's right-padded packing does not)
  completions     token ids of each completion; completion i answers prompt i // num_generations
  rewards         one reward per completion
  old, ref        per-token log-probabilities the loss takes as π_old and π_ref (right-padded with 0)
  beta, epsilon, max_completion_length
  scale_rewards   "group" or "none"
  use_bias_correction_kl  whether the k3 term is weighted by the ratio π/π_old
  loss_types      TRL loss types to compute

Builds a real GRPOTrainer on the checkpoint, replaces only its generation by the fixed completions and its
reward function by the fixed rewards, runs `_generate_and_score_completions` (TRL's advantages) and then
`_compute_loss` once per loss type with the given π_old and π_ref. Prints
{"advantages": [...], "loss": {type: value}, "logps": [[...]] (the model's per-token log-probabilities of
each completion, unpadded), "trl": version} as JSON on stdout.
"""

import json
import sys
import tempfile

import torch
import trl
from datasets import Dataset
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast
from trl import GRPOConfig, GRPOTrainer


def main() -> None:
    job = json.load(sys.stdin)
    torch.manual_seed(0)
    prompts, completions = job["prompts"], job["completions"]
    n = len(completions)
    groups = n // len(prompts)
    model = AutoModelForCausalLM.from_pretrained(job["checkpoint"], torch_dtype=torch.float32)
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=f"{job['checkpoint']}/tokenizer.json")
    tokenizer.pad_token_id = model.config.pad_token_id
    tokenizer.eos_token_id = model.config.eos_token_id
    rewards = job["rewards"]

    def fixed_rewards(prompts, completions, **kwargs):
        return [float(r) for r in rewards]

    losses = {}
    advantages = logps = None
    for loss_type in job["loss_types"]:
        with tempfile.TemporaryDirectory() as out:
            args = GRPOConfig(
                output_dir=out,
                per_device_train_batch_size=n,
                num_generations=groups,
                max_completion_length=job["max_completion_length"],
                beta=job["beta"],
                epsilon=job["epsilon"],
                scale_rewards=job["scale_rewards"],
                use_bias_correction_kl=job["use_bias_correction_kl"],
                loss_type=loss_type,
                report_to=[],
                use_cpu=True,
                logging_steps=1,
            )
            trainer = GRPOTrainer(
                model=model,
                reward_funcs=[fixed_rewards],
                args=args,
                train_dataset=Dataset.from_dict({"prompt": ["x"] * n}),
                processing_class=tokenizer,
            )

            def fixed_generation(batch_prompts):
                prompt_ids = [prompts[i // groups] for i in range(n)]
                texts = [tokenizer.decode(c) for c in completions]
                return prompt_ids, [list(c) for c in completions], None, texts, None, {}, None, None

            trainer._generate = fixed_generation
            inputs = trainer._generate_and_score_completions([{"prompt": "x"} for _ in range(n)])
            advantages = inputs["advantages"].tolist()
            width = inputs["completion_ids"].shape[1]
            pad = lambda rows: torch.tensor([r + [0.0] * (width - len(r)) for r in rows], dtype=torch.float32)
            inputs["old_per_token_logps"] = pad(job["old"])
            inputs["ref_per_token_logps"] = pad(job["ref"])
            if "num_items_in_batch" not in inputs:
                inputs["num_items_in_batch"] = inputs["completion_mask"].sum()
            with torch.no_grad():
                losses[loss_type] = trainer._compute_loss(trainer.model, inputs).item()
                input_ids = torch.cat([inputs["prompt_ids"], inputs["completion_ids"]], dim=1)
                attention = torch.cat([inputs["prompt_mask"], inputs["completion_mask"]], dim=1)
                logps, _, _ = trainer._get_per_token_logps_and_entropies(trainer.model, input_ids, attention, width)
                mask = inputs["completion_mask"].tolist()
                logps = [[x for x, m in zip(row, keep) if m] for row, keep in zip(logps.tolist(), mask)]
    print(json.dumps({"advantages": advantages, "loss": losses, "logps": logps, "trl": trl.__version__}))


if __name__ == "__main__":
    main()
