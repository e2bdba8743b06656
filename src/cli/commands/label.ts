/** `linewise label`: process labels by binary search over completions (PSGPO) or by teacher rewrites (PRLCoder). */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type RunOptions, type SandboxExecutor } from "../../exec/index.js";
import { defaultStops } from "../../eval/evaluate.js";
import { LocalGenerator } from "../../generate/local.js";
import { OpenAIGenerator } from "../../generate/openai.js";
import type { Generator } from "../../generate/types.js";
import { CachedGenerator, checkpointIdentity } from "../../labels/completion-cache.js";
import { completionLabels, shardOf, type ResponseSource, type Shard } from "../../labels/completion-run.js";
import { mutationLabels } from "../../labels/mutation.js";
import { LabelFileError, readJsonLines, readLabels } from "../../labels/records.js";
import { labelReport, longLines } from "../../labels/report.js";
import type { Granularity } from "../../labels/segment.js";
import { selectionStrategies, type SelectionStrategy } from "../../labels/selection.js";
import { OpenAITeacher } from "../../labels/teachers/openai.js";
import { RuleTeacher } from "../../labels/teachers/rules.js";
import type { Teacher } from "../../labels/teachers/teacher.js";
import {
  loadProblems,
  MalformedRowError,
  ProblemFileError,
  problemFormats,
  type ProblemFormat,
} from "../../problems/loaders/index.js";
import type { Problem } from "../../problems/types.js";
import { formatValue, Progress } from "../../runs/progress.js";
import { numberOption, parseOptions, requiredOption } from "../args.js";
import { executorHelp, executorOptions, openExecutor } from "../executor-option.js";
import { UsageError, type Command } from "../command.js";
import { writeRunReport } from "../run-report.js";

const name = "label";

const help = `Usage: linewise label --problems FILE --out FILE [--method completion|mutation] [options]

Writes process labels as JSONL, one labelled response a line:
  {problemId, prompt, response, steps, labels (1 | -1 | 0 per step), firstError, kind, method, policy, cost, …}

--method completion (PSGPO): responses are given (--responses) or sampled from the policy (--samples N).
A passing response is all +1. For a failing one, binary search over its non-neutral steps finds the first
prefix that none of K completions (sampled from the policy at --temperature) can turn into a passing
program: steps before it are +1, it and later steps -1; blank, comment and docstring steps are 0 and never
probed. Each record keeps the probes and their cost (completions, executions, milliseconds). Kinds:
correct, revised (fails, but a non-empty prefix is correct), wrong; prompts are easy (all correct),
medium or hard (none correct). OUT.done records finished problems: a rerun with the same options resumes.

--method mutation (PRLCoder): a teacher mutates and refactors each step of every reference solution; the
program with the step replaced runs against the tests: pass -> chosen (+1), fail -> rejected (-1). Later
steps are masked. DPO pairs (prompt + prefix, chosen step, rejected step) go to --pairs.

Options:
  --problems FILE        problems (linewise, HumanEval, MBPP, APPS, LiveCodeBench, EvalPlus JSONL)
  --format F             the problems file's format when detection is not wanted (${problemFormats.join(", ")})
  --out FILE             the label records (appended; folders are created)
  --method M             completion (default) or mutation
  --shard I/N            only problems whose index in the file is I modulo N (shard files concatenate)
  --granularity G        line (default) or block (a compound statement with its body is one step)
  --concurrency N        problems labelled at once (default 4)
  --timeout SECONDS      CPU-time limit per program (default 3; wall-clock limit twice that plus 1 s)
  --seed S               sampling and teacher seed (default 0)
${executorHelp(25)}

 completion:
  --policy CKPT          the policy: a checkpoint folder (config.json, model.safetensors, tokenizer.json)
  --openai URL           or an OpenAI-compatible server (/v1/completions); repeat for round-robin
  --openai-model NAME    model name sent to the server
  --responses FILE       JSONL rows {"problemId", "response"} to label (several per problem allowed)
  --samples N            or sample N responses per problem from the policy
  -k, --k K              completions per probed prefix (default 4)
  --temperature T        sampling temperature of responses and completions (default 0.8)
  --top-p P              nucleus sampling (default 1)
  --max-tokens N         longest response or completion, in tokens (default 256)
  --select S             ${selectionStrategies.join(" | ")} (default full): PSGPO's data selection;
                         remove-hard drops hard prompts, medium-only keeps medium prompts, revised-only
                         keeps only revised responses
  --linear               also probe every non-neutral prefix and record it in 'linear' (labels, firstError,
                         monotone, cost) to measure how often binary search's monotonicity holds; the
                         record's labels and cost stay binary search's
  --no-cache             sample again (default: completions are cached by policy, prompt and sampling
                         options in .cache/completions, so a rerun or resume does not resample)

 mutation:
  --teacher T            rules (default: syntax-tree rewrites) or openai (a chat model)
  --teacher-url URL      the teacher's OpenAI-compatible server (with --teacher openai)
  --teacher-model NAME   model name sent to it
  --pairs FILE           where DPO pairs go (default: OUT with .jsonl replaced by .pairs.jsonl)

A summary goes to stdout: kinds, mean probes, completions and executions per response, time.

Examples:
  linewise label --problems runs/demo/suite-train.jsonl --policy runs/demo/sft/final --samples 4 \\
      -k 4 --select revised-only --out labels/train.jsonl
  linewise label --method mutation --problems mbpp.jsonl --granularity block --out labels/mbpp.jsonl`;

export const labelCommand: Command = {
  name,
  summary: "process labels: binary search over policy completions (PSGPO) or teacher rewrites (PRLCoder)",
  help,
  async run(argv) {
    const { values } = parseOptions(name, argv, {
      method: { type: "string" },
      problems: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
      policy: { type: "string" },
      openai: { type: "string", multiple: true },
      "openai-model": { type: "string" },
      responses: { type: "string" },
      samples: { type: "string" },
      k: { type: "string", short: "k" },
      temperature: { type: "string" },
      "top-p": { type: "string" },
      "max-tokens": { type: "string" },
      granularity: { type: "string" },
      teacher: { type: "string" },
      "teacher-url": { type: "string" },
      "teacher-model": { type: "string" },
      pairs: { type: "string" },
      select: { type: "string" },
      linear: { type: "boolean" },
      shard: { type: "string" },
      concurrency: { type: "string" },
      timeout: { type: "string" },
      seed: { type: "string" },
      "no-cache": { type: "boolean" },
      ...executorOptions,
    });
    const method = oneOf("method", values.method ?? "completion", ["completion", "mutation"] as const);
    const problemsFile = requiredOption(name, "problems", values.problems);
    const out = requiredOption(name, "out", values.out);
    const format = values.format === undefined ? undefined : oneOf("format", values.format, problemFormats);
    const granularity: Granularity = oneOf("granularity", values.granularity ?? "line", [
      "line",
      "block",
    ] as const);
    const shard = values.shard === undefined ? undefined : parseShard(values.shard);
    const concurrency = positiveInteger("concurrency", values.concurrency, 4);
    const seed = integer("seed", values.seed, 0);
    const timeout = numberOption(name, "timeout", values.timeout, 3);
    if (!(timeout > 0))
      throw new UsageError(
        `linewise ${name}: --timeout expects a positive number of seconds, got '${values.timeout}'`,
      );
    const limits: RunOptions = { cpuMs: timeout * 1000, wallMs: timeout * 2000 + 1000 };

    if (method === "mutation") {
      for (const option of [
        "policy",
        "openai",
        "responses",
        "samples",
        "k",
        "temperature",
        "select",
        "linear",
      ] as const)
        if (values[option] !== undefined)
          throw new UsageError(
            `linewise ${name}: --${option} is for --method completion; mutation labels need no policy`,
          );
      const teacher = teacherFrom(values.teacher, values["teacher-url"], values["teacher-model"]);
      const pairs = values.pairs ?? out.replace(/(\.jsonl)?$/, ".pairs.jsonl");
      return withExecutor(values, async (executor) => {
        const problems = shardOf(await load(problemsFile, format, executor), shard);
        const progress = new Progress({ label: "label", total: problems.length, unit: "problem" });
        const written = await userErrors(() =>
          mutationLabels(
            problems,
            executor,
            { granularity, teacher, seed, concurrency, limits, onProblem: (done) => progress.update(done) },
            { records: out, pairs },
          ),
        );
        progress.done();
        const report = labelReport(await userErrors(async () => readLabels(out)));
        console.log(
          `mutation labels: ${written.records} records and ${written.pairs} pairs written this run; ${out} holds ${report.responses} records ` +
            `(${kindLine(report.kinds)}); pairs in ${pairs}`,
        );
        labelReportHtml(out);
      });
    }

    for (const option of ["teacher", "teacher-url", "teacher-model", "pairs"] as const)
      if (values[option] !== undefined)
        throw new UsageError(`linewise ${name}: --${option} is for --method mutation`);
    if (!values.policy === !values.openai)
      throw new UsageError(`linewise ${name}: give exactly one of --policy CKPT or --openai URL`);
    if (!values.responses === !values.samples)
      throw new UsageError(`linewise ${name}: give exactly one of --responses FILE or --samples N`);
    const select = oneOf("select", values.select ?? "full", selectionStrategies) as SelectionStrategy;
    const k = positiveInteger("k", values.k, 4);
    const temperature = numberOption(name, "temperature", values.temperature, 0.8);
    const topP = numberOption(name, "top-p", values["top-p"], 1);
    const maxTokens = positiveInteger("max-tokens", values["max-tokens"], 256);
    if (values.policy && !existsSync(join(values.policy, "config.json")))
      throw new UsageError(
        `linewise ${name}: --policy ${values.policy} is not a checkpoint folder (no config.json)`,
      );

    return withExecutor(values, async (executor) => {
      const problems = await load(problemsFile, format, executor);
      const source: ResponseSource = values.responses
        ? { responses: await userErrors(async () => readResponses(values.responses!, problems)) }
        : { samples: positiveInteger("samples", values.samples, 1) };
      const { generator, policy, identity } = values.policy
        ? {
            generator: LocalGenerator.fromCheckpoint(values.policy),
            policy: values.policy,
            identity: await checkpointIdentity(values.policy),
          }
        : openAIPolicy(values.openai!, values["openai-model"]);
      try {
        const cached = new CachedGenerator(generator, identity, values["no-cache"] ? null : undefined);
        // Made at the first report, which says how many problems the shard has and how many are done.
        let progress: Progress | undefined;
        const result = await userErrors(() =>
          completionLabels(
            problems,
            source,
            { generator: cached, executor },
            {
              k,
              temperature,
              topP,
              maxTokens,
              stop: defaultStops,
              seed,
              granularity,
              linear: values.linear ?? false,
              policy,
              limits,
              select,
              concurrency,
              ...(shard ? { shard } : {}),
              onProblem: (done, total, kinds) =>
                (progress ??= new Progress({ label: "label", total, start: done, unit: "problem" })).update(
                  done,
                  { ...kinds },
                ),
            },
            out,
          ),
        );
        progress?.done();
        printSummary(result, select, out);
        labelReportHtml(out);
      } finally {
        (generator as { dispose?: () => void }).dispose?.();
      }
    });
  },
};

/**
 * report.html beside the label file, for its folder: not when that is the working folder itself, which may
 * hold anything (the report reads the whole folder); 'linewise report DIR' writes it there on request.
 */
function labelReportHtml(out: string): void {
  if (resolve(dirname(out)) === resolve(".")) return;
  writeRunReport(name, dirname(out));
}

/** Creates the sandbox, runs `fn`, and closes the sandbox (also on Ctrl-C: finished problems are on disk). */
async function withExecutor(
  values: Parameters<typeof openExecutor>[1],
  fn: (executor: SandboxExecutor) => Promise<void>,
): Promise<void> {
  const executor = openExecutor(name, values);
  const interrupt = () => void executor.close().finally(() => process.exit(130));
  process.once("SIGINT", interrupt);
  try {
    await fn(executor);
  } finally {
    process.removeListener("SIGINT", interrupt);
    await executor.close();
  }
}

/** Label-file errors (a damaged line, options that differ from a run being resumed) become one-line UsageErrors. */
async function userErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof LabelFileError) throw new UsageError(e.message);
    throw e;
  }
}

async function load(
  file: string,
  format: ProblemFormat | undefined,
  executor: SandboxExecutor,
): Promise<Problem[]> {
  try {
    return (await loadProblems(file, format, { capture: executor.capture.bind(executor) })).problems;
  } catch (e) {
    if (e instanceof MalformedRowError || e instanceof ProblemFileError) throw new UsageError(e.message);
    throw e;
  }
}

/** The rows {problemId, response} of a responses file, grouped by problem. */
function readResponses(file: string, problems: Problem[]): Map<string, string[]> {
  const ids = new Set(problems.map((p) => p.id));
  const responses = new Map<string, string[]>();
  for (const { value, where } of readJsonLines(file)) {
    const row = value as { problemId?: unknown; response?: unknown } | null;
    if (
      typeof row !== "object" ||
      row === null ||
      typeof row.problemId !== "string" ||
      typeof row.response !== "string"
    )
      throw new UsageError(`${where}: expected {"problemId": string, "response": string}`);
    if (!ids.has(row.problemId))
      throw new UsageError(`${where}: problemId '${row.problemId}' is not in the problems file`);
    responses.set(row.problemId, [...(responses.get(row.problemId) ?? []), row.response]);
  }
  if (responses.size === 0) throw new UsageError(`${file}: no responses`);
  return responses;
}

function openAIPolicy(
  urls: string[],
  model: string | undefined,
): { generator: Generator; policy: string; identity: string } {
  const policy = `openai:${model ?? "default"}@${urls.join(",")}`;
  // A server's model can change under the same name: the cache trusts the name (use --no-cache when it does).
  return { generator: new OpenAIGenerator({ urls, ...(model ? { model } : {}) }), policy, identity: policy };
}

function teacherFrom(kind: string | undefined, url: string | undefined, model: string | undefined): Teacher {
  const teacher = oneOf("teacher", kind ?? "rules", ["rules", "openai"] as const);
  if (teacher === "rules") {
    if (url || model)
      throw new UsageError(`linewise ${name}: --teacher-url and --teacher-model need --teacher openai`);
    return new RuleTeacher();
  }
  if (!url)
    throw new UsageError(
      `linewise ${name}: --teacher openai needs --teacher-url URL (an OpenAI-compatible chat server)`,
    );
  return new OpenAITeacher({ url, ...(model ? { model } : {}) });
}

function printSummary(
  result: Awaited<ReturnType<typeof completionLabels>>,
  select: SelectionStrategy,
  out: string,
): void {
  const labelled = result.kinds.correct + result.kinds.revised + result.kinds.wrong;
  const report = labelReport(result.records);
  const cost = report.cost.failing;
  console.log(
    `labelled ${result.resumed + result.labelled} problems (${result.resumed} from an earlier run), ${labelled} responses: ${kindLine(result.kinds)}`,
  );
  console.log(`kept ${report.responses} records (--select ${select}) in ${out}`);
  console.log(
    `per failing response: ${formatValue(cost.probes)} probes, ${formatValue(cost.completions)} completions, ` +
      `${formatValue(cost.executions)} executions, ${formatValue(cost.seconds)} s (${cost.responses} responses)`,
  );
  const linear = report.linear;
  if (linear)
    console.log(
      `binary vs linear: same first error on ${linear.agree}/${linear.responses} failing responses (${linear.monotone} monotone)` +
        (linear.long.ratio === null
          ? ""
          : `; executions on the ${linear.long.responses} of ${longLines}+ code lines: ${linear.long.binaryExecutions} binary, ` +
            `${linear.long.linearExecutions} linear (${(100 * linear.long.ratio).toFixed(1)}%)`),
    );
}

function kindLine(kinds: Record<string, number>): string {
  return Object.entries(kinds)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(
      `linewise ${name}: --${option} expects one of ${allowed.join(", ")}; got '${value}'`,
    );
  return value as T;
}

function integer(option: string, value: string | undefined, fallback: number): number {
  const n = numberOption(name, option, value, fallback);
  if (!Number.isInteger(n))
    throw new UsageError(`linewise ${name}: --${option} expects an integer, got '${value}'`);
  return n;
}

function positiveInteger(option: string, value: string | undefined, fallback: number): number {
  const n = integer(option, value, fallback);
  if (n < 1) throw new UsageError(`linewise ${name}: --${option} expects a positive integer, got '${value}'`);
  return n;
}

/** `I/N` with 0 ≤ I < N. */
function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count)
    throw new UsageError(`linewise ${name}: --shard expects I/N with 0 <= I < N (e.g. 0/4), got '${text}'`);
  return { index, count };
}
