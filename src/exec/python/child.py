"""One program run: the forked child parses its job, drops privileges, applies rlimits and runs the tests.

It is forked by the forking helper (forker.py), which has already done what every job shares: default
signal handlers, umask, working directory, the fixed rlimits, no supplementary groups, the harness
modules gone from sys.modules. What is left here is what depends on the job or must not be inherited.

It reports through a pipe, one line per event, `SECRET KIND INDEX PAYLOAD`, where PAYLOAD is JSON.
Kinds: syntax, testerror, start (the program's code begins to run), load (the program or setup failed
before any test), case (stdio: stdout, exit code, stderr tail), value / nonplain / error / timeout and,
when asked, time (call: a case over its own time limit, a call's wall time in seconds) and digest (call: a
value's SHA-256 and size instead of the value, values.py `digest`),
ok / fail / nonplain / error (assert), done. Only a run that reaches `done` can pass, and only lines
with the per-run secret count, so an early exit or a forged line cannot pass. Expected values never
come here: Node compares.
"""
import binascii
import builtins
import json
import marshal
import math
import os
import resource
import signal
import sys
import time
import types

from asserts import GUARD, Guard, NonPlain
from values import digest, object_hook, plain_json

SANDBOX_UID = 65534
# The harness's files (captured output, stdin) live on their own tmpfs: a program that fills /tmp
# cannot also take away the space its own output needs.
PRIVATE = "/io/run"
ERR_TAIL = 2000

_os_write = os.write
_os_exit = os._exit
_type = type
_frozenset = frozenset
_str = str
_repr = repr
_AssertionError = AssertionError
_MemoryError = MemoryError
_BaseException = BaseException
_monotonic = time.monotonic
_setitimer = signal.setitimer
_signal = signal.signal
_PRISTINE_BUILTINS = dict(builtins.__dict__)
_loads = json.loads
_unmarshal = marshal.loads
_a2b_base64 = binascii.a2b_base64
# What the child's set-up calls, bound once: a module attribute read in the forked child touches the
# module, its dictionary and the attribute, pages the floor's bare child never writes (issue 16).
_getuid, _setresgid, _setresuid = os.getuid, os.setresgid, os.setresuid
_setpgid, _closerange, _mkdir, _open = os.setpgid, os.closerange, os.mkdir, os.open
_dup2, _close = os.dup2, os.close
_setrlimit, _ceil = resource.setrlimit, math.ceil
_ModuleType, _modules = types.ModuleType, sys.modules
_RLIMIT_CPU, _RLIMIT_AS = resource.RLIMIT_CPU, resource.RLIMIT_AS
_RLIMIT_FSIZE, _RLIMIT_NPROC = resource.RLIMIT_FSIZE, resource.RLIMIT_NPROC


def _drop_privileges():
    """As root in the launcher's user namespace (userns.py), become the sandbox user.

    Changing every UID from 0 clears the permitted, effective and ambient capabilities, and bubblewrap
    has set no_new_privs, so no setuid binary or file capability can give them back. The forking helper
    has already dropped the supplementary groups.
    """
    if _getuid() != 0:
        return
    _setresgid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
    _setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)


def _set_limits(limits):
    """The job's rlimits (CORE, NOFILE, MSGQUEUE and MEMLOCK are inherited from the forking helper)."""
    cpu_s = max(1, _ceil(limits["cpuMs"] / 1000))
    _setrlimit(_RLIMIT_CPU, (cpu_s, cpu_s + 1))
    memory, output, nproc = limits["memoryBytes"], limits["outputBytes"], limits["nproc"]
    _setrlimit(_RLIMIT_AS, (memory, memory))
    _setrlimit(_RLIMIT_FSIZE, (output, output))
    _setrlimit(_RLIMIT_NPROC, (nproc, nproc))


# Flags as constants: each `os.O_*` read in the forked child touches an object of its own (issue 16).
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
_WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_private(name, flags):
    """`name` in PRIVATE (a plain join: os.path.join runs Python code the child would touch pages for)."""
    return _open(PRIVATE + "/" + name, flags, 0o600)


def _redirect(stdin_fd, stdout_name, stderr_name):
    """Point fds 0-2 at files: stdin at `stdin_fd`, stdout/stderr at capture files (capped by RLIMIT_FSIZE)."""
    _dup2(stdin_fd, 0)
    _close(stdin_fd)
    for target, name in ((1, stdout_name), (2, stderr_name)):
        fd = _open_private(name, _WRITE)
        _dup2(fd, target)
        _close(fd)


def _read_capped(name, limit, tail=False):
    try:
        fd = _open_private(name, _READ)
    except OSError:
        return ""
    try:
        size = os.fstat(fd).st_size
        if tail and size > limit:
            os.lseek(fd, size - limit, 0)
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks).decode("utf-8", "replace")
    finally:
        os.close(fd)


class Reporter:
    """Writes secret-prefixed result lines to the pipe; the secret lives only in this closure."""

    def __init__(self, secret, fd):
        prefix = (secret + " ").encode()
        write = _os_write

        def report(kind, index, payload="null"):
            line = kind + " " + _str(index) + " " + (payload or "null") + "\n"
            data = prefix + line.encode("utf-8", "replace")
            while data:
                data = data[write(fd, data):]

        self.report = report


def _exception(e):
    """{type, message} of an exception raised by the program, without trusting its methods."""
    try:
        name = type.__dict__["__name__"].__get__(_type(e))
    except _BaseException:
        name = "Exception"
    try:
        message = _str(e)[:300]
        if _type(message) is not _str:
            message = ""
    except _BaseException:
        message = ""
    return plain_json({"type": _str(name), "message": _str(message)})


def compile_program(program):
    """The program's code object, or `(type, message)` saying why it does not compile. The server (PID 1)
    calls this for most programs and passes the code on marshalled (server.py `_compiled_program`): it
    never forks per job, so compiling there touches no page a fork has write-protected, while in the forked
    child it cost ~80 page faults (~1 ms on a nested-virtualisation guest, issue 16)."""
    try:
        return compile(program, "<program>", "exec", dont_inherit=True)
    except SyntaxError as e:
        return type(e).__name__, "%s (line %s)" % (e.msg, e.lineno)
    except MemoryError:
        return "MemoryError", "the parser ran out of memory"
    except BaseException as e:  # ValueError (NUL bytes), RecursionError (nesting), OverflowError
        return type(e).__name__, str(e)[:300]


def _program_code(job, compiled, report):
    """The program's code object, compiled by the server (`compiled`, marshalled) or here; None after
    reporting why it does not compile."""
    code = _unmarshal(compiled) if compiled is not None else compile_program(job.pop("program"))
    if _type(code) is tuple:
        report("syntax", -1, plain_json({"type": code[0], "message": code[1]}))
        return None
    return code


def _module(name):
    """The program's module, registered under its name and as `__main__`."""
    module = _ModuleType(name)
    module.__dict__["__builtins__"] = builtins
    _modules[name] = module
    _modules["__main__"] = module
    return module


_finished = False


def _done(report):
    global _finished
    report("done", -1)
    _finished = True


def _run_stdio(job, code, report, limits):
    """Each case runs in its own grandchild with the case's input as stdin; this process runs no program code."""
    cpu_left = limits["cpuMs"] / 1000
    for i, text in enumerate(job["inputs"]):
        fd = _open_private("stdin", _WRITE)
        data = text.encode("utf-8")
        while data:
            data = data[os.write(fd, data):]
        os.close(fd)
        pid = os.fork()
        if pid == 0:
            _run_script(code, max(1, math.ceil(cpu_left)))
        _, status, usage = os.wait4(pid, 0)
        cpu_left -= usage.ru_utime + usage.ru_stime
        result = {
            "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "out": _read_capped("case-stdout", limits["outputBytes"]),
            "err": _read_capped("case-stderr", ERR_TAIL, tail=True),
        }
        report("case", i, plain_json(result))
        if cpu_left <= 0:
            break
        failed = result["code"] != 0
        if failed and job["stopOnFirst"]:
            break
    _done(report)


def _run_script(code, cpu_s):
    """Grandchild: run the program as `__main__` on the case's stdin; exit as python3 would."""
    status = 70
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        _redirect(_open_private("stdin", _READ), "case-stdout", "case-stderr")
        os.closerange(3, 1 << 16)
        main = _module("__main__")
        main.__dict__["__file__"] = "main.py"
        sys.argv = ["main.py"]
        try:
            exec(code, main.__dict__)
            status = 0
        except SystemExit as e:
            if e.code is None or e.code is False:
                status = 0
            elif isinstance(e.code, int):
                status = e.code & 0xFF
            else:
                sys.stderr.write(str(e.code) + "\n")
                status = 1
        except BaseException:
            status = 1
            import traceback

            traceback.print_exc()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
    finally:
        _os_exit(status)


def _find_function(namespace, name):
    """`name` in the program, or a method of LeetCode's `class Solution` (APPS, LiveCodeBench)."""
    fn = namespace.get(name)
    if fn is None and "Solution" in namespace:
        fn = getattr(namespace["Solution"](), name, None)
    if fn is None:
        raise NameError("the program defines no function named " + repr(name))
    return fn


def _load_failed(report, e):
    """The program (or the tests' setup) raised before any test ran."""
    report("load", -1, _exception(e))
    _done(report)


class _CaseTimeout(BaseException):
    """A call over its case's time limit (BaseException: `except Exception` in the program cannot keep it)."""


def _case_alarm(signum, frame):
    raise _CaseTimeout()


def _timed_call(fn, args, limit_s):
    """(value, error, seconds) of one call, under its own wall-clock limit when there is one.

    The alarm only interrupts; the verdict comes from the measured time, so a program that blocks or
    catches the alarm is still over its limit (and the run's own wall-clock limit still ends it).
    """
    value = error = None
    if limit_s is not None:
        _signal(signal.SIGALRM, _case_alarm)
        _setitimer(signal.ITIMER_REAL, limit_s)
    start = _monotonic()
    try:
        try:
            value = fn(*args)
        finally:
            if limit_s is not None:
                _setitimer(signal.ITIMER_REAL, 0)  # inside the outer try: a late alarm is still caught
    except _BaseException as e:
        error = e
    return value, error, _monotonic() - start


def _run_call(job, code, report):
    args_list = job["args"]
    case_ms = job.get("caseMs")  # per-case wall-clock limits (EvalPlus), or None
    timed = job.get("timed", False)  # report each call's time (capture of a reference)
    # Cases whose expected value is a digest: their values are sent as digests (values.py `digest`).
    digest_cases = _frozenset(job.get("digest") or ())
    # Capture: a digestible value whose encoding is over this many bytes is sent as its digest.
    digest_over = job.get("digestOver")
    namespace = _module("solution").__dict__
    try:
        exec(code, namespace)
        fn = _find_function(namespace, job["fnName"])
    except _BaseException as e:
        _load_failed(report, e)
        return
    for i, args in enumerate(args_list):
        limit_s = None if case_ms is None else case_ms[i] / 1000
        value, error, elapsed = _timed_call(fn, args, limit_s)
        if timed:
            report("time", i, _repr(elapsed))
        if limit_s is not None and (elapsed > limit_s or _type(error) is _CaseTimeout):
            report("timeout", i, _repr(limit_s))
            if job["stopOnFirst"]:
                break
            continue
        if error is not None:
            report("error", i, _exception(error))
            if job["stopOnFirst"]:
                break
            continue
        if i in digest_cases or digest_over is not None:
            d = digest(value, expected=digest_over is not None)
            if i in digest_cases and d is not None:
                report("digest", i, plain_json(d))
                continue
            if digest_over is not None and d is not None and d.get("bytes", 0) > digest_over:
                report("digest", i, plain_json(d))
                continue
            del d
        payload = None if i in digest_cases else plain_json(value)
        if payload is None:
            # Not always a failure (EvalPlus's not-None tasks): Node judges it, and stops the run if it fails.
            report("nonplain", i, plain_json(type.__dict__["__name__"].__get__(_type(value))))
        else:
            report("value", i, payload)
    _done(report)


def _run_asserts(job, code, tests, report):
    setup, asserts = tests
    namespace = _module("solution").__dict__
    try:
        exec(code, namespace)
    except _BaseException as e:
        _load_failed(report, e)
        return
    # The tests get their own namespace and the builtins as they were before the program ran.
    test_ns = dict(namespace)
    test_ns["__builtins__"] = _PRISTINE_BUILTINS
    test_ns[GUARD] = Guard
    if setup is not None:
        try:
            exec(setup, test_ns)
        except _BaseException as e:
            _load_failed(report, e)
            return
    for i, test in enumerate(asserts):
        kind = "ok"
        try:
            exec(test, test_ns)
        except _AssertionError as e:
            kind, payload = "fail", _exception(e)
        except NonPlain as e:
            kind, payload = "nonplain", _exception(e)
        except _BaseException as e:
            kind, payload = "error", _exception(e)
        if kind == "ok":
            report("ok", i)
        else:
            report(kind, i, payload)
            if job["stopOnFirst"]:
                break
    _done(report)


# Exit codes of the child when it could not report `done` itself (Node reads them, see grade.ts).
EXIT_HARNESS = 70  # the harness failed before the program ran: a sandbox error
EXIT_MEMORY = 71  # out of memory inside the harness
EXIT_BROKEN = 72  # the program broke the harness (a signal handler, a closed pipe): a runtime error


# The job body's PROGRAM field (`parse_job`): its index among the fields, and its two markers.
PROGRAM_FIELD = 7
IN_REST = b"-"  # the program is in REST, as JSON (it is not well-formed UTF-16)
COMPILED = b"="  # the server compiled it: it comes apart, marshalled (server.py `_compiled_program`)


def parse_job(body):
    """The job from its body, `KIND STOP CPU_MS MEMORY_BYTES OUTPUT_BYTES NPROC SECRET PROGRAM REST`
    (worker.ts `jobParts`): PROGRAM in base64 ("-": it is in REST; "=": the server compiled it and it comes
    apart, see `run_job`), REST the other fields as JSON or empty.
    Splitting touches far fewer pages of the forked child than decoding the whole job as JSON (issue 16)."""
    kind, stop, cpu_ms, memory, output, nproc, secret, program, rest = body.split(b" ", 8)
    job = _loads(rest, object_hook=object_hook) if rest else {}
    job["kind"] = kind.decode()
    job["stopOnFirst"] = stop == b"1"
    job["limits"] = {"cpuMs": float(cpu_ms), "memoryBytes": int(memory), "outputBytes": int(output),
                     "nproc": int(nproc)}
    job["secret"] = secret.decode()
    if program != IN_REST and program != COMPILED:
        job["program"] = _a2b_base64(program).decode("utf-8")
    return job


def _runnable(job, tests, program, report):
    """The program's code object, or None after reporting why the run cannot start (and `done`)."""
    if _type(tests) is _str:
        report("testerror", -1, plain_json({"type": "SyntaxError", "message": tests}))
    else:
        code = _program_code(job, program, report)
        if code is not None:
            return code
    _done(report)
    return None


def _run(job, code, tests, report):
    kind = job["kind"]
    if kind == "stdio":
        _run_stdio(job, code, report, job["limits"])
    elif kind == "call":
        _run_call(job, code, report)
    else:
        _run_asserts(job, code, tests, report)


def rehearse(jobs, fd):
    """Run assert and call jobs (body, tests, program) here, without the steps that change the process
    (privileges, limits, descriptors, exit), reporting to `fd`. The server does this before it forks the
    forking helper: the harness's bytecode is then specialised and the interpreter's type caches filled
    once, and each child inherits them ready instead of writing them again, ~20 page faults of every
    child (issue 16). It leaves nothing else behind: `sys.modules` and the finished flag are restored."""
    global _finished
    saved = {name: _modules.get(name) for name in ("__main__", "solution")}
    try:
        for body, tests, program in jobs:
            job = parse_job(body)
            if job["kind"] == "stdio":
                raise ValueError("rehearse: stdio jobs fork; rehearse assert and call jobs")
            report = Reporter(job.pop("secret"), fd).report
            code = _runnable(job, tests, program, report)
            if code is not None:
                report("start", -1)
                _run(job, code, tests, report)
    finally:
        _finished = False
        for name, module in saved.items():
            if module is None:
                _modules.pop(name, None)
            else:
                _modules[name] = module


def run_job(body, tests, fd, program=None):
    """Entry point in the forked child; never returns. `body` is the job's body (`parse_job`); `tests` is
    the compiled test code or compile error (asserts.py `compile_tests`, unmarshalled), or None (not an
    assert job); `program` is the program as `compile_program` left it, marshalled, or None (it is in the
    body, to compile here). Both are read before the program runs."""
    status = EXIT_HARNESS
    try:
        _setpgid(0, 0)  # its own process group, which the server kills to stop the job
        job = parse_job(body)
        del body
        limits = job["limits"]
        report = Reporter(job.pop("secret"), fd).report
        _drop_privileges()
        _closerange(3, fd)
        _closerange(fd + 1, 1 << 16)
        _mkdir(PRIVATE, 0o700)
        _set_limits(limits)
        _redirect(_open("/dev/null", _READ), "stdout", "stderr")
        code = _runnable(job, tests, program, report)
        if code is not None:
            report("start", -1)  # from here on, any way the run ends is the program's doing
            status = EXIT_BROKEN
            _run(job, code, tests, report)
    except _MemoryError:
        status = EXIT_MEMORY
    except _BaseException:
        if status == EXIT_HARNESS:
            import traceback

            traceback.print_exc()
    finally:
        _os_exit(0 if _finished else status)
