/**
 * Across hosts (issue 13, "Tested across hosts"): two `serve-exec` servers, each in a network namespace of
 * its own joined to this one by a veth pair (two machines on a link, with their own addresses and network
 * stacks), and a labelling run spread over both with `--exec-url`; one server is killed mid-run. The labels
 * must equal a local run's. Needs root and iproute2 (`ip netns`); skips with a message otherwise.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { serve, type ServedModel } from "./serve.js";

const linewise = join(packageRoot, "bin/linewise.js");
const token = "netns-s3cret";

function ip(...args: string[]): void {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.error?.message ?? r.stderr.trim()}`);
}

/** A network namespace with a veth pair to this one: the host's address there, and how to remove it. */
interface Host {
  ns: string;
  address: string;
  remove: () => void;
}

function makeHost(tag: string, subnet: number): Host {
  const ns = `lw-${tag}-${process.pid}`;
  const [outside, inside] = [`lw${tag}${process.pid % 10000}o`, `lw${tag}${process.pid % 10000}i`];
  const address = `10.231.${subnet}.2`;
  const remove = () => spawnSync("ip", ["netns", "del", ns]); // takes the veth pair with it
  try {
    ip("netns", "add", ns);
    ip("link", "add", outside, "type", "veth", "peer", "name", inside);
    ip("link", "set", inside, "netns", ns);
    ip("addr", "add", `10.231.${subnet}.1/30`, "dev", outside);
    ip("link", "set", outside, "up");
    ip("netns", "exec", ns, "ip", "addr", "add", `${address}/30`, "dev", inside);
    ip("netns", "exec", ns, "ip", "link", "set", inside, "up");
    ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
  } catch (e) {
    remove();
    spawnSync("ip", ["link", "del", outside]);
    throw e;
  }
  return { ns, address, remove };
}

/** Why namespaces cannot be made here, or null when they can. */
function namespacesUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "making network namespaces needs root";
  const probe = `lw-probe-${process.pid}`;
  const r = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (r.status !== 0) return `'ip netns add' failed: ${r.error?.message ?? r.stderr.trim()}`;
  spawnSync("ip", ["netns", "del", probe]);
  return null;
}

/** Label records without their timings, in a stable order. */
function records(file: string): string[] {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const record = JSON.parse(line) as { cost: Record<string, number> };
      delete record.cost["ms"];
      return JSON.stringify(record);
    })
    .sort();
}

test(
  "two serve-exec hosts in network namespaces, one killed mid-run: mutation labels equal a local run's",
  { skip: namespacesUnavailable() ?? false },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "linewise-hosts-"));
    const hosts: Host[] = [];
    const servers: ServedModel[] = [];
    const subnet = 16 + (process.pid % 200);
    try {
      const problems = join(dir, "problems.jsonl");
      const made = spawnSync(process.execPath, [
        linewise,
        "suite",
        "--out",
        problems,
        "--n",
        "16",
        "--seed",
        "3",
      ]);
      assert.equal(made.status, 0, String(made.stderr));
      const label = (out: string, ...extra: string[]) => [
        linewise,
        "label",
        "--method",
        "mutation",
        "--problems",
        problems,
        "--out",
        out,
        ...extra,
      ];
      const local = spawnSync(process.execPath, label(join(dir, "local.jsonl")), { encoding: "utf8" });
      assert.equal(local.status, 0, local.stderr);

      // Each host is a /30 of its own: 10.231.k.0 and 10.231.(k+1).0.
      hosts.push(makeHost("a", subnet));
      hosts.push(makeHost("b", subnet + 1));
      for (const host of hosts)
        servers.push(
          await serve(
            "serve-exec",
            ["--host", host.address, "--token", token, "--slots", "1", "--no-cache"],
            undefined,
            ["ip", "netns", "exec", host.ns],
          ),
        );
      assert.ok(
        servers.every((s, i) => s.url.includes(hosts[i]!.address)),
        "each listens on its host's address",
      );

      const out = join(dir, "remote.jsonl");
      const urls = servers.map((s) => s.url).join(",");
      const run = spawn(process.execPath, label(out, "--exec-url", urls, "--exec-token", token), {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      run.stderr!.on("data", (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => run.once("exit", resolve));
      // Kill host a's server once the run has written its first records, while it is still running.
      while (!existsSync(out) || readFileSync(out, "utf8").length === 0) {
        assert.equal(run.exitCode, null, `the run ended before the kill: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(run.exitCode, null, "still running when the server is killed");
      assert.notEqual(await servers[0]!.stop("SIGKILL"), 0);
      assert.equal(await exited, 0, stderr);
      assert.deepEqual(records(out), records(join(dir, "local.jsonl")));
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      for (const host of hosts) host.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
