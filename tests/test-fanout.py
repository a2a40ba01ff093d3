#!/usr/bin/env python3
"""1,000 concurrent clients of `stockpush --headless` on loopback each receive every tick.

Real third-party clients (Debian's python3-websockets) against the real binary at
the default interval. Bounded: about 8 s (at most 30 s more if clients are slow to
get their first tick), then everything is closed."""
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
JOIN_SECONDS = 30.0


def tap(results):
    print(f"1..{len(results)}")
    for i, (ok, name) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    return 0 if all(ok for ok, _ in results) else 1


ACME_SEQ = re.compile(r'"symbol":"ACME"[^}]*"seq":(\d+)')


async def client(url, joined, all_in, out):
    """Every tick of ACME (the first symbol) from the connection to the close.

    Counted by seq, not by the test's clock: a test starved of CPU reads late,
    and a window on its own clock would cut clients at different ticks."""
    seqs = []
    async with websockets.connect(url, max_queue=None, open_timeout=30,
                                  ping_interval=None, compression=None) as ws:
        try:
            while True:
                message = await ws.recv()
                if '"type":"tick' not in message:
                    continue
                first = not seqs
                seqs.extend(int(s) for s in ACME_SEQ.findall(message))
                if first and seqs:
                    joined.append(1)
                    if len(joined) == N_CLIENTS:
                        all_in.set()
        except websockets.ConnectionClosed as e:
            out.append((seqs, e.code))


async def run(url, proc):
    joined, all_in = [], asyncio.Event()
    out = []
    tasks = []
    # Connect in waves so the test measures delivery, not connect storms.
    for i in range(N_CLIENTS):
        tasks.append(asyncio.create_task(client(url, joined, all_in, out)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    # Listening starts once every client has its first tick.
    try:
        await asyncio.wait_for(all_in.wait(), JOIN_SECONDS)
    except asyncio.TimeoutError:
        pass
    in_time = len(joined)
    await asyncio.sleep(LISTEN_SECONDS)
    proc.send_signal(signal.SIGTERM)
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
    errors = [t.exception() for t in tasks if t.exception() is not None]
    return out, errors, in_time


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
            out, errors, in_time = asyncio.run(asyncio.wait_for(run(url, proc), 120))
        except Exception as e:  # reported as a failure, not a crash
            return tap([(False, f"the run finished in time ({e!r})")])
        results.append((not errors, f"{N_CLIENTS} clients connected and stayed connected "
                                    f"({len(errors)} errors{': ' + repr(errors[0]) if errors else ''})"))
        results.append((in_time == N_CLIENTS and len(out) == N_CLIENTS,
                        f"{in_time} of {N_CLIENTS} clients had a tick within {JOIN_SECONDS:.0f} s, "
                        f"{len(out)} reported"))
        codes = [code for _, code in out]
        out = [seqs for seqs, _ in out if seqs]
        gaps = sum(1 for seqs in out if any(b != a + 1 for a, b in zip(seqs, seqs[1:])))
        results.append((gaps == 0, f"every client received every tick, in order ({gaps} with gaps)"))
        # From the tick the last client joined at to the last every client got:
        # with no gaps, every client has all of them. Listening lasted 4 s.
        expected = LISTEN_SECONDS / 0.25
        common = min(s[-1] for s in out) - max(s[0] for s in out) + 1 if out else 0
        results.append((common >= expected - 2,
                        f"every client received the same {common} ticks in a row, "
                        f"~{expected:.0f} expected in {LISTEN_SECONDS:.0f} s"))
        # Every client was served up to the same tick when the server stopped
        # (the last may race the stop by one).
        lasts = [seqs[-1] for seqs in out]
        results.append((bool(lasts) and max(lasts) - min(lasts) <= 1,
                        f"all clients were served up to the same tick "
                        f"({min(lasts, default=0)}..{max(lasts, default=0)})"))
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
