import { after, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createExecutor } from "../../src/exec/index.js";
import { loadProblems } from "../../src/problems/loaders/index.js";
import { packageRoot } from "../../src/paths.js";

const file = join(packageRoot, "test/fixtures/loaders/evalplus.jsonl");
const executor = createExecutor({ cacheDir: null, slots: 1 });
after(() => executor.close());

test("EvalPlus: expected outputs are the canonical solution's return values; inputs it fails on are dropped", async () => {
  const { format, problems } = await loadProblems(file, undefined, {
    capture: (program, fnName, args) => executor.capture(program, fnName, args),
  });
  assert.equal(format, "evalplus");
  const [truncate, prime] = problems;
  assert.equal(truncate!.source, "humaneval-plus");
  assert.ok(truncate!.solution!.startsWith(truncate!.prompt) && truncate!.starter === truncate!.prompt);
  assert.ok(truncate!.tests.kind === "call" && truncate!.tests.fnName === "truncate_number");
  const cases = truncate!.tests.kind === "call" ? truncate!.tests.cases : [];
  // "not a number" % 1.0 raises a TypeError in the canonical solution: that input is dropped.
  assert.deepEqual(
    cases.map((c) => c.args),
    [[3.5], [1.33], [123.456], [0.1], [999.25]],
  );
  cases.forEach((c) => assert.ok(Math.abs((c.expected as number) - ((c.args[0] as number) % 1)) < 1e-9));
  assert.deepEqual(truncate!.meta, {
    entryPoint: "truncate_number",
    atol: 1e-6,
    compare: { mode: "float", atol: 1e-6, rtol: 1e-7 },
    baseTests: 3,
    droppedTests: 1,
  });

  assert.equal(prime!.source, "mbpp-plus");
  assert.equal(prime!.starter, undefined);
  assert.ok(prime!.solution!.startsWith("import math\ndef is_not_prime(n):"));
  assert.deepEqual(prime!.tests.kind === "call" && prime!.tests.cases.map((c) => c.expected), [
    false,
    true,
    true,
    false,
    true,
    false,
    false,
  ]);
});

test("EvalPlus rows cannot be loaded without a way to run the canonical solutions", async () => {
  await assert.rejects(loadProblems(file, "evalplus"), /EvalPlus files need `capture`/);
});
