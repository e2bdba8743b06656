/** `linewise report RUN`: (re)writes RUN/report.html, the HTML report of any run folder. */
import type { Command } from "../command.js";
import { UsageError } from "../command.js";
import { parseOptions } from "../args.js";
import { ReportFolderError, writeHtmlReport } from "../../report/html/write.js";

const help = `Usage: linewise report RUN

Writes RUN/report.html and RUN/report-data/ for a run folder of any linewise command (demo, compare, label,
train-prm, ppo, grpo, eval, ...), from what the folder holds:
  Labels  each labelled response's code, every line coloured by its label (+1, −1, neutral), the first
          error marked, the binary-search probes with their K completions, binary vs linear disagreements,
          mutation rewrites with their reference step and verdict; filters by kind, prompt kind,
          difficulty, length
  PRM     held-out responses with the PRM's score beside each label; reliability, ROC, accuracy by step
  RL      learning curves per arm (mean over seeds, min–max band); sampled rollouts with per-line PRM
          scores and rewards, outcome and KL
  Eval    pass@k by difficulty and length; each problem's samples with verdicts
The page works offline, from the file: open it in a browser, or serve it with 'linewise view RUN'.
Commands that make runs write it themselves at their end; this command rewrites it (e.g. for an older run).

Example:
  linewise report runs/demo-2026-01-01`;

export const reportCommand: Command = {
  name: "report",
  summary:
    "write RUN/report.html: labels, PRM scores, RL rollouts and pass@k over the code, for any run folder",
  help,
  async run(argv) {
    const { positionals } = parseOptions("report", argv, {});
    if (positionals.length !== 1)
      throw new UsageError(
        "linewise report: give one run folder, e.g. 'linewise report runs/demo-2026-01-01'",
      );
    const started = performance.now();
    let written;
    try {
      written = writeHtmlReport(positionals[0]!);
    } catch (e) {
      if (e instanceof ReportFolderError) throw new UsageError(`linewise report: ${e.message}`);
      throw e;
    }
    const kib = (n: number) => `${Math.round(n / 1024)} KiB`;
    console.error(
      `report: views ${written.views.join(", ") || "(none: nothing to show)"}; page ${kib(written.bytes)}, ` +
        `${written.chunks} data files ${kib(written.dataBytes)}, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    console.log(written.path);
    return 0;
  },
};
