#!/usr/bin/env python3
"""Benchmark peer: a price-push server written idiomatically with Python `websockets`
(the library of the original demo), one frame per tick sent with `broadcast()`.

    python_server.py --port P [--symbols N] [--rate R]

Every symbol ticks R times a second, scheduled from the loop's monotonic clock; each
tick is one JSON text frame shaped like StockPush's: {"type":"tick",...,"ts":µs}."""
import argparse
import asyncio
import json
import random
import time

import websockets

CLIENTS = set()


async def handler(websocket, path=None):
    CLIENTS.add(websocket)
    try:
        async for _ in websocket:
            pass
    finally:
        CLIENTS.discard(websocket)


async def ticker(symbols, rate):
    loop = asyncio.get_running_loop()
    prices = {s: 100.0 + i for i, s in enumerate(symbols)}
    seq = 0
    interval = 1.0 / (rate * len(symbols))
    deadline = loop.time()
    while True:
        for symbol in symbols:
            deadline += interval
            delay = deadline - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            seq += 1
            prices[symbol] = round(max(0.01, prices[symbol] * (1 + random.gauss(0, 0.0005))), 2)
            message = json.dumps({"type": "tick", "symbol": symbol, "price": prices[symbol],
                                  "change": 0.0, "change_pct": 0.0, "volume": seq, "seq": seq,
                                  "ts": time.time_ns() // 1000}, separators=(",", ":"))
            websockets.broadcast(CLIENTS, message)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--symbols", type=int, default=1)
    parser.add_argument("--rate", type=float, default=10)
    args = parser.parse_args()
    symbols = [f"SYM{i}" for i in range(args.symbols)]
    async with websockets.serve(handler, "127.0.0.1", args.port, compression=None,
                                ping_interval=None, max_queue=None, backlog=4096):
        print(f"ws://127.0.0.1:{args.port}/", flush=True)
        await ticker(symbols, args.rate)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
