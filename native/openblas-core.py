#!/usr/bin/env python3
"""Which kernels OpenBLAS picks on this CPU, and a better choice when it falls back to generic ones.

OpenBLAS built with DYNAMIC_ARCH chooses its kernels from the CPU model when it loads. A CPU newer than
the OpenBLAS build (Debian 12's 0.3.21 on an Emerald Rapids Xeon, say) is unknown to it, and it falls
back to Prescott, SSE3 kernels: a 512x512 float32 matmul then runs at 16-24 GFLOP/s instead of 73-89
with the AVX-512 kernels, and `npm run bench -- engine`'s GPT training step takes 5.5 s instead of 1.1 s. OPENBLAS_CORETYPE, read when the
library loads, overrides the choice.

Prints one JSON object {"core", "recommended"}: `core` is what OpenBLAS picked with the environment as
given (null when the active BLAS is not OpenBLAS); `recommended` is the OPENBLAS_CORETYPE to set, or null
when OpenBLAS's own choice is good. With --recommended it prints only that value, or nothing.
scripts/setup runs it with OPENBLAS_CORETYPE unset and keeps the recommendation in
native/build/openblas-coretype, which src/torch/native.ts applies; `linewise env` reports `core`.
"""
import ctypes
import json
import sys

# Cores OpenBLAS uses for CPUs without AVX2; on a CPU with AVX2 they mean it did not recognise the model.
GENERIC_CORES = {"prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "sandybridge"}
AVX512 = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def main():
    result = {"core": None, "recommended": None}
    try:
        corename = ctypes.CDLL("libblas.so.3").openblas_get_corename
        corename.restype = ctypes.c_char_p
        result["core"] = corename().decode()
    except (OSError, AttributeError):
        pass  # no BLAS, or not OpenBLAS: nothing to choose
    flags = cpu_flags()
    if result["core"] and result["core"].lower() in GENERIC_CORES:
        if AVX512 <= flags:
            result["recommended"] = "SkylakeX"
        elif {"avx2", "fma"} <= flags:
            result["recommended"] = "Haswell"
    if "--recommended" in sys.argv[1:]:
        print(result["recommended"] or "")
    else:
        print(json.dumps(result))


main()
