"""The executor benchmark's floor (bench/exec.ts): the least CPU that fork-per-program can cost here.

A warm Python (the executor's interpreter and flags, the fork server's preloaded modules) forks one child
per program that only compiles and runs the program and its tests, then exits: no sandbox, no privilege
drop, no limits, no result reporting, no bookkeeping in the parent. Programs come once, as JSON lines
on stdin until an empty line ({program, setup, asserts}); then each `go WIDTH` line runs them all, WIDTH
children at a time, and answers one JSON line: {"cpuMs", "seconds", "passed"} of that round, CPU of this
process and of its children together.
"""
import json
import os
import resource
import sys
import time

sys.path.insert(0, sys.argv[1])  # the harness folder, for its preload list
from preload import preload  # noqa: E402

preload()


def _cpu_ms():
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime) * 1000


def _child(sample):
    status = 1
    try:
        namespace = {"__name__": "solution"}
        exec(compile(sample["program"], "<program>", "exec", dont_inherit=True), namespace)
        if sample["setup"] is not None:
            exec(compile(sample["setup"], "<setup>", "exec", dont_inherit=True), namespace)
        for test in sample["asserts"]:
            exec(compile(test, "<assert>", "exec", dont_inherit=True), namespace)
        status = 0
    finally:
        os._exit(status)


def _round(samples, width):
    started, cpu = time.monotonic(), _cpu_ms()
    running, passed, queue = 0, 0, list(samples)
    queue.reverse()
    while queue or running:
        while queue and running < width:
            sample = queue.pop()
            if os.fork() == 0:
                _child(sample)
            running += 1
        _, status = os.wait()
        running -= 1
        passed += status == 0
    return {"cpuMs": _cpu_ms() - cpu, "seconds": time.monotonic() - started, "passed": passed}


def main():
    samples = []
    for line in sys.stdin:
        if not line.strip():
            break
        samples.append(json.loads(line))
    import gc

    gc.collect()
    gc.freeze()  # as the fork server does
    for line in sys.stdin:
        if line.startswith("go "):
            print(json.dumps(_round(samples, int(line.split()[1]))), flush=True)


main()
