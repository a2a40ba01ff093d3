#!/usr/bin/env python3
"""The window at rest and under load, measured by its own frame clock and its CPU
time (sp-bench-ui), under Xvfb.

    tests/bench/run-ui-bench.py [--build _build] [--seconds S] [--repeat N] [--scenario NAME]...

Scenarios at rest (6 s of warm-up, then 10 s measured; CPU is the window's whole process,
its built-in server included, as a percentage of one core):
  rest-stream        the default embedded stream (5 symbols, 4 messages/s) on the Stream page;
  rest-clients       the same, the Clients page shown;
  rest-minimised     the same, the window minimised (as a window manager does: unmapped);
  rest-disconnected  the Stream page, the viewer not connected (the server still ticking):
                     the baseline the others compare with;
  stream-200         the embedded server every 5 ms: 200 messages/s on the Stream page;
  fast-stream-live   the 20,000 messages/s stream below, the window left to itself for 20 s.
Under load (the chart redrawn on every frame, as while scrolling or zooming, so the frame
clock runs flat out and shows how much room the stream leaves):
  ui-under-load      the window's built-in server serves fanout-1k (1,000 sp-load clients,
                     one symbol, 200 ticks/s) while the window shows its own stream;
  fast-stream        the viewer watches a `stockpush --headless --split` stream of
                     20,000 messages/s (20 symbols every millisecond) for a minute.

Xvfb has no GPU: GTK's GL renderer runs in software there (llvmpipe) at ~23 frames/s
even idle, which measures the machine, not the app; the Cairo renderer is used.
Loopback only; every process is stopped at the end."""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def env_for(build):
    env = dict(os.environ)
    env.update(GSETTINGS_BACKEND="memory", GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
               NO_AT_BRIDGE="1", GSK_RENDERER="cairo", G_MESSAGES_DEBUG="")
    return env


REST = {
    "rest-stream": [],
    "rest-clients": ["--page", "clients"],
    "rest-minimised": ["--minimise"],
    "rest-disconnected": ["--no-connect"],
    "stream-200": ["--interval-ms", "5"],
}
SCENARIOS = [*REST, "fast-stream-live", "ui-under-load", "fast-stream"]


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
    proc = window(build, seconds, "--interval-ms", "5", "--symbols", "ACME", "--redraw-every-frame")
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


def rest(build, seconds, name):
    return finish(window(build, seconds, "--warmup", "6", *REST[name]), seconds + 60)


def fast_stream(build, seconds, *args):
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
        return finish(window(build, seconds, "--connect", url, *args), seconds + 60)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run(build, name, seconds):
    if name in REST:
        return rest(build, seconds or 10, name)
    if name == "ui-under-load":
        return ui_under_load(build, seconds or 20)
    if name == "fast-stream-live":
        return fast_stream(build, seconds or 20, "--warmup", "6")
    return fast_stream(build, seconds or 60, "--redraw-every-frame")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(TOP, "_build"))
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each scenario (medians shown)")
    parser.add_argument("--scenario", choices=SCENARIOS, action="append")
    args = parser.parse_args()
    scenarios = args.scenario or SCENARIOS

    print(f"# load average at start: {load_average()} (2 cores)", flush=True)
    print(f"{'scenario':<18} {'CPU %':>6} {'fps':>6} {'draws/s':>8} {'longest ms':>11} {'>50 ms':>6} "
          f"{'msg/s in':>9} {'log':>6} {'chart pts':>9} {'RSS MB':>7}  load")
    for name in scenarios:
        results = []
        for _ in range(max(args.repeat, 1)):
            result = run(args.build, name, args.seconds)
            results.append(result)
            print("  " + json.dumps(result), flush=True)
        result = dict(results[0])
        for key in ("cpu_percent", "fps", "chart_draws_per_s", "longest_frame_ms", "frames_over_50ms"):
            result[key] = statistics.median(r[key] for r in results)
        cpus = sorted(r["cpu_percent"] for r in results)
        spread = f" ({cpus[0]:.2f}–{cpus[-1]:.2f})" if len(cpus) > 1 else ""
        load = result.get("load", {})
        extra = (f"{load.get('updates_per_s', 0):,.0f} updates/s to {load.get('opened', 0)} clients, "
                 f"p99 {load.get('latency_ms', {}).get('p99', 0)} ms") if load else ""
        print(f"{name:<18} {result['cpu_percent']:>6.2f} {result['fps']:>6.1f} "
              f"{result['chart_draws_per_s']:>8.1f} {result['longest_frame_ms']:>11.1f} "
              f"{result['frames_over_50ms']:>6} {result['messages_per_s']:>9,.0f} {result['log_items']:>6} "
              f"{result['chart_points']:>9} {result['peak_rss_mb']:>7.1f}  {extra}{spread}", flush=True)
    print(f"# load average at end: {load_average()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
