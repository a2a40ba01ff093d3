#!/usr/bin/env python3
"""The window under load, measured by its own frame clock (sp-bench-ui), under Xvfb.

    tests/bench/run-ui-bench.py [--build _build] [--seconds S] [--scenario NAME]

Scenarios:
  ui-under-load  the window's built-in server serves fanout-1k (1,000 sp-load clients,
                 one symbol, 200 ticks/s) while the window shows its own stream;
  fast-stream    the viewer watches a `stockpush --headless --split` stream of
                 20,000 messages/s (20 symbols every millisecond) for a minute.

Xvfb has no GPU: GTK's GL renderer runs in software there (llvmpipe) at ~23 frames/s
even idle, which measures the machine, not the app; the Cairo renderer is used.
Loopback only; every process is stopped at the end."""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def env_for(build):
    env = dict(os.environ)
    env.update(GSETTINGS_BACKEND="memory", GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
               NO_AT_BRIDGE="1", GSK_RENDERER="cairo", G_MESSAGES_DEBUG="")
    return env


def window(build, seconds, *args):
    cmd = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "with-xvfb.py"),
           os.path.join(build, "tests", "bench", "sp-bench-ui"), "--seconds", str(seconds), *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env_for(build), start_new_session=True)


def finish(proc, timeout):
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"sp-bench-ui printed no result: {out!r}")
    return json.loads(lines[-1])


def ui_under_load(build, seconds):
    proc = window(build, seconds, "--interval-ms", "5", "--symbols", "ACME")
    port = None
    start = time.monotonic()
    while port is None and time.monotonic() - start < 20:
        line = proc.stdout.readline()
        m = re.match(r"port=(\d+)", line)
        if m:
            port = int(m.group(1))
    if port is None:
        os.killpg(proc.pid, signal.SIGKILL)
        raise RuntimeError("the window printed no port")
    # The window measures from 2 s after its start for `seconds`; the load runs
    # through all of it (connecting first, as fanout-1k does).
    load = subprocess.run([os.path.join(build, "tests", "bench", "sp-load"), "--port", str(port),
                           "--clients", "1000", "--duration", str(seconds + 6), "--warmup", "1"],
                          capture_output=True, text=True, timeout=seconds + 60)
    result = finish(proc, seconds + 60)
    try:
        result["load"] = json.loads(load.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        result["load"] = {"error": load.stderr[-300:]}
    return result


def fast_stream(build, seconds):
    symbols = ",".join(chr(ord("A") + i) for i in range(20))
    server = subprocess.Popen([os.path.join(build, "app", "stockpush"), "--headless", "--port", "0",
                               "--interval-ms", "1", "--split", "--symbols", symbols],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              start_new_session=True)
    try:
        url = None
        while url is None:
            line = server.stdout.readline()
            if not line:
                raise RuntimeError("the server printed no URL")
            m = re.search(r"ws://\S+", line)
            url = m.group(0) if m else None
        return finish(window(build, seconds, "--connect", url), seconds + 60)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(TOP, "_build"))
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--scenario", choices=["ui-under-load", "fast-stream"], action="append")
    args = parser.parse_args()
    scenarios = args.scenario or ["ui-under-load", "fast-stream"]

    print(f"{'scenario':<15} {'fps':>6} {'longest ms':>11} {'msg/s in':>9} {'log':>6} "
          f"{'chart pts':>9} {'RSS MB':>7}  load")
    for name in scenarios:
        seconds = args.seconds or (20 if name == "ui-under-load" else 60)
        result = ui_under_load(args.build, seconds) if name == "ui-under-load" \
            else fast_stream(args.build, seconds)
        load = result.get("load", {})
        extra = (f"{load.get('updates_per_s', 0):,.0f} updates/s to {load.get('opened', 0)} clients, "
                 f"p99 {load.get('latency_ms', {}).get('p99', 0)} ms") if load else ""
        print(f"{name:<15} {result['fps']:>6.1f} {result['longest_frame_ms']:>11.1f} "
              f"{result['messages_per_s']:>9,.0f} {result['log_items']:>6} {result['chart_points']:>9} "
              f"{result['peak_rss_mb']:>7.1f}  {extra}", flush=True)
        print("  " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
