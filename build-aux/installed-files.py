#!/usr/bin/env python3
"""Prints, one a line, every file that `meson install` from BUILD_DIR puts on the machine
(an installed directory is listed file by file), for build-aux/dev.sh uninstall. Reads
meson's introspection, so it works from a build dir that never installed."""
import json
import os
import subprocess
import sys


def main(build):
    out = subprocess.run(["meson", "introspect", "--installed", build], check=True,
                         capture_output=True, text=True).stdout
    for source, dest in sorted(json.loads(out).items()):
        if os.path.isdir(source):
            for top, _, names in os.walk(source):
                for name in sorted(names):
                    print(os.path.join(dest, os.path.relpath(os.path.join(top, name), source)))
        else:
            print(dest)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: installed-files.py BUILD_DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
