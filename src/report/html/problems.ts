/** The problems a run folder holds (its suite files), by id: each one's prompt and difficulty. */
import { readFileSync } from "node:fs";

export interface ProblemInfo {
  prompt: string;
  difficulty?: string;
}

/** Problems of every problem file, by id (the first file that has an id wins); unreadable rows are skipped. */
export function readProblemInfo(files: readonly string[]): Map<string, ProblemInfo> {
  const byId = new Map<string, ProblemInfo>();
  for (const file of files)
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line.trim()) continue;
      try {
        const p = JSON.parse(line) as { id: string; prompt: string; difficulty?: string };
        if (!byId.has(p.id))
          byId.set(p.id, { prompt: p.prompt, ...(p.difficulty ? { difficulty: p.difficulty } : {}) });
      } catch {
        // a torn last line
      }
    }
  return byId;
}
