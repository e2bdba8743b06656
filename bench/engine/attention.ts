/**
 * The measurement behind the attention path (src/torch/attentionPath.ts): F.scaledDotProductAttention's
 * fused and matmul paths on the engine bench's attention shape, causal, forward and backward, alternating
 * so that load on the machine falls on both alike.
 */
import { native } from "../../src/torch/native.js";
import { F, hasOperator, randn, scope, type AttentionPath } from "../../src/torch/index.js";

export interface PathTimes {
  forwardMs: number;
  backwardMs: number;
  /** CPU time of forward + backward (all threads): the work done, less blurred by other processes */
  cpuMs: number;
}

export interface AttentionFigures {
  /** (batch, heads, tokens, head width) */
  shape: [number, number, number, number];
  matmul: PathTimes;
  /** null on a libtorch without the fused operator (1.x) */
  fused: PathTimes | null;
  /** fused ÷ matmul, forward + backward wall time: above 1, the matmul path is faster here */
  fusedOverMatmul: number | null;
  /** the same in CPU time */
  fusedOverMatmulCpu: number | null;
}

/** Medians of `reps` alternating measurements of each path (after two warm-up rounds). */
export function measureAttention(shape: [number, number, number, number], reps: number): AttentionFigures {
  const paths: AttentionPath[] = hasOperator("aten::scaled_dot_product_attention")
    ? ["matmul", "fused"]
    : ["matmul"];
  const times = new Map(
    paths.map((p) => [p, { forward: [] as number[], backward: [] as number[], cpu: [] as number[] }]),
  );
  const [q, k, v] = [0, 1, 2].map(() => randn(shape, { requiresGrad: true }));
  const grad = randn(shape);
  try {
    for (let i = 0; i < reps + 2; i++) {
      const order = i % 2 === 0 ? paths : [...paths].reverse();
      for (const path of order) {
        scope(() => {
          const cpuStart = process.cpuUsage();
          const start = performance.now();
          const y = F.scaledDotProductAttention(q!, k!, v!, { causal: true, path });
          const forwardEnd = performance.now();
          y.backward(grad);
          const end = performance.now();
          const cpu = process.cpuUsage(cpuStart);
          if (i >= 2) {
            times.get(path)!.forward.push(forwardEnd - start);
            times.get(path)!.backward.push(end - forwardEnd);
            times.get(path)!.cpu.push((cpu.user + cpu.system) / 1000);
          }
        });
        native.zeroGrad([q!.handle, k!.handle, v!.handle]);
      }
    }
  } finally {
    for (const t of [q!, k!, v!, grad]) t.dispose();
  }
  const summary = (p: AttentionPath): PathTimes | null => {
    const t = times.get(p);
    return t ? { forwardMs: median(t.forward), backwardMs: median(t.backward), cpuMs: median(t.cpu) } : null;
  };
  const matmul = summary("matmul")!;
  const fused = summary("fused");
  const total = (t: PathTimes) => t.forwardMs + t.backwardMs;
  return {
    shape,
    matmul,
    fused,
    fusedOverMatmul: fused ? total(fused) / total(matmul) : null,
    fusedOverMatmulCpu: fused ? fused.cpuMs / matmul.cpuMs : null,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
