#!/usr/bin/env node
// Finds one libtorch and describes how to build against it (README, "Choosing libtorch"). scripts/setup
// reads the environment (LIBTORCH, LIBTORCH_USE_PYTORCH, LIBTORCH_PYTHON) and says which one to find:
//   --libtorch DIR   an unpacked libtorch folder with include/ and lib/            -> variant "libtorch"
//   --pytorch PYTHON the libtorch inside that Python's torch package (pip, conda)  -> variant "pytorch"
//   --system         Debian/Ubuntu's libtorch-dev (/usr/include/torch)             -> variant "system"
// Each variant is built in its own folder, native/build/VARIANT, so that two libtorch builds never
// overwrite each other's objects. Prints the description as JSON; with `--into ROOT` it instead writes
// ROOT/VARIANT/libtorch.json and ROOT/VARIANT/binding.gyp (node-gyp's project file for that folder, which
// includes native/linewise.gypi), each only when its content changes so that make sees what really
// changed, and prints the folder.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function fromFolder(root) {
  const libdir = join(root, "lib");
  if (!existsSync(join(libdir, "libtorch.so")))
    throw new Error(`LIBTORCH=${root} has no lib/libtorch.so; point it at an unpacked libtorch folder`);
  return {
    variant: "libtorch",
    how: `LIBTORCH=${root}`,
    include: [join(root, "include"), join(root, "include/torch/csrc/api/include")],
    libdir,
    version: versionFromHeader(join(root, "include/torch/csrc/api/include/torch/version.h")),
  };
}

function fromPytorch(python) {
  // torch says where its headers and libraries are and which C++ ABI it was built with: pip's wheels
  // use the C++11 ABI since 2.7 (older ones did not), and the addon must match or it fails to load.
  const code =
    "import torch, os, json; from torch.utils import cpp_extension as c;" +
    "print(json.dumps({'include': c.include_paths(), 'libdir': os.path.join(os.path.dirname(torch.__file__), 'lib')," +
    "'version': torch.__version__, 'cxx11Abi': int(torch._C._GLIBCXX_USE_CXX11_ABI)}))";
  let out;
  try {
    out = execFileSync(python, ["-c", code], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const why = (e.stderr || e.message || "").trim().split("\n").pop();
    throw new Error(
      `LIBTORCH_USE_PYTORCH=1: ${python} cannot import torch (${why}); ` +
        "set LIBTORCH_PYTHON to a Python that has torch, or run 'bash scripts/reference-python' to make .venv",
    );
  }
  return { variant: "pytorch", how: `LIBTORCH_USE_PYTORCH=1 (${python})`, python, ...JSON.parse(out) };
}

function fromSystem() {
  const candidates = [
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
  ];
  const libdir = candidates.find((d) => existsSync(join(d, "libtorch.so")));
  if (!existsSync("/usr/include/torch/csrc/api/include/torch/torch.h") || !libdir)
    throw new Error(
      "libtorch not found. Either (1) install the system package: apt-get install libtorch-dev, " +
        "(2) set LIBTORCH_USE_PYTORCH=1 to use a Python's torch (LIBTORCH_PYTHON, else .venv/bin/python, else python3), or " +
        "(3) set LIBTORCH to a folder with include/ and lib/",
    );
  return {
    variant: "system",
    how: "system (libtorch-dev)",
    include: ["/usr/include", "/usr/include/torch/csrc/api/include"],
    libdir,
    version: versionFromHeader("/usr/include/torch/csrc/api/include/torch/version.h"),
  };
}

/** "1.13.0" from torch/version.h's TORCH_VERSION_MAJOR, _MINOR and _PATCH. */
function versionFromHeader(path) {
  if (!existsSync(path)) return "unknown";
  const text = readFileSync(path, "utf8");
  const part = (name) => new RegExp(`TORCH_VERSION_${name}\\s+(\\d+)`).exec(text)?.[1];
  return ["MAJOR", "MINOR", "PATCH"].map(part).every(Boolean)
    ? ["MAJOR", "MINOR", "PATCH"].map(part).join(".")
    : "unknown";
}

/**
 * 1 when libc10 was built with the C++11 ABI (its exported names mention std::__cxx11), else 0. A libtorch
 * folder comes in either ABI ("cxx11-abi" or not in the archive's name); compiling against the other fails
 * at load time with undefined std::string symbols.
 */
function cxx11AbiOf(libdir) {
  const lib = readFileSync(join(libdir, "libc10.so"));
  return lib.includes("St7__cxx1112basic_string") ? 1 : 0;
}

/** The link flags: libtorch and c10, plus the CUDA parts when this libtorch has them (so CUDA kernels register). */
function libraries(libdir) {
  const libs = ["-ltorch", "-ltorch_cpu", "-lc10"];
  for (const cuda of ["torch_cuda", "c10_cuda"])
    if (existsSync(join(libdir, `lib${cuda}.so`))) libs.push(`-l${cuda}`);
  return libs;
}

export function findLibtorch(args) {
  let found;
  if (args[0] === "--libtorch" && args[1]) found = fromFolder(resolve(args[1]));
  // a path is made absolute (the bench runs this Python from elsewhere) but not resolved: a virtual
  // environment's python is a symlink that must keep its name to find its packages
  else if (args[0] === "--pytorch" && args[1])
    found = fromPytorch(args[1].includes("/") ? resolve(args[1]) : args[1]);
  else if (args[0] === "--system") found = fromSystem();
  else throw new Error("usage: find-libtorch.mjs --libtorch DIR | --pytorch PYTHON | --system [--into ROOT]");
  found.cxx11Abi ??= cxx11AbiOf(found.libdir);
  // libtorch 2.x is built as C++20 (and its extension builder compiles with -std=c++20); 1.x as C++17
  found.cxxStd = Number(found.version.split(".")[0]) >= 2 ? "c++20" : "c++17";
  found.libs = libraries(found.libdir);
  found.distributed = distributedHeaders(found.include);
  return found;
}

/**
 * Where the headers of torch.distributed's Gloo process group are (native/distributed.cc), or null when
 * this libtorch cannot have them. c10d's ProcessGroupGloo.hpp includes Gloo's own headers, which no libtorch
 * ships: Debian's come from libgloo-dev (the Gloo its libtorch was built with); pip's torch has c10d's
 * headers but bundles Gloo without them, so Debian's /usr/include/gloo is borrowed (README,
 * "Data-parallel training", says how far that holds).
 */
function distributedHeaders(include) {
  const c10d = include.some((d) => existsSync(join(d, "torch/csrc/distributed/c10d/ProcessGroupGloo.hpp")));
  if (!c10d) return null;
  // gloo: the folder to borrow, or null when this libtorch's include path already has it
  if (include.some((d) => existsSync(join(d, "gloo/algorithm.h")))) return { gloo: null };
  return existsSync("/usr/include/gloo/algorithm.h") ? { gloo: "/usr/include/gloo" } : null;
}

/** node-gyp's project file for one variant's folder: the shared target with this libtorch's paths. */
function bindingGyp(found, outDir) {
  // node-addon-api gives its folder relative to the working directory
  const napiInclude = resolve(createRequire(join(here, "package.json"))("node-addon-api").include_dir);
  return (
    JSON.stringify(
      {
        variables: {
          libtorch_include: found.include,
          libtorch_libdir: found.libdir,
          libtorch_libs: found.libs,
          cxx11_abi: found.cxx11Abi,
          cxx_std: found.cxxStd,
          napi_include: napiInclude,
          distributed: found.distributed ? 1 : 0,
          // Gloo's headers alone (a folder holding a `gloo` link), never all of /usr/include, whose torch/
          // headers would shadow this libtorch's
          distributed_include: found.distributed?.gloo ? [join(outDir, "gloo-include")] : [],
        },
        includes: [relative(outDir, join(here, "linewise.gypi"))],
      },
      null,
      2,
    ) + "\n"
  );
}

function writeIfChanged(path, text) {
  if (existsSync(path) && readFileSync(path, "utf8") === text) return;
  writeFileSync(path, text);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const argv = process.argv.slice(2);
    const at = argv.indexOf("--into");
    const found = findLibtorch(at >= 0 ? argv.slice(0, at) : argv);
    const json = JSON.stringify(found, null, 2) + "\n";
    if (at < 0) process.stdout.write(json);
    else {
      const outDir = join(argv[at + 1], found.variant);
      mkdirSync(outDir, { recursive: true });
      writeIfChanged(join(outDir, "libtorch.json"), json);
      writeIfChanged(join(outDir, "binding.gyp"), bindingGyp(found, resolve(outDir)));
      if (found.distributed?.gloo) {
        mkdirSync(join(outDir, "gloo-include"), { recursive: true });
        const link = join(outDir, "gloo-include/gloo");
        if (!existsSync(link)) symlinkSync(found.distributed.gloo, link);
      }
      console.log(outDir);
    }
  } catch (e) {
    console.error(`linewise: ${e.message}`);
    process.exit(1);
  }
}
