/**
 * Gradient checkpointing (Chen et al., "Training Deep Nets with Sublinear Memory Cost"; torch.utils.checkpoint):
 * `checkpointSequential` runs a chain of segments without recording their graphs, keeping only each
 * segment's input, and recomputes one segment at a time in the backward, so a backward holds the
 * activations of one segment instead of all of them.
 *
 * Why in TypeScript and not as a C++ autograd function calling back into JavaScript: libtorch runs the
 * backward of CUDA tensors on its own device threads, where a JavaScript callback cannot run (the main
 * thread is blocked inside `backward`), so a callback design would work on the CPU only. Here each
 * segment's output is a leaf that requires grad: `loss.backward()` stops there, and `Tensor.backward` then
 * calls `runCheckpoints`, which walks the pending chains from the last segment down: recompute segment i
 * from its kept input with grad on, `backward(output, gradient at the leaf)`, which leaves the gradient of
 * segment i − 1's output on its leaf, and so on; the first input's own graph (the embedding) gets its
 * gradient last. Trainers keep calling `loss.backward()` and nothing else.
 *
 * Lifetime: a chain holds its inputs until a backward has gone through it (without `retainGraph`), or,
 * when no backward ever comes, until no graph refers to its last output any more (every tensor computed
 * from it disposed; checked at the next checkpointed forward and at every backward). Segments must be deterministic: no dropout or other random draws (the Llama here
 * has none), since the recomputation must reproduce the forward exactly.
 */
import { native } from "./native.js";
import { keep, scope } from "./scope.js";
import { isGradEnabled, noGrad } from "./autograd.js";
import { Tensor, onBackward } from "./tensor.js";

/** One checkpointed chain: leaves[0] is the detached input, leaves[i] the output of segments[i − 1]. */
interface Chain {
  /** The chain's input with its graph (e.g. the embedding's output); null when it needs no gradient. */
  root: Tensor | null;
  leaves: Tensor[];
  segments: ((x: Tensor) => Tensor)[];
  /** The caller's tensors the segments read (rotary angles, masks), freed with the chain. */
  held: Tensor[];
}

const chains: Chain[] = [];

/**
 * `finish(segments[n−1](…segments[0](x)))` with only the segments' inputs kept for the backward; the
 * segments are recomputed there. `held` lists tensors the segments read that the caller would otherwise
 * free when its scope ends (they are kept and freed with the chain). Call only with grad mode on.
 */
export function checkpointSequential(
  x: Tensor,
  segments: ((x: Tensor) => Tensor)[],
  held: Tensor[],
  finish: (y: Tensor) => Tensor,
): Tensor {
  if (!isGradEnabled()) throw new Error("checkpointSequential: call it with grad mode on (outside noGrad)");
  releaseUnreachable();
  const root = x.requiresGrad ? keep(x) : null;
  const first = keep(x.detach());
  if (root) first.requiresGrad_();
  const leaves = [first];
  for (const segment of segments) {
    const input = leaves[leaves.length - 1]!;
    leaves.push(keep(noGrad(() => scope(() => segment(input))).requiresGrad_()));
  }
  chains.push({ root, leaves, segments, held: held.map((t) => keep(t)) });
  return finish(leaves[leaves.length - 1]!);
}

/** Chains still waiting for a backward (for tests: a finished training step leaves none). */
export function pendingCheckpoints(): number {
  releaseUnreachable();
  return chains.length;
}

/** Continues a backward through every chain whose outputs received a gradient (called by Tensor.backward). */
function runCheckpoints(retainGraph: boolean): void {
  if (chains.length === 0) return;
  const gradWas = native.gradEnabled();
  native.setGradEnabled(true); // the recomputation records its graph even if backward was called under noGrad
  try {
    backwardChains(retainGraph);
  } finally {
    native.setGradEnabled(gradWas);
  }
}

function backwardChains(retainGraph: boolean): void {
  releaseUnreachable();
  // Newest first: a chain fed by an older chain's output passes its gradient down to it.
  for (let c = chains.length - 1; c >= 0; c--) {
    const chain = chains[c]!;
    let reached = false;
    for (let i = chain.segments.length; i >= 1; i--) {
      const leaf = chain.leaves[i]!;
      scope(() => {
        const gradient = leaf.grad;
        if (gradient === null) return;
        reached = true;
        native.zeroGrad([leaf.handle]); // a later backward (retainGraph) must not count this gradient again
        const output = chain.segments[i - 1]!(chain.leaves[i - 1]!);
        // Nothing below this segment needs a gradient (a frozen first layer over a frozen embedding).
        if (output.requiresGrad) native.backward(output.handle, gradient.handle, false);
      });
    }
    const first = chain.leaves[0]!;
    scope(() => {
      const gradient = first.grad;
      if (gradient === null || chain.root === null) return;
      reached = true;
      native.zeroGrad([first.handle]);
      native.backward(chain.root.handle, gradient.handle, retainGraph);
    });
    if (reached && !retainGraph) release(c);
  }
}

onBackward(runCheckpoints);

function release(index: number): void {
  const [chain] = chains.splice(index, 1);
  if (!chain) return;
  for (const t of [...chain.leaves, ...chain.held]) t.dispose();
  chain.root?.dispose();
}

/**
 * Frees the chains no backward can reach any more: their last leaf is held by its handle alone, so no
 * graph reads it or accumulates into it (every tensor computed from it is gone, or its graph was freed).
 */
function releaseUnreachable(): void {
  for (let c = chains.length - 1; c >= 0; c--) {
    const leaves = chains[c]!.leaves;
    if (native.useCount(leaves[leaves.length - 1]!.handle) === 1) release(c);
  }
}
