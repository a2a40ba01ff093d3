#!/usr/bin/env python3
"""One market on several StockPush servers: a publisher and two edges on a real redis-server
(started here on a free loopback port, no persistence), with Python `websockets` clients on
each. Every client sees the same ticks (seq, price, ts) in order; the edges' subscriptions
cut (CLIENT KILL TYPE pubsub): the ticks published meanwhile come from the broker's history,
none missing; the broker killed and started again: the clients stay connected and the ticks
go on, in order; a client back after a long absence recovers from the history, within the
bounds of what one client may make an edge fetch. Loopback only; bounded."""
import asyncio
import json
import os
import shutil
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import websockets  # noqa: E402
from sptest import Tap, Fail, Server, check, run_one  # noqa: E402
from spcluster import Redis, wait_for  # noqa: E402


class Collector:
    """A client of one server: every tick it gets, by symbol: (seq, price, ts)."""

    def __init__(self, url):
        self.url = url
        self.ticks = {}
        self.closed = None
        self.task = None

    async def start(self):
        self.ws = await websockets.connect(self.url, max_size=None, ping_interval=None)
        self.welcome = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        self.task = asyncio.create_task(self._read())

    async def _read(self):
        try:
            async for message in self.ws:
                m = json.loads(message)
                if m.get("type") == "welcome":
                    self.welcome = m
                for t in m.get("ticks", [m]):
                    if t.get("type") == "tick":
                        self.ticks.setdefault(t["symbol"], []).append(
                            (t["seq"], t["price"], t["ts"]))
        except websockets.ConnectionClosed as e:
            self.closed = e

    def seqs(self, symbol="ACME"):
        return [t[0] for t in self.ticks.get(symbol, [])]

    async def stop(self):
        await self.ws.close()
        await asyncio.wait_for(self.task, 5)


def consecutive(seqs):
    return all(b == a + 1 for a, b in zip(seqs, seqs[1:]))


class Cluster:
    def __init__(self):
        self.redis = Redis()
        self.servers = []
        self.clients = []

    async def start(self):
        await self.redis.start()
        publisher = Server("--broker", self.redis.url, "--role", "publisher", "--interval-ms", "50")
        await publisher.start()
        self.servers.append(publisher)
        for _ in range(2):
            edge = Server("--broker", self.redis.url, "--role", "edge")
            await edge.start()
            self.servers.append(edge)
        for role, server in zip(["publisher", "edge 1", "edge 2"], self.servers):
            client = Collector(server.url)
            client.role = role
            await client.start()
            self.clients.append(client)

    async def stop(self):
        for client in self.clients:
            try:
                await client.stop()
            except Exception:
                pass
        for server in self.servers:
            await server.stop()
        await self.redis.kill()


async def same_ticks(cluster):
    check(len(cluster.clients) == 3, "the cluster did not start")
    await wait_for(lambda: all(len(c.seqs()) >= 20 for c in cluster.clients), 20,
                   "20 ticks on every server")
    # The market's identity (the broker's epoch) once the publisher's first tick is numbered.
    for c in cluster.clients:
        await c.ws.send(json.dumps({"type": "hello"}))
    await wait_for(lambda: all("market" in c.welcome for c in cluster.clients), 10,
                   "a market in every welcome")
    welcomes = [c.welcome for c in cluster.clients]
    check(all(w == welcomes[0] for w in welcomes), f"the welcomes differ: {welcomes}")
    first = {}
    for c in cluster.clients:
        for symbol, ticks in c.ticks.items():
            for seq, price, ts in ticks:
                other = first.setdefault((symbol, seq), (price, ts))
                check(other == (price, ts), f"{symbol} #{seq}: {price} at {ts} here, {other} "
                                            f"on another server")
    for c in cluster.clients:
        check(consecutive(c.seqs()), f"{c.url}: ACME's seqs not in order: {c.seqs()[:40]}")


async def subscription_cut(cluster):
    check(len(cluster.clients) == 3, "the cluster did not start")
    before = [len(c.seqs()) for c in cluster.clients]
    answer = cluster.redis.command("CLIENT", "KILL", "TYPE", "pubsub")
    check(answer.startswith(":"), f"CLIENT KILL answered {answer!r}")
    await asyncio.sleep(1.0)
    await wait_for(lambda: all(len(c.seqs()) >= b + 30 for c, b in zip(cluster.clients, before)),
                   20, "ticks after the subscriptions were cut")
    for c in cluster.clients:
        check(consecutive(c.seqs()), f"{c.url} ({c.role}): a tick is missing or twice after the "
                                     f"cut: {c.ticks['ACME']}")
        check(c.closed is None, f"{c.url}: the client was closed: {c.closed}")


async def broker_restart(cluster):
    check(len(cluster.clients) == 3, "the cluster did not start")
    await cluster.redis.kill()
    await asyncio.sleep(1.0)
    stalled = [max(c.seqs()) for c in cluster.clients]
    await cluster.redis.start()
    try:
        await wait_for(lambda: all(max(c.seqs()) >= s + 20
                                   for c, s in zip(cluster.clients, stalled)),
                       30, "ticks again after the broker's restart")
    except Fail as e:
        raise Fail(f"{e}: " + "; ".join(
            f"{c.role} from #{s} to #{max(c.seqs())}, stderr {srv.stderr_text()[-300:]!r}"
            for c, s, srv in zip(cluster.clients, stalled, cluster.servers)))
    for c in cluster.clients:
        seqs = c.seqs()
        check(all(b > a for a, b in zip(seqs, seqs[1:])),
              f"{c.url}: ticks out of order or twice after the restart: {seqs}")
        check(c.closed is None, f"{c.url}: the client was closed: {c.closed}")


def healthz(server):
    """The status of GET /healthz on @server."""
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(server.http_url.split("?")[0].rstrip("/") + "/healthz",
                                    timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


async def quiet_market():
    """A tick every 3 s: the publisher's heartbeat keeps its edge in sync between ticks;
    the publisher paused (no tick, no heartbeat), the edge knows it is out of sync."""
    redis = Redis()
    servers = []
    try:
        await redis.start()
        publisher = Server("--broker", redis.url, "--role", "publisher", "--interval-ms", "3000")
        await publisher.start()
        servers.append(publisher)
        edge = Server("--broker", redis.url, "--role", "edge")
        await edge.start()
        servers.append(edge)
        await wait_for(lambda: healthz(edge) == 200, 10, "the edge in sync")
        for _ in range(50):   # 5 s: past the 2 s of silence a watchdog allows
            check(healthz(edge) == 200, "the edge fell out of sync while its market was quiet")
            await asyncio.sleep(0.1)
        publisher.proc.send_signal(signal.SIGSTOP)
        try:
            await wait_for(lambda: healthz(edge) == 503, 5, "/healthz 503, the publisher paused")
        finally:
            publisher.proc.send_signal(signal.SIGCONT)
        await wait_for(lambda: healthz(edge) == 200, 5, "/healthz 200 again")
    finally:
        for server in servers:
            await server.stop()
        await redis.kill()


async def answer_to(ws, command, timeout=10):
    """Sends @command; the "subscribed" that answers it, and every tick after it for 1.5 s,
    by symbol (seq, price, ts)."""
    await ws.send(json.dumps(command))
    answer = None
    ticks = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while answer is None:
        m = json.loads(await asyncio.wait_for(ws.recv(), max(0.1, deadline - loop.time())))
        if m.get("type") == "subscribed" and "recovered" in m:
            answer = m
    end = loop.time() + 1.5
    while loop.time() < end:
        try:
            m = json.loads(await asyncio.wait_for(ws.recv(), end - loop.time()))
        except asyncio.TimeoutError:
            break
        for t in m.get("ticks", [m]):
            if t.get("type") == "tick":
                ticks.setdefault(t["symbol"], []).append((t["seq"], t["price"], t["ts"]))
    return answer, ticks


async def history_recovery():
    """A client back after more than the edge's ring of 256 steps, to another edge: every
    tick it missed comes from the broker's history, in order, then the live ones; one that
    names another market, or asks for more than the history keeps, is told
    "recovered":false."""
    redis = Redis()
    servers = []
    try:
        await redis.start()
        publisher = Server("--broker", redis.url, "--role", "publisher", "--interval-ms", "10")
        await publisher.start()
        servers.append(publisher)
        for _ in range(2):
            edge = Server("--broker", redis.url, "--role", "edge")
            await edge.start()
            servers.append(edge)
        first, second = servers[1], servers[2]

        # A client of the first edge: its market, and what it last had.
        witness = Collector(first.url)    # sees every tick meanwhile
        await witness.start()
        async with websockets.connect(first.url, max_size=None, ping_interval=None) as ws:
            await wait_for(lambda: len(witness.seqs()) >= 20, 10, "ticks on the first edge")
            await asyncio.wait_for(ws.recv(), 5)    # the welcome on connecting
            await ws.send(json.dumps({"type": "hello"}))
            welcome = None
            last = {}
            while welcome is None or not last:
                m = json.loads(await asyncio.wait_for(ws.recv(), 5))
                for t in m.get("ticks", [m]):
                    if t.get("type") == "tick":
                        last[t["symbol"]] = t["seq"]
                if m.get("type") == "welcome":
                    welcome = m
                    if not last:
                        await ws.send(json.dumps({"type": "hello"}))
        check(isinstance(welcome.get("market"), str) and welcome["market"],
              f"an edge's welcome names no market: {welcome}")
        check(last, "no tick before the welcome")
        had = max(last.values())
        # Gone for more than the ring holds (256 steps of 10 ms), less than the history.
        await wait_for(lambda: witness.seqs() and witness.seqs()[-1] >= had + 400, 20,
                       "400 steps on while the client is away")

        async with websockets.connect(second.url, max_size=None, ping_interval=None) as ws:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 5))
            answer, ticks = await answer_to(ws, {"type": "subscribe", "symbols": ["*"],
                                                 "since": last, "market": welcome["market"]})
            check(answer.get("recovered") is True,
                  f"not recovered from the broker's history: {answer}; the second edge "
                  f"{hello}; stderr {second.stderr_text()[-400:]!r}")
            for symbol, seq in last.items():
                seqs = [t[0] for t in ticks.get(symbol, []) if t[0] > seq]
                check(seqs and seqs[0] == seq + 1 and consecutive(seqs) and len(seqs) > 400,
                      f"{symbol}: after #{seq} came {seqs[:10]}…{seqs[-5:]} ({len(seqs)})")
                # The same ticks as the first edge's client saw live.
                seen = {t[0]: t for t in witness.ticks[symbol]}
                for t in ticks[symbol]:
                    if t[0] in seen:
                        check(seen[t[0]] == t, f"{symbol} #{t[0]}: {t} recovered, {seen[t[0]]} "
                                               f"live")

        # Another market's seqs, the same numbers: not taken for this one's.
        async with websockets.connect(second.url, max_size=None, ping_interval=None) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            answer, ticks = await answer_to(ws, {"type": "subscribe", "symbols": ["*"],
                                                 "since": last, "market": "another-market"})
            check(answer.get("recovered") is False, f"recovered another market's seqs: {answer}")
            check(ticks, "no latest ticks after recovered:false")
        # Older than the publisher's first step: not in the history either.
        async with websockets.connect(second.url, max_size=None, ping_interval=None) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            answer, _ = await answer_to(ws, {"type": "subscribe", "symbols": ["ACME"],
                                             "since": {"ACME": 0}, "market": welcome["market"]})
            check(answer.get("recovered") is False, f"recovered from before the first tick: "
                                                    f"{answer}")
        await witness.stop()
    finally:
        for server in servers:
            await server.stop()
        await redis.kill()


async def recovery_bounds():
    """What one client may make an edge fetch is bounded: with 40 symbols, at most 1,280 steps
    (RECOVERY_MAX_TICKS, 51,200 ticks, in app/lib/server/sp-server-recovery.c). A client back
    after more than that is told "recovered":false and gets the latest ticks, though the
    broker's history (10,000 steps) still holds what it missed; one back after 600 steps,
    past the ring of 256 but within the bound, gets them all."""
    symbols = [f"S{i:02d}" for i in range(40)]
    redis = Redis()
    servers = []
    try:
        await redis.start()
        publisher = Server("--broker", redis.url, "--role", "publisher", "--interval-ms", "4",
                           "--symbols", ",".join(symbols))
        await publisher.start()
        servers.append(publisher)
        edge = Server("--broker", redis.url, "--role", "edge")
        await edge.start()
        servers.append(edge)
        witness = Collector(edge.url)
        await witness.start()
        await wait_for(lambda: len(witness.seqs("S00")) >= 20, 10, "ticks on the edge")
        async with websockets.connect(edge.url, max_size=None, ping_interval=None) as ws:
            welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
            while welcome.get("type") != "welcome" or not welcome.get("market"):
                await ws.send(json.dumps({"type": "hello"}))
                welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
            market = welcome["market"]
        first = {sym: witness.seqs(sym)[-1] for sym in symbols}
        await wait_for(lambda: witness.seqs("S00")[-1] >= first["S00"] + 1600, 30,
                       "1,600 steps on")
        recent = {sym: witness.seqs(sym)[-600] for sym in symbols}
        async with websockets.connect(edge.url, max_size=None, ping_interval=None) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            answer, ticks = await answer_to(ws, {"type": "subscribe", "symbols": ["*"],
                                                 "since": recent, "market": market})
            check(answer.get("recovered") is True,
                  f"600 steps back, within the bound: not recovered: {answer}")
            seqs = [t[0] for t in ticks.get("S00", []) if t[0] > recent["S00"]]
            check(seqs and seqs[0] == recent["S00"] + 1 and consecutive(seqs),
                  f"S00 after #{recent['S00']}: {seqs[:5]}…")
        async with websockets.connect(edge.url, max_size=None, ping_interval=None) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            answer, ticks = await answer_to(ws, {"type": "subscribe", "symbols": ["*"],
                                                 "since": first, "market": market})
            check(answer.get("recovered") is False,
                  f"1,600 steps back, past the bound of 1,280: {answer}")
            check(ticks.get("S00"), "no latest ticks after recovered:false")
        await witness.stop()
    finally:
        for server in servers:
            await server.stop()
        await redis.kill()


async def main():
    tap = Tap()
    if shutil.which("redis-server") is None:
        print("1..0 # SKIP redis-server is not installed")
        return 0
    cluster = Cluster()
    try:
        await run_one(tap, "a publisher and two edges: every client the same ticks, in order",
                      lambda: start_and(cluster, same_ticks), limit=60)
        await run_one(tap, "the edges' subscriptions cut: the ticks meanwhile come from the "
                           "history, none missing", lambda: subscription_cut(cluster), limit=60)
        await run_one(tap, "the broker killed and started again: clients stay, ticks go on in "
                           "order", lambda: broker_restart(cluster), limit=60)
    finally:
        await cluster.stop()
    await run_one(tap, "back after more than the edge's ring, to another edge: the missed ticks "
                       "from the broker's history, in order, recovered; another market's "
                       "seqs: not recovered", history_recovery, limit=60)
    await run_one(tap, "what a client may make an edge fetch is bounded: past 1,280 steps of 40 "
                       "symbols, not recovered; within, every tick", recovery_bounds, limit=60)
    await run_one(tap, "a quiet market: the publisher's heartbeat keeps the edge in sync; "
                       "paused, the edge is out of sync", quiet_market, limit=40)
    return tap.finish()


async def start_and(cluster, test):
    await cluster.start()
    await test(cluster)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
