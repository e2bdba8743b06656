/**
 * Every environment variable linewise reads, read here and nowhere else (STYLE.md).
 */
export const envVars = {
  /** A libtorch folder with include/ and lib/ to build the addon against (DESIGN.md, "Finding libtorch"). */
  LIBTORCH: process.env.LIBTORCH,
  /** "1": build against python3's torch (how a CUDA libtorch is used on a GPU machine). */
  LIBTORCH_USE_PYTORCH: process.env.LIBTORCH_USE_PYTORCH,
  /** Intra-op threads for libtorch; default: the number of cores. */
  LINEWISE_THREADS: process.env.LINEWISE_THREADS,
  /** The Python interpreter the sandboxed executor runs programs with; default: `python3` on PATH. */
  LINEWISE_PYTHON: process.env.LINEWISE_PYTHON,
  /** "1" (set by CI) disables progress bars and colour. */
  CI: process.env.CI,
};
