#!/usr/bin/env python3
"""Price-push servers side by side: StockPush, a Python `websockets` server and a Node `ws`
server (tests/bench/peers/), the same workload and message shape, measured by sp-load.

    tests/bench/run-bench.py [--build _build] [--scenario NAME]… [--repeat 3] [--duration 10]
                             [--out DIR] [--smoke]

Scenarios (offered load in tick updates a second):
  fanout-1k     1,000 clients, one symbol, 200 ticks/s            (200,000/s)
  fanout-5k     5,000 clients, one symbol, 40 ticks/s, connecting while ticks flow (200,000/s)
  multi-symbol  1,000 clients, 20 symbols each ticking 10 times/s  (200,000/s)
  idle-10k      10,000 clients, one tick a second: server memory per client

For each server: tick updates delivered a second (and % of offered), frames a second,
latency from a tick's "ts" to its arrival (p50, p99, p99.9), clients lost, the time to
connect every client, server CPU seconds (utime+stime from /proc) and peak RSS (VmHWM);
medians over the repetitions. Tables go to stdout, CSV and markdown to --out. The Node peer
needs `npm ci` in tests/bench/peers (it is skipped, saying so, without it).

--smoke runs a few seconds with small numbers, StockPush and Python only, and prints TAP:
it checks that the harness produces its figures, not that they meet any target.
Loopback only; every server is stopped at the end of its run."""
import argparse
import csv
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

SCENARIOS = {
    "fanout-1k": dict(clients=1000, symbols=1, rate=200),
    "fanout-5k": dict(clients=5000, symbols=1, rate=40),
    "multi-symbol": dict(clients=1000, symbols=20, rate=10),
    "idle-10k": dict(clients=10000, symbols=1, rate=1),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stats(pid):
    """CPU seconds (user + system) and peak RSS in KiB of a running process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return cpu, hwm, rss


def server_command(name, build, port, symbols, rate):
    names = [f"SYM{i}" for i in range(symbols)]
    if name == "stockpush":
        interval_ms = max(1, round(1000 / rate))
        return [os.path.join(build, "app", "stockpush"), "--headless", "--port", str(port),
                "--interval-ms", str(interval_ms), "--symbols", ",".join(names),
                "--max-clients", "100000", "--ping-interval", "0"]
    if name == "python":
        return [PYTHON, os.path.join(HERE, "peers", "python_server.py"), "--port", str(port),
                "--symbols", str(symbols), "--rate", str(rate)]
    if name == "node":
        return ["node", os.path.join(HERE, "peers", "node_server.js"), "--port", str(port),
                "--symbols", str(symbols), "--rate", str(rate)]
    raise ValueError(name)


def node_available():
    return shutil.which("node") is not None and \
        os.path.isdir(os.path.join(HERE, "peers", "node_modules", "ws"))


def wait_listening(port, proc, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not listen in time")


def run_once(name, build, scenario, duration):
    spec = SCENARIOS[scenario]
    port = free_port()
    server = subprocess.Popen(server_command(name, build, port, spec["symbols"], spec["rate"]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        wait_listening(port, server)
        time.sleep(0.3)
        cpu0, _, rss0 = proc_stats(server.pid)
        load = subprocess.run(
            [os.path.join(build, "tests", "bench", "sp-load"), "--port", str(port),
             "--clients", str(spec["clients"]), "--duration", str(duration), "--warmup", "1",
             "--connect-rate", "20000"],
            capture_output=True, text=True, timeout=duration + 180)
        cpu1, hwm, rss1 = proc_stats(server.pid)
        lines = [line for line in load.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise RuntimeError(f"sp-load: {load.stderr.strip()[-300:]}")
        result = json.loads(lines[-1])
        offered = spec["clients"] * spec["symbols"] * spec["rate"]
        result.update(server_cpu_s=cpu1 - cpu0, server_peak_rss_mb=hwm / 1024,
                      rss_per_client_kib=(rss1 - rss0) / spec["clients"],
                      offered_per_s=offered,
                      delivered_pct=100.0 * result["updates_per_s"] / offered)
        return result
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def median_of(results, key, sub=None):
    values = [r[key][sub] if sub else r[key] for r in results]
    return statistics.median(values)


def summarize(results):
    return {
        "updates_per_s": median_of(results, "updates_per_s"),
        "delivered_pct": median_of(results, "delivered_pct"),
        "frames_per_s": median_of(results, "frames_per_s"),
        "p50_ms": median_of(results, "latency_ms", "p50"),
        "p99_ms": median_of(results, "latency_ms", "p99"),
        "p999_ms": median_of(results, "latency_ms", "p999"),
        "lost": median_of(results, "lost"),
        "connect_s": median_of(results, "connect_seconds"),
        "cpu_s": median_of(results, "server_cpu_s"),
        "peak_rss_mb": median_of(results, "server_peak_rss_mb"),
        "rss_per_client_kib": median_of(results, "rss_per_client_kib"),
    }


COLUMNS = [("updates_per_s", "updates/s", "{:,.0f}"), ("delivered_pct", "% offered", "{:.1f}"),
           ("frames_per_s", "frames/s", "{:,.0f}"), ("p50_ms", "p50 ms", "{:.2f}"),
           ("p99_ms", "p99 ms", "{:.2f}"), ("p999_ms", "p99.9 ms", "{:.2f}"),
           ("lost", "lost", "{:.0f}"), ("connect_s", "connect s", "{:.2f}"),
           ("cpu_s", "CPU s", "{:.2f}"), ("peak_rss_mb", "peak RSS MB", "{:.1f}"),
           ("rss_per_client_kib", "KiB/client", "{:.1f}")]


def table(scenario, rows):
    base = rows.get("stockpush")
    header = "| server | " + " | ".join(title for _, title, _ in COLUMNS) + " | StockPush ÷ this (updates/s) |"
    lines = [f"### {scenario}", "", header, "|" + "---|" * (len(COLUMNS) + 2)]
    for name, summary in rows.items():
        ratio = (base["updates_per_s"] / summary["updates_per_s"]
                 if base and summary["updates_per_s"] > 0 else float("nan"))
        cells = [fmt.format(summary[key]) for key, _, fmt in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    return "\n".join(lines) + "\n"


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = re.search(r"model name\s*:\s*(.*)", f.read()).group(1)
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {os.uname().sysname} {os.uname().release}"


def smoke(build):
    """TAP: the harness produces figures for StockPush and the Python peer."""
    checks = []
    SCENARIOS["smoke"] = dict(clients=20, symbols=2, rate=20)
    for name in ["stockpush", "python"]:
        try:
            result = run_once(name, build, "smoke", 1)
            ok = (result["opened"] == 20 and result["updates_per_s"] > 0 and
                  result["latency_ms"]["p99"] > 0 and result["server_peak_rss_mb"] > 0)
            checks.append((ok, f"{name}: {result['updates_per_s']:.0f} updates/s, "
                               f"p99 {result['latency_ms']['p99']} ms, "
                               f"{result['server_peak_rss_mb']:.1f} MB peak RSS"))
        except Exception as e:  # noqa: BLE001 - reported as a failed check
            checks.append((False, f"{name}: {e}"))
    print(f"1..{len(checks)}")
    for i, (ok, text) in enumerate(checks, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {text}")
    return 0 if all(ok for ok, _ in checks) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(TOP, "_build"))
    parser.add_argument("--scenario", choices=list(SCENARIOS), action="append")
    parser.add_argument("--server", choices=["stockpush", "python", "node"], action="append")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--out", default=os.path.join(TOP, "_build", "bench"))
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    build = os.path.abspath(args.build)

    if args.smoke:
        return smoke(build)

    servers = args.server or ["stockpush", "python", "node"]
    if "node" in servers and not node_available():
        print("# node skipped: run `npm ci` in tests/bench/peers (needs node and npm)", flush=True)
        servers = [s for s in servers if s != "node"]

    os.makedirs(args.out, exist_ok=True)
    report = [f"Machine: {machine()}. Load client: sp-load on the same machine. "
              f"Medians of {args.repeat} runs of {args.duration:.0f} s.\n"]
    rows_csv = []
    for scenario in args.scenario or list(SCENARIOS):
        rows = {}
        for name in servers:
            results = []
            for _ in range(args.repeat):
                try:
                    results.append(run_once(name, build, scenario, args.duration))
                except Exception as e:  # noqa: BLE001 - a server that fails is reported
                    print(f"# {scenario} {name}: {e}", flush=True)
            if results:
                rows[name] = summarize(results)
                rows_csv.append({"scenario": scenario, "server": name, **rows[name]})
        text = table(scenario, rows)
        print(text, flush=True)
        report.append(text)

    with open(os.path.join(args.out, "bench.md"), "w") as f:
        f.write("\n".join(report))
    if rows_csv:
        with open(os.path.join(args.out, "bench.csv"), "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows_csv[0]))
            writer.writeheader()
            writer.writerows(rows_csv)
    print(f"# written to {args.out}/bench.md and bench.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
