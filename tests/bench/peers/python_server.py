#!/usr/bin/env python3
"""Benchmark peer: a price-push server written idiomatically with Python `websockets`
(the library of the original demo), one frame per step sent with `broadcast()`.

    python_server.py --port P [--symbols N] [--rate R] [--wait-clients N]

Every symbol ticks R times a second, all on the same grid (the benchmarks' workload,
as StockPush's market ticks), scheduled from the loop's monotonic clock; each step is
one JSON text frame shaped like StockPush's: the tick {"type":"tick",...,"ts":µs} alone
with one symbol, else a batch {"type":"ticks","ts":µs,"ticks":[…]} of every symbol's
tick; `seq` counts that symbol's ticks. With --wait-clients N the ticks start once N
clients are connected (or after 30 s), so that a benchmark measures the broadcast
rather than how fast the server accepts clients while it is saturated. --port 0 picks
a free port; the first line printed is the URL."""
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


async def ticker(symbols, rate, wait_clients):
    loop = asyncio.get_running_loop()
    give_up = loop.time() + 30
    while len(CLIENTS) < wait_clients and loop.time() < give_up:
        await asyncio.sleep(0.01)
    prices = {s: 100.0 + i for i, s in enumerate(symbols)}
    seqs = {s: 0 for s in symbols}  # ticks of that symbol so far, as StockPush's seq
    interval = 1.0 / rate
    deadline = loop.time()
    while True:
        deadline += interval
        # Always await, even when late (sleep(0) just yields): a server that falls
        # behind must still accept and serve connections between its steps.
        await asyncio.sleep(max(0.0, deadline - loop.time()))
        ts = time.time_ns() // 1000
        ticks = []
        for symbol in symbols:
            seqs[symbol] += 1
            seq = seqs[symbol]
            prices[symbol] = round(max(0.01, prices[symbol] * (1 + random.gauss(0, 0.0005))), 2)
            ticks.append(json.dumps({"type": "tick", "symbol": symbol, "price": prices[symbol],
                                     "change": 0.0, "change_pct": 0.0, "volume": seq,
                                     "seq": seq, "ts": ts}, separators=(",", ":")))
        message = ticks[0] if len(ticks) == 1 else \
            f'{{"type":"ticks","ts":{ts},"ticks":[{",".join(ticks)}]}}'
        websockets.broadcast(CLIENTS, message)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--symbols", type=int, default=1)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--wait-clients", type=int, default=0)
    args = parser.parse_args()
    symbols = [f"SYM{i}" for i in range(args.symbols)]
    async with websockets.serve(handler, "127.0.0.1", args.port, compression=None,
                                ping_interval=None, max_queue=None, backlog=4096) as server:
        # The port it got: --port 0 picks a free one.
        port = server.sockets[0].getsockname()[1]
        print(f"ws://127.0.0.1:{port}/", flush=True)
        await ticker(symbols, args.rate, args.wait_clients)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
