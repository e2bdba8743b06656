import { test } from "node:test";
import assert from "node:assert/strict";
import { Progress, formatDuration, formatValue } from "../../src/runs/progress.js";

function sink(isTTY: boolean) {
  const out = { text: "", isTTY, columns: 200, write: (s: string) => void (out.text += s) };
  return out;
}

test("not on a terminal: plain lines with count, rate and the caller's fields; no repeated final line", () => {
  const stream = sink(false);
  const bar = new Progress({ label: "sft", total: 4, unit: "step", stream, logEverySeconds: 0 });
  bar.update(1, { loss: 2.345678, "tok/s": 12345.6 });
  bar.log("sft: evaluating");
  bar.update(4, { loss: 0.5 });
  bar.done();
  const lines = stream.text.trimEnd().split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^sft: 1\/4, 25%, loss 2\.346, tok\/s 12,346, [\d.,]+ step\/s, \d+s(, eta \S+)?$/);
  assert.equal(lines[1], "sft: evaluating");
  assert.match(lines[2]!, /^sft: 4\/4, 100%, loss 0\.5, [\d.,]+ step\/s, \d+s$/);
  assert.ok(!stream.text.includes("\r"));
});

test("on a terminal: one line redrawn in place with a bar, ended by done()", () => {
  const stream = sink(true);
  // live: true, as on a terminal without CI set (CI runs this test with CI=true)
  const bar = new Progress({ label: "sft", total: 10, stream, live: true });
  bar.update(5, { loss: 1 });
  bar.log("a message");
  bar.done({ loss: 0.25 });
  assert.ok(stream.text.startsWith("\r\x1b[Ksft [##########..........]  5/10  50%"));
  assert.ok(stream.text.includes("\r\x1b[Ka message\n"));
  assert.match(stream.text, /loss 0\.25 {2}[\d.,]+ it\/s {2}\d+s {2}eta \d+s\n$/);
  const length = stream.text.length;
  bar.done();
  assert.equal(stream.text.length, length, "done() twice draws once");
});

test("numbers and durations read well", () => {
  assert.equal(formatValue(0.000123456), "0.0001235");
  assert.equal(formatValue(3), "3");
  assert.equal(formatValue(1234567.8), "1,234,568");
  assert.equal(formatDuration(42), "42s");
  assert.equal(formatDuration(185), "3m05s");
  assert.equal(formatDuration(7620), "2h07m");
});
