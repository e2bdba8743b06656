/**
 * The c10d binding (native/distributed.cc) with two ranks in this one process: each collective blocks a
 * worker thread, not the JavaScript thread, so both ranks' halves of a collective run side by side here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { ProcessGroup, distributedUnsupported, tensor, zeros } from "../../src/torch/index.js";
import { DataParallel } from "../../src/train/distributed.js";

const skip = distributedUnsupported() ?? false;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test(
  "two ranks: bucketed all-reduce over mixed dtypes, broadcast into parameters, gradients a rank lacks, all-gather of uneven bytes, barrier",
  { skip },
  async () => {
    const port = await freePort();
    const r = { addr: "127.0.0.1", port, size: 2, timeoutMs: 60_000, iface: null };
    const groups = await Promise.all([0, 1].map((rank) => ProcessGroup.join({ ...r, rank })));
    try {
      // 3 tensors in buckets of 16 bytes: [a (12 bytes)], [b (float64, its own dtype)], [c (8 bytes)] …
      const parts = [0, 1].map((rank) => [
        tensor([1, 2, 3].map((x) => x + 10 * rank)),
        tensor([0.5 + rank], { dtype: "float64" }),
        tensor([[1, 2]]).mul(rank + 1),
      ]);
      await Promise.all(groups.map((g, rank) => g.allReduceSum(parts[rank]!, 16)));
      for (const p of parts) {
        assert.deepEqual(p[0]!.toFlatArray(), [12, 14, 16]);
        assert.deepEqual(p[1]!.toFlatArray(), [2]);
        assert.equal(p[1]!.dtype, "float64");
        assert.deepEqual(p[2]!.toArray(), [[3, 6]]);
      }

      // rank 0's parameters everywhere; rank 1 had no gradient for w, and the sums are rank 0's alone
      const params = [0, 1].map((rank) => [
        tensor([rank, rank], { requiresGrad: true }),
        zeros([3]).requiresGrad_(),
      ]);
      await Promise.all(groups.map((g, rank) => g.broadcast(params[rank]!, 0)));
      assert.deepEqual(params[1]![0]!.toFlatArray(), [0, 0]);
      params[0]![0]!
        .mul(tensor([2, 3]))
        .sum()
        .backward();
      params[1]![1]!.sum().backward();
      await Promise.all(groups.map((g, rank) => g.allReduceGrads(params[rank]!)));
      for (const p of params) {
        assert.deepEqual(p[0]!.grad!.toFlatArray(), [2, 3]);
        assert.deepEqual(p[1]!.grad!.toFlatArray(), [1, 1, 1]);
      }

      const gathered = await Promise.all(
        groups.map((g, rank) => g.allGatherBytes(new Uint8Array(rank === 0 ? [7] : [1, 2, 3]))),
      );
      for (const g of gathered)
        assert.deepEqual(
          g.map((b) => [...b]),
          [[7], [1, 2, 3]],
        );
      await Promise.all(groups.map((g) => g.barrier()));
    } finally {
      for (const g of groups) g.close();
    }
    assert.throws(() => groups[0]!.barrier(), /distBarrier: the process group is closed/);
  },
);

test(
  "DataParallel over two ranks: rows gathered in rank order (non-finite numbers too), sums, and a stop any rank asked for",
  { skip },
  async () => {
    const port = String(await freePort());
    const worlds = await Promise.all(
      [0, 1].map((rank) =>
        DataParallel.fromEnv({
          WORLD_SIZE: "2",
          RANK: String(rank),
          MASTER_ADDR: "127.0.0.1",
          MASTER_PORT: port,
        }),
      ),
    );
    try {
      const rows = [
        [{ a: -Infinity, b: "x" }],
        [
          { a: 1.1, b: "NaN" },
          { a: NaN, b: null },
        ],
      ];
      const gathered = await Promise.all(worlds.map((w, rank) => w.gather(rows[rank]!)));
      for (const g of gathered) assert.deepEqual(g, [...rows[0]!, ...rows[1]!]);
      const sums = await Promise.all(worlds.map((w, rank) => w.sum([rank, 0.25])));
      for (const s of sums) assert.deepEqual(s, [1, 0.5]);
      const stop = new AbortController();
      stop.abort();
      const stopped = await Promise.all(
        worlds.map((w, rank) => w.stopped(rank === 1 ? stop.signal : undefined)),
      );
      assert.deepEqual(stopped, [true, true]);
      assert.deepEqual(
        worlds.map((w) => [w.rank, w.size, w.isMain]),
        [
          [0, 2, true],
          [1, 2, false],
        ],
      );
    } finally {
      for (const w of worlds) w.close();
    }
  },
);
