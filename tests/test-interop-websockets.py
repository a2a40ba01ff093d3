#!/usr/bin/python3
"""A real third-party WebSocket client (Debian's python3-websockets 10.x) against
`stockpush --headless`: welcome, JSON ticks and batches, subscribe/unsubscribe,
ping/pong, error replies, text mode, the close policy, seeded determinism and
fan-out to 50 concurrent clients.

TAP output. Loopback only; every wait is bounded; every server is killed at the end.
Needs STOCKPUSH_BIN (set by meson)."""
import asyncio
import json
import re
import sys
import time
import traceback
from decimal import Decimal

import websockets

from sptest import STEP, TEST_LIMIT, Fail, Server, Tap, check, connect, recv, run_one

DEFAULT_SYMBOLS = ["ACME", "GLOBEX", "INITECH", "HOOLI", "UMBRELLA"]
TEXT_FRAME = re.compile(r"^price = \d+\.\d\d$")


async def recv_json(ws, timeout=STEP):
    raw = await recv(ws, timeout)
    check(isinstance(raw, str), f"expected a text frame, got {type(raw).__name__}: {raw!r:.200}")
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError as e:
        raise Fail(f"server sent invalid JSON ({e}): {raw!r:.300}")


async def recv_until(ws, predicate, what, timeout=STEP, limit=1000):
    """Reads JSON frames until predicate(msg); returns (msg, skipped frames)."""
    deadline = time.monotonic() + timeout
    skipped = []
    for _ in range(limit):
        left = deadline - time.monotonic()
        check(left > 0, f"no {what} within {timeout} s (got {len(skipped)} other frames, "
                        f"last {skipped[-1] if skipped else None!r:.300})")
        try:
            msg = await recv_json(ws, left)
        except asyncio.TimeoutError:
            raise Fail(f"no {what} within {timeout} s (got {len(skipped)} other frames)")
        if predicate(msg):
            return msg, skipped
        skipped.append(msg)
    raise Fail(f"no {what} in {limit} frames")


def is_type(t):
    return lambda m: isinstance(m, dict) and m.get("type") == t


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v):
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


def two_decimals(v):
    return is_number(v) and Decimal(v) == Decimal(v).quantize(Decimal("0.01"))


def check_tick(tick, where):
    check(isinstance(tick, dict), f"{where}: tick is not an object: {tick!r:.200}")
    check(tick.get("type") == "tick", f"{where}: tick without \"type\":\"tick\": {tick}")
    check(isinstance(tick.get("symbol"), str) and tick["symbol"],
          f"{where}: tick without symbol: {tick}")
    price = tick.get("price")
    check(is_number(price) and price > 0, f"{where}: price not a positive number: {tick}")
    check(two_decimals(price), f"{where}: price has more than two decimals: {tick}")
    check(is_number(tick.get("change")), f"{where}: change missing/not a number: {tick}")
    check(is_number(tick.get("change_pct")), f"{where}: change_pct missing/not a number: {tick}")
    check(is_int(tick.get("volume")) and tick["volume"] >= 0,
          f"{where}: volume missing/not a non-negative integer: {tick}")
    check(is_int(tick.get("seq")) and tick["seq"] >= 0, f"{where}: seq not an integer: {tick}")
    ts = tick.get("ts")
    check(is_int(ts), f"{where}: ts is not an integer: {tick}")
    now = time.time() * 1e6
    check(abs(ts - now) < 30e6,
          f"{where}: ts {ts} is not microseconds since the epoch near now ({int(now)})")


def ticks_of(msg, where):
    """The tick objects of a `tick` or `ticks` frame."""
    if msg.get("type") == "tick":
        check_tick(msg, where)
        return [msg]
    check(msg.get("type") == "ticks", f"{where}: not a tick/ticks frame: {msg!r:.300}")
    check(is_int(msg.get("ts")), f"{where}: batch ts is not an integer: {msg!r:.300}")
    check(isinstance(msg.get("ticks"), list) and msg["ticks"],
          f"{where}: batch without a non-empty ticks array: {msg!r:.300}")
    for t in msg["ticks"]:
        check_tick(t, where)
    return msg["ticks"]


def frame_ts(msg):
    return msg["ts"]


async def expect_pong(ws, ident, what):
    await ws.send(json.dumps({"type": "ping", "id": ident}))
    pong, _ = await recv_until(ws, is_type("pong"), f"pong after {what}")
    check(pong.get("id") == ident, f"pong after {what} has id {pong.get('id')!r}, "
                                   f"expected {ident!r}: {pong}")
    return pong


# --- tests ---------------------------------------------------------------------

async def test_welcome_and_ticks(tap):
    """Welcome, JSON batches with all five symbols, ts/seq strictly increasing."""
    welcome_ok = ticks_ok = batch_ok = (False, "not run")
    try:
        async with Server("--interval-ms", "50") as server:
            async with connect(server.url) as ws:
                try:
                    w = await recv_json(ws)
                    expected = {"type": "welcome", "server": "StockPush", "version": "0.1.0",
                                "symbols": DEFAULT_SYMBOLS, "interval_ms": 50,
                                "format": "json", "on_message": "commands"}
                    wrong = {k: (w.get(k), v) for k, v in expected.items() if w.get(k) != v}
                    check(not wrong, f"welcome fields differ (got, expected): {wrong}; "
                                     f"welcome: {w}")
                    welcome_ok = (True, "")
                except Fail as e:
                    welcome_ok = (False, str(e))

                frames = []
                deadline = time.monotonic() + 1.0
                while time.monotonic() < deadline or len(frames) < 5:
                    frames.append(await recv_json(ws))
                    if len(frames) > 200:
                        break
                # frames may start with the welcome if the previous block failed
                frames = [f for f in frames if f.get("type") != "welcome"]
                try:
                    last_ts, last_seq = {}, {}
                    for n, f in enumerate(frames):
                        for t in ticks_of(f, f"frame {n}"):
                            s = t["symbol"]
                            check(s not in last_ts or t["ts"] > last_ts[s],
                                  f"frame {n}: {s} ts {t['ts']} not after {last_ts.get(s)}")
                            check(s not in last_seq or t["seq"] > last_seq[s],
                                  f"frame {n}: {s} seq {t['seq']} not after {last_seq.get(s)}")
                            last_ts[s], last_seq[s] = t["ts"], t["seq"]
                    check(len(frames) >= 5, f"only {len(frames)} tick frames in 1 s at 50 ms")
                    ticks_ok = (True, "")
                except Fail as e:
                    ticks_ok = (False, str(e))
                try:
                    for n, f in enumerate(frames):
                        check(f.get("type") == "ticks",
                              f"frame {n} is {f.get('type')!r}, expected a 'ticks' batch: "
                              f"{f!r:.300}")
                        symbols = [t.get("symbol") for t in f["ticks"]]
                        check(sorted(symbols) == sorted(DEFAULT_SYMBOLS),
                              f"frame {n} holds {symbols}, expected each of {DEFAULT_SYMBOLS} once")
                    batch_ok = (True, "")
                except Fail as e:
                    batch_ok = (False, str(e))
    except (Fail, Exception) as e:
        msg = f"{type(e).__name__}: {e}"
        welcome_ok = welcome_ok if welcome_ok[0] else (False, welcome_ok[1] + " " + msg)
        ticks_ok = ticks_ok if ticks_ok[0] else (False, msg)
        batch_ok = batch_ok if batch_ok[0] else (False, msg)
    tap.add(welcome_ok[0], "welcome frame first, with server, version, symbols, interval, "
                           "format and policy", welcome_ok[1])
    tap.add(ticks_ok[0], "JSON ticks: positive two-decimal prices, integer µs ts, "
                         "ts and seq strictly increasing per symbol", ticks_ok[1])
    tap.add(batch_ok[0], "a new client gets 'ticks' batches holding all 5 default symbols",
            batch_ok[1])


async def test_subscribe(server):
    async with connect(server.url) as ws:
        await recv_until(ws, is_type("welcome"), "welcome")
        await ws.send(json.dumps({"type": "subscribe", "symbols": ["ACME"]}))
        reply, _ = await recv_until(ws, is_type("subscribed"), "subscribed reply")
        check(reply.get("symbols") == ["ACME"], f"subscribed reply lists {reply.get('symbols')!r},"
                                                f" expected ['ACME']: {reply}")
        last = None
        for n in range(8):
            m = await recv_json(ws)
            check(m.get("type") == "tick", f"frame {n} after subscribe is {m.get('type')!r}, "
                                           f"expected a single 'tick': {m!r:.300}")
            check_tick(m, f"frame {n} after subscribe")
            check(m["symbol"] == "ACME", f"frame {n} after subscribe ACME is for {m['symbol']}")
            check(last is None or m["seq"] > last, f"seq went from {last} to {m['seq']}")
            last = m["seq"]


async def test_subscribe_more_and_unsubscribe(server):
    async with connect(server.url) as ws:
        await recv_until(ws, is_type("welcome"), "welcome")
        await ws.send(json.dumps({"type": "subscribe", "symbols": ["ACME"]}))
        await recv_until(ws, is_type("subscribed"), "subscribed reply to ACME")
        await ws.send(json.dumps({"type": "subscribe", "symbols": ["GLOBEX"]}))
        reply, _ = await recv_until(ws, is_type("subscribed"), "subscribed reply to GLOBEX")
        check(sorted(reply.get("symbols") or []) == ["ACME", "GLOBEX"],
              f"second subscribe should add: reply lists {reply.get('symbols')!r}")
        for n in range(4):
            m = await recv_json(ws)
            got = sorted(t["symbol"] for t in ticks_of(m, f"frame {n} after adding GLOBEX"))
            check(got == ["ACME", "GLOBEX"], f"frame {n} after subscribing ACME+GLOBEX holds {got}")

        await ws.send(json.dumps({"type": "unsubscribe", "symbols": ["ACME"]}))
        # A ping after the unsubscribe: once its pong is here, the unsubscribe was handled.
        await expect_pong(ws, 7, "unsubscribe")
        for n in range(4):
            m = await recv_json(ws)
            if m.get("type") == "subscribed":
                check(m.get("symbols") == ["GLOBEX"], f"reply to unsubscribe lists {m}")
                continue
            got = [t["symbol"] for t in ticks_of(m, f"frame {n} after unsubscribe ACME")]
            check(got == ["GLOBEX"], f"frame {n} after unsubscribing ACME holds {got}: {m!r:.300}")

        await ws.send(json.dumps({"type": "subscribe", "symbols": ["*"]}))
        await recv_until(ws, is_type("subscribed"), "subscribed reply to *")
        for n in range(3):
            m = await recv_json(ws)
            got = sorted(t["symbol"] for t in ticks_of(m, f"frame {n} after subscribe *"))
            check(got == sorted(DEFAULT_SYMBOLS), f"frame {n} after subscribing '*' holds {got}")


async def test_ping(server):
    async with connect(server.url) as ws:
        await recv_until(ws, is_type("welcome"), "welcome")
        before = int(time.time() * 1e6)
        pong = await expect_pong(ws, 42, "ping 42")
        after = int(time.time() * 1e6)
        check(is_int(pong.get("ts")), f"pong ts is not an integer: {pong}")
        check(before - 5e6 <= pong["ts"] <= after + 5e6,
              f"pong ts {pong['ts']} not server microseconds near [{before}, {after}]")
        await expect_pong(ws, "req-7", "ping with a string id")
        # Ids that a parse and re-encode would change: they come back as sent,
        # and the answer is still JSON Python reads.
        for ident in ("1e400", "123456789012345678901234567890", '"\\u0000"', '{"a": [1, "]"]}'):
            await ws.send('{"type":"ping","id":' + ident + "}")
            while True:
                raw = await recv(ws)
                if '"type":"pong"' in raw:
                    break
            check(f'"id":{ident}' in raw, f"ping with id {ident} answered {raw!r}")
            check(json.loads(raw)["type"] == "pong", f"the pong is not JSON: {raw!r}")
        await ws.send(json.dumps({"type": "hello"}))
        w, _ = await recv_until(ws, is_type("welcome"), "welcome in reply to hello")
        check(w.get("symbols") == DEFAULT_SYMBOLS, f"welcome after hello: {w}")


async def error_case(server, payload, code):
    async with connect(server.url) as ws:
        await recv_until(ws, is_type("welcome"), "welcome")
        await ws.send(payload)
        err, _ = await recv_until(ws, is_type("error"), f"error reply to {payload!r}")
        check(err.get("code") == code, f"error code {err.get('code')!r}, expected {code!r}: {err}")
        check(isinstance(err.get("message"), str) and err["message"].strip(),
              f"error without a message: {err}")
        await expect_pong(ws, 99, f"the error for {payload!r}")
        m = await recv_json(ws)
        ticks_of(m, "frame after the error and pong")


async def test_text_mode(server):
    async with connect(server.url) as ws:
        frames = []
        for n in range(6):
            frames.append(await recv(ws))
        for n, f in enumerate(frames):
            check(isinstance(f, str), f"frame {n} is not text: {f!r}")
            check(TEXT_FRAME.match(f), f"frame {n} {f!r} does not match {TEXT_FRAME.pattern}"
                                       f"{' (the welcome is not sent in text mode)' if n == 0 and 'welcome' in f else ''}")
        first = float(frames[0].split("=")[1])
        check(abs(first - 299.90) / 299.90 < 0.03,
              f"first price {first} is not within 3 % of ACME's opening 299.90")


async def test_close_policy(server):
    async with connect(server.url) as a, connect(server.url) as b:
        await recv(a)
        await recv(b)
        # A protocol-level ping is not a client message: it must be answered, not closed on.
        pong_waiter = await a.ping()
        await asyncio.wait_for(pong_waiter, STEP)
        await recv(a)
        await a.send("hello")
        deadline = time.monotonic() + STEP
        closed = None
        while closed is None:
            check(time.monotonic() < deadline, "server did not close within 5 s after a message")
            try:
                await recv(a, max(0.01, deadline - time.monotonic()))
            except websockets.ConnectionClosed as e:
                closed = e
            except asyncio.TimeoutError:
                pass
        check(closed.rcvd is not None, f"no close frame from the server: {closed}")
        check(closed.rcvd.code == 1000, f"close code {closed.rcvd.code}, expected 1000")
        check(closed.rcvd.reason.strip(), f"close reason is empty: {closed}")
        # the other client keeps receiving
        for n in range(3):
            try:
                m = await recv(b)
            except websockets.ConnectionClosed as e:
                raise Fail(f"the other client was closed too: {e}")
            check(isinstance(m, str) and m, f"the other client got {m!r}")
        check(b.open, "the other client is no longer open")


async def acme_prices(url, frames=15):
    """{seq: price} of ACME over the first frames a new client receives. Enough
    of them that clients of servers started up to a second apart (a loaded
    machine, a sanitizer build) still share a few seqs."""
    out = {}
    async with connect(url) as ws:
        await recv_until(ws, is_type("welcome"), "welcome")
        for n in range(frames):
            m = await recv_json(ws)
            for t in ticks_of(m, f"frame {n}"):
                if t["symbol"] == "ACME":
                    out[t["seq"]] = t["price"]
    return out


async def test_seed():
    async with Server("--seed", "7", "--interval-ms", "100") as s1, \
               Server("--seed", "7", "--interval-ms", "100") as s2, \
               Server("--seed", "8", "--interval-ms", "100") as s3:
        p1, p2, p3 = await asyncio.gather(acme_prices(s1.url), acme_prices(s2.url),
                                          acme_prices(s3.url))
    common = sorted(set(p1) & set(p2))
    check(len(common) >= 3, f"the two --seed 7 runs share only seqs {common} "
                            f"({sorted(p1)} vs {sorted(p2)})")
    diff = {s: (p1[s], p2[s]) for s in common if p1[s] != p2[s]}
    check(not diff, f"--seed 7 twice gives different ACME prices at seq: {diff}")
    common8 = sorted(set(p1) & set(p3))
    check(len(common8) >= 3 and any(p1[s] != p3[s] for s in common8),
          f"--seed 7 and --seed 8 give the same ACME prices: {p1} vs {p3}")


async def test_many_clients(server, n_clients=50, listen=1.5):
    async def one(start, stop):
        frames = []
        async with connect(server.url) as ws:
            await recv_until(ws, is_type("welcome"), "welcome")
            start_wait = asyncio.ensure_future(start.wait())
            try:
                while not stop.is_set():
                    m = await recv_json(ws)
                    if start.is_set() and m.get("type") in ("tick", "ticks"):
                        ticks = ticks_of(m, "fan-out frame")
                        frames.append((m["ts"], tuple(sorted(
                            (t["symbol"], t["seq"], t["ts"], str(t["price"])) for t in ticks))))
            finally:
                start_wait.cancel()
        return frames

    start, stop = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(one(start, stop)) for _ in range(n_clients)]
    try:
        await asyncio.sleep(1.0)
        failed = [t for t in tasks if t.done() and t.exception()]
        check(not failed, f"{len(failed)} clients failed early: {failed[0].exception()!r}"
              if failed else "")
        start.set()
        await asyncio.sleep(listen)
        stop.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True),
                                         STEP + 2)
    finally:
        for t in tasks:
            t.cancel()
    errors = [r for r in results if isinstance(r, BaseException)]
    check(not errors, f"{len(errors)} of {n_clients} clients failed: {errors[0]!r}"
          if errors else "")
    check(all(r for r in results), "some clients received no ticks")
    lo = max(r[0][0] for r in results)
    hi = min(r[-1][0] for r in results)
    windows = [[f for f in r if lo <= f[0] <= hi] for r in results]
    check(len(windows[0]) >= 5, f"only {len(windows[0])} frames common to all clients "
                                f"in {listen} s at 100 ms")
    for i, w in enumerate(windows[1:], 2):
        if w != windows[0]:
            a = [f[0] for f in windows[0]]
            b = [f[0] for f in w]
            raise Fail(f"client {i} received different ticks than client 1 over the common "
                       f"window: ts {b} vs {a}")
    for i, r in enumerate(results, 1):
        seqs = [f[1][0][1] for f in r]
        check(all(x < y for x, y in zip(seqs, seqs[1:])), f"client {i}: seq not increasing: {seqs}")


# --- driver --------------------------------------------------------------------


async def main(tap):
    try:
        await asyncio.wait_for(test_welcome_and_ticks(tap), TEST_LIMIT)  # adds three lines
    except BaseException as e:
        while len(tap.results) < 3:
            tap.add(False, "welcome and JSON ticks", f"{type(e).__name__}: {e}")

    async with Server("--interval-ms", "50") as server:
        await run_one(tap, "subscribe [\"ACME\"]: reply lists ACME, then only single ACME "
                           "'tick' frames", lambda: test_subscribe(server))
        await run_one(tap, "a later subscribe adds, unsubscribe removes, \"*\" means all",
                      lambda: test_subscribe_more_and_unsubscribe(server))
        await run_one(tap, "ping answers pong with the id echoed and server ts; "
                           "hello answers welcome", lambda: test_ping(server))
        for payload, code in [("{not json", "bad-json"),
                              ("[1, 2, 3]", "bad-command"),
                              ('{"type":"subscribe","symbols":"ACME"}', "bad-command"),
                              ('{"type":"dance"}', "unknown-command"),
                              ('{"type":"subscribe","symbols":["NOPE"]}', "unknown-symbol")]:
            await run_one(tap, f"{payload} -> error {code}, connection still usable",
                          lambda p=payload, c=code: error_case(server, p, c))

    async def text():
        async with Server("--format", "text", "--interval-ms", "100") as server:
            await test_text_mode(server)
    await run_one(tap, "--format text: frames are 'price = N.NN', no welcome, first near 299.90",
                  text)

    async def close_policy():
        async with Server("--on-message", "close", "--interval-ms", "50") as server:
            await test_close_policy(server)
    await run_one(tap, "--on-message close: a message closes that client with 1000 + reason, "
                       "the other keeps receiving", close_policy)

    await run_one(tap, "--seed 7 twice gives the same ACME prices (and --seed 8 others)",
                  test_seed)

    async def many():
        async with Server("--interval-ms", "100") as server:
            await test_many_clients(server)
    await run_one(tap, "50 concurrent clients all receive the same ticks (seq, ts, price)", many)


if __name__ == "__main__":
    tap = Tap()
    try:
        asyncio.run(asyncio.wait_for(main(tap), 90))
    except BaseException as e:
        tap.add(False, "test driver finished", "".join(traceback.format_exception(e)))
    sys.exit(tap.finish())
