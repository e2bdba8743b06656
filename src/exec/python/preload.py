"""Modules the fork server imports once, so that each forked program finds them ready (DESIGN.md, "The
executor"). The bench's floor (bench/exec-floor.py) loads the same ones, so that the two compare only
what the sandbox adds.

Chosen by measurement (issue 16; 2-core AMD EPYC VM, Python 3.11): importing one of these in a freshly
forked child costs 20-75 ms of CPU and 250-1,000 page faults (heapq 23 ms, copy 43, random 40, string
37, hashlib 48, traceback 57, dataclasses 76), more than the whole run of a typical program. Loaded here
they cost the children nothing, and the server grows from 13.6 to 18.7 MB, which left the cost of a fork
unchanged (2.7-3.0 ms either way). The list is what HumanEval, MBPP, APPS-style stdin programs, the
built-in suite's probes (`import copy`) and the harness itself (`traceback` when a stdio program raises)
import most; `json`, `re`, `collections`, `functools`, `itertools`, `operator`, `math`, `decimal` and
`fractions` are loaded by the harness already. A preloaded `random` still gives each program fresh
numbers: random.py reseeds itself in every forked child.
"""

MODULES = (
    "typing",
    "copy",
    "traceback",
    "heapq",
    "bisect",
    "random",
    "string",
    "hashlib",
    "cmath",
    "array",
    "datetime",
    "statistics",
    "dataclasses",
)


def preload():
    for name in MODULES:
        try:
            __import__(name)
        except ImportError:
            pass

