#!/usr/bin/env python3
"""StockPush's benchmark suite: the same workload against StockPush and its peers
(Python websockets, Node ws, Bun, uWebSockets.js, libwebsockets, Go gorilla/websocket),
measured side by side in one run, with sp-trivial-server's raw blast as the baseline.

    tests/bench/run-bench.py [--build _build] [--scenario NAME]… [--server NAME]…
                             [--repeat 3] [--duration 8] [--warmup 2] [--out DIR]
    tests/bench/run-bench.py --smoke      # seconds; TAP; what `meson test` runs

The workload, the same for every server: every symbol ticks R times a second, all
on the same grid (as StockPush's market ticks: --interval-ms 1000/R); at each step
every client gets one text frame, the tick alone with one symbol, else a batch
{"type":"ticks","ts":…,"ticks":[…]} of every symbol's tick (what StockPush sends a
client subscribed to them all). No compression, no pings.

Scenarios (clients, ticks offered):
  fanout-1k     1,000 clients, one symbol, 1,000 ticks/s: 1,000,000 tick updates/s offered
  fanout-5k     5,000 clients, one symbol, 100 ticks/s: 500,000/s, the clients connecting
                while the ticks already flow
  fanout-10k    10,000 clients, one symbol, 20 ticks/s: 200,000/s
  multi-symbol  1,000 clients subscribed to 20 symbols each ticking 10 times/s: 200,000/s
                in 10,000 frames/s of 20 ticks each (about 2.7 KB)
  idle-10k      10,000 clients, one tick a second: the server's RSS per client
  loadcheck     the fanout-1k load from sp-trivial-server alone
  chart         sp-bench-chart (SpChart off-screen at 1600x400, 1 k to 1 M points), if built
  cluster       one market on several machines (needs redis-server): a publisher at 50
                ticks/s of 5 symbols, a redis-server broker, 1, 2 and 3 edges with --cluster-
                clients spread over them (one sp-load per edge): deliveries/s in all and per
                edge, end-to-end latency from the publisher's `ts`, each edge's CPU µs per
                delivery, the broker's CPU and bytes a second, and the time until every edge
                is in sync again (/healthz 200) after the broker is restarted empty

Every scenario also runs sp-trivial-server ("raw blast": one write() of the frames due
to each client, no logic, no queue): its column is the scenario's loadcheck, showing
whether sp-load keeps up with that load (with sp-load's own CPU in every column), and
the baseline of the "CPU per frame vs raw blast" row.

Each run starts a fresh server, then `sp-load` (tests/bench/sp-load.c) connects the
clients (reading while it connects; at most --connect-rate new ones a second and
--max-pending handshakes at once; whoever is in after --connect-timeout is measured),
waits --warmup seconds and measures for --duration seconds: frames/s, tick updates/s
delivered (and the share of those offered), latency from each tick's `ts` to its
arrival, clients lost, time to connect them all, ticks out of order, duplicated or
skipped, and the server's CPU seconds (utime + stime) and memory (VmRSS, VmHWM) from
/proc. Figures are medians over --repeat runs; the runs of the servers alternate so
that a noisy moment does not hit one server only. Ratios are "that server / the best
peer in that row" (StockPush and the raw blast are not peers). StockPush runs with
its defaults except --ping-interval 0 (the peers send no pings); it ticks from its
start, so its clients always connect while ticks flow. The peers start ticking once
every client is in, except in fanout-5k. The machine should be otherwise idle: the
suite checks /proc/stat between scenarios and warns (also in bench.md) when something
else is using the CPU.

Output: a table per scenario on stdout, and in --out (default BUILD/tests/bench/results,
or /tmp/stockpush-bench without a build directory): bench.md, bench.csv (medians) and
runs.csv (every run). The JavaScript peers need `npm ci` in tests/bench/peers (pinned
ws, bun, uws-pack); libwebsockets and Go peers are built by meson when their packages
are installed. A peer that is missing is skipped with the reason.

Loopback only. Every process runs in its own process group and is stopped at the end,
also on errors, Ctrl+C and SIGTERM."""
import argparse
import csv
import datetime
import json
import os
import platform
import re
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PEERS = os.path.join(HERE, "peers")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

# name: clients, symbols, ticks per second per symbol, description; gate: the peers
# start ticking once every client is connected (StockPush has no such switch: it
# ticks from the start, and its clients always connect while ticks flow).
SCENARIOS = {
    "fanout-1k": dict(clients=1000, symbols=1, rate=1000, gate=True,
                      text="1,000 clients, 1 symbol x 1,000 ticks/s"),
    "fanout-5k": dict(clients=5000, symbols=1, rate=100,
                      text="5,000 clients connecting while 1 symbol ticks 100 times/s"),
    "fanout-10k": dict(clients=10000, symbols=1, rate=20, gate=True,
                       text="10,000 clients, 1 symbol x 20 ticks/s"),
    "multi-symbol": dict(clients=1000, symbols=20, rate=10, gate=True,
                         text="1,000 clients, each subscribed to 20 symbols x 10 ticks/s "
                              "(one frame of 20 ticks per step)"),
    "idle-10k": dict(clients=10000, symbols=1, rate=1,
                     text="10,000 clients, 1 tick/s"),
    "loadcheck": dict(clients=1000, symbols=1, rate=1000, servers=["trivial"], gate=True,
                      text="sp-load against sp-trivial-server, fanout-1k's load"),
}
# The same shapes, small enough for a CI run of a few seconds.
SMOKE = {
    "fanout-1k": dict(clients=50, symbols=1, rate=100),
    "fanout-5k": dict(clients=200, symbols=1, rate=40),
    "fanout-10k": dict(clients=300, symbols=1, rate=20),
    "multi-symbol": dict(clients=20, symbols=20, rate=10),
    "idle-10k": dict(clients=300, symbols=1, rate=4),
    "loadcheck": dict(clients=50, symbols=1, rate=100),
}
# The scenarios in which the smoke run runs every peer installed (a single tick per
# frame and a batch); the others run StockPush and Python only.
SMOKE_ALL_PEERS = ("fanout-1k", "multi-symbol")
ORDER = ["fanout-1k", "fanout-5k", "fanout-10k", "multi-symbol", "idle-10k", "loadcheck",
         "chart", "cluster"]
# "trivial" (the raw blast) runs in every scenario unless --server names the servers.
PEER_NAMES = ["python", "node", "bun", "uws", "lws", "go"]
SERVERS = ["stockpush"] + PEER_NAMES + ["trivial"]
LABELS = {"stockpush": "StockPush", "python": "Python websockets", "node": "Node ws",
          "bun": "Bun", "uws": "uWebSockets.js", "lws": "libwebsockets",
          "go": "Go gorilla", "trivial": "raw blast"}

LIVE = set()  # process groups still running


class Stop(Exception):
    pass


def on_signal(signum, frame):
    raise Stop(f"signal {signum}")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def kill_group(proc, grace=3.0):
    """SIGTERM to the process group, then SIGKILL; always reaps."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers of the group too
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass
    LIVE.discard(proc)


def spawn(argv, **kwargs):
    proc = subprocess.Popen(argv, start_new_session=True, stdin=subprocess.DEVNULL, **kwargs)
    LIVE.add(proc)
    return proc


def raise_fd_limit():
    """10,000 clients need 10,000 descriptors in the server and in sp-load too."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, ValueError, OSError):
        return None


# --- servers -------------------------------------------------------------------

def npm_version(package):
    try:
        with open(os.path.join(PEERS, "node_modules", package, "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return None


def bun_binary():
    """npm's `bun` puts the binary in bin/bun.exe in its postinstall (install.js);
    without it (--ignore-scripts) the platform package still has it."""
    for exe in (os.path.join(PEERS, "node_modules", "bun", "bin", "bun.exe"),
                os.path.join(PEERS, "node_modules", "@oven", "bun-linux-x64", "bin", "bun"),
                os.path.join(PEERS, "node_modules", "@oven", "bun-linux-x64-baseline", "bin",
                             "bun")):
        if os.access(exe, os.X_OK) and os.path.getsize(exe) > 1 << 20:
            return exe
    return None


def peer_status(name, paths):
    """(the command that starts the peer, None) or (None, why it is skipped)."""
    npm_ci = f"run `npm ci` in {os.path.relpath(PEERS)}"
    if name == "python":
        return [PYTHON, os.path.join(PEERS, "python_server.py")], None
    if name in ("node", "uws"):
        node = shutil.which("node")
        if node is None:
            return None, "node is not installed"
        package = "ws" if name == "node" else "uws-pack"
        if npm_version(package) is None:
            return None, f"no node_modules/{package}: {npm_ci}"
        script = "node_server.js" if name == "node" else "uws_server.mjs"
        if name == "uws":
            # The package holds one binary per Node ABI: does this Node load one?
            probe = subprocess.run([node, "--input-type=module", "-e", "import 'uws-pack'"],
                                   cwd=PEERS, capture_output=True, text=True, timeout=30)
            if probe.returncode != 0:
                last = (probe.stderr.strip().splitlines() or ["?"])[-1]
                return None, f"uws-pack does not load on Node {command_output([node, '--version'])}: {last}"
        return [node, os.path.join(PEERS, script)], None
    if name == "bun":
        exe = bun_binary()
        if exe is None:
            return None, f"no Bun binary in node_modules: {npm_ci}"
        if subprocess.run([exe, "--version"], capture_output=True, timeout=30).returncode != 0:
            return None, f"{os.path.relpath(exe)} --version fails (a CPU it does not support?)"
        return [exe, os.path.join(PEERS, "bun_server.js")], None
    if name in ("lws", "go"):
        exe = paths[name]
        if not os.access(exe, os.X_OK):
            needs = "libwebsockets-dev" if name == "lws" else \
                "golang-go and golang-github-gorilla-websocket-dev"
            return None, f"{exe} is not built (meson builds it when {needs} is installed)"
        return [exe], None
    if name == "trivial":
        if not os.access(paths["trivial"], os.X_OK):
            return None, f"{paths['trivial']} is not built"
        return [paths["trivial"]], None
    raise ValueError(name)


def server_argv(name, paths, shape):
    symbols = [f"SYM{i}" for i in range(shape["symbols"])]
    n, rate = str(shape["symbols"]), str(shape["rate"])
    gate = ["--wait-clients", str(shape["clients"])] if shape.get("gate") else []
    if name == "stockpush":
        interval = 1000 / shape["rate"]
        if interval != int(interval):
            raise ValueError(f"StockPush ticks every whole ms: {shape['rate']}/s is not one")
        # No keepalive pings: the peers send none either.
        return [paths["stockpush"], "--headless", "--port", "0", "--seed", "1",
                "--ping-interval", "0",
                "--interval-ms", str(int(interval)), "--symbols", ",".join(symbols)]
    # Every peer and the raw blast: the same flags.
    return paths["argv"][name] + ["--port", "0", "--symbols", n, "--rate", rate] + gate


class Server:
    def __init__(self, argv):
        self.argv = argv
        self.stderr = tempfile.TemporaryFile()
        self.proc = spawn(argv, stdout=subprocess.PIPE, stderr=self.stderr)
        self.port = None
        deadline = time.monotonic() + 15
        fd = self.proc.stdout.fileno()
        text = ""
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while self.port is None and time.monotonic() < deadline:
                if not sel.select(max(0.0, deadline - time.monotonic())):
                    continue
                chunk = os.read(fd, 65536)  # unbuffered: select() sees what is left
                if not chunk:
                    break
                text += chunk.decode(errors="replace")
                m = re.search(r"ws://[^\s/]+:(\d+)", text)
                if m:
                    self.port = int(m.group(1))
        if self.port is None:
            self.stop()
            raise RuntimeError(f"{os.path.basename(argv[0])} printed no ws:// URL: "
                               f"{text!r} {self.stderr_tail()!r}")
        # Keep reading stdout so that the server never blocks on it.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        try:
            while os.read(self.proc.stdout.fileno(), 65536):
                pass
        except (OSError, ValueError):
            pass

    def stderr_tail(self, n=400):
        try:
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - n))
            return self.stderr.read().decode(errors="replace")
        except (OSError, ValueError):
            return ""

    def stop(self):
        kill_group(self.proc)
        self.stderr.close()


def run_load(paths, server, shape, args):
    timeout = args.connect_timeout + args.warmup + args.duration + 60
    argv = [paths["sp-load"], "--port", str(server.port), "--clients", str(shape["clients"]),
            "--duration", str(args.duration), "--warmup", str(args.warmup),
            "--connect-rate", str(args.connect_rate), "--max-pending", str(args.max_pending),
            "--connect-timeout", str(args.connect_timeout), "--server-pid", str(server.proc.pid)]
    load = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = load.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"sp-load did not finish within {timeout:.0f} s")
    finally:
        kill_group(load)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if load.returncode != 0 or not lines:
        raise RuntimeError(f"sp-load failed (status {load.returncode}): {err.strip()[-300:]}")
    return json.loads(lines[-1])


def one_run(name, paths, shape, args):
    """One server, one sp-load run: the figures of that run (dict)."""
    server = Server(server_argv(name, paths, shape))
    try:
        r = run_load(paths, server, shape, args)
        alive = server.proc.poll() is None
    finally:
        server.stop()
    offered = shape["clients"] * shape["symbols"] * shape["rate"]
    seconds = r["seconds"] or float("nan")
    connected = r["connected"]
    row = {
        "clients": shape["clients"],
        "connected": connected,
        "offered_per_s": offered,
        "updates_per_s": r["updates_per_s"],
        "delivered_pct": 100.0 * r["updates_per_s"] / offered if offered else None,
        "frames_per_s": r["frames_per_s"],
        "p50_ms": r["latency_ms"]["p50"] if r["updates"] else None,
        "p99_ms": r["latency_ms"]["p99"] if r["updates"] else None,
        "p999_ms": r["latency_ms"]["p999"] if r["updates"] else None,
        "lost": r["lost"] + r["failed"],
        "not_connected": r["not_connected"],
        "connect_s": r["connect_s"],
        "out_of_order": r["out_of_order"],
        "duplicates": r["duplicates"],
        "gaps": r["gaps"],
        "oldest_latest_ms": r.get("oldest_latest_ms"),
        "ticks_checked": r["ticks_checked"],
        "seconds": r["seconds"],
        "server_cpu_s": r["server_cpu_s"],
        "server_cpu_total_s": r["server_cpu_total_s"],
        "rss_before_kib": r["server_rss_before_kib"],
        "rss_kib": r["server_rss_kib"],
        "peak_rss_kib": r["server_hwm_kib"],
        "rss_per_client_kib": None,
        "client_cpu_pct": 100.0 * r["client_cpu_s"] / seconds if r["seconds"] else None,
        "server_survived": alive,
    }
    if connected and r["server_rss_kib"] is not None and r["server_rss_before_kib"] is not None:
        row["rss_per_client_kib"] = (r["server_rss_kib"] - r["server_rss_before_kib"]) / connected
    # The server's CPU per tick update and per frame delivered (each frame about one
    # send: sendmsg/write or a share of a writev) during the measurement.
    if r["server_cpu_s"] is not None and r["seconds"]:
        if r["updates_per_s"]:
            row["cpu_us_per_update"] = 1e6 * r["server_cpu_s"] / (r["updates_per_s"] * r["seconds"])
        if r["frames_per_s"]:
            row["cpu_us_per_frame"] = 1e6 * r["server_cpu_s"] / (r["frames_per_s"] * r["seconds"])
    return row


# --- chart -----------------------------------------------------------------------

def run_chart(paths, smoke):
    exe = paths["chart"]
    if not os.path.exists(exe):
        return None, f"{exe} is not built: chart skipped"
    env = dict(os.environ, GSETTINGS_BACKEND="memory")
    proc = spawn([exe] + (["5"] if smoke else []), stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE, text=True, env=env)
    try:
        out, err = proc.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        return None, "sp-bench-chart did not finish within 600 s"
    finally:
        kill_group(proc)
    rows = []
    for line in out.splitlines():
        m = re.search(r"points=(\d+)\s+median_ms=([\d.]+)", line)
        if m:
            mode = re.search(r"mode=(\S+)", line)
            rows.append({"points": int(m.group(1)), "median_ms": float(m.group(2)),
                         "mode": mode.group(1) if mode else ""})
    if not rows:
        return None, f"sp-bench-chart printed no points=N median_ms=X lines: {err.strip()[-200:]}"
    return rows, None


# --- cluster ---------------------------------------------------------------------------

CLUSTER_RATE = 50      # ticks a second of the publisher
CLUSTER_SYMBOLS = 5    # each tick: one batch of every symbol to every client


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_info(port):
    """INFO stats of the broker: {name: value}."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"*2\r\n$4\r\nINFO\r\n$5\r\nstats\r\n")
        data = b""
        while b"\r\n" not in data:
            data += sock.recv(65536)
        size = int(data[1:data.index(b"\r\n")])
        body = data[data.index(b"\r\n") + 2:]
        while len(body) < size:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return dict(line.split(":", 1) for line in body.decode(errors="replace").splitlines()
                if ":" in line and not line.startswith("#"))


def proc_cpu_s(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def healthz_ok(port):
    import urllib.request
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def cluster_run(paths, n_edges, clients, args):
    """One cluster of @n_edges edges with @clients spread over them: its figures."""
    port = free_port()
    redis_argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                  "--appendonly", "no"]
    redis = spawn(redis_argv, stdout=subprocess.DEVNULL)
    servers = []
    try:
        if not wait_until(lambda: command_ok(port), 5):
            raise RuntimeError("redis-server did not start")
        broker = f"redis://127.0.0.1:{port}"
        servers.append(Server([paths["stockpush"], "--headless", "--port", "0", "--ping-interval",
                               "0", "--broker", broker, "--role", "publisher", "--interval-ms",
                               str(1000 // CLUSTER_RATE)]))
        edges = [Server([paths["stockpush"], "--headless", "--port", "0", "--ping-interval", "0",
                         "--broker", broker, "--role", "edge"]) for _ in range(n_edges)]
        servers += edges
        if not wait_until(lambda: all(healthz_ok(e.port) for e in edges), 10):
            raise RuntimeError("the edges did not get in sync")
        share = [clients // n_edges + (1 if i < clients % n_edges else 0) for i in range(n_edges)]
        info0, cpu0 = None, None
        loads = []
        for edge, n in zip(edges, share):
            argv = [paths["sp-load"], "--port", str(edge.port), "--clients", str(n),
                    "--duration", str(args.duration), "--warmup", str(args.warmup),
                    "--connect-rate", str(args.connect_rate), "--max-pending",
                    str(args.max_pending), "--connect-timeout", str(args.connect_timeout),
                    "--server-pid", str(edge.proc.pid)]
            loads.append(spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        # The broker's share, over about the measured window (sp-loads connect, warm up, then
        # measure; the broker's load does not depend on them).
        time.sleep(args.warmup + 0.5)
        info0, cpu0, t0 = redis_info(port), proc_cpu_s(redis.pid), time.monotonic()
        results = []
        for load in loads:
            out, err = load.communicate(timeout=args.connect_timeout + args.warmup +
                                        args.duration + 60)
            lines = [line for line in out.splitlines() if line.startswith("{")]
            if load.returncode != 0 or not lines:
                raise RuntimeError(f"sp-load failed: {err.strip()[-300:]}")
            results.append(json.loads(lines[-1]))
        info1, cpu1, t1 = redis_info(port), proc_cpu_s(redis.pid), time.monotonic()
        # Broker restarted empty, clients connected: until every edge is in sync again.
        kill_group(redis)
        wait_until(lambda: not any(healthz_ok(e.port) for e in edges), 10)
        redis = spawn(redis_argv, stdout=subprocess.DEVNULL)
        restarted = time.monotonic()
        resync_s = time.monotonic() - restarted \
            if wait_until(lambda: all(healthz_ok(e.port) for e in edges), 30) else None
        # (An edge left out of sync may only be telling of a publisher that died.)
        exited = [("publisher" if i == 0 else f"edge {i}") + ": " + server.stderr_tail(300)
                  for i, server in enumerate(servers) if server.proc.poll() is not None]
    finally:
        for server in servers:
            server.stop()
        kill_group(redis)

    seconds = t1 - t0
    per_edge = [r["updates_per_s"] for r in results]
    cpu_us = [1e6 * r["server_cpu_s"] / (r["updates_per_s"] * r["seconds"])
              if r["server_cpu_s"] is not None and r["updates_per_s"] else None for r in results]
    p99s = [r["latency_ms"]["p99"] for r in results if r["updates"]]
    out_bytes = int(info1.get("total_net_output_bytes", 0)) - int(info0.get("total_net_output_bytes", 0))
    in_bytes = int(info1.get("total_net_input_bytes", 0)) - int(info0.get("total_net_input_bytes", 0))
    return {
        "edges": n_edges,
        "clients": clients,
        "connected": sum(r["connected"] for r in results),
        "offered_per_s": clients * CLUSTER_SYMBOLS * CLUSTER_RATE,
        "updates_per_s": sum(per_edge),
        "per_edge": per_edge,
        "p99_ms": max(p99s) if p99s else None,
        "p50_ms": statistics.median(r["latency_ms"]["p50"] for r in results if r["updates"])
        if p99s else None,
        "edge_cpu_us_per_delivery": cpu_us,
        "broker_cpu_pct": 100.0 * (cpu1 - cpu0) / seconds if cpu0 is not None and cpu1 is not None else None,
        "broker_out_bytes_per_s": out_bytes / seconds,
        "broker_in_bytes_per_s": in_bytes / seconds,
        "order_errors": sum(r["out_of_order"] + r["duplicates"] for r in results),
        "gaps": sum(r["gaps"] for r in results),
        "lost": sum(r["lost"] + r["failed"] for r in results),
        "resync_s": resync_s,
        "exited": exited,
    }


def command_ok(port):
    import socket
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def cluster_table(rows, markdown=False):
    def cell(value, spec):
        return "—" if value is None else spec.format(value)

    head = ["edges", "clients", "deliveries/s", "per edge", "p50 / p99 ms",
            "edge CPU µs/delivery", "broker CPU", "broker out / in", "order, gaps, lost",
            "resync after broker restart"]
    lines = []
    for r in rows:
        lines.append([
            str(r["edges"]), f"{r['connected']:,}/{r['clients']:,}",
            f"{r['updates_per_s']:,.0f} ({100 * r['updates_per_s'] / r['offered_per_s']:.0f} %)",
            " / ".join(f"{v:,.0f}" for v in r["per_edge"]),
            f"{cell(r['p50_ms'], '{:.1f}')} / {cell(r['p99_ms'], '{:.1f}')}",
            " / ".join(cell(v, "{:.2f}") for v in r["edge_cpu_us_per_delivery"]),
            cell(r["broker_cpu_pct"], "{:.1f} %"),
            f"{r['broker_out_bytes_per_s'] / 1e3:,.0f} / {r['broker_in_bytes_per_s'] / 1e3:,.0f} kB/s",
            f"{r['order_errors']}, {r['gaps']}, {r['lost']}",
            cell(r["resync_s"], "{:.2f} s"),
        ])
    title = (f"cluster: a publisher ({CLUSTER_SYMBOLS} symbols x {CLUSTER_RATE} ticks/s), "
             f"redis-server, 1-3 edges, clients spread over them")
    if markdown:
        out = [f"**{title}**", "", "| " + " | ".join(head) + " |",
               "|" + "|".join("---:" for _ in head) + "|"]
        out += ["| " + " | ".join(line) + " |" for line in lines]
    else:
        out = [title] + ["; ".join(f"{h}: {c}" for h, c in zip(head, line)) for line in lines]
    return "\n".join(out) + "\n"


def run_cluster(paths, args):
    if shutil.which("redis-server") is None:
        return None, "redis-server is not installed: cluster skipped"
    clients = args.cluster_clients if not args.smoke else 30
    rows = []
    for n in (1, 2, 3):
        log(f"cluster: {n} edge(s), {clients} clients ...")
        try:
            rows.append(cluster_run(paths, n, clients, args))
        except RuntimeError as e:
            return None, f"cluster with {n} edge(s) failed: {e}"
        r = rows[-1]
        log(f"  {r['updates_per_s']:,.0f} deliveries/s, p99 {r['p99_ms']} ms, edge CPU "
            f"{r['edge_cpu_us_per_delivery']} µs/delivery, broker {r['broker_cpu_pct']} %, "
            f"resync {r['resync_s']} s")
    return rows, None


# --- figures -------------------------------------------------------------------------

METRICS = [
    # key, label, format, ratio shown
    ("updates_per_s", "tick updates/s delivered", "{:,.0f}", True),
    ("delivered_pct", "  % of offered", "{:.1f} %", False),
    ("frames_per_s", "frames/s", "{:,.0f}", True),
    ("p50_ms", "latency p50 ms", "{:.2f}", True),
    ("p99_ms", "latency p99 ms", "{:.2f}", True),
    ("p999_ms", "latency p99.9 ms", "{:.2f}", True),
    ("lost", "clients lost", "{:.0f}", False),
    ("connect_s", "connect all clients s", "{:.2f}", True),
    ("order_errors", "ticks out of order/dup", "{:.0f}", False),
    ("gaps", "ticks skipped (seq gaps)", "{:,.0f}", False),
    ("oldest_latest_ms", "latest tick age at end ms", "{:,.0f}", True),
    ("server_cpu_s", "server CPU s", "{:.2f}", True),
    ("cpu_us_per_update", "CPU µs per update", "{:.3f}", True),
    ("cpu_us_per_frame", "CPU µs per frame", "{:.3f}", True),
    ("cpu_vs_blast", "  CPU per frame vs raw blast", "{:.2f}x", False),
    ("peak_rss_mib", "server peak RSS MiB", "{:.1f}", True),
    ("rss_per_client_kib", "RSS per client KiB", "{:.1f}", True),
    ("client_cpu_pct", "sp-load CPU % of a core", "{:.0f} %", False),
]


def median_row(runs):
    out = {}
    keys = set().union(*runs)
    for key in keys:
        values = [r.get(key) for r in runs]
        if key == "connect_s":
            # Not all connected within the timeout counts as infinitely slow.
            values = [float("inf") if v is None else v for v in values]
        values = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        out[key] = statistics.median(values) if values else None
    out["order_errors"] = statistics.median(
        [r["out_of_order"] + r["duplicates"] for r in runs]) if runs else None
    out["peak_rss_mib"] = out["peak_rss_kib"] / 1024 if out.get("peak_rss_kib") is not None else None
    out.setdefault("cpu_us_per_update", None)
    out.setdefault("cpu_us_per_frame", None)
    out["survived"] = all(r.get("server_survived") for r in runs)
    out["repeats"] = len(runs)
    return out


def fmt(key, value, spec, row=None, timeout=None):
    if value is None:
        return "-"
    if key == "connect_s" and value == float("inf"):
        limit = f"{timeout:g} s" if timeout else "timeout"
        return f"> {limit} ({row['connected']:.0f} in)" if row else f"> {limit}"
    return spec.format(value)


def ratio(value, base):
    if value is None or base in (None, 0) or value == float("inf") or base == float("inf"):
        return ""
    return f" ({value / base:.2f}x)"


# Rows where more is better; in the others (latency, CPU, memory, time) less is.
HIGHER_IS_BETTER = {"updates_per_s", "frames_per_s"}


def best_peer(key, medians):
    values = [medians[s].get(key) for s in PEER_NAMES if s in medians]
    values = [v for v in values if v is not None and v != float("inf")]
    if not values:
        return None
    return max(values) if key in HIGHER_IS_BETTER else min(values)


def table(scenario, shape, medians, servers, args, markdown=False):
    cols = [s for s in servers if s in medians]
    head = f"{scenario}: {shape['text']} = {shape['clients'] * shape['symbols'] * shape['rate']:,} " \
           f"tick updates/s offered; median of {args.repeat} x {args.duration:g} s"
    blast = medians.get("trivial", {}).get("cpu_us_per_frame")
    for s in cols:
        mine = medians[s].get("cpu_us_per_frame")
        medians[s]["cpu_vs_blast"] = mine / blast if mine is not None and blast else None
    rows = []
    gated = shape.get("gate") and any(s != "stockpush" for s in cols)
    for key, label, spec, show_ratio in METRICS:
        if key == "rss_per_client_kib" and scenario != "idle-10k":
            continue
        if key == "cpu_vs_blast" and not blast:
            continue
        if key == "connect_s" and gated:
            # The peers' clients connected before their ticks started.
            label = label + " *"
        base = best_peer(key, medians) if show_ratio else None
        cells = []
        for s in cols:
            m = medians[s]
            cell = fmt(key, m.get(key), spec, m, getattr(args, "connect_timeout", None))
            if base is not None and s != "trivial":
                cell += ratio(m.get(key), base)
            cells.append(cell)
        rows.append((label.strip() if markdown else label, cells))
    names = [LABELS[s] for s in cols]
    note = "* the peers and the raw blast start ticking once every client is in; StockPush " \
        "ticks throughout" if gated else ""
    if markdown:
        lines = [f"**{head}**", "", "| | " + " | ".join(names) + " |",
                 "|---|" + "---:|" * len(names)]
        lines += ["| " + label + " | " + " | ".join(cells) + " |" for label, cells in rows]
        lines += ["", "\\" + note] if note else []
        return "\n".join(lines) + "\n"
    widths = [max(len(n), *(len(c[i]) for _, c in rows)) for i, n in enumerate(names)]
    lines = [head, f"{'':<28}" + "".join(f"  {n:>{w}}" for n, w in zip(names, widths))]
    lines += [f"{label:<28}" + "".join(f"  {c:>{w}}" for c, w in zip(cells, widths))
              for label, cells in rows]
    lines += [note] if note else []
    return "\n".join(lines) + "\n"


def chart_table(rows, markdown=False):
    base = {r["mode"]: r["median_ms"] for r in rows if r["points"] == min(x["points"] for x in rows)}
    out = []
    if markdown:
        out += ["**chart: SpChart off-screen at 1600x400 (sp-bench-chart)**", "",
                "| points | mode | median ms per frame | vs fewest points |", "|---:|---|---:|---:|"]
    else:
        out += ["chart: SpChart off-screen at 1600x400 (sp-bench-chart)",
                f"{'points':>10}  {'mode':<8}  {'median ms':>9}  vs fewest points"]
    for r in rows:
        b = base.get(r["mode"])
        rel = f"{r['median_ms'] / b:.2f}x" if b else ""
        if markdown:
            out.append(f"| {r['points']:,} | {r['mode']} | {r['median_ms']:.3f} | {rel} |")
        else:
            out.append(f"{r['points']:>10,}  {r['mode']:<8}  {r['median_ms']:>9.3f}  {rel}")
    return "\n".join(out) + "\n"


def busy_share(seconds=1.0):
    """Share of the machine's CPU time used by others while nothing of ours runs (0..1)."""
    def sample():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle
    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def command_output(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine(paths):
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.*)", f.read())
            model = m.group(1).strip() if m else ""
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            mem = int(re.search(r"MemTotal:\s*(\d+)", f.read()).group(1)) / 1024 / 1024
    except (OSError, AttributeError):
        mem = 0
    versions = [command_output([paths["stockpush"], "--version"]).splitlines()[0:1],
                ["python3-websockets " + command_output(
                    [PYTHON, "-c", "import websockets; print(websockets.__version__)"])]]
    argv = paths.get("argv", {})
    if "node" in argv or "uws" in argv:
        node = (argv.get("node") or argv.get("uws"))[0]
        versions.append([f"Node {command_output([node, '--version'])}"])
    if "node" in argv:
        versions.append([f"ws {npm_version('ws')}"])
    if "uws" in argv:
        versions.append([f"uws-pack {npm_version('uws-pack')} (uWebSockets.js "
                         f"{npm_version('uws-pack').split('.')[0]} binaries)"])
    if "bun" in argv:
        versions.append([f"Bun {command_output([argv['bun'][0], '--version'])}"])
    if "lws" in argv:
        versions.append([f"libwebsockets {command_output(['pkg-config', '--modversion', 'libwebsockets']).rstrip('-')}"])
    if "go" in argv:
        gorilla = command_output(["dpkg-query", "-W", "-f=${Version}",
                                  "golang-github-gorilla-websocket-dev"])
        versions.append([f"{command_output(['go', 'version']).replace('go version ', '')}, "
                         f"gorilla/websocket {gorilla or '?'}"])
    soup = command_output(["pkg-config", "--modversion", "libsoup-3.0"])
    if soup:
        versions.append([f"libsoup {soup}"])
    commit = command_output(["git", "-C", TOP, "rev-parse", "--short", "HEAD"])
    if commit:
        dirty = command_output(["git", "-C", TOP, "status", "--porcelain", "--", "app"])
        versions.append([f"commit {commit}" + (" with uncommitted changes in app/" if dirty else "")])
    return (f"{model or platform.processor()}, {os.cpu_count()} cores, {mem:.0f} GiB, "
            f"Linux {platform.release()}; " + ", ".join(v[0] for v in versions if v and v[0]))


# --- main ----------------------------------------------------------------------------

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[2:]))
    p.add_argument("--build", default=os.path.join(TOP, "_build"), help="meson build directory")
    p.add_argument("--stockpush", help="the stockpush binary (default BUILD/app/stockpush)")
    p.add_argument("--sp-load", help="default BUILD/tests/bench/sp-load")
    p.add_argument("--trivial-server", help="default BUILD/tests/bench/sp-trivial-server")
    p.add_argument("--chart-bench", help="default BUILD/tests/bench/sp-bench-chart")
    p.add_argument("--peers-dir", help="where lws-server and go-server are built "
                                       "(default BUILD/tests/bench)")
    p.add_argument("--scenario", action="append", choices=ORDER, help="repeatable; default all")
    p.add_argument("--server", action="append", choices=SERVERS, help="repeatable; default all")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--duration", type=float, default=8, help="seconds measured per run")
    p.add_argument("--warmup", type=float, default=2, help="seconds after the last connect")
    p.add_argument("--connect-timeout", type=float, default=20,
                   help="measure with the clients connected by then (seconds)")
    p.add_argument("--connect-rate", type=int, default=5000, help="new connections a second")
    p.add_argument("--max-pending", type=int, default=1000, help="handshakes in flight at once")
    p.add_argument("--out", help="directory for bench.md, bench.csv and runs.csv")
    p.add_argument("--cluster-clients", type=int, default=1500,
                   help="clients of the cluster scenario, spread over its edges")
    p.add_argument("--smoke", action="store_true",
                   help="tiny version for CI: StockPush, Python and the other peers that "
                        "are installed and built (no raw blast but in loadcheck), TAP output")
    args = p.parse_args()
    b = args.build
    paths = {
        "stockpush": args.stockpush or os.path.join(b, "app", "stockpush"),
        "sp-load": args.sp_load or os.path.join(b, "tests", "bench", "sp-load"),
        "trivial": args.trivial_server or os.path.join(b, "tests", "bench", "sp-trivial-server"),
        "chart": args.chart_bench or os.path.join(b, "tests", "bench", "sp-bench-chart"),
    }
    peers_dir = args.peers_dir or os.path.join(b, "tests", "bench")
    paths["lws"] = os.path.join(peers_dir, "lws-server")
    paths["go"] = os.path.join(peers_dir, "go-server")
    if args.out is None:
        args.out = os.path.join(b, "tests", "bench", "results") if os.path.isdir(b) \
            else os.path.join(tempfile.gettempdir(), "stockpush-bench")
    if args.smoke:
        args.repeat = 1
        args.duration = min(args.duration, 0.6)
        args.warmup = min(args.warmup, 0.2)
        args.connect_timeout = min(args.connect_timeout, 10)
        args.scenario = args.scenario or [s for s in ORDER if s != "chart"]
        args.server = args.server or [s for s in SERVERS if s != "trivial"]
    args.scenario = args.scenario or ORDER
    args.server = args.server or SERVERS
    if args.repeat < 1 or args.duration <= 0:
        p.error("--repeat and --duration must be positive")
    return args, paths


def main():
    args, paths = parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    say = (lambda text: print("\n".join("# " + line for line in text.splitlines()), flush=True)) \
        if args.smoke else (lambda text: print(text, flush=True))
    tap = []  # (ok, description, diagnostics)

    for key in ("stockpush", "sp-load"):
        if not os.access(paths[key], os.X_OK):
            print(f"{paths[key]} is missing: build first (meson compile -C {args.build})",
                  file=sys.stderr)
            if args.smoke:
                print("1..1\nnot ok 1 - benchmark binaries are built")
            return 1
    fd_limit = raise_fd_limit()
    biggest = max(SCENARIOS[s]["clients"] for s in args.scenario if s in SCENARIOS) \
        if any(s in SCENARIOS for s in args.scenario) else 0
    if not args.smoke and fd_limit is not None and fd_limit < biggest + 100:
        log(f"warning: only {fd_limit} file descriptors per process for {biggest} clients")

    servers = list(args.server)
    paths["argv"] = {}
    for name in dict.fromkeys([s for s in servers if s != "stockpush"] + ["trivial"]):
        argv, why = peer_status(name, paths)
        if argv is None:
            log(f"{LABELS[name]} skipped: {why}")
            say(f"{LABELS[name]} skipped: {why}")
            if name in servers:
                servers.remove(name)
        else:
            paths["argv"][name] = argv

    os.makedirs(args.out, exist_ok=True)
    info = machine(paths)
    started = datetime.datetime.now().astimezone()
    say(f"Machine: {info}")
    quiet_notes = []

    def check_quiet(when):
        busy = busy_share()
        if busy is not None and busy > 0.10:
            note = f"the machine was {busy:.0%} busy with other work {when}: figures are disturbed"
            quiet_notes.append(note)
            log("warning: " + note)
            say("warning: " + note)

    if not args.smoke:
        check_quiet("before the first run")
    all_runs = []  # rows of runs.csv
    medians = {}   # scenario -> server -> median row
    texts, mds = [], []

    try:
        for scenario in args.scenario:
            if scenario == "chart":
                rows, why = run_chart(paths, args.smoke)
                if rows is None:
                    log(why)
                    say(why)
                    continue
                texts.append(chart_table(rows))
                mds.append(chart_table(rows, markdown=True))
                say(texts[-1])
                for r in rows:
                    all_runs.append({"scenario": "chart", "server": "sp-bench-chart", "run": 1,
                                     "points": r["points"], "mode": r["mode"],
                                     "median_ms": r["median_ms"]})
                continue

            if scenario == "cluster":
                if not args.smoke and scenario != args.scenario[0]:
                    check_quiet("before cluster")
                rows, why = run_cluster(paths, args)
                if rows is None:
                    log(why)
                    say(why)
                    if args.smoke and "skipped" not in why:
                        tap.append((False, "cluster: figures produced", why))
                    continue
                texts.append(cluster_table(rows))
                mds.append(cluster_table(rows, markdown=True))
                say(texts[-1])
                for r in rows:
                    all_runs.append({"scenario": "cluster", "server": f"{r['edges']} edges",
                                     "run": 1, **r})
                if args.smoke:
                    tap.append((all(r["updates_per_s"] > 0 and r["order_errors"] == 0 and
                                    None not in r["edge_cpu_us_per_delivery"] for r in rows),
                                "cluster: deliveries, edge CPU per delivery and broker load "
                                "measured, ticks in order",
                                json.dumps(rows)))
                    exited = [e for r in rows for e in r["exited"]]
                    tap.append((not exited, "cluster: the publisher and every edge ran to the end",
                                json.dumps(exited)))
                    resynced = all(r["resync_s"] is not None for r in rows)
                    tap.append((resynced, "cluster: every edge back in sync within 30 s of a "
                                "broker restart",
                                json.dumps([r["resync_s"] for r in rows])))
                continue

            if not args.smoke and scenario != args.scenario[0]:
                check_quiet(f"before {scenario}")
            shape = dict(SCENARIOS[scenario])
            if args.smoke:
                shape.update(SMOKE[scenario])
                shape["text"] = f"{shape['clients']} clients, {shape['symbols']} symbol(s) x " \
                                f"{shape['rate']} ticks/s (smoke)"
            names = shape.get("servers", servers)
            if args.smoke and scenario not in SMOKE_ALL_PEERS:
                # Seconds, not minutes: the other peers in the two frame shapes only.
                names = [s for s in names if s in ("stockpush", "python", "trivial")]
            if "trivial" in names and "trivial" not in paths["argv"]:
                log(f"{paths['trivial']} is not built: {scenario} skipped")
                continue
            runs = {s: [] for s in names}
            for rep in range(1, args.repeat + 1):
                for name in names:
                    log(f"{scenario} {LABELS[name]} run {rep}/{args.repeat} ...")
                    try:
                        row = one_run(name, paths, shape, args)
                    except RuntimeError as e:
                        log(f"  failed: {e}")
                        tap.append((False, f"{scenario}/{name}: run {rep} completed", str(e)))
                        continue
                    runs[name].append(row)
                    all_runs.append({"scenario": scenario, "server": name, "run": rep, **row})
                    log(f"  {row['updates_per_s']:,.0f} updates/s ({row['delivered_pct']:.1f} %), "
                        f"p99 {row['p99_ms']} ms, connected {row['connected']}/{row['clients']} "
                        f"in {row['connect_s']} s, lost {row['lost']}, sp-load CPU "
                        f"{row['client_cpu_pct'] or 0:.0f} %")
                    time.sleep(0.3)
            medians[scenario] = {s: median_row(r) for s, r in runs.items() if r}
            for s, m in medians[scenario].items():
                if not m["survived"]:
                    say(f"warning: {LABELS[s]} exited during {scenario}")
            if medians[scenario]:
                texts.append(table(scenario, shape, medians[scenario], names, args))
                mds.append(table(scenario, shape, medians[scenario], names, args, markdown=True))
                say(texts[-1])
            if args.smoke:
                for s, r in runs.items():
                    smoke_checks(tap, scenario, s, shape, r)
    except Stop as e:
        log(f"stopped: {e}")
        return 130
    finally:
        for proc in list(LIVE):
            kill_group(proc)

    if not args.smoke:
        check_quiet("after the last run")
    write_outputs(args, info, started, medians, all_runs, mds, quiet_notes)
    say(f"Results: {os.path.join(args.out, 'bench.md')}, bench.csv, runs.csv")
    if args.smoke:
        ok = all(os.path.getsize(os.path.join(args.out, f)) > 0
                 for f in ("bench.md", "bench.csv", "runs.csv"))
        tap.append((ok, "bench.md, bench.csv and runs.csv written", args.out))
        print(f"1..{len(tap)}")
        for i, (passed, text, diag) in enumerate(tap, 1):
            print(f"{'ok' if passed else 'not ok'} {i} - {text}")
            if not passed and diag:
                print("\n".join("# " + line for line in str(diag).splitlines()))
        return 0 if tap and all(p for p, _, _ in tap) else 1
    return 0


def smoke_checks(tap, scenario, server, shape, runs):
    """The figures were produced (not whether they meet the targets)."""
    where = f"{scenario}/{server}"
    if not runs:
        tap.append((False, f"{where}: figures produced", "no run completed"))
        return
    r = runs[0]
    tap.append((r["connected"] == shape["clients"] and r["connect_s"] is not None,
                f"{where}: all {shape['clients']} clients connected, connect time measured",
                f"connected {r['connected']}, connect_s {r['connect_s']}"))
    tap.append((r["updates_per_s"] > 0 and r["frames_per_s"] > 0 and r["p50_ms"] is not None
                and r["p99_ms"] is not None and r["p999_ms"] is not None,
                f"{where}: updates/s, frames/s and latency percentiles measured",
                json.dumps(r)))
    tap.append((r["server_cpu_s"] is not None and r["server_cpu_total_s"] is not None
                and r["server_cpu_total_s"] >= 0 and (r["peak_rss_kib"] or 0) > 0
                and r["rss_per_client_kib"] is not None,
                f"{where}: server CPU time and RSS read from /proc",
                json.dumps(r)))
    tap.append((r["ticks_checked"] > 0 and r["out_of_order"] == 0 and r["duplicates"] == 0,
                f"{where}: every client's ticks in order, no duplicates",
                f"checked {r['ticks_checked']}, out of order {r['out_of_order']}, "
                f"duplicates {r['duplicates']}"))
    # How old the newest tick each client holds is when the run ends: a figure
    # (it grows with how busy the machine is), like the others here. That the
    # latest price reaches every client under overload is asserted by
    # tests/test-overload.py, whose overload the test itself guarantees.
    tap.append((r["oldest_latest_ms"] is not None,
                f"{where}: age of the oldest latest tick a client holds at the end measured "
                f"({r['oldest_latest_ms']} ms)",
                f"oldest_latest_ms {r['oldest_latest_ms']}"))


def write_outputs(args, info, started, medians, all_runs, mds, notes=()):
    fields = ["scenario", "server", "repeats", "clients", "connected", "offered_per_s",
              "updates_per_s", "delivered_pct", "frames_per_s", "p50_ms", "p99_ms", "p999_ms",
              "lost", "not_connected", "connect_s", "out_of_order", "duplicates", "gaps",
              "oldest_latest_ms", "server_cpu_s", "server_cpu_total_s", "cpu_us_per_update",
              "cpu_us_per_frame", "cpu_vs_blast", "peak_rss_kib",
              "rss_before_kib", "rss_kib", "rss_per_client_kib", "client_cpu_pct", "seconds"]
    with open(os.path.join(args.out, "bench.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for scenario, by_server in medians.items():
            for server, m in by_server.items():
                w.writerow({"scenario": scenario, "server": server,
                            **{k: ("" if v is None else round(v, 3) if isinstance(v, float) else v)
                               for k, v in m.items()}})
    run_fields = ["scenario", "server", "run"] + [k for k in fields[3:] if k != "repeats"] + \
        ["ticks_checked", "server_survived", "points", "mode", "median_ms"]
    with open(os.path.join(args.out, "runs.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=run_fields, extrasaction="ignore")
        w.writeheader()
        for row in all_runs:
            w.writerow({k: ("" if v is None else v) for k, v in row.items()})
    with open(os.path.join(args.out, "bench.md"), "w") as f:
        cmd = " ".join(["tests/bench/run-bench.py"] + sys.argv[1:])
        f.write(f"# StockPush benchmarks\n\n{started:%Y-%m-%d %H:%M %Z}, `{cmd}`\n\n"
                f"Machine: {info}\n\nRatios are that server / the best peer in that row (StockPush "
                f"and the raw blast are not peers). Latency is from each "
                f"tick's `ts` to its arrival at the client; CPU seconds are the server's "
                f"(utime + stime) during the measured {args.duration:g} s. \"Latest tick age at "
                f"end\" is the oldest, over clients and symbols, of the newest tick a client "
                f"holds when the run ends: the latest price reaching every client, coalesced "
                f"or not. \"CPU per frame vs raw blast\" is per frame delivered, not per "
                f"sendmsg: the raw blast (sp-trivial-server) writes the frames due to a client "
                f"at a wake-up in one write(), and StockPush puts a client's pending ticks in "
                f"one frame.\n\n")
        for note in notes:
            f.write(f"**Warning:** {note}.\n\n")
        f.write("\n".join(mds))


if __name__ == "__main__":
    sys.exit(main())
