import { test } from "node:test";
import assert from "node:assert/strict";
import { DataParallel, WorldEnvError, rendezvousFromEnv } from "../../src/train/distributed.js";

test("the torchrun variables: unset or WORLD_SIZE=1 is one process; a bad value is a one-line error naming it", () => {
  assert.equal(rendezvousFromEnv({}), null);
  assert.equal(rendezvousFromEnv({ WORLD_SIZE: "1", RANK: "0" }), null);
  assert.deepEqual(
    rendezvousFromEnv({ WORLD_SIZE: "2", RANK: "1", MASTER_ADDR: "10.0.0.1", MASTER_PORT: "29500" }),
    { addr: "10.0.0.1", port: 29500, rank: 1, size: 2, timeoutMs: 1800000, iface: null },
  );
  const bad = (env: Record<string, string>, message: RegExp) =>
    assert.throws(
      () => rendezvousFromEnv(env),
      (e: Error) => e instanceof WorldEnvError && message.test(e.message) && !e.message.includes("\n"),
    );
  bad({ WORLD_SIZE: "two" }, /^WORLD_SIZE=two: must be an integer from 1/);
  bad({ WORLD_SIZE: "2" }, /^RANK=\(unset\): must be an integer from 0 to 1/);
  bad({ WORLD_SIZE: "2", RANK: "2" }, /^RANK=2: must be an integer from 0 to 1/);
  bad({ WORLD_SIZE: "2", RANK: "0" }, /^MASTER_ADDR is unset/);
  bad({ WORLD_SIZE: "2", RANK: "0", MASTER_ADDR: "h", MASTER_PORT: "70000" }, /^MASTER_PORT=70000/);
});

test("a rank's share of a global batch: contiguous blocks that cover it in rank order, empty when it is short", () => {
  const shares = (n: number, size: number) =>
    Array.from({ length: size }, (_, rank) => {
      const { start, end } = (DataParallel.single as unknown as { range: DataParallel["range"] }).range.call(
        { rank, size },
        n,
      );
      return [start, end];
    });
  assert.deepEqual(shares(7, 2), [
    [0, 3],
    [3, 7],
  ]);
  assert.deepEqual(shares(1, 2), [
    [0, 0],
    [0, 1],
  ]);
  assert.deepEqual(shares(6, 3), [
    [0, 2],
    [2, 4],
    [4, 6],
  ]);
});
