/**
 * Fixtures for the completion-label tests: a problem whose reference body is a chain of assignments (an
 * error anywhere propagates to the result), responses with planted errors, and a deterministic generator
 * that completes any prefix with the rest of the reference, line for line. Whether a completed prefix
 * passes is decided by the real sandbox: with an unrecoverable planted error it passes exactly when the
 * prefix stops before the error.
 */
import type { Completion, CompletionRequest, Generator } from "../../src/generate/types.js";
import type { Problem } from "../../src/problems/types.js";

/** A chain problem and its reference body's lines. */
export interface Chain {
  problem: Problem;
  lines: ChainLine[];
}

/** One line of a chain response: code, or neutral (a comment or a blank line). */
export interface ChainLine {
  text: string;
  neutral: boolean;
}

/**
 * The reference body of `codeLines` code lines (assignments then a return), with a comment first and a
 * blank line after the second code line; the problem's tests call chain(x) for a few x.
 */
export function chainProblem(id: string, codeLines: number): Chain {
  const prompt = `def chain(x):\n    """Chain ${id}: adds 1, 2, 3, ... in turn."""\n`;
  const lines: ChainLine[] = [{ text: "    # walk the chain\n", neutral: true }];
  let previous = "x";
  for (let i = 1; i < codeLines; i++) {
    lines.push({ text: `    v${i} = ${previous} + ${i}\n`, neutral: false });
    previous = `v${i}`;
    if (i === 2) lines.push({ text: "\n", neutral: true });
  }
  lines.push({ text: `    return ${previous}\n`, neutral: false });
  const offset = ((codeLines - 1) * codeLines) / 2;
  const problem: Problem = {
    id,
    source: "test",
    prompt,
    starter: prompt,
    solution: prompt + lines.map((l) => l.text).join(""),
    tests: {
      kind: "call",
      fnName: "chain",
      cases: [0, 3, -7].map((x) => ({ args: [x], expected: x + offset })),
    },
  };
  return { problem, lines };
}

/** The line with a wrong constant: every later value, and the result, is off by 1000. */
export function broken(line: ChainLine): ChainLine {
  return { text: line.text.replace(/\n$/, " + 1000\n"), neutral: false };
}

/** The response with code line `j` (0-based, counting code lines only) broken; and that line's step index. */
export function planted(lines: ChainLine[], j: number): { response: string; step: number } {
  const code = lines.flatMap((l, i) => (l.neutral ? [] : [i]));
  const step = code[j]!;
  return { response: lines.map((l, i) => (i === step ? broken(l) : l).text).join(""), step };
}

/**
 * Completes every request with the reference lines after the prefix's line count, `n` times. It counts
 * requests, so tests can check how many prefixes were probed.
 */
export class ReferenceGenerator implements Generator {
  requests: CompletionRequest[] = [];

  constructor(private readonly chains: Chain[]) {}

  async complete(requests: CompletionRequest[]): Promise<Completion[][]> {
    this.requests.push(...requests);
    return requests.map((r) => {
      const chain = this.chains.find((c) => r.prompt.startsWith(c.problem.prompt));
      if (!chain)
        throw new Error(
          `ReferenceGenerator: no chain problem for the prompt ${JSON.stringify(r.prompt.slice(0, 60))}`,
        );
      const done = r.prompt.slice(chain.problem.prompt.length).split("\n").length - 1;
      const text = chain.lines
        .slice(done)
        .map((l) => l.text)
        .join("");
      return Array.from({ length: r.n }, () => ({ text, finishReason: "stop" as const }));
    });
  }
}
