#!/usr/bin/env python3
"""Runs a command on an X server of its own: with-xvfb.py [-s "SERVER ARGS"] CMD ARGS...

Xvfb picks a free display itself (-displayfd), so two suites started at the same
moment never share or fight over one, unlike `xvfb-run -a`, which probes lock files
and races. The server goes away with the command; the command's exit status is ours."""
import os
import shlex
import subprocess
import sys


def main(argv):
    server_args = ["-screen", "0", "1280x860x24"]
    if len(argv) > 2 and argv[1] == "-s":
        server_args = shlex.split(argv[2])
        argv = argv[2:]
    command = argv[1:]
    if not command:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-nolisten", "tcp",
                             *server_args],
                            pass_fds=(write_end,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        display = pipe.readline().strip()
    if not display:
        print("with-xvfb: Xvfb did not start (exit status %s)" % xvfb.wait(), file=sys.stderr)
        return 1
    env = dict(os.environ, DISPLAY=":" + display)
    env.pop("WAYLAND_DISPLAY", None)
    try:
        # A descriptor the caller hands through (sptest's TAP stream) stays open.
        kept = os.environ.get("SPTEST_TAP_FD")
        return subprocess.call(command, env=env, pass_fds=(int(kept),) if kept else ())
    finally:
        xvfb.terminate()
        xvfb.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
