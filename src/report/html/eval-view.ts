/**
 * The eval view's data: per evaluation folder, its summary (pass@k overall, by difficulty, by length) and
 * each problem's samples with their verdicts, highlighted, in report-data chunks.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readResults, type SampleResult } from "../../eval/evaluate.js";
import type { EvalSummary } from "../../eval/summary.js";
import type { Chunks } from "./chunks.js";
import { highlightLines } from "./highlight.js";
import type { ProblemInfo } from "./problems.js";

export interface EvalView {
  name: string;
  summary: EvalSummary;
  problems: {
    p: string;
    difficulty: string | null;
    passed: number;
    samples: number;
    greedy: boolean | null;
    c: string;
    i: number;
  }[];
}

export function evalView(
  dirs: { dir: string; name: string }[],
  problems: Map<string, ProblemInfo>,
  chunks: Chunks,
): EvalView[] {
  return dirs.map(({ dir, name }, e) => {
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as EvalSummary;
    const sample = (s: SampleResult) => ({
      lines: highlightLines(s.response),
      status: s.status,
      passed: s.passed,
      tokens: s.tokens,
    });
    return {
      name,
      summary,
      problems: readResults(join(dir, "results.jsonl")).map((r) => {
        const prompt = problems.get(r.problemId)?.prompt;
        return {
          p: r.problemId,
          difficulty: r.difficulty ?? problems.get(r.problemId)?.difficulty ?? null,
          passed: r.samples.filter((s) => s.passed).length,
          samples: r.samples.length,
          greedy: r.greedy ? r.greedy.passed : null,
          ...chunks.add(`eval-${e}`, {
            prompt: prompt ? highlightLines(prompt.replace(/\n$/, "")) : null,
            samples: r.samples.map(sample),
            greedy: r.greedy ? sample(r.greedy) : null,
          }),
        };
      }),
    };
  });
}
