"""Modules the fork server imports once, so that each forked program finds them ready (DESIGN.md, "The
executor"). The bench's floor (bench/exec-floor.py) loads the same ones, so that the two compare only
what the sandbox adds.
"""

# HumanEval prompts import typing. Kept short on purpose: every module makes the server bigger, and a
# bigger process forks and exits slower.
MODULES = ("typing",)


def preload():
    for name in MODULES:
        try:
            __import__(name)
        except ImportError:
            pass
