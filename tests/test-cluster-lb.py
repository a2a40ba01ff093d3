#!/usr/bin/env python3
"""One market behind a load balancer, with real processes on loopback: a redis-server
(free port, no persistence), a publisher, three edges and haproxy in front (its
configuration made from data/deploy/haproxy.cfg with free ports). About 600 sp-load
clients through haproxy get every tick in order, none missing, spread over the edges.
Then each fault, with what the clients see (Python `websockets` clients through haproxy
that reconnect and say what they last had): the broker paused for 3 s, the edges'
subscriptions cut, the broker killed and started again (a declared resync, then ticks),
one edge killed (its clients come back through haproxy to the others and recover without
a gap), the publisher restarted. /healthz 503 while the broker is down and 200 after;
--trusted-proxy honoured from the proxy only; data/deploy/nginx.conf checked (nginx -t)
and run in front of the edges when nginx is installed. Skips, with the reason, without
redis-server or haproxy."""
import asyncio
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import websockets  # noqa: E402
from sptest import Tap, Fail, Server, check, run_one  # noqa: E402
from spcluster import Redis, wait_for  # noqa: E402
from sptest import free_port as free_port_on  # noqa: E402

DEPLOY = os.path.join(HERE, "..", "data", "deploy")
SP_LOAD = os.environ.get("SP_LOAD_BIN", "")
LOAD_CLIENTS = 600
INTERVAL_MS = 50
COLLECTORS = 6


def healthz(port):
    """(status, body) of GET /healthz on an edge."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return None, str(e)


class Collector:
    """A client through the load balancer that comes back when its connection drops, says
    what it last had, and keeps every tick once: per symbol, the seqs it got, the gaps
    it saw (with or without a resync declared before them) and every sync message."""

    def __init__(self, url, source="127.0.0.1"):
        self.url = url
        self.source = source
        self.last = {}           # symbol -> last seq
        self.prices = {}         # (symbol, seq) -> (price, ts)
        self.seqs = {}           # symbol -> [seq…], as kept
        self.gaps = []           # (symbol, from, to), not declared
        self.syncs = []          # sync messages, in order
        self.recoveries = []     # the "recovered" of each reconnect
        self.drops = 0
        self.resync_pending = False
        self.recovering = False   # back, and the answer to "since" not in yet
        self.running = True
        self.ws = None
        self.task = None

    async def start(self):
        await self._connect(first=True)
        self.task = asyncio.create_task(self._run())

    async def _connect(self, first=False):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.source, 0))
        sock.setblocking(False)
        host, port = re.match(r"ws://([^:/]+):(\d+)", self.url).groups()
        await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
        self.ws = await websockets.connect(self.url, sock=sock, max_size=None,
                                           ping_interval=None, open_timeout=5)
        welcome = json.loads(await asyncio.wait_for(self.ws.recv(), 5))
        check(welcome.get("type") == "welcome", f"no welcome: {welcome}")
        if not first and self.last:
            # Until the answer, live ticks are newer than what it missed: they are
            # dropped, and come again in the frame that follows the answer.
            self.recovering = True
            await self.ws.send(json.dumps({"type": "subscribe", "symbols": ["*"],
                                           "since": self.last}))

    async def _run(self):
        while self.running:
            try:
                async for message in self.ws:
                    self._take(json.loads(message))
            except (websockets.ConnectionClosed, OSError):
                pass
            if not self.running:
                return
            self.drops += 1
            for _ in range(100):
                if not self.running:
                    return
                try:
                    await self._connect()
                    break
                except (OSError, websockets.InvalidHandshake, websockets.ConnectionClosed,
                        asyncio.TimeoutError, Fail):
                    await asyncio.sleep(0.1)

    def _take(self, m):
        kind = m.get("type")
        if kind == "sync":
            self.syncs.append(m)
            if m.get("state") == "resync":
                self.resync_pending = True
            return
        if kind == "subscribed" and "recovered" in m:
            self.recovering = False
            self.recoveries.append(m["recovered"])
            if not m["recovered"]:
                self.resync_pending = True
            return
        if self.recovering:
            return
        for t in m.get("ticks", [m]):
            if t.get("type") != "tick":
                continue
            symbol, seq = t["symbol"], t["seq"]
            last = self.last.get(symbol)
            if last is not None and seq <= last and not self.resync_pending:
                continue   # had it (recovery sends again what came since connecting)
            if last is not None and seq != last + 1 and not self.resync_pending:
                self.gaps.append((symbol, last, seq))
            self.last[symbol] = seq
            self.seqs.setdefault(symbol, []).append(seq)
            self.prices[(symbol, seq)] = (t["price"], t["ts"])
        self.resync_pending = False

    def count(self, symbol="ACME"):
        return len(self.seqs.get(symbol, []))

    async def stop(self):
        self.running = False
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, 5)
            except (asyncio.TimeoutError, Exception):
                self.task.cancel()


class Haproxy:
    def __init__(self, template, lb_port, edge_ports):
        text = open(template).read()
        text = re.sub(r"bind 0\.0\.0\.0:\d+", f"bind 127.0.0.1:{lb_port}", text)
        text = re.sub(r"maxconn 100000", "maxconn 4000", text)
        ports = iter(edge_ports)
        text = re.sub(r"(server edge\d+ 127\.0\.0\.1:)\d+",
                      lambda m: m.group(1) + str(next(ports)), text)
        check(f"127.0.0.1:{edge_ports[-1]}" in text, "haproxy.cfg lists no three edges")
        # The test asks haproxy how it sees the edges.
        self.stats = tempfile.mktemp(suffix=".sock")
        text = text.replace("global\n", f"global\n    stats socket {self.stats}\n", 1)
        self.file = tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False)
        self.file.write(text)
        self.file.close()
        self.port = lb_port
        self.proc = None

    async def start(self):
        check(subprocess.run(["haproxy", "-c", "-q", "-f", self.file.name]).returncode == 0,
              "haproxy -c refuses the configuration made from data/deploy/haproxy.cfg")
        self.proc = await asyncio.create_subprocess_exec(
            "haproxy", "-db", "-f", self.file.name, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)

    def servers(self):
        """The edges' states as haproxy sees them (show stat): {"edge1": "UP", …}."""
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(2)
                s.connect(self.stats)
                s.sendall(b"show stat\n")
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
        except OSError:
            return {}
        rows = [line.split(",") for line in data.decode().splitlines() if line.startswith("edges,")]
        return {row[1]: row[17] for row in rows if row[1].startswith("edge")}

    async def stop(self):
        if os.path.exists(self.stats):
            os.unlink(self.stats)
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        os.unlink(self.file.name)

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.port}/"


class Cluster:
    def __init__(self):
        self.redis = Redis()
        self.publisher = None
        self.edges = []
        self.edge_ports = []
        self.haproxy = None
        self.collectors = []

    def publisher_args(self):
        return ("--broker", self.redis.url, "--role", "publisher", "--interval-ms",
                str(INTERVAL_MS), "--ping-interval", "0")

    def edge(self, port):
        return Server("--broker", self.redis.url, "--role", "edge", "--port", str(port),
                      "--trusted-proxy", "127.0.0.1", "--ping-interval", "0")

    async def start(self):
        await self.redis.start()
        self.publisher = Server(*self.publisher_args())
        await self.publisher.start()
        self.edge_ports = [free_port_on() for _ in range(3)]
        for port in self.edge_ports:
            edge = self.edge(port)
            await edge.start()
            self.edges.append(edge)
        await wait_for(lambda: all(healthz(p)[0] == 200 for p in self.edge_ports), 10,
                       "every edge's /healthz 200")
        self.haproxy = Haproxy(os.path.join(DEPLOY, "haproxy.cfg"), free_port_on(),
                               self.edge_ports)
        await self.haproxy.start()
        await self.all_up()

    async def all_up(self):
        # haproxy's checks: rise 2 at 1 s.
        try:
            await wait_for(lambda: list(self.haproxy.servers().values()) == ["UP"] * 3, 15,
                           "haproxy sees every edge up")
        except Fail as e:
            raise Fail(f"{e}: {self.haproxy.servers()}")

    async def stop(self):
        for c in self.collectors:
            await c.stop()
        if self.haproxy is not None:
            await self.haproxy.stop()
        for s in self.edges + [self.publisher]:
            if s is not None:
                await s.stop()
        await self.redis.kill()

    def counts(self):
        return [c.count() for c in self.collectors]

    async def more_ticks(self, n, timeout, what):
        before = self.counts()
        await wait_for(lambda: all(c >= b + n for c, b in zip(self.counts(), before)),
                       timeout, what)

    def check_no_gaps(self, what):
        for i, c in enumerate(self.collectors):
            check(not c.gaps, f"{what}: client {i} missed ticks: {c.gaps[:5]}")


def same_ticks(collectors):
    seen = {}
    for i, c in enumerate(collectors):
        for key, value in c.prices.items():
            other = seen.setdefault(key, (value, i))
            check(other[0] == value, f"{key}: {value} at client {i}, {other[0]} at client "
                                     f"{other[1]}")


async def load_through_haproxy(cluster):
    check(SP_LOAD and os.path.exists(SP_LOAD), f"sp-load is built ({SP_LOAD!r})")
    proc = await asyncio.create_subprocess_exec(
        SP_LOAD, "--port", str(cluster.haproxy.port), "--clients", str(LOAD_CLIENTS),
        "--duration", "4", "--warmup", "1", "--connect-rate", "1000",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    check(proc.returncode == 0, f"sp-load failed: {err.decode()[-500:]}")
    r = json.loads(out.decode().strip().splitlines()[-1])
    check(r["connected"] == LOAD_CLIENTS and r["lost"] == 0 and r["failed"] == 0,
          f"not every client stayed connected through haproxy: {r}")
    # 20 ticks a second for 4 s to each client, in order, none twice, none missing.
    check(r["ticks_checked"] >= LOAD_CLIENTS * 5 * 20 * 3,
          f"too few ticks through haproxy: {r['ticks_checked']}")
    check(r["out_of_order"] == 0 and r["duplicates"] == 0 and r["gaps"] == 0,
          f"ticks out of order, twice or missing: {r}")
    # leastconn: each edge took its share (its log says who connected).
    shares = [s.stderr_text().count(" connected from ") for s in cluster.edges]
    check(all(n >= LOAD_CLIENTS // 6 for n in shares), f"clients per edge: {shares}")


async def start_collectors(cluster):
    for _ in range(COLLECTORS):
        c = Collector(cluster.haproxy.url)
        await c.start()
        cluster.collectors.append(c)
    await cluster.more_ticks(20, 20, "20 ticks at every client through haproxy")
    same_ticks(cluster.collectors)
    cluster.check_no_gaps("through haproxy")


async def broker_paused(cluster):
    check(len(cluster.collectors) == COLLECTORS, "the clients did not start")
    paused = asyncio.get_running_loop().time()
    cluster.redis.proc.send_signal(signal.SIGSTOP)
    try:
        await wait_for(lambda: all(healthz(p)[0] == 503 for p in cluster.edge_ports), 6,
                       "/healthz 503 on every edge with the broker paused")
        status, body = healthz(cluster.edge_ports[0])
        check("no tick or heartbeat" in body, f"/healthz says why: {body!r}")
        await asyncio.sleep(max(0.0, paused + 3 - asyncio.get_running_loop().time()))
    finally:
        cluster.redis.proc.send_signal(signal.SIGCONT)
    await wait_for(lambda: all(healthz(p)[0] == 200 for p in cluster.edge_ports), 10,
                   "/healthz 200 again once the broker goes on")
    await cluster.more_ticks(20, 20, "ticks after the pause")
    await cluster.all_up()
    cluster.check_no_gaps("the broker paused for 3 s")
    for i, c in enumerate(cluster.collectors):
        states = [(s["state"], s.get("reason")) for s in c.syncs]
        check(("lost", "feed-silent") in states and states[-1][0] == "ok",
              f"client {i} was not told the feed was lost, then back: {states}")
        check(c.drops == 0, f"client {i} was disconnected")
    same_ticks(cluster.collectors)


async def subscriptions_cut(cluster):
    check(len(cluster.collectors) == COLLECTORS, "the clients did not start")
    syncs = [len(c.syncs) for c in cluster.collectors]
    answer = cluster.redis.command("CLIENT", "KILL", "TYPE", "pubsub")
    check(answer.startswith(":") and int(answer[1:]) >= 3, f"CLIENT KILL answered {answer!r}")
    await cluster.more_ticks(30, 20, "ticks after the subscriptions were cut")
    cluster.check_no_gaps("the edges' subscriptions cut")
    for i, c in enumerate(cluster.collectors):
        resyncs = [s for s in c.syncs[syncs[i]:] if s["state"] == "resync"]
        check(not resyncs, f"client {i}: a resync, where the history had every tick: {resyncs}")
        check(c.drops == 0, f"client {i} was disconnected")


async def broker_restarted(cluster):
    check(len(cluster.collectors) == COLLECTORS, "the clients did not start")
    syncs = [len(c.syncs) for c in cluster.collectors]
    await cluster.redis.kill()
    await wait_for(lambda: all(healthz(p)[0] == 503 for p in cluster.edge_ports), 5,
                   "/healthz 503 on every edge with the broker down")
    status, body = healthz(cluster.edge_ports[1])
    check("broker" in body, f"/healthz says why: {body!r}")
    await asyncio.sleep(1)
    await cluster.redis.start()
    await wait_for(lambda: all(healthz(p)[0] == 200 for p in cluster.edge_ports), 15,
                   "/healthz 200 after the broker's restart")
    await cluster.more_ticks(20, 20, "ticks after the broker's restart")
    await cluster.all_up()
    for i, c in enumerate(cluster.collectors):
        states = [(s["state"], s.get("reason")) for s in c.syncs[syncs[i]:]]
        check(("lost", "broker-unreachable") in states and ("resync", "new-epoch") in states,
              f"client {i} was not told of the broker's loss and the resync: {states}")
        lost, resync = states.index(("lost", "broker-unreachable")), states.index(("resync", "new-epoch"))
        check(lost < resync and ("ok", None) not in states[lost:resync],
              f"client {i} was told the feed is back before the resync: {states}")
        check(c.drops == 0, f"client {i} was disconnected")
        seqs = c.seqs["ACME"]
        check(all(b > a for a, b in zip(seqs, seqs[1:])), f"client {i}: ticks out of order")
    cluster.check_no_gaps("the broker restarted")


async def edge_killed(cluster):
    check(len(cluster.collectors) == COLLECTORS, "the clients did not start")
    victim = cluster.edges[0]
    victim.proc.kill()
    await victim.proc.wait()
    await wait_for(lambda: sum(c.drops for c in cluster.collectors) >= 1, 5,
                   "the killed edge's clients notice")
    await cluster.more_ticks(30, 30, "ticks at every client after an edge was killed")
    dropped = [c for c in cluster.collectors if c.drops]
    check(dropped, "no client was on the killed edge")
    for c in dropped:
        check(c.recoveries and all(c.recoveries), f"a client did not recover: {c.recoveries}")
    cluster.check_no_gaps("an edge killed, its clients back through haproxy")
    same_ticks(cluster.collectors)
    # The others took them: a new edge in its place for what follows.
    cluster.edges[0] = cluster.edge(cluster.edge_ports[0])
    await cluster.edges[0].start()
    await cluster.all_up()


async def publisher_restarted(cluster):
    check(len(cluster.collectors) == COLLECTORS, "the clients did not start")
    syncs = [len(c.syncs) for c in cluster.collectors]
    had = dict(cluster.collectors[0].last)
    await cluster.publisher.stop()
    await asyncio.sleep(0.5)
    cluster.publisher = Server(*cluster.publisher_args())
    await cluster.publisher.start()
    await cluster.more_ticks(20, 20, "ticks from the new publisher")
    for i, c in enumerate(cluster.collectors):
        states = [(s["state"], s.get("reason")) for s in c.syncs[syncs[i]:]]
        check(("resync", "new-epoch") in states,
              f"client {i} was not told the market started again: {states}")
        check(c.seqs["ACME"][-1] < 200, f"client {i}: not the new market's seqs")
    cluster.check_no_gaps("the publisher restarted")
    # A client back with what it had of the old market (still in the edge's ring) is not
    # told it recovered: the seqs started again.
    async with websockets.connect(f"ws://127.0.0.1:{cluster.edge_ports[2]}/",
                                  ping_interval=None) as ws:
        await ws.send(json.dumps({"type": "subscribe", "symbols": ["*"], "since": had}))
        for _ in range(20):
            m = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if m["type"] == "subscribed":
                check(m.get("recovered") is False, f"recovered across a new market: {m}")
                break
        else:
            raise Fail("no answer to subscribe with since")


async def trusted_proxy(cluster):
    edge_port = cluster.edge_ports[1]
    # Through haproxy from 127.0.0.2, which writes its own X-Forwarded-For: haproxy drops
    # that and says who the client is; the edge trusts haproxy (127.0.0.1).
    c = Collector(cluster.haproxy.url, source="127.0.0.2")
    await c.start()
    await c.stop()
    # Straight to an edge from 127.0.0.3 claiming to be 203.0.113.7: not believed.
    sock = socket.socket()
    sock.bind(("127.0.0.3", 0))
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", edge_port))
    async with websockets.connect(f"ws://127.0.0.1:{edge_port}/", sock=sock,
                                  extra_headers={"X-Forwarded-For": "203.0.113.7"},
                                  ping_interval=None) as ws:
        await asyncio.wait_for(ws.recv(), 5)
    await asyncio.sleep(0.5)
    logs = "".join(e.stderr_text() for e in cluster.edges)
    check(" connected from 127.0.0.2:" in logs,
          "an edge behind haproxy did not name the client by X-Forwarded-For")
    check(" connected from 127.0.0.3:" in logs and "203.0.113.7" not in logs,
          "an edge believed X-Forwarded-For from an address that is not a trusted proxy")


async def nginx_in_front(cluster):
    with tempfile.TemporaryDirectory() as prefix:
        text = open(os.path.join(DEPLOY, "nginx.conf")).read()
        lb = free_port_on()
        text = text.replace("listen 8080;", f"listen 127.0.0.1:{lb};")
        text = text.replace("pid /tmp/stockpush-nginx.pid;", f"pid {prefix}/nginx.pid;")
        text = text.replace("worker_processes auto;", "worker_processes 1;")
        text = text.replace("worker_connections 20000;", "worker_connections 512;")
        ports = iter(cluster.edge_ports)
        text = re.sub(r"(server 127\.0\.0\.1:)\d+", lambda m: m.group(1) + str(next(ports)),
                      text)
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(text)
        test = subprocess.run(["nginx", "-t", "-q", "-c", conf, "-p", prefix, "-e", "stderr"],
                              capture_output=True, text=True)
        check(test.returncode == 0, f"nginx -t refuses data/deploy/nginx.conf: {test.stderr}")
        proc = await asyncio.create_subprocess_exec(
            "nginx", "-c", conf, "-p", prefix, "-e", "stderr", "-g", "daemon off;",
            stderr=asyncio.subprocess.DEVNULL)
        try:
            for _ in range(100):
                if free_port_in_use(lb):
                    break
                await asyncio.sleep(0.05)
            # The page's own origin, through nginx (Host $host): let in.
            c = Collector(f"ws://localhost:{lb}/".replace("localhost", "127.0.0.1"),
                          source="127.0.0.4")
            await c.start()
            await wait_for(lambda: c.count() >= 10, 10, "ticks through nginx")
            await c.stop()
            check(not c.gaps, f"ticks missing through nginx: {c.gaps}")
            async with websockets.connect(f"ws://127.0.0.1:{lb}/", origin=f"http://127.0.0.1:{lb}",
                                          ping_interval=None) as ws:
                m = json.loads(await asyncio.wait_for(ws.recv(), 5))
                check(m["type"] == "welcome", f"the page's origin through nginx: {m}")
            logs = "".join(e.stderr_text() for e in cluster.edges)
            check(" connected from 127.0.0.4:" in logs,
                  "an edge behind nginx did not name the client by X-Forwarded-For")
        finally:
            proc.terminate()
            await proc.wait()


def free_port_in_use(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


async def main():
    tap = Tap()
    for tool in ("redis-server", "haproxy"):
        if shutil.which(tool) is None:
            print(f"1..0 # SKIP {tool} is not installed (build-aux/dev.sh installs it)")
            return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cluster = Cluster()
    try:
        await run_one(tap, "redis, a publisher, three edges and haproxy start; every edge's "
                           "/healthz 200", cluster.start, limit=40)
        await run_one(tap, f"{LOAD_CLIENTS} sp-load clients through haproxy: every tick, in "
                           "order, none missing, spread over the edges",
                      lambda: load_through_haproxy(cluster), limit=120)
        await run_one(tap, "clients through haproxy see the same ticks",
                      lambda: start_collectors(cluster), limit=30)
        await run_one(tap, "the broker paused for 3 s: /healthz 503, clients told the feed "
                           "is lost then back, no tick missing", lambda: broker_paused(cluster),
                      limit=40)
        await run_one(tap, "the edges' subscriptions cut: no tick missing, no resync",
                      lambda: subscriptions_cut(cluster), limit=40)
        await run_one(tap, "the broker killed and started again: /healthz 503 then 200, a "
                           "declared resync, then ticks", lambda: broker_restarted(cluster),
                      limit=60)
        await run_one(tap, "an edge killed: its clients come back through haproxy to the "
                           "others and recover, no tick missing", lambda: edge_killed(cluster),
                      limit=60)
        await run_one(tap, "the publisher restarted: a declared resync, then the new market's "
                           "ticks", lambda: publisher_restarted(cluster), limit=40)
        await run_one(tap, "--trusted-proxy: X-Forwarded-For believed from haproxy only",
                      lambda: trusted_proxy(cluster), limit=20)
        if shutil.which("nginx") is not None:
            await run_one(tap, "data/deploy/nginx.conf: nginx -t, then clients through nginx "
                               "get ticks, their page's origin let in, their address known",
                          lambda: nginx_in_front(cluster), limit=30)
        else:
            tap.add(True, "data/deploy/nginx.conf # SKIP nginx is not installed")
    finally:
        await cluster.stop()
    return tap.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
