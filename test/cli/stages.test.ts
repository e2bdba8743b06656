import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Stages } from "../../src/cli/demo/stages.js";
import { Interrupted } from "../../src/cli/demo/arms.js";

test("once Ctrl-C has fired no further stage starts, and a stage done earlier is still skipped", async () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-stages-"));
  const stop = new AbortController();
  const stages = new Stages(dir, stop.signal);
  const log: string[] = [];
  await stages.stage(
    "one",
    join(dir, "one.json"),
    async () => writeFileSync(join(dir, "one.json"), "{}"),
    (l) => log.push(l),
  );
  stop.abort();
  await stages.stage(
    "one",
    join(dir, "one.json"),
    async () => assert.fail("done earlier"),
    (l) => log.push(l),
  );
  await assert.rejects(
    stages.stage(
      "two",
      join(dir, "two.json"),
      async () => writeFileSync(join(dir, "two.json"), "{}"),
      (l) => log.push(l),
    ),
    (e) => e instanceof Interrupted && /before stage two/.test(e.message),
  );
  assert.ok(!existsSync(join(dir, "two.json")));
  assert.equal(log.filter((l) => l.startsWith("[one] starting")).length, 1, "one ran once");
});

test("a stage found done is reported once however many arms ask for it, in this run and when resumed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-stages-"));
  const output = join(dir, "labels.json");
  const write = async () => writeFileSync(output, "{}");
  const first = new Stages(dir);
  const log: string[] = [];
  for (let arm = 0; arm < 3; arm++) await first.stage("labels", output, write, (l) => log.push(l));
  assert.deepEqual(
    log.map((l) => l.replace(/ in .*/, "")),
    ["[labels] starting", "[labels] finished"],
  );
  assert.equal(first.ran.length, 1);
  const resumed = new Stages(dir);
  const again: string[] = [];
  for (let arm = 0; arm < 3; arm++)
    await resumed.stage(
      "labels",
      output,
      async () => assert.fail("done earlier"),
      (l) => again.push(l),
    );
  assert.equal(again.length, 1);
  assert.match(again[0]!, /^\[labels\] done earlier/);
  assert.deepEqual(
    resumed.ran.map((r) => r.skipped),
    [true],
  );
});
