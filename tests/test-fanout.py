#!/usr/bin/env python3
"""1,000 concurrent clients of `stockpush --headless` on loopback each receive every tick.

Real third-party clients (Debian's python3-websockets) against the real binary at
the default interval. Bounded: about 10 s, then everything is closed."""
import asyncio
import os
import re
import resource
import signal
import subprocess
import sys

import websockets

N_CLIENTS = int(os.environ.get("FANOUT_CLIENTS", "1000"))
LISTEN_SECONDS = 4.0


def tap(results):
    print(f"1..{len(results)}")
    for i, (ok, name) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    return 0 if all(ok for ok, _ in results) else 1


async def client(url, start, stop, out):
    seqs = []
    async with websockets.connect(url, max_queue=None, open_timeout=30,
                                  ping_interval=None, compression=None) as ws:
        try:
            while True:
                message = await ws.recv()
                if start.is_set() and not stop.is_set() and '"type":"ticks"' in message:
                    seqs.append(int(re.search(r'"seq":(\d+)', message).group(1)))
        except websockets.ConnectionClosed as e:
            out.append((seqs, e.code))


async def run(url, proc):
    start, stop = asyncio.Event(), asyncio.Event()
    out = []
    tasks = []
    # Connect in waves so the test measures delivery, not connect storms.
    for i in range(N_CLIENTS):
        tasks.append(asyncio.create_task(client(url, start, stop, out)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    await asyncio.sleep(2.0)
    start.set()
    await asyncio.sleep(LISTEN_SECONDS)
    stop.set()
    proc.send_signal(signal.SIGTERM)
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
    errors = [t.exception() for t in tasks if t.exception() is not None]
    return out, errors


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    proc = subprocess.Popen([os.environ["STOCKPUSH_BIN"], "--headless", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    results = []
    try:
        url = None
        for _ in range(10):
            line = proc.stdout.readline()
            m = re.search(r"ws://\S+", line)
            if m:
                url = m.group(0)
                break
        if url is None:
            return tap([(False, "server printed its URL")])
        try:
            out, errors = asyncio.run(asyncio.wait_for(run(url, proc), 120))
        except Exception as e:  # reported as a failure, not a crash
            return tap([(False, f"the run finished in time ({e!r})")])
        results.append((not errors, f"{N_CLIENTS} clients connected and stayed connected "
                                    f"({len(errors)} errors{': ' + repr(errors[0]) if errors else ''})"))
        results.append((len(out) == N_CLIENTS, f"{len(out)} of {N_CLIENTS} clients reported"))
        codes = [code for _, code in out]
        out = [seqs for seqs, _ in out]
        gaps = sum(1 for seqs in out
                   if not seqs or any(b != a + 1 for a, b in zip(seqs, seqs[1:])))
        expected = LISTEN_SECONDS / 0.25
        short = sum(1 for seqs in out if len(seqs) < expected - 2)
        results.append((gaps == 0, f"every client received every tick, in order ({gaps} with gaps)"))
        results.append((short == 0, f"every client received ~{expected:.0f} ticks in "
                                    f"{LISTEN_SECONDS:.0f} s ({short} short)"))
        # Every client saw the same ticks: the last seq differs by at most one tick.
        lasts = [seqs[-1] for seqs in out if seqs]
        results.append((bool(lasts) and max(lasts) - min(lasts) <= 1,
                        "all clients were served the same ticks"))
        going_away = sum(1 for code in codes if code == 1001)
        results.append((going_away == N_CLIENTS,
                        f"SIGTERM closed every client with 1001 ({going_away} of {N_CLIENTS})"))
    finally:
        # The run already sent SIGTERM; send one only if it never got that far.
        if results == []:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = None
    results.append((code == 0, f"server exited 0 after SIGTERM (got {code})"))
    return tap(results)


if __name__ == "__main__":
    sys.exit(main())
