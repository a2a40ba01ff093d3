#!/usr/bin/env python3
"""Real market-data feeds' message shapes, served on loopback by a Python `websockets`
server as their documentation shows them (status and acknowledgements first), read by the
real terminal viewer (`stockpush --headless --connect URL --count N`) with detection alone:
each printed line names the right symbol and last price. Loopback only; bounded."""
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


async def main():
    tap = Tap()
    for feed, n, expected in FEEDS:
        await run_one(tap, f"{feed}: {', '.join(f'{s} {p}' for s, p in expected)}",
                      lambda f=feed, n=n, e=expected: read_feed(f, n, e))
    await run_one(tap, "--send subscribes again after a reconnect", subscribe_again, limit=40)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
