#!/usr/bin/env node
// Finds libtorch the way DESIGN.md says, in this order:
//   1. LIBTORCH: a folder with include/ and lib/ (an unpacked libtorch archive);
//   2. LIBTORCH_USE_PYTORCH=1: ask python3's torch for its paths (how a CUDA build is used on a GPU machine);
//   3. the system install (Debian/Ubuntu `libtorch-dev`: /usr/include/torch, libtorch.so in the multiarch dir).
// `node find-libtorch.mjs include|lib|libdir|json` prints what binding.gyp and scripts/setup need.
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";

function fromLibtorchEnv(root) {
  return {
    how: "LIBTORCH",
    include: [join(root, "include"), join(root, "include/torch/csrc/api/include")],
    libdir: join(root, "lib"),
  };
}

function fromPytorch() {
  const code =
    "import torch, os, json; from torch.utils import cpp_extension as c;" +
    "print(json.dumps({'include': c.include_paths(), 'libdir': os.path.join(os.path.dirname(torch.__file__), 'lib')}))";
  const out = execFileSync("python3", ["-c", code], { encoding: "utf8" });
  return { how: "LIBTORCH_USE_PYTORCH", ...JSON.parse(out) };
}

function fromSystem() {
  const include = ["/usr/include", "/usr/include/torch/csrc/api/include"];
  const candidates = [
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
  ];
  const libdir = candidates.find((d) => existsSync(join(d, "libtorch.so")));
  if (!existsSync("/usr/include/torch/csrc/api/include/torch/torch.h") || !libdir) return null;
  return { how: "system", include, libdir };
}

/** The link flags: libtorch and c10, plus the CUDA parts when this libtorch has them (so CUDA kernels register). */
export function libraries(libdir) {
  const libs = ["-ltorch", "-ltorch_cpu", "-lc10"];
  for (const cuda of ["torch_cuda", "c10_cuda"])
    if (existsSync(join(libdir, `lib${cuda}.so`))) libs.push(`-l${cuda}`);
  return libs;
}

export function findLibtorch() {
  if (process.env.LIBTORCH) {
    const found = fromLibtorchEnv(process.env.LIBTORCH);
    if (!existsSync(join(found.libdir, "libtorch.so")))
      throw new Error(
        `LIBTORCH=${process.env.LIBTORCH} has no lib/libtorch.so; point it at an unpacked libtorch folder`,
      );
    return found;
  }
  if (process.env.LIBTORCH_USE_PYTORCH === "1") return fromPytorch();
  const system = fromSystem();
  if (system) return system;
  throw new Error(
    "libtorch not found. Either (1) set LIBTORCH to a folder with include/ and lib/, " +
      "(2) set LIBTORCH_USE_PYTORCH=1 to use python3's torch, or " +
      "(3) install the system package: apt-get install libtorch-dev",
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const found = findLibtorch();
    const what = process.argv[2] ?? "json";
    if (what === "include") console.log(found.include.join(" "));
    else if (what === "libdir") console.log(found.libdir);
    else if (what === "libs") console.log(libraries(found.libdir).join(" "));
    else console.log(JSON.stringify(found));
  } catch (e) {
    console.error(`linewise: ${e.message}`);
    process.exit(1);
  }
}
