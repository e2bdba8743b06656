/** `linewise eval`: pass@k of a checkpoint or an OpenAI-compatible server on a problems file. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "../command.js";
import { UsageError } from "../command.js";
import { writeRunReport } from "../run-report.js";
import { numberOption, parseOptions, requiredOption } from "../args.js";
import { loadProblems, problemFormats, type ProblemFormat } from "../../problems/loaders/index.js";
import { executorHelp, executorOptions, openExecutor } from "../executor-option.js";
import { LocalGenerator } from "../../generate/local.js";
import { OpenAIGenerator } from "../../generate/openai.js";
import { ChatCodeGenerator } from "../../generate/chat.js";
import { chatTemplateOption } from "../../model/chat-template.js";
import type { Generator } from "../../generate/types.js";
import { defaultStops, evaluate } from "../../eval/evaluate.js";
import { summarize, summaryMarkdown } from "../../eval/summary.js";
import { Progress } from "../../runs/progress.js";

const help = `Usage: linewise eval (--model CKPT | --openai URL [--openai URL …]) --problems FILE [options]

Samples responses for every problem, runs them against the tests in the sandbox, and writes
  OUT/results.jsonl   one row per problem (responses, verdicts, token counts); a rerun resumes it
  OUT/summary.json    pass@k overall, by difficulty and by response length, greedy pass@1;
                      on EvalPlus files also its two columns, base tests (HumanEval / MBPP)
                      and base + plus tests (HumanEval+ / MBPP+)
  OUT/summary.md      the same as Markdown tables

Options:
  --model CKPT         a checkpoint folder (config.json, model.safetensors, tokenizer.json)
  --openai URL         an OpenAI-compatible server (/v1/completions); repeat for round-robin
  --openai-model NAME  model name sent to the server
  --problems FILE      problems JSONL (linewise, HumanEval, MBPP, APPS, LiveCodeBench, EvalPlus)
  --format F           the file's format when detection is not wanted (${problemFormats.join(", ")})
  --n N                samples per problem for pass@k (default 10; 0 = greedy only)
  --k LIST             the k values, comma-separated (default 1,5,10; those above n are dropped)
  --temperature T      sampling temperature (default 0.8)
  --top-p P            nucleus sampling (default 1)
  --max-tokens N       longest response in tokens (default 256)
  --no-greedy          skip the greedy response (greedy pass@1 is reported by default)
  --seed S             sampling seed (default 0)
  --chat-template T    prompt a chat model through a chat template: auto (the checkpoint's own,
                       chat_template.jinja or tokenizer_config.json's chat_template), or a .jinja FILE
                       (needed with --openai). Each prompt becomes a user turn asking to complete the
                       code, and the assistant's turn opens with a Python code fence and the code, which
                       the model continues up to the closing fence. Default none: the prompt is
                       continued as is (base models).
  --out DIR            where to write (default runs/eval-<date>)
${executorHelp(23)}

Example: linewise eval --model runs/demo/sft --problems runs/demo/suite-test.jsonl --n 10 --k 1,5,10`;

export const evalCommand: Command = {
  name: "eval",
  summary: "pass@k (and greedy pass@1) of a checkpoint or server on a problems file",
  help,
  async run(argv) {
    const { values } = parseOptions("eval", argv, {
      model: { type: "string" },
      openai: { type: "string", multiple: true },
      "openai-model": { type: "string" },
      problems: { type: "string" },
      format: { type: "string" },
      n: { type: "string" },
      k: { type: "string" },
      temperature: { type: "string" },
      "top-p": { type: "string" },
      "max-tokens": { type: "string" },
      "no-greedy": { type: "boolean" },
      seed: { type: "string" },
      out: { type: "string" },
      "chat-template": { type: "string" },
      ...executorOptions,
    });
    if (!values.model === !values.openai)
      throw new UsageError("linewise eval: give exactly one of --model CKPT or --openai URL");
    let template = null;
    if (values["chat-template"] !== undefined && values["chat-template"] !== "none") {
      try {
        template = chatTemplateOption(values["chat-template"], values.model);
      } catch (e) {
        throw new UsageError(`linewise eval: --chat-template ${(e as Error).message}`);
      }
      if (!template)
        throw new UsageError(
          values.model
            ? `linewise eval: --chat-template auto: ${values.model} has no chat template (no chat_template.jinja, no chat_template in tokenizer_config.json); give a .jinja file`
            : "linewise eval: --chat-template auto needs --model; with --openai give a .jinja file",
        );
    }
    const format = values.format as ProblemFormat | undefined;
    if (format && !problemFormats.includes(format))
      throw new UsageError(`linewise eval: --format must be one of ${problemFormats.join(", ")}`);
    const n = numberOption("eval", "n", values.n, 10);
    const ks = (values.k ?? "1,5,10").split(",").map((k) => numberOption("eval", "k", k.trim(), 1));
    if (ks.some((k) => !Number.isInteger(k) || k < 1))
      throw new UsageError("linewise eval: --k takes positive whole numbers, e.g. 1,5,10");
    const out = values.out ?? join("runs", `eval-${new Date().toISOString().slice(0, 10)}`);
    mkdirSync(out, { recursive: true });

    const executor = openExecutor("eval", values);
    const { problems } = await loadProblems(requiredOption("eval", "problems", values.problems), format, {
      capture: executor.capture.bind(executor),
    });
    const base: Generator & { dispose?: () => void } = values.model
      ? LocalGenerator.fromCheckpoint(values.model)
      : new OpenAIGenerator({
          urls: values.openai!,
          ...(values["openai-model"] ? { model: values["openai-model"] } : {}),
        });
    const generator = template ? new ChatCodeGenerator(base, template) : base;
    const progress = new Progress({ label: "eval", total: problems.length, unit: "problem" });
    let passed = 0;
    let samples = 0;
    try {
      const results = await evaluate(
        problems,
        generator,
        executor,
        {
          n,
          temperature: numberOption("eval", "temperature", values.temperature, 0.8),
          topP: numberOption("eval", "top-p", values["top-p"], 1),
          greedy: !values["no-greedy"],
          maxTokens: numberOption("eval", "max-tokens", values["max-tokens"], 256),
          stop: defaultStops,
          seed: numberOption("eval", "seed", values.seed, 0),
        },
        join(out, "results.jsonl"),
        (done, _total, r) => {
          const all = [...r.samples, ...(r.greedy ? [r.greedy] : [])];
          samples += all.length;
          passed += all.filter((s) => s.passed).length;
          progress.update(done, { passed: samples ? `${((100 * passed) / samples).toFixed(1)}%` : "–" });
        },
      );
      progress.done();
      const summary = summarize(
        results,
        ks.filter((k) => k <= Math.max(n, 1)),
      );
      writeFileSync(join(out, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
      const markdown = summaryMarkdown(summary);
      writeFileSync(join(out, "summary.md"), markdown + "\n");
      console.log(markdown);
      console.log(`\nresults in ${out}/ (results.jsonl, summary.json, summary.md)`);
      writeRunReport("eval", out);
      return 0;
    } finally {
      generator.dispose?.();
      await executor.close();
    }
  },
};
