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
  assert.match(log.join("\n"), /\[one\] done earlier/);
});
