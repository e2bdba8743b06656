/**
 * The bubblewrap command line that starts one sandboxed fork server (DESIGN.md, "The executor"):
 * every namespace unshared (no network at all), a read-only system, the Python installation bound
 * read-only, private size-limited /tmp and /dev/shm, a cleared environment, --die-with-parent,
 * --new-session, and the server as PID 1 of its PID namespace.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { envVars } from "../env.js";
import { packageRoot } from "../paths.js";

/** The harness's Python files, bound read-only at /lw inside the sandbox. */
export const harnessDir = join(packageRoot, "src", "exec", "python");
const harnessFiles = [
  "server.py",
  "forker.py",
  "child.py",
  "values.py",
  "asserts.py",
  "preload.py",
  "userns.py",
];
/** Bump when the sandbox layout changes in a way that can change verdicts (it is part of the cache key). */
const layoutVersion = "2";
const tmpBytes = 64 * 1024 * 1024;
const shmBytes = 16 * 1024 * 1024;
/** The harness's own scratch space (captured output, stdin of stdio tests), apart from the program's /tmp. */
const ioBytes = 512 * 1024 * 1024;
const systemDirs = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

export interface Interpreter {
  /** Real path of the interpreter binary. */
  executable: string;
  /** Folders outside /usr that the interpreter needs (its installation, a virtual environment). */
  roots: string[];
  version: string;
  /** Where third-party packages are; the server puts them on sys.path itself (it runs without `site`). */
  sitePackages: string[];
}

let interpreter: Interpreter | undefined;

/** The Python that runs programs: LINEWISE_PYTHON or `python3` on PATH, resolved past shims (pyenv). */
export function findInterpreter(): Interpreter {
  if (interpreter) return interpreter;
  const python = envVars.LINEWISE_PYTHON ?? "python3";
  const probe = spawnSync(
    python,
    [
      "-c",
      "import sys, json, site; print(json.dumps([sys.executable, sys.prefix, sys.base_prefix, sys.version.split()[0], site.getsitepackages()]))",
    ],
    { encoding: "utf8" },
  );
  if (probe.status !== 0 || !probe.stdout) {
    throw new Error(
      `executor: cannot run ${python} (${probe.error?.message ?? probe.stderr.trim()}); install python3 ` +
        "(apt-get install python3) or set LINEWISE_PYTHON to an interpreter",
    );
  }
  const [executable, prefix, basePrefix, version, sitePackages] = JSON.parse(probe.stdout) as [
    string,
    string,
    string,
    string,
    string[],
  ];
  const roots = [...new Set([basePrefix, prefix].map((p) => realpathSync(p)))].filter(
    (p) => p !== "/usr" && !p.startsWith("/usr/"),
  );
  interpreter = {
    executable: realpathSync(executable),
    roots,
    version,
    sitePackages: sitePackages.filter((p) => existsSync(p)),
  };
  return interpreter;
}

let bwrapHelp: string | undefined;

/** Throws with the install command when bubblewrap is missing. */
export function checkBubblewrap(): void {
  if (bwrapHelp !== undefined) return;
  const probe = spawnSync("bwrap", ["--help"], { encoding: "utf8" });
  if (probe.error || !probe.stdout.includes("--unshare-pid")) {
    throw new Error("executor: bubblewrap (bwrap) is not installed; run: apt-get install bubblewrap");
  }
  bwrapHelp = probe.stdout;
}

let version: string | undefined;

/** A hash of the harness and the sandbox layout: part of every cache key. */
export function harnessVersion(): string {
  if (version) return version;
  const hash = createHash("sha256").update(layoutVersion);
  for (const file of harnessFiles) hash.update(file).update(readFileSync(join(harnessDir, file)));
  version = hash.digest("hex").slice(0, 16);
  return version;
}

/** --dir for each missing ancestor of `path`, world-searchable (bwrap would copy the host's 0700 /root). */
function ancestors(path: string, made: Set<string>): string[] {
  const out: string[] = [];
  const parents: string[] = [];
  for (let p = dirname(path); p !== "/"; p = dirname(p)) parents.unshift(p);
  for (const p of parents) {
    if (made.has(p)) continue;
    made.add(p);
    out.push("--perms", "0755", "--dir", p);
  }
  return out;
}

/** The read-only system: /usr, and /bin, /lib… as the host has them (links on merged-/usr systems). */
function systemBinds(): string[] {
  const args = ["--ro-bind", "/usr", "/usr"];
  for (const dir of systemDirs) {
    if (!existsSync(dir)) continue;
    if (lstatSync(dir).isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else args.push("--ro-bind", dir, dir);
  }
  return args;
}

export interface SandboxCommand {
  command: string;
  args: string[];
}

/**
 * The command that starts a fork server; `once` makes it serve a single job (strict mode). `tag` goes
 * into the server's command line and, as LINEWISE_SANDBOX, into the sandbox's environment, so that
 * tests can find every process a sandbox left behind.
 */
export function sandboxCommand(once: boolean, tag: string): SandboxCommand {
  checkBubblewrap();
  const python = findInterpreter();
  const asRoot = process.getuid?.() === 0;
  const made = new Set<string>(["/usr"]);
  const binds: string[] = [];
  for (const root of python.roots) binds.push(...ancestors(root, made), "--ro-bind", root, root);
  // prettier-ignore
  const bwrap = [
    // As root, userns.py has already made a user namespace (see there); otherwise bwrap makes one.
    // --disable-userns (bubblewrap 0.8+) forbids nested user namespaces, as userns.py does as root.
    ...(asRoot ? [] : ["--unshare-user", ...(bwrapHelp?.includes("--disable-userns") ? ["--disable-userns"] : []), "--uid", "65534", "--gid", "65534"]),
    "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
    "--hostname", "sandbox",
    "--as-pid-1", "--die-with-parent", "--new-session",
    ...systemBinds(),
    ...binds,
    "--ro-bind", harnessDir, "/lw",
    "--proc", "/proc",
    "--dev", "/dev",
    "--perms", "1777", "--size", String(tmpBytes), "--tmpfs", "/tmp",
    "--perms", "1777", "--size", String(shmBytes), "--tmpfs", "/dev/shm",
    "--perms", "1777", "--size", String(ioBytes), "--tmpfs", "/io",
    "--chdir", "/tmp",
    "--clearenv",
    "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
    "--setenv", "HOME", "/tmp",
    "--setenv", "LANG", "C.UTF-8",
    "--setenv", "MALLOC_ARENA_MAX", "2",
    "--setenv", "OPENBLAS_NUM_THREADS", "1",
    "--setenv", "OMP_NUM_THREADS", "1",
    "--setenv", "LINEWISE_SANDBOX", tag,
    // -S: no `site` (its .pth files can import a lot, and every fork pays for a bigger process).
    python.executable, "-I", "-S", "-B", "-X", "utf8", "/lw/server.py", "--tag", tag,
    ...python.sitePackages.flatMap((p) => ["--path", p]),
    ...(once ? ["--once"] : []),
  ];
  if (asRoot)
    return {
      command: python.executable,
      args: ["-I", "-S", join(harnessDir, "userns.py"), "bwrap", ...bwrap],
    };
  return { command: "bwrap", args: bwrap };
}
