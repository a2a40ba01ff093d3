#!/usr/bin/env python3
"""Real market-data feeds' message shapes, served on loopback by a Python `websockets`
server as their documentation shows them (status and acknowledgements first), read by the
real terminal viewer (`stockpush --headless --connect URL --count N`) with detection alone:
each printed line names the right symbol and last price; then the same with each feed's
preset (--feed), which subscribes on every connection. Loopback only; bounded."""
import asyncio
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import websockets  # noqa: E402
from sptest import Tap, Fail, check, run_one  # noqa: E402

STOCKPUSH = os.environ["STOCKPUSH_BIN"]
CORPUS = os.path.join(HERE, "fuzz", "corpus", "price-extractor")


def shapes(feed, n):
    """The feed's recorded messages, in order (the same files the unit test's shapes were
    written to)."""
    return [open(os.path.join(CORPUS, f"feed-{feed}-{i}.json")).read() for i in range(1, n + 1)]


# feed, messages in the corpus, the (symbol, price) lines the viewer must print
FEEDS = [
    ("binance-ticker", 3, [("BTCUSDT", 43012.50), ("BTCUSDT", 43120.00)]),
    ("kraken", 5, [("XBT/USD", 43012.55), ("ETH/USD", 2250.15)]),
    ("bitstamp", 2, [("btcusd", 43012.5)]),
    ("finnhub", 2, [("BINANCE:BTCUSDT", 7296.89), ("AAPL", 189.52)]),
    ("alpaca", 4, [("AAPL", 126.55), ("MSFT", 240.10)]),
    ("okx", 2, [("BTC-USDT", 43012.5)]),
]


async def read_feed(feed, n, expected):
    messages = shapes(feed, n)

    async def serve(ws):
        for m in messages:
            await ws.send(m)
        await ws.wait_closed()   # the viewer leaves after --count prices

    async with websockets.serve(serve, "127.0.0.1", 0, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            STOCKPUSH, "--headless", "--connect", f"ws://127.0.0.1:{port}/",
            "--count", str(len(expected)),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), 20)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
            raise Fail(f"{feed}: the viewer printed no {len(expected)} prices in 20 s")
    lines = [line.split() for line in out.decode().splitlines() if line.strip()]
    got = [(parts[1], float(parts[2])) for parts in lines if len(parts) == 3]
    check(proc.returncode == 0, f"{feed}: exit {proc.returncode}, {err.decode()[:300]}")
    check(len(got) == len(expected) and all(g[0] == e[0] and abs(g[1] - e[1]) < 1e-9
                                            for g, e in zip(got, expected)),
          f"{feed}: printed {got}, not {expected}")


async def subscribe_again():
    """A feed that needs a subscription: --send goes out on every connection, so the
    prices come back after the server restarts the stream."""
    subscribe = '{"type":"subscribe","symbol":"AAPL"}'
    seen = []

    async def serve(ws):
        first = await asyncio.wait_for(ws.recv(), 10)
        seen.append(first)
        if len(seen) == 1:
            await ws.close(1012, "Service restart")
            return
        for m in shapes("finnhub", 2):
            await ws.send(m)
        await ws.wait_closed()

    async with websockets.serve(serve, "127.0.0.1", 0, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            STOCKPUSH, "--headless", "--connect", f"ws://127.0.0.1:{port}/", "--reconnect",
            "--send", subscribe, "--count", "2",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), 30)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
            raise Fail(f"no prices after the reconnect; the server got {seen}")
    check(seen == [subscribe, subscribe], f"the server got {seen}, not the subscription twice")
    check(proc.returncode == 0 and "AAPL" in out.decode(),
          f"exit {proc.returncode}, printed {out.decode()!r}, {err.decode()[:300]}")


# preset, corpus feed and the messages of it to serve, the path to connect to, what each
# message the viewer sends first must hold (the key written in), the lines it must print
KEY, SECRET = "test-key-1", "test-secret-2"
PRESETS = [
    ("binance", "binance-ticker", [1, 2, 3], "/ws", ["btcusdt@ticker"],
     [("BTCUSDT", 43012.50), ("BTCUSDT", 43120.00)]),
    ("binance-trades", "binance-trade", [1, 2], "/ws/bnbbtc@trade", [],
     [("BNBBTC", 0.001234)]),
    ("coinbase", "coinbase", [1, 2], "/", ['"ticker"'], [("BTC-USD", 43012.50)]),
    ("kraken", "kraken", [5], "/v2", ['"ticker"'], [("ETH/USD", 2250.15)]),
    ("bitstamp", "bitstamp", [1, 2], "/", ["live_trades_btcusd"], [("btcusd", 43012.5)]),
    ("finnhub", "finnhub", [1, 2], f"/?token={KEY}", ["AAPL", "BINANCE:BTCUSDT"],
     [("BINANCE:BTCUSDT", 7296.89), ("AAPL", 189.52)]),
    ("alpaca", "alpaca", [1, 2, 3, 4], "/v2/iex", [KEY + '","secret":"' + SECRET, '"trades"'],
     [("AAPL", 126.55), ("MSFT", 240.10)]),
    ("polygon", "polygon", [1, 2, 3], "/stocks", [KEY, "T.AAPL"], [("MSFT", 114.125)]),
    ("bybit", "bybit", [1, 2], "/v5/public/spot", ["tickers.BTCUSDT"], [("BTCUSDT", 43012.50)]),
    ("okx", "okx", [1, 2], "/ws/v5/public", ["BTC-USDT"], [("BTC-USDT", 43012.5)]),
    ("gemini", "gemini", [1, 2], "/v2/marketdata", ['"l2"'], [("BTCUSD", 9122.04)]),
]


async def read_preset(preset, feed, which, path, wanted, expected):
    """--feed: the viewer sends the feed's subscription (again after the server restarts
    the stream) and reads the prices with the feed's fields."""
    messages = [shapes(feed, max(which))[i - 1] for i in which]
    rounds = []

    async def serve(ws):
        got = [await asyncio.wait_for(ws.recv(), 10) for _ in wanted]
        rounds.append(got)
        if len(rounds) == 1:
            await ws.close(1012, "Service restart")
            return
        for m in messages:
            await ws.send(m)
        await ws.wait_closed()

    async with websockets.serve(serve, "127.0.0.1", 0, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        if not wanted:   # the address subscribes: nothing to wait for, the first round is it
            rounds.append([])
        proc = await asyncio.create_subprocess_exec(
            STOCKPUSH, "--headless", "--feed", preset, "--feed-key", KEY, "--feed-secret", SECRET,
            "--connect", f"ws://127.0.0.1:{port}{path}", "--reconnect",
            "--count", str(len(expected)),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), 30)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
            raise Fail(f"{preset}: no {len(expected)} prices in 30 s; the server got {rounds}")
    for got in rounds:
        check(len(got) == len(wanted) and all(w in g for w, g in zip(wanted, got)),
              f"{preset}: the server got {got}, not messages holding {wanted}")
        check(all(isinstance(json.loads(g), (dict, list)) for g in got),
              f"{preset}: {got} is not JSON")
    lines = [line.split() for line in out.decode().splitlines() if line.strip()]
    printed = [(parts[1], float(parts[2])) for parts in lines if len(parts) == 3]
    check(proc.returncode == 0, f"{preset}: exit {proc.returncode}, {err.decode()[:300]}")
    check(printed == expected, f"{preset}: printed {printed}, not {expected}")


async def main():
    tap = Tap()
    for feed, n, expected in FEEDS:
        await run_one(tap, f"{feed}: {', '.join(f'{s} {p}' for s, p in expected)}",
                      lambda f=feed, n=n, e=expected: read_feed(f, n, e))
    await run_one(tap, "--send subscribes again after a reconnect", subscribe_again, limit=40)
    for preset, feed, which, path, wanted, expected in PRESETS:
        await run_one(tap, f"--feed {preset}: subscribes on each connection, reads "
                      f"{', '.join(f'{s} {p}' for s, p in expected)}",
                      lambda a=(preset, feed, which, path, wanted, expected): read_preset(*a),
                      limit=40)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
