/**
 * `report.html` for any run folder: the labels, PRM, RL and eval views over what the folder holds
 * (scan.ts), as one page that opens from disk with no network — its script, styles and highlighted code
 * are all in the file or in report-data/ beside it, loaded only when a reader opens them.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { packageRoot } from "../../paths.js";
import { writeFileAtomic } from "../../runs/atomic.js";
import { Chunks, safeJson } from "./chunks.js";
import { escapeHtml, highlightCss } from "./highlight.js";
import { evalView } from "./eval-view.js";
import { labelsView } from "./labels-view.js";
import { prmView } from "./prm-view.js";
import { readProblemInfo } from "./problems.js";
import { rlRunRef, rlView } from "./rl-view.js";
import { scanRun, shortPath } from "./scan.js";

export const reportFile = "report.html";
export const reportDataDir = "report-data";

/** A folder that cannot be reported on: the message names it and says what to do. */
export class ReportFolderError extends Error {
  override name = "ReportFolderError";
}

export interface WrittenReport {
  path: string;
  /** Bytes of report.html, and of all of report-data/. */
  bytes: number;
  dataBytes: number;
  chunks: number;
  views: string[];
}

/** Writes `root/report.html` and `root/report-data/` (replacing an older report's); returns what it wrote. */
export function writeHtmlReport(root: string): WrittenReport {
  const dir = resolve(root);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new ReportFolderError(
      `${root}: no such run folder; pass the folder a linewise command wrote (its --out), e.g. runs/demo-2026-01-01`,
    );
  const parts = scanRun(dir);
  const named = (paths: string[]) => paths.map((path) => ({ path, dir: path, name: shortPath(dir, path) }));
  const problems = readProblemInfo(parts.problemFiles);
  const chunks = new Chunks();
  const index = {
    title: basename(dir),
    root: dir,
    labels: parts.labelFiles.length ? labelsView(named(parts.labelFiles), problems, chunks) : null,
    prm: parts.prmRuns.length ? prmView(named(parts.prmRuns), chunks) : null,
    rl: parts.rlRuns.length
      ? rlView(
          parts.rlRuns.map((d) => rlRunRef(d, shortPath(dir, d))),
          chunks,
        )
      : null,
    eval: parts.evalDirs.length ? evalView(named(parts.evalDirs), problems, chunks) : null,
  };
  const views = (["labels", "prm", "rl", "eval"] as const).filter((v) => index[v] !== null);

  // report-data/ is rewritten whole: a chunk of an older report must not be read by this one's page.
  const data = join(dir, reportDataDir);
  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { recursive: true });
  let dataBytes = 0;
  for (const [name, items] of chunks.files) {
    const text = Chunks.script(name, items);
    writeFileSync(join(data, `${name}.js`), text);
    dataBytes += Buffer.byteLength(text);
  }
  const html = page(index.title, safeJson(index));
  const path = join(dir, reportFile);
  writeFileAtomic(path, html);
  return { path, bytes: Buffer.byteLength(html), dataBytes, chunks: chunks.files.size, views };
}

const asset = (name: string) =>
  readFileSync(join(packageRoot, "src", "report", "html", "assets", name), "utf8");

function page(title: string, indexJson: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>linewise report — ${escapeHtml(title)}</title>
<style>
${highlightCss()}
${asset("report.css")}
</style>
</head>
<body>
<header><h1>linewise — <span id="run-title"></span></h1><nav id="tabs"></nav></header>
<main id="view"></main>
<script>window.LW_INDEX = ${indexJson};</script>
<script>
${asset("report.js")}
</script>
</body>
</html>
`;
}
