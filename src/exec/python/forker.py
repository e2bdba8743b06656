"""The forking helper (issue 16): forked once from the fork server (PID 1), it forks one child per job.

Why a process of its own: after a fork, every page of the forking process is write-protected, and its
next write to each one faults (~15 us on a nested-virtualisation guest). The server does the
bookkeeping (select, limits, /proc scans, the wipe) and would fault on hundreds of pages per job; this
process only reads a job, forks, waits and reports, so it touches a handful. What every job needs alike
(default signal handlers, umask, working directory, fixed rlimits, the harness hidden from programs) is
done here once and inherited; the child parses its own job.

Protocol, on pipes from the server: a job is `TESTS_KEY TESTS_LEN PROGRAM_LEN BODY_LEN\\n` then the
tests (compiled and marshalled by the server, asserts.py `compile_tests`), the program (compiled and
marshalled by the server, child.py `compile_program`; empty when the child compiles it) and the job body
(child.py `parse_job`); the answer is `P pid\\n` once the child is forked and `X pid status cpu_us
maxrss_kb\\n` once it has been reaped. TESTS_KEY is 0 for jobs without assert tests. Tests come once per
key: this process unmarshals and keeps them (TESTS_KEPT, cleared when full, a rule the server mirrors
to know which it has), and later jobs with the same key send none, so a child running tests it has run
before inherits them ready instead of unmarshalling them (~50 page faults, issue 16).
"""
import _signal
import gc
import marshal
import os
import resource
import sys

WORK = "/tmp"
TESTS_KEPT = 256
# Harness modules the program must not find in sys.modules (it gets its own `__main__`).
_HARNESS_MODULES = ("server", "child", "values", "asserts", "forker", "preload", "__main__")


def _prepare(harness_dir):
    """Once, for this process and every child it forks: what does not depend on the job."""
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)  # not Node's pipes: only the server talks to Node
    os.dup2(null, 1)
    os.close(null)
    for sig in (_signal.SIGPIPE, _signal.SIGXFSZ, _signal.SIGXCPU, _signal.SIGCHLD, _signal.SIGTERM, _signal.SIGINT):
        _signal.signal(sig, _signal.SIG_DFL)
    os.umask(0o077)
    os.chdir(WORK)
    if os.getuid() == 0:
        os.setgroups([])  # the child changes its UIDs and GIDs itself (child.py)
    for res, value in ((resource.RLIMIT_CORE, 0), (resource.RLIMIT_NOFILE, 256), (resource.RLIMIT_MSGQUEUE, 0),
                       (resource.RLIMIT_MEMLOCK, 0)):
        resource.setrlimit(res, (value, value))
    for name in _HARNESS_MODULES:
        sys.modules.pop(name, None)
    sys.path[:] = [p for p in sys.path if p != harness_dir]


def serve(job_fd, report_fd, result_fd, run_job, harness_dir):
    """The helper's life; never returns."""
    try:
        _prepare(harness_dir)
        gc.collect()
        gc.freeze()
        buffer = bytearray()
        kept = {}
        while True:
            while b"\n" not in buffer:
                chunk = os.read(job_fd, 1 << 16)
                if not chunk:
                    os._exit(0)  # the server closed the pipe: it is ending
                buffer += chunk
            end = buffer.index(b"\n")
            tests_key, tests_len, program_len, body_len = map(int, buffer[:end].split())
            need = end + 1 + tests_len + program_len + body_len
            while len(buffer) < need:
                chunk = os.read(job_fd, max(need - len(buffer), 1 << 16))
                if not chunk:
                    os._exit(0)
                buffer += chunk
            at = end + 1 + tests_len
            if tests_len:
                if len(kept) >= TESTS_KEPT:
                    kept.clear()
                kept[tests_key] = marshal.loads(buffer[end + 1:at])
            tests = kept[tests_key] if tests_key else None  # a key it lacks ends it: the server starts afresh
            program = bytes(buffer[at:at + program_len]) if program_len else None
            body = bytes(buffer[at + program_len:need])
            del buffer[:need]
            pid = os.fork()
            if pid == 0:
                run_job(body, tests, result_fd, program)  # never returns; closes every other descriptor
            os.write(report_fd, b"P %d\n" % pid)
            _, status, usage = os.wait4(pid, 0)
            cpu_us = round((usage.ru_utime + usage.ru_stime) * 1e6)
            os.write(report_fd, b"X %d %d %d %d\n" % (pid, status, cpu_us, usage.ru_maxrss))
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(70)
