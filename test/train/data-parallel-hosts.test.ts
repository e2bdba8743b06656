/**
 * Two training ranks as two hosts (issue 13, "Tested across hosts"): each rank in a network namespace of
 * its own, the two joined by a veth pair (two machines on a link, each with its address and network
 * stack), started by hand as torchrun would start them on two machines: MASTER_ADDR (rank 0's address),
 * MASTER_PORT, RANK, WORLD_SIZE, and GLOO_SOCKET_IFNAME naming each one's link. The weights must equal one
 * process's. Needs root and iproute2 (`ip netns`); skips with a message otherwise.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { distributedUnsupported, setNumThreads } from "../../src/torch/index.js";
import { sftCommand } from "../../src/cli/commands/sft.js";
import { assertSameTraining, tinySftJob } from "./data-parallel-helpers.js";

setNumThreads(1);
process.env.LINEWISE_THREADS = "1";
const linewise = join(packageRoot, "bin/linewise.js");

function run(command: string, ...args: string[]): void {
  const r = spawnSync(command, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${r.error?.message ?? r.stderr.trim()}`);
}

/** Why the test cannot run here, or null. */
function unavailable(): string | null {
  const unsupported = distributedUnsupported();
  if (unsupported) return unsupported;
  if (process.getuid?.() !== 0) return "making network namespaces needs root";
  const probe = `lw-ddp-probe-${process.pid}`;
  const r = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (r.status !== 0) return `'ip netns add' failed: ${r.error?.message ?? r.stderr.trim()}`;
  spawnSync("ip", ["netns", "del", probe]);
  return null;
}

/** Two namespaces joined by one veth pair: 10.232.0.1 (link `a`) and 10.232.0.2 (link `b`). */
function makeLink(): {
  ns: [string, string];
  links: [string, string];
  addresses: [string, string];
  remove: () => void;
} {
  const id = process.pid % 10000;
  const ns: [string, string] = [`lw-rank0-${process.pid}`, `lw-rank1-${process.pid}`];
  const links: [string, string] = [`lwr0${id}`, `lwr1${id}`];
  const addresses: [string, string] = ["10.232.0.1", "10.232.0.2"];
  const remove = () => ns.forEach((n) => spawnSync("ip", ["netns", "del", n]));
  try {
    ns.forEach((n) => run("ip", "netns", "add", n));
    run("ip", "link", "add", links[0], "type", "veth", "peer", "name", links[1]);
    [0, 1].forEach((i) => {
      run("ip", "link", "set", links[i]!, "netns", ns[i]!);
      run("ip", "netns", "exec", ns[i]!, "ip", "addr", "add", `${addresses[i]}/30`, "dev", links[i]!);
      run("ip", "netns", "exec", ns[i]!, "ip", "link", "set", links[i]!, "up");
      run("ip", "netns", "exec", ns[i]!, "ip", "link", "set", "lo", "up");
    });
  } catch (e) {
    remove();
    throw e;
  }
  return { ns, links, addresses, remove };
}

test(
  "two sft ranks in two network namespaces, rendezvous over a veth link, train the weights of one process",
  { skip: unavailable() ?? false },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "linewise-ddp-hosts-"));
    const link = makeLink();
    try {
      const { data, config } = tinySftJob(dir, ["add", "sub", "mul", "div", "mod"], {
        batchSize: 4,
        evalFraction: 0,
        checkpointEvery: 1,
        keepCheckpoints: 3,
      });
      const argv = (out: string) => ["--data", data, "--out", out, "--config", config, "--steps", "3"];
      const one = join(dir, "one");
      const two = join(dir, "two");
      assert.equal(await sftCommand.run(argv(one)), 0);

      const ranks = [0, 1].map((rank) => {
        const child = spawn(
          "ip",
          ["netns", "exec", link.ns[rank]!, process.execPath, linewise, "sft", ...argv(two)],
          {
            env: {
              ...process.env,
              MASTER_ADDR: link.addresses[0],
              MASTER_PORT: "29531",
              RANK: String(rank),
              WORLD_SIZE: "2",
              GLOO_SOCKET_IFNAME: link.links[rank],
            },
            stdio: ["ignore", "ignore", "pipe"],
          },
        );
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        return new Promise<{ code: number | null; stderr: string }>((resolve) =>
          child.on("exit", (code) => resolve({ code, stderr })),
        );
      });
      for (const r of await Promise.all(ranks)) assert.equal(r.code, 0, r.stderr);
      const weights = (run: string, step: number) => join(run, `checkpoints/step-${step}/model.safetensors`);
      assertSameTraining(weights(one, 1), weights(one, 3), weights(two, 3), 1e-7);
    } finally {
      link.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
