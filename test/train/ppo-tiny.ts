/**
 * Tiny problems and policies for the PPO and DPO tests: four one-line functions in the built-in suite's
 * convention (prompt = signature and docstring, response = the body), each with a right and a wrong body,
 * and a 2-layer policy fine-tuned in seconds on whichever bodies a test asks for.
 */
import { after, before } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setNumThreads } from "../../src/torch/index.js";
import { createExecutor, type SandboxExecutor } from "../../src/exec/index.js";
import type { Problem } from "../../src/problems/types.js";
import { resolveConfig } from "../../src/runs/index.js";
import { sftDefaults, trainSft, type SftExample } from "../../src/train/sft.js";
import type { DpoPair } from "../../src/train/dpo.js";
import { responseKind, type LabelRecord } from "../../src/labels/records.js";

// Tiny matrices gain nothing from a second thread, and OpenMP's barriers cost a lot on a busy 2-core machine.
setNumThreads(1);

interface TinyFunction {
  name: string;
  params: string;
  doc: string;
  right: string;
  wrong: string;
  cases: [unknown[], unknown][];
}

const functions: TinyFunction[] = [
  {
    name: "add",
    params: "a, b",
    doc: "Return a plus b.",
    right: "a + b",
    wrong: "a - b",
    cases: [
      [[1, 2], 3],
      [[5, 3], 8],
      [[0, 4], 4],
    ],
  },
  {
    name: "triple",
    params: "x",
    doc: "Return three times x.",
    right: "3 * x",
    wrong: "2 * x",
    cases: [
      [[1], 3],
      [[4], 12],
      [[0], 0],
    ],
  },
  {
    name: "is_even",
    params: "n",
    doc: "Return whether n is even.",
    right: "n % 2 == 0",
    wrong: "n % 2 == 1",
    cases: [
      [[2], true],
      [[3], false],
      [[0], true],
    ],
  },
  {
    name: "negate",
    params: "x",
    doc: "Return minus x.",
    right: "-x",
    wrong: "x",
    cases: [
      [[1], -1],
      [[-4], 4],
      [[7], -7],
    ],
  },
];

const promptOf = (f: TinyFunction) => `def ${f.name}(${f.params}):\n    """${f.doc}"""\n`;

/** The four problems, with call tests and the right body as the reference solution. */
export const tinyProblems: Problem[] = functions.map((f) => ({
  id: `tiny/${f.name}`,
  source: "test",
  prompt: promptOf(f),
  starter: promptOf(f),
  solution: `${promptOf(f)}    return ${f.right}\n`,
  tests: {
    kind: "call",
    fnName: f.name,
    cases: f.cases.map(([args, expected]) => ({ args: args as never, expected: expected as never })),
  },
}));

/** Each function's prompt, with its right and wrong `return` lines. */
export const tinyBodies = functions.map((f) => ({
  id: `tiny/${f.name}`,
  prompt: promptOf(f),
  right: `    return ${f.right}\n`,
  wrong: `    return ${f.wrong}\n`,
}));

/** Whole-response preference pairs: the right body chosen, the wrong one rejected. */
export const tinyPairs: DpoPair[] = tinyBodies.map((b) => ({
  problemId: b.id,
  prompt: b.prompt,
  chosen: b.right,
  rejected: b.wrong,
  whole: true,
}));

/** Label records of one step each: the right body labelled +1, the wrong one −1 (a PRM's training data). */
export const tinyLabelRecords: LabelRecord[] = tinyBodies.flatMap((b) =>
  [b.right, b.wrong].map((response, i) => ({
    problemId: b.id,
    prompt: b.prompt,
    response,
    steps: [response],
    labels: [i === 0 ? 1 : -1],
    firstError: i === 0 ? null : 0,
    kind: responseKind(i === 0, [i === 0 ? 1 : -1]),
    method: "mutation" as const,
    policy: "tiny",
    cost: { completions: 0, executions: 0, ms: 0 },
  })),
);

/** Each function's right and its wrong body once: a policy trained on them is right about half the time. */
export const halfRightBodies: SftExample[] = tinyBodies.flatMap((b) => [
  { prompt: b.prompt, completion: b.right },
  { prompt: b.prompt, completion: b.wrong },
]);

/** Trains a 2-layer, width-64 policy on `data` (its tokenizer learnt from it) into `dir`; returns the checkpoint. */
export async function tinyPolicy(dir: string, data: SftExample[], steps = 60): Promise<string> {
  const config = resolveConfig(
    sftDefaults,
    {
      vocabSize: 300,
      model: { nLayer: 2, dModel: 64, nHead: 2 },
      maxLength: 64,
      batchSize: 8,
      lr: 1e-2,
      warmupSteps: 5,
      weightDecay: 0,
      evalFraction: 0,
      steps,
      checkpointEvery: 1000,
    },
    "tiny policy",
  );
  return (await trainSft(config, data, join(dir, "sft"), { quiet: true })).checkpoint;
}

/**
 * For a test file: a temporary folder, a sandbox executor and a half-right policy (`steps` SFT steps),
 * made before its tests and removed after them; the fields are set once `before` has run.
 */
export function halfRightFixture(steps = 20): { dir: string; executor: SandboxExecutor; policy: string } {
  const fixture = { dir: "", executor: null as unknown as SandboxExecutor, policy: "" };
  before(async () => {
    fixture.dir = mkdtempSync(join(tmpdir(), "linewise-tiny-"));
    fixture.executor = createExecutor({ cacheDir: null });
    fixture.policy = await tinyPolicy(fixture.dir, halfRightBodies, steps);
  });
  after(async () => {
    await fixture.executor.close();
    rmSync(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}

/** A short RL run on the four problems (PPO or GRPO fields): groups of 8, so some hold both outcomes and GRPO has advantages to learn from. */
export const tinyRl = {
  problemsPerIteration: 4,
  samplesPerProblem: 8,
  minibatchSize: 16,
  maxNewTokens: 16,
  samplesEvery: 0,
};
