"""LINEWISE_HARNESS: the sandboxed fork server (DESIGN.md, "The executor").

Runs as PID 1 of a bubblewrap sandbox, so a program's `kill(-1, 9)` cannot reach it and its exit takes
every process of the sandbox with it. Node writes one job per line on stdin (`J {json}`, and `K id` to
stop the running job). For each job the server forks a child (child.py) that runs the program and
reports through a pipe; the server forwards those lines (`L ...`), enforces the wall-clock limit, the
memory ceiling summed over all processes and the cap on reported data, kills stray processes, wipes
/tmp, /dev/shm and /io, and ends the job with `E {json}`. With `--once` it serves one job and exits
(strict mode). The harness modules run with a private copy of the builtins, so a program that patches
`builtins` cannot change what the harness does after the program has run.
"""
import builtins
import ctypes
import gc
import json
import os
import select
import signal
import stat
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.sysconf("SC_PAGE_SIZE")
SCRATCH = ("/tmp", "/dev/shm", "/io")
MEMORY_POLL_S = 0.05
WIPE_MAX_ENTRIES = 50_000
# Loaded once here so that each forked program finds it ready (HumanEval prompts import typing). Kept
# short on purpose: every module makes the server bigger, and a bigger process forks and exits slower.
PRELOAD = ("typing",)


def _load_harness(name):
    """Import a harness module whose functions resolve builtins in a private copy."""
    path = os.path.join(HERE, name + ".py")
    module = types.ModuleType(name)
    module.__file__ = path
    module.__dict__["__builtins__"] = dict(builtins.__dict__)
    sys.modules[name] = module
    with open(path, encoding="utf-8") as f:
        exec(compile(f.read(), path, "exec", dont_inherit=True), module.__dict__)
    return module


def _send(data):
    while data:
        data = data[os.write(1, data):]


class Inbox:
    """Lines from Node on fd 0."""

    def __init__(self):
        self.buffer = bytearray()
        self.lines = []

    def feed(self):
        """Read what is there; False once Node has closed the pipe."""
        chunk = os.read(0, 1 << 20)
        if not chunk:
            return False
        self.buffer += chunk
        *complete, rest = self.buffer.split(b"\n")
        self.lines.extend(complete)
        self.buffer = bytearray(rest)
        return True

    def next_line(self):
        while not self.lines:
            if not self.feed():
                return None
        return self.lines.pop(0)


def _kill_all():
    """SIGKILL every process of the sandbox but this one (PID 1 is exempt from kill(-1))."""
    if os.getpid() != 1:  # outside its own PID namespace kill(-1) would hit the whole host
        raise SystemExit("linewise harness: not PID 1 of a sandbox; refusing to kill(-1)")
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _others():
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and p != "1"]


def _reap(block):
    """Collect exited children (orphans of the program land here); with `block`, until none is left."""
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _resident_bytes():
    total = 0
    for pid in _others():
        try:
            with open("/proc/%d/statm" % pid, "rb") as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            pass
    return total


def _wipe(top):
    """Remove everything under `top` without following links; False when there was too much to remove."""
    paths, stack = [], [top]
    while stack:
        directory = stack.pop()
        try:
            if directory != top:
                os.chmod(directory, 0o700)  # a program may have left a directory we cannot list
            names = os.listdir(directory)
        except FileNotFoundError:
            continue
        except OSError:
            return False
        for name in names:
            path = os.path.join(directory, name)
            paths.append(path)
            if len(paths) > WIPE_MAX_ENTRIES:
                return False
            try:
                if stat.S_ISDIR(os.lstat(path).st_mode):
                    stack.append(path)
            except OSError:
                pass
    clean = True
    for path in reversed(paths):
        try:
            if stat.S_ISDIR(os.lstat(path).st_mode):
                os.rmdir(path)
            else:
                os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError:
            clean = False
    return clean


class Server:
    def __init__(self, once):
        self.once = once
        self.inbox = Inbox()
        self.compiled = {}
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: a program running as the same user cannot ptrace us
        for name in PRELOAD:
            try:
                __import__(name)
            except ImportError:
                pass
        _load_harness("values")
        self.asserts = _load_harness("asserts")
        self.child = _load_harness("child")

    def serve(self):
        info = {"python": sys.version.split()[0], "uid": os.getuid(), "pid": os.getpid()}
        _send(b"R " + json.dumps(info).encode() + b"\n")
        gc.collect()
        if hasattr(gc, "freeze"):
            gc.freeze()  # forked children then share these pages instead of copying them on first GC
        while True:
            line = self.inbox.next_line()
            if line is None:
                return
            if not line.startswith(b"J "):
                continue
            job = json.loads(line[2:], object_hook=sys.modules["values"].object_hook)
            end = self.run(job)
            _send(b"E " + json.dumps(end).encode() + b"\n")
            if self.once:
                return

    def _test_code(self, job):
        """Compiled (setup, asserts) for an assert job, cached by text; a string when they do not compile."""
        if job["kind"] != "assert":
            return None
        key = (job.get("setup"), tuple(job["asserts"]))
        cached = self.compiled.get(key)
        if cached is None:
            compile_test = self.asserts.compile_test
            try:
                setup = None if key[0] is None else compile_test(key[0], "<setup>")
                cached = (setup, [compile_test(a, "<assert %d>" % i) for i, a in enumerate(key[1])])
            except (SyntaxError, ValueError) as e:
                cached = "%s: %s" % (type(e).__name__, e)
            if len(self.compiled) >= 256:
                self.compiled.clear()
            self.compiled[key] = cached
        return cached

    def run(self, job):
        limits = job["limits"]
        tests = self._test_code(job)
        end = {"id": job["id"], "timeout": False, "memory": False, "overflow": False, "killed": False,
               "stray": False, "dirty": False}
        read_fd, write_fd = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            self.child.run_child(job, tests, write_fd)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
        deadline = started + limits["wallMs"] / 1000
        next_poll = started + MEMORY_POLL_S
        budget = limits["resultBytes"]
        pending = b""
        status = usage = None
        stop = ("K %s" % job["id"]).encode()

        eof = False

        def forward(final):
            nonlocal pending, budget, eof
            chunks = []
            while not eof:
                try:
                    chunk = os.read(read_fd, 1 << 20)
                except BlockingIOError:
                    break
                if not chunk:
                    eof = True  # stop watching it, or select would report it ready until the child is reaped
                    break
                chunks.append(chunk)
                budget -= len(chunk)
                if budget < 0:
                    break
            if budget < 0:
                if not end["overflow"]:
                    end["overflow"] = True
                    _kill_all()
                return
            data = pending + b"".join(chunks)
            *lines, pending = data.split(b"\n")
            if final and pending:
                lines.append(pending)
            if lines:
                _send(b"".join(b"L " + line + b"\n" for line in lines))

        while status is None:
            now = time.monotonic()
            wait = max(0.0, min(deadline, next_poll) - now)
            watched = ([] if eof else [read_fd]) + [0] + ([pidfd] if pidfd is not None else [])
            ready, _, _ = select.select(watched, [], [], wait if pidfd is not None else min(wait, 0.002))
            if read_fd in ready:
                forward(False)
            if 0 in ready:
                if not self.inbox.feed():
                    _kill_all()
                    os._exit(0)
                if stop in self.inbox.lines:
                    self.inbox.lines = [x for x in self.inbox.lines if x != stop]
                    end["killed"] = True
                    _kill_all()
            if pidfd is None or pidfd in ready:
                done, raw, usage = os.wait4(pid, os.WNOHANG)
                if done == pid:
                    status = raw
                    break
            now = time.monotonic()
            if now >= deadline and not end["timeout"]:
                end["timeout"] = True
                _kill_all()
            if now >= next_poll:
                next_poll = now + MEMORY_POLL_S
                if _resident_bytes() > limits["memoryBytes"]:
                    end["memory"] = True
                    _kill_all()
        wall = time.monotonic() - started
        forward(True)
        os.close(read_fd)
        if pidfd is not None:
            os.close(pidfd)
        _reap(False)
        if _others():
            end["stray"] = True
            _kill_all()
            _reap(True)
        end["dirty"] = not all(_wipe(top) for top in SCRATCH)
        end["code"] = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        end["signal"] = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        end["cpuMs"] = round((usage.ru_utime + usage.ru_stime) * 1000, 3)
        end["wallMs"] = round(wall * 1000, 3)
        end["rssKb"] = usage.ru_maxrss
        return end


if __name__ == "__main__":
    if os.getpid() != 1:
        sys.exit("linewise harness: must run as PID 1 of a bubblewrap sandbox (--unshare-pid --as-pid-1)")
    # Python runs with -S; third-party packages come from the folders Node found (sandbox.ts).
    sys.path.extend(sys.argv[i + 1] for i, arg in enumerate(sys.argv[:-1]) if arg == "--path")
    Server("--once" in sys.argv).serve()
