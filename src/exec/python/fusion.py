"""LINEWISE_FUSION: linewise's own test harness as one script for SandboxFusion's POST /run_code.

SandboxFusion (github.com/bytedance/SandboxFusion) runs `python FILE < stdin` and returns the process's
stdout. Node (exec/sandbox-fusion-client.ts) sends this file as the code, with linewise's harness
modules (values.py, asserts.py, child.py, forker.py) prepended as `_LW_MODULES`, and the job on stdin.
The script plays the parts the fork server (server.py) and the forking helper (forker.py) play locally:
it forks one child that runs child.run_job unchanged (the program and its tests, reporting result lines
that carry the per-run secret on a pipe), enforces the wall-clock limit and the cap on reported data,
and writes the lines back with the run's end. Node grades them with the Grader a local run uses, so
expected values never reach the sandbox and verdicts equal a local run's.

Why the secret cannot be read or forged by the program under test:
- it arrives on stdin, which is read whole before any program code runs and then replaced by
  /dev/null, and the script text (which a program may read from disk) holds none;
- only this supervisor writes the real stdout, and it runs no program code: the child gets /dev/null
  and capture files on fds 0-2 (forker._prepare, child._redirect) and closes every other descriptor;
- the supervisor is not dumpable (as server.py), so a program running as the same user cannot open
  its descriptors or memory through /proc;
- what it writes is one line, `SECRET BASE64`, the run's end and the child's lines compressed
  (SandboxFusion's asyncio reader stalls a process whose stdout outgrows its ~128 KiB buffer), and Node
  reads only the last line carrying the secret; each child line still carries the secret too, which the
  Grader checks, as locally.
As locally, the child that runs the program holds the secret (its reporter needs it), so a program that
searches its own process's memory could find it; what the secret stops is forgery through output.

stdin: line 1 a JSON header {"cap": most bytes of the result line, "tests": assert tests as JSON
`[setup, asserts]` (asserts.py `compile_tests`) or "", "wallMs" and "resultBytes": the run's wall-clock
limit and most bytes of result lines}, then the job body as child.run_job reads it (worker.ts `jobParts`).
"""
import binascii
import builtins
import json
import marshal
import os
import select
import signal
import sys
import time
import types
import zlib

# Modules imported here are what each run pays for (a forked serve-exec child measured +50 ms for
# tempfile, +40 for shutil, +28 for base64), so the few things they would do are done with os below.
SANDBOX_UID = 65534
EXIT_HARNESS = 70
POLL_S = 0.01


def _load(name):
    """A harness module from `_LW_MODULES`, its builtins a private copy (as server.py loads them)."""
    module = types.ModuleType(name)
    module.__file__ = "<linewise %s>" % name
    module.__dict__["__builtins__"] = dict(builtins.__dict__)
    sys.modules[name] = module
    exec(compile(_LW_MODULES[name], module.__file__, "exec", dont_inherit=True), module.__dict__)  # noqa: F821
    return module


def _read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _clamped_limits(set_limits):
    """child._set_limits, each limit lowered to what this process may set (SandboxFusion or a serve-exec
    may have set hard limits below the job's: the run then gets theirs, never a harness failure)."""
    import resource

    def set_clamped(limits):
        clamped = dict(limits)
        for key, res in (("memoryBytes", resource.RLIMIT_AS), ("outputBytes", resource.RLIMIT_FSIZE),
                         ("nproc", resource.RLIMIT_NPROC)):
            hard = resource.getrlimit(res)[1]
            if hard != resource.RLIM_INFINITY:
                clamped[key] = min(clamped[key], hard)
        hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)[1]
        if hard_cpu != resource.RLIM_INFINITY:
            clamped["cpuMs"] = min(clamped["cpuMs"], max(1, hard_cpu - 1) * 1000)
        set_limits(clamped)

    return set_clamped


def _tolerant(drop_privileges):
    """child._drop_privileges where a container forbids changing UIDs: the run stays as it is."""

    def drop():
        try:
            drop_privileges()
        except PermissionError:
            pass

    return drop


def _child(forker, child, body, tests, write_fd, read_fd, work):
    """The forked child: what forker.py does once per helper, then child.run_job as locally."""
    try:
        os.close(read_fd)
        forker._prepare("")
        os.chdir(work)  # not /tmp: SandboxFusion without isolation shares /tmp between runs
    except BaseException:
        os._exit(EXIT_HARNESS)
    child.run_job(body, tests, write_fd)  # never returns


def _kill_group(pid):
    """SIGKILL the child's process group; False when nothing was left in it."""
    try:
        os.killpg(pid, signal.SIGKILL)
        return True
    except OSError:
        return False


def _make_work():
    """A fresh private folder under /tmp for the run's files and working directory."""
    work = os.path.join("/tmp", "lw-" + binascii.hexlify(os.urandom(8)).decode())
    os.mkdir(work, 0o700)
    return work


def _remove(top):
    """Remove `top` and everything under it, without following links; what cannot go stays."""
    for root, dirs, files in os.walk(top, topdown=False):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            try:
                os.unlink(os.path.join(root, name))
            except OSError:
                pass
        for name in dirs:
            try:
                os.rmdir(os.path.join(root, name))
            except OSError:
                pass
    try:
        os.rmdir(top)
    except OSError:
        pass


def _status_end(status):
    return (os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            os.WTERMSIG(status) if os.WIFSIGNALED(status) else None)


def _not_dumpable():
    try:
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0
    except (ImportError, OSError, AttributeError):
        pass  # no ctypes or no prctl: the program's user still cannot write our stdout without the secret


def main():
    _not_dumpable()
    data = _read_all(0)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    header, body = data.split(b"\n", 1)
    del data
    header = json.loads(header)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    _load("values")
    asserts = _load("asserts")
    child = _load("child")
    forker = _load("forker")
    # The body's seventh field is the run's secret (worker.ts `jobParts`); the child parses the rest itself.
    secret = body.split(b" ", 7)[6]
    tests = marshal.loads(asserts.compile_tests(header["tests"])) if header["tests"] else None
    work = _make_work()
    if os.getuid() == 0:
        try:
            os.chown(work, SANDBOX_UID, SANDBOX_UID)  # the child drops to this UID and makes its files here
        except OSError:
            pass
    child.PRIVATE = os.path.join(work, ".io")
    child._set_limits = _clamped_limits(child._set_limits)
    child._drop_privileges = _tolerant(child._drop_privileges)
    end = {"timeout": False, "memory": False, "overflow": False, "killed": False, "stray": False,
           "dirty": False}
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(forker, child, body, tests, write_fd, read_fd, work)
    try:
        os.setpgid(pid, pid)  # the child does it too (run_job); whichever is first, killpg finds the group
    except OSError:
        pass
    os.close(write_fd)
    del body
    deadline = started + header["wallMs"] / 1000
    budget = header["resultBytes"]
    chunks, got, eof = [], 0, False
    status = usage = None
    # A pidfd wakes the loop when the child ends (as server.py waits); without one (Python < 3.9), polls.
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    while status is None:
        left = max(0.0, deadline - time.monotonic())
        watched = ([] if eof else [read_fd]) + ([] if pidfd is None else [pidfd])
        timeout = min(left, POLL_S) if pidfd is None else (None if left == float("inf") else left)
        ready = select.select(watched, [], [], timeout)[0]
        if read_fd in ready:
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                eof = True
            elif not end["overflow"]:
                got += len(chunk)
                if got > budget:
                    end["overflow"] = True
                    _kill_group(pid)
                else:
                    chunks.append(chunk)
        done, raw, ru = os.wait4(pid, os.WNOHANG)
        if done == pid:
            status, usage = raw, ru
        elif time.monotonic() >= deadline and not end["timeout"]:
            end["timeout"] = True
            _kill_group(pid)
            deadline = float("inf")  # killed: now wait for its end
    if pidfd is not None:
        os.close(pidfd)
    wall = time.monotonic() - started
    end["stray"] = _kill_group(pid)  # what the program left running in its process group
    # Whatever is left in the pipe was written before the child ended (a stray holding it is dead now).
    os.set_blocking(read_fd, False)
    while not eof and not end["overflow"]:
        try:
            chunk = os.read(read_fd, 1 << 20)
        except OSError:
            break
        if not chunk:
            break
        got += len(chunk)
        if got > budget:
            end["overflow"] = True
        else:
            chunks.append(chunk)
    _remove(work)
    end["code"], end["signal"] = _status_end(status)
    end["cpuMs"] = (usage.ru_utime + usage.ru_stime) * 1000
    end["wallMs"] = round(wall * 1000, 3)
    lines = b"" if end["overflow"] else b"".join(chunks)
    block = binascii.b2a_base64(zlib.compress(json.dumps(end).encode() + b"\n" + lines, 6), newline=False)
    if len(block) > header["cap"]:
        end["tooLarge"] = len(block)
        block = binascii.b2a_base64(zlib.compress(json.dumps(end).encode() + b"\n", 6), newline=False)
    out = secret + b" " + block + b"\n"
    while out:
        out = out[os.write(1, out):]


main()
