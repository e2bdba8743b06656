"""Launcher used when linewise runs as root: run bwrap inside a user namespace of our own.

As root, bubblewrap would run the sandbox with real UID 0, and the kernel never enforces RLIMIT_NPROC
for UID 0, so a fork bomb could exhaust the host. This launcher (run on the host, as root) moves
itself into a new user namespace that maps only UIDs/GIDs 0 and 65534 to themselves, forbids further
user namespaces inside it, and execs the bwrap command line it was given. The fork server then starts
as root of that namespace and each child drops to UID 65534, a real unprivileged UID on the host, so
RLIMIT_NPROC holds, counted per sandbox. Usage: python3 -I -S userns.py bwrap ARGS...
"""
import ctypes
import os
import sys

CLONE_NEWUSER = 0x10000000
MAP = "0 0 1\n65534 65534 1\n"


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    to_helper_r, to_helper_w = os.pipe()
    from_helper_r, from_helper_w = os.pipe()
    helper = os.fork()
    if helper == 0:
        # The helper stays in the parent namespace, where writing another process's maps is allowed.
        os.close(to_helper_w)
        os.close(from_helper_r)
        ok = b"0"
        if os.read(to_helper_r, 1) == b"1":
            target = os.getppid()
            try:
                for name in ("uid_map", "gid_map"):
                    with open("/proc/%d/%s" % (target, name), "w") as f:
                        f.write(MAP)
                ok = b"1"
            except OSError as e:
                sys.stderr.write("linewise sandbox: cannot write the user namespace maps: %s\n" % e)
        os.write(from_helper_w, ok)
        os._exit(0)
    os.close(to_helper_r)
    os.close(from_helper_w)
    unshared = libc.unshare(CLONE_NEWUSER) == 0
    os.write(to_helper_w, b"1" if unshared else b"0")
    mapped = os.read(from_helper_r, 1) == b"1"
    os.waitpid(helper, 0)
    if not unshared:
        sys.stderr.write("linewise sandbox: unshare(CLONE_NEWUSER) failed: %s\n" % os.strerror(ctypes.get_errno()))
        sys.exit(71)
    if not mapped:
        sys.exit(71)
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")  # no nested user namespaces: a program cannot mount its own unlimited tmpfs
    os.execvp(sys.argv[1], sys.argv[1:])


main()
