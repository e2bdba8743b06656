import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RunFolder, RunFolderError, lockFolder } from "../../src/runs/index.js";

const runsModule = fileURLToPath(new URL("../../src/runs/index.js", import.meta.url));

/** Opens `dir` as a run folder (resume) in another process; returns its exit status and stderr. */
function openElsewhere(dir: string): { status: number | null; stderr: string } {
  const script = `
    const { RunFolder } = await import(${JSON.stringify(runsModule)});
    try { RunFolder.open(${JSON.stringify(dir)}, {}, { resume: true }).close(); }
    catch (e) { console.error(e.message); process.exit(3); }`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  return { status: r.status, stderr: r.stderr };
}

test("a run folder open in one process is refused to another with a one-line error, and free again once closed", () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-lock-"));
  try {
    const run = RunFolder.open(dir, { a: 1 });
    const owner = JSON.parse(readFileSync(join(dir, ".lock"), "utf8"));
    assert.equal(owner.pid, process.pid);
    const refused = openElsewhere(dir);
    assert.equal(refused.status, 3);
    assert.match(refused.stderr, new RegExp(`in use by another process \\(pid ${process.pid}, a training run\\)`));
    assert.equal(refused.stderr.trim().split("\n").length, 1);
    run.close();
    assert.ok(!existsSync(join(dir, ".lock")));
    assert.equal(openElsewhere(dir).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a lock left by a process that died is taken over; one on another host is refused with what to do", () => {
  const dir = mkdtempSync(join(tmpdir(), "linewise-lock-"));
  try {
    const gone = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
    const deadPid = Number(gone.stdout.trim());
    writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: deadPid, host: hostname(), what: "linewise compare" }));
    const release = lockFolder(dir, "linewise demo");
    assert.equal(JSON.parse(readFileSync(join(dir, ".lock"), "utf8")).pid, process.pid);
    // the same process may take its own folder again (a stage reopening it)
    lockFolder(dir, "linewise demo")();
    release();
    assert.ok(!existsSync(join(dir, ".lock")));

    writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: 1, host: "elsewhere", what: "linewise compare" }));
    assert.throws(
      () => lockFolder(dir, "linewise demo"),
      (e: Error) =>
        e instanceof RunFolderError &&
        e.message.includes("in use by linewise compare on host elsewhere") &&
        e.message.includes(`delete ${join(dir, ".lock")}`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a lock naming a live pid that another process now has (pid reused, or from before a reboot) is taken over", (t) => {
  if (!existsSync("/proc/self/stat")) return t.skip("no /proc here: locks record pids only");
  const dir = mkdtempSync(join(tmpdir(), "linewise-lock-"));
  const other = spawn("sleep", ["30"], { stdio: "ignore" });
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const lockWith = (fields: object) =>
      writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: other.pid, host: hostname(), what: "linewise ppo", ...fields }));
    const refused = (e: Error) => e instanceof RunFolderError && e.message.includes(`pid ${other.pid}, linewise ppo`);

    lockWith({}); // a live pid and nothing to tell it from its owner: refused
    assert.throws(() => lockFolder(dir, "linewise demo"), refused);
    lockWith({ started: "1", boot }); // the live process started at another time than the lock's owner
    lockFolder(dir, "linewise demo")();
    assert.ok(!existsSync(join(dir, ".lock")));
    const releaseOwn = lockFolder(dir, "linewise demo");
    const own = JSON.parse(readFileSync(join(dir, ".lock"), "utf8")) as { started?: string; boot?: string };
    releaseOwn();
    assert.equal(own.boot, boot);
    assert.match(own.started ?? "", /^\d+$/);
    lockWith({ started: own.started, boot: "another-boot" }); // a lock from before a reboot
    lockFolder(dir, "linewise demo")();
    assert.ok(!existsSync(join(dir, ".lock")));
  } finally {
    other.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
