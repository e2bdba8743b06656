/** `linewise export`: label records and step pairs as TRL datasets (stepwise supervision, preference pairs). */
import { writeFileAtomic } from "../../runs/atomic.js";
import {
  checkRecord,
  groupByProblem,
  isPairRow,
  LabelFileError,
  readJsonLines,
  readPairs,
  type LabelRecord,
  type StepPair,
} from "../../labels/records.js";
import { parseOptions, requiredOption } from "../args.js";
import { UsageError, type Command } from "../command.js";

const name = "export";

const formats = ["trl-stepwise", "trl-preference"] as const;
type ExportFormat = (typeof formats)[number];

const help = `Usage: linewise export --labels FILE --format ${formats.join("|")} --out FILE

Converts the output of 'linewise label' into the JSONL datasets of Hugging Face TRL.

  trl-stepwise     stepwise supervision rows {prompt, completions: string[], labels: boolean[]} for TRL's
                   PRMTrainer, one per label record. A step's label is true for +1 and false for -1.
                   Neutral steps (label 0: blank, comment and docstring lines) carry no label, so each is
                   merged into the next labelled step (a trailing one into the previous step), and no
                   text is lost. One line end is taken off each step: train with step_separator="\\n" and
                   the steps join back into the response.
  trl-preference   preference rows {prompt, chosen, rejected} for TRL's DPOTrainer. From a pairs file
                   (written by 'linewise label --method mutation' to --pairs): one row per step pair,
                   prompt = problem prompt + the steps before the pair's step. From label records: whole
                   responses of the same problem, each failing response (revised or wrong) paired with a
                   passing one (the passing ones taken in turn); problems without both give no rows.

Options:
  --labels FILE   label records (or a pairs file, for trl-preference)
  --format F      ${formats.join(" | ")}
  --out FILE      the JSONL dataset (written whole, through a rename)

Example:
  linewise export --labels labels/train.jsonl --format trl-stepwise --out data/prm.jsonl`;

/** A TRL stepwise-supervision row. */
export interface StepwiseRow {
  prompt: string;
  completions: string[];
  labels: boolean[];
}

/** A TRL preference row. */
export interface PreferenceRow {
  prompt: string;
  chosen: string;
  rejected: string;
}

export const exportCommand: Command = {
  name,
  summary: "export label records as TRL stepwise-supervision or preference datasets",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      labels: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
    });
    const file = requiredOption(name, "labels", values.labels);
    const format = requiredOption(name, "format", values.format) as ExportFormat;
    if (!formats.includes(format))
      throw new UsageError(
        `linewise ${name}: --format expects one of ${formats.join(", ")}; got '${format}'`,
      );
    const out = requiredOption(name, "out", values.out);

    let rows: object[];
    let from: string;
    try {
      const lines = readJsonLines(file);
      if (lines.length === 0) throw new UsageError(`${file}: no rows to export`);
      if (isPairRow(lines[0]!.value)) {
        if (format === "trl-stepwise")
          throw new UsageError(
            `${file}: holds step pairs, which have no per-step labels; export label records with trl-stepwise, pairs with trl-preference`,
          );
        const pairs = readPairs(file);
        rows = pairs.map(pairRow);
        from = `${pairs.length} pairs`;
      } else {
        const records = lines.map(({ value, where }) => checkRecord(value, where));
        rows =
          format === "trl-stepwise" ? records.flatMap((r) => stepwiseRow(r) ?? []) : preferenceRows(records);
        from = `${records.length} label records`;
      }
    } catch (e) {
      if (e instanceof LabelFileError) throw new UsageError(e.message);
      throw e;
    }
    try {
      writeFileAtomic(out, rows.map((r) => JSON.stringify(r) + "\n").join(""));
    } catch (e) {
      throw new UsageError(
        `linewise ${name}: cannot write --out ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    console.log(`wrote ${rows.length} ${format} rows to ${out} (from ${from})`);
  },
};

/**
 * A record as a stepwise-supervision row: neutral steps merged into the next labelled step (a trailing run
 * into the previous one), one line end taken off each step. Null when no step is labelled.
 */
export function stepwiseRow(record: LabelRecord): StepwiseRow | null {
  const completions: string[] = [];
  const labels: boolean[] = [];
  let pending = "";
  record.steps.forEach((step, i) => {
    const label = record.labels[i];
    if (label === 0) {
      pending += step;
      return;
    }
    completions.push(pending + step);
    labels.push(label === 1);
    pending = "";
  });
  if (completions.length === 0) return null;
  completions[completions.length - 1] += pending;
  return { prompt: record.prompt, completions: completions.map((c) => c.replace(/\r?\n$/, "")), labels };
}

/**
 * Preference rows from whole responses: within each problem (in file order), every failing response paired
 * with a passing one, the passing ones taken in turn; repeated pairs are written once.
 */
export function preferenceRows(records: LabelRecord[]): PreferenceRow[] {
  const rows: PreferenceRow[] = [];
  const seen = new Set<string>();
  for (const group of groupByProblem(records).values()) {
    const passing = group.filter((r) => r.kind === "correct");
    const failing = group.filter((r) => r.kind !== "correct");
    if (passing.length === 0) continue;
    failing.forEach((rejected, i) => {
      const row = {
        prompt: rejected.prompt,
        chosen: passing[i % passing.length]!.response,
        rejected: rejected.response,
      };
      const key = JSON.stringify(row);
      if (!seen.has(key)) rows.push(row);
      seen.add(key);
    });
  }
  return rows;
}

/** A step pair as a preference row (the extra fields dropped). */
function pairRow(pair: StepPair): PreferenceRow {
  return { prompt: pair.prompt, chosen: pair.chosen, rejected: pair.rejected };
}
