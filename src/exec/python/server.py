"""LINEWISE_HARNESS: the sandboxed fork server (DESIGN.md, "The executor").

Runs as PID 1 of a bubblewrap sandbox, so a program's `kill(-1, 9)` cannot reach it and its exit takes
every process of the sandbox with it. Node writes one job per line on stdin (`J ID WALL_MS MEMORY_BYTES
RESULT_BYTES TESTS_LEN TESTS BODY`, and `K id` to stop the running job). The server never forks a
program itself: it hands each job to the forking helper (forker.py, forked from here once), which forks
a child (child.py) that runs the program and reports through a pipe. Assert tests are compiled here
(kept by their text) and reach the helper marshalled, once (it keeps them for its children); programs
are compiled here too (child.py `compile_program`) and reach the child marshalled. The server forwards
those lines (`L ...`), enforces the wall-clock limit, the memory ceiling summed over all processes and
the cap on reported data, kills stray processes, wipes /tmp, /dev/shm and /io, and ends the job with
`E {json}`. Killing everything (a limit, a stray) takes the helper too; the next job forks a new one.
With `--once` it serves one job and exits (strict mode). The harness modules run with a private copy of
the builtins, so a program that patches `builtins` cannot change what the harness does after the
program has run.
"""
import binascii
import builtins
import ctypes
import gc
import json
import marshal
import os
import select
import signal
import stat
import sys
import time
import types
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.sysconf("SC_PAGE_SIZE")
SCRATCH = ("/tmp", "/dev/shm", "/io")
MEMORY_POLL_S = 0.05
WIPE_MAX_ENTRIES = 50_000
TESTS_KEPT = 256
# Programs up to this many bytes of base64 (~32 KiB of source) are compiled here rather than in the child.
PROGRAM_COMPILED_MAX = 44 * 1024
# The status of a child whose end nobody saw (its helper was killed after reaping it): as if killed.
LOST_STATUS = signal.SIGKILL


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


def _send_to(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _send(data):
    _send_to(1, data)


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


def _others(helper):
    """PIDs in the sandbox other than this server and the forking helper (`helper`, or None)."""
    skip = ("1", str(helper))
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and p not in skip]


def _reap(block):
    """Collect exited children (orphans of the program land here); with `block`, until none is left.
    Returns the PIDs collected."""
    reaped = []
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return reaped
        if pid == 0:
            return reaped
        reaped.append(pid)


def _resident_bytes(helper):
    total = 0
    for pid in _others(helper):
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


class Helper:
    """The forking helper (forker.py) as the server sees it: its PID and its three pipes."""

    def __init__(self, forker, child):
        job_r, self.job_w = os.pipe()
        self.report_r, report_w = os.pipe()
        self.result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            for fd in (self.job_w, self.report_r, self.result_r):
                os.close(fd)
            forker.serve(job_r, report_w, result_w, child.run_job, HERE)
        for fd in (job_r, report_w, result_w):
            os.close(fd)
        os.set_blocking(self.result_r, False)
        self.pid = pid
        self.alive = True
        self.reports = b""
        self.kept_tests = set()  # the keys of the tests it keeps, by the rule it keeps them by
        self.tests_kept_max = forker.TESTS_KEPT

    def message(self, tests, program, body):
        """The job as the helper reads it (forker.py): the tests only when it does not keep them yet."""
        key, compiled = tests
        if key in self.kept_tests or not key:
            compiled = b""
        else:
            if len(self.kept_tests) >= self.tests_kept_max:
                self.kept_tests.clear()
            self.kept_tests.add(key)
        return b"%d %d %d %d\n" % (key, len(compiled), len(program), len(body)) + compiled + program + body

    def close(self):
        for fd in (self.job_w, self.report_r, self.result_r):
            os.close(fd)


class Server:
    def __init__(self, once):
        self.once = once
        self.inbox = Inbox()
        self.helper = None
        self.compiled = {}
        self.tests_made = 0
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: a program running as the same user cannot ptrace us
        sys.path.insert(0, HERE)
        from preload import preload

        del sys.path[0]
        preload()
        _load_harness("values")
        self.asserts = _load_harness("asserts")
        self.child = _load_harness("child")
        self.forker = _load_harness("forker")

    def serve(self):
        info = {"python": sys.version.split()[0], "uid": os.getuid(), "pid": os.getpid()}
        if not self.once:
            self._rehearse()  # one job (strict mode) would pay for it and gain nothing
        gc.collect()
        if hasattr(gc, "freeze"):
            gc.freeze()  # forked children then share these pages instead of copying them on first GC
        self._helper()
        _send(b"R " + json.dumps(info).encode() + b"\n")
        try:
            while True:
                line = self.inbox.next_line()
                if line is None:
                    return
                if not line.startswith(b"J "):
                    continue
                _, jid, wall_ms, memory_bytes, result_bytes, tests_len, rest = line.split(b" ", 6)
                tests_len = int(tests_len)
                tests = self._compiled_tests(bytes(rest[:tests_len])) if tests_len else (0, b"")
                body, program = self._compiled_program(rest[tests_len:])
                end = self.run(int(jid), int(wall_ms), int(memory_bytes), int(result_bytes),
                               (tests, program, body))
                _send(b"E " + json.dumps(end).encode() + b"\n")
                if self.once:
                    return
        finally:
            self._retire_helper()

    def _rehearse(self):
        """Runs a small assert job and a call job ten times each here (child.py `rehearse`), so that the
        children inherit the harness warm (20 or 50 times took no more faults away)."""
        program = marshal.dumps(self.child.compile_program("def add(a, b):\n    return a + b\n"))
        tests = b'[null, ["assert add(1, 2) == 3", "assert add(1, 1) != 3"]]'
        tests = marshal.loads(self.asserts.compile_tests(tests))
        head = b"0 1000 %d %d 16 rehearsal " % (1 << 30, 1 << 20) + self.child.COMPILED
        jobs = [(b"assert " + head + b" ", tests, program),
                (b"call " + head + b' {"fnName": "add", "args": [[1, 2], [[1], [2]]]}', None, program)]
        null = os.open("/dev/null", os.O_WRONLY | os.O_CLOEXEC)
        try:
            self.child.rehearse(jobs * 10, null)
        finally:
            os.close(null)

    def _compiled_tests(self, text):
        """(key, assert tests compiled and marshalled by asserts.py `compile_tests`), kept by their text;
        keys are never reused, so the helper can keep tests by key (forker.py)."""
        tests = self.compiled.get(text)
        if tests is None:
            if len(self.compiled) >= TESTS_KEPT:
                self.compiled.clear()
            self.tests_made += 1
            tests = self.compiled[text] = (self.tests_made, self.asserts.compile_tests(text))
        return tests

    def _compiled_program(self, body):
        """(the body, the program compiled and marshalled) when the server compiles it (child.py
        `compile_program`; the body's PROGRAM field becomes "="), else (the body, b"") and the child does.

        Programs over PROGRAM_COMPILED_MAX bytes of base64 are left to the child, under the job's limits:
        compiling 100 KB of source can take 50 MB for a moment, which should not stay with this process.
        Warnings the compiler emits are dropped, as the child drops them (its own stderr is never read)."""
        child = self.child
        at = child.PROGRAM_FIELD
        fields = body.split(b" ", at + 1)
        if (len(fields) < at + 2 or fields[at] in (child.IN_REST, child.COMPILED)
                or len(fields[at]) > PROGRAM_COMPILED_MAX):
            return body, b""
        try:
            program = binascii.a2b_base64(fields[at]).decode("utf-8")
        except ValueError:
            return body, b""  # the child reports it as it always has
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = child.compile_program(program)
        fields[at] = child.COMPILED
        return b" ".join(fields), marshal.dumps(code)

    def _helper(self):
        """The live forking helper, forked anew when there is none."""
        if self.helper is None:
            self.helper = Helper(self.forker, self.child)
        return self.helper

    def _retire_helper(self):
        """Ask the helper to exit and collect it (its CPU time, and its children's, then count for us)."""
        helper, self.helper = self.helper, None
        if helper is None:
            return
        helper.close()
        if helper.alive:
            try:
                os.waitpid(helper.pid, 0)
            except ChildProcessError:
                pass

    def _helper_gone(self):
        """The helper died (killed with everything else, or by a program): collect it; a job gets a new one."""
        helper = self.helper
        if helper is not None and helper.alive:
            helper.alive = False
            try:
                os.waitpid(helper.pid, 0)
            except ChildProcessError:
                pass

    def _start(self, job):
        """Hands the job (tests, program, body) to a live helper; one that died meanwhile is replaced once."""
        for attempt in (0, 1):
            helper = self._helper()
            try:
                _send_to(helper.job_w, helper.message(*job))
                return helper
            except OSError:
                if attempt:
                    raise
                self._helper_gone()
                self._retire_helper()

    def run(self, jid, wall_ms, memory_bytes, result_bytes, job):
        end = {"id": jid, "timeout": False, "memory": False, "overflow": False, "killed": False,
               "stray": False, "dirty": False}
        started = time.monotonic()
        helper = self._start(job)
        result_r = helper.result_r
        deadline = started + wall_ms / 1000
        next_poll = started + MEMORY_POLL_S
        budget = result_bytes
        pending = b""
        pid = status = pidfd = None
        orphan = False  # the helper died: the child, reparented to us, is waited for here
        cpu_us = rss_kb = 0
        stop = ("K %d" % jid).encode()
        eof = False

        def forward(final):
            nonlocal pending, budget, eof
            chunks = []
            while not eof:
                try:
                    chunk = os.read(result_r, 1 << 20)
                except BlockingIOError:
                    break
                if not chunk:
                    eof = True  # stop watching it, or select would report it ready for ever
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

        def stop_child():
            """Stop at the first failure: the child's process group goes; the helper stays."""
            if pid is None:
                _kill_all()
                return
            for target in (-pid, pid):
                try:
                    os.kill(target, signal.SIGKILL)
                except OSError:
                    pass

        while status is None:
            now = time.monotonic()
            wait = max(0.0, min(deadline, next_poll) - now)
            watched = [0]
            if not eof:
                watched.append(result_r)
            if helper.alive:
                watched.append(helper.report_r)
            if pidfd is not None:
                watched.append(pidfd)
            ready, _, _ = select.select(watched, [], [], min(wait, 0.002) if orphan and pidfd is None else wait)
            if result_r in ready:
                forward(False)
            if 0 in ready:
                if not self.inbox.feed():
                    _kill_all()
                    os._exit(0)
                if stop in self.inbox.lines:
                    self.inbox.lines = [x for x in self.inbox.lines if x != stop]
                    end["killed"] = True
                    stop_child()
            if helper.alive and helper.report_r in ready:
                data = os.read(helper.report_r, 4096)
                if data:
                    helper.reports += data
                    *lines, helper.reports = helper.reports.split(b"\n")
                    for report in lines:
                        fields = report.split()
                        if fields[0] == b"P":
                            pid = int(fields[1])
                        elif fields[0] == b"X":
                            status, cpu_us, rss_kb = int(fields[2]), int(fields[3]), int(fields[4])
                    if status is not None:
                        break
                else:
                    # The helper died mid-job (killed with everything, or by a program running as its
                    # user): its child, if any, is now ours to wait for.
                    self._helper_gone()
                    if pid is None:
                        status = 70 << 8  # no child was forked: the harness failed (the run is retried)
                        break
                    orphan = True
                    try:
                        pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
                    except OSError:
                        status = LOST_STATUS
                        break
            if orphan and (pidfd is None or pidfd in ready):
                try:
                    done, raw, usage = os.wait4(pid, os.WNOHANG)
                except ChildProcessError:
                    done, raw, usage = pid, LOST_STATUS, None
                if done == pid:
                    status = raw
                    if usage is not None:
                        cpu_us = round((usage.ru_utime + usage.ru_stime) * 1e6)
                        rss_kb = usage.ru_maxrss
                    break
            now = time.monotonic()
            if now >= deadline and not end["timeout"]:
                end["timeout"] = True
                _kill_all()
            if now >= next_poll:
                next_poll = now + MEMORY_POLL_S
                if _resident_bytes(helper.pid if helper.alive else None) > memory_bytes:
                    end["memory"] = True
                    _kill_all()
        wall = time.monotonic() - started
        if pidfd is not None:
            os.close(pidfd)
        if helper.pid in _reap(False):
            helper.alive = False
        if _others(helper.pid if helper.alive else None):
            end["stray"] = True
            _kill_all()
            _reap(True)
            helper.alive = False
        # Every writer of the result pipe but the helper is gone now, so what is left in it is this job's.
        forward(True)
        if not helper.alive or eof:
            self._helper_gone()
            self._retire_helper()
        end["dirty"] = not all(_wipe(top) for top in SCRATCH)
        end["code"] = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        end["signal"] = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        end["cpuMs"] = cpu_us / 1000
        end["wallMs"] = round(wall * 1000, 3)
        end["rssKb"] = rss_kb
        return end


if __name__ == "__main__":
    if os.getpid() != 1:
        sys.exit("linewise harness: must run as PID 1 of a bubblewrap sandbox (--unshare-pid --as-pid-1)")
    # Python runs with -S; third-party packages come from the folders Node found (sandbox.ts).
    sys.path.extend(sys.argv[i + 1] for i, arg in enumerate(sys.argv[:-1]) if arg == "--path")
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # a helper that died shows as EPIPE, not as our death
    Server("--once" in sys.argv).serve()
