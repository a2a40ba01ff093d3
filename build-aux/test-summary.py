#!/usr/bin/env python3
"""Counts test cases across meson test logs and prints 'N passed, N failed'.

Each TAP line of a test program counts as one case; a program that failed
without reporting any case (a crash, a timeout) counts as one failure."""
import json
import re
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        entries = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    except FileNotFoundError:
        print(f"{path}: missing (that build did not run its tests)")
        failed += 1
        continue
    for entry in entries:
        ok = bad = skip = 0
        for line in (entry.get("stdout") or "").splitlines():
            if re.match(r"^ok \d+", line):
                if re.search(r"#\s*skip", line, re.I):
                    skip += 1
                else:
                    ok += 1
            elif re.match(r"^not ok \d+", line):
                if re.search(r"#\s*todo", line, re.I):
                    skip += 1
                else:
                    bad += 1
        result = entry.get("result")
        if result not in ("OK", "EXPECTEDFAIL", "SKIP") and bad == 0:
            bad = 1
        if ok + bad + skip == 0:
            if result == "SKIP":
                skip = 1
            else:
                ok = 1
        passed += ok
        failed += bad
        skipped += skip
if skipped:
    print(f"{skipped} skipped or known to fail (TAP SKIP/TODO)")
print(f"{passed} passed, {failed} failed")
