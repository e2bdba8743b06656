/**
 * Which kernel F.scaledDotProductAttention runs: libtorch's fused `aten::scaled_dot_product_attention`
 * or matmul, mask, softmax, matmul. Chosen by measurement per libtorch version and device, not by whether
 * the fused operator exists (README, "The attention path"); `LINEWISE_ATTENTION` overrides.
 */
import { envVars } from "../env.js";
import { hasOperator } from "./tensor.js";
import { native } from "./native.js";

export type AttentionPath = "fused" | "matmul";

export interface AttentionChoice {
  path: AttentionPath;
  /** Why, in a sentence: the measurement behind the choice, or the override. */
  why: string;
}

/**
 * The measured choices, by device type, for a libtorch that has the fused operator (≥ 2.0). Training
 * shapes of `npm run bench -- engine` (batch 32, 4 heads, 128 tokens, head width 64), causal, one thread;
 * the bench measures both paths again on any machine and says whether it agrees.
 */
const measured: Record<string, AttentionChoice> = {
  cpu: {
    path: "fused",
    why:
      "measured on CPU with libtorch 2.13 (pip, MKL): the fused kernel took 0.2–0.9× the matmul path's CPU " +
      "time for forward + backward in every run on a 2-core AMD EPYC (Zen 5) VM",
  },
  cuda: {
    path: "fused",
    why:
      "not measured here (no GPU was lent): PyTorch's flash and memory-efficient CUDA kernels never build " +
      "the T×T score tensor; measure with `npm run bench -- engine` on the GPU and override if it disagrees",
  },
};

const hasFused = hasOperator("aten::scaled_dot_product_attention");
const chosen = new Map<string, AttentionChoice>();

/** The attention path for tensors on `device` ("cpu", "cuda:0", ...). */
export function attentionPath(device: string): AttentionChoice {
  const type = device.split(":")[0]!;
  let choice = chosen.get(type);
  if (!choice) {
    choice = choose(type);
    chosen.set(type, choice);
  }
  return choice;
}

function choose(deviceType: string): AttentionChoice {
  const torch = native.version().torch;
  const override = envVars.LINEWISE_ATTENTION;
  if (override === "fused" || override === "matmul") {
    if (override === "fused" && !hasFused)
      throw new Error(
        `LINEWISE_ATTENTION=fused: libtorch ${torch} has no aten::scaled_dot_product_attention (it came in 2.0); ` +
          "set it to 'matmul' or unset it",
      );
    return { path: override, why: `LINEWISE_ATTENTION=${override}` };
  }
  if (override)
    throw new Error(
      `LINEWISE_ATTENTION must be 'fused' or 'matmul', not '${override}'; unset it for the measured choice`,
    );
  if (!hasFused)
    return { path: "matmul", why: `libtorch ${torch} has no fused attention operator; it came in 2.0` };
  return (
    measured[deviceType] ?? {
      path: "matmul",
      why: `no measurement for device '${deviceType}'; matmul works on every device`,
    }
  );
}
