#!/usr/bin/env python3
"""Record a stream with `stockpush --headless --connect URL --record FILE`, then serve
the recording with `stockpush --headless --replay FILE`: clients get exactly the recorded
messages, in order, at the recorded pace times the speed; bad files are refused clearly."""
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sptest import BIN, Server, Tap, check, connect, recv, run_one  # noqa: E402

TMP = tempfile.mkdtemp(prefix="stockpush-replay-")
RECORDING = os.path.join(TMP, "stream.jsonl")


async def run(*args, timeout=20):
    proc = await asyncio.create_subprocess_exec(BIN, *args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode, out.decode(), err.decode()


def recorded_messages():
    with open(RECORDING) as f:
        frames = [json.loads(line) for line in f if line.strip()]
    return [f for f in frames if f["dir"] == "in" and f["kind"] == "text"]


async def test_record():
    async with Server("--seed", "5", "--interval-ms", "20") as server:
        code, out, err = await run("--headless", "--connect", server.url, "--record", RECORDING,
                                   "--count", "100")
    check(code == 0, f"exit {code}: {err}")
    check("recorded" in err and RECORDING in err, f"no word of the recording: {err!r}")
    messages = recorded_messages()
    # The welcome, then batches of five prices: at least 100 prices in all.
    check(json.loads(messages[0]["text"])["type"] == "welcome", "the welcome was not recorded first")
    prices = sum(len(json.loads(m["text"]).get("ticks", [])) for m in messages)
    check(prices >= 100, f"{prices} prices recorded")
    times = [m["t"] for m in messages]
    check(times == sorted(times), "frames recorded out of order")


async def collect(url, n, skip_welcome=True):
    got = []
    async with connect(url) as ws:
        first = json.loads(await recv(ws))
        check(first["type"] == "welcome", f"the replaying server said {first}")
        while len(got) < n:
            got.append((time.monotonic(), await recv(ws)))
    return got


def check_contiguous(recorded, received):
    """The received messages are a run of the recording, looping at its end."""
    texts = [m["text"] for m in recorded]
    start = texts.index(received[0])
    for k, text in enumerate(received):
        check(text == texts[(start + k) % len(texts)],
              f"message {k} is not the recording's message {(start + k) % len(texts)}")


async def test_replay_max():
    recorded = recorded_messages()
    async with Server("--replay", RECORDING, "--replay-speed", "max") as server:
        check("replaying" in "".join(server.stdout_lines), f"banner: {server.stdout_lines}")
        got = await collect(server.url, 3 * len(recorded))
    check_contiguous(recorded, [text for _, text in got])


async def test_replay_ten_times():
    recorded = recorded_messages()
    gaps = [(b["t"] - a["t"]) / 1e6 for a, b in zip(recorded[1:], recorded[2:])]
    async with Server("--replay", RECORDING, "--replay-speed", "10") as server:
        got = await collect(server.url, 40)
    check_contiguous(recorded, [text for _, text in got])
    # Ten times faster than recorded (loop restarts aside): 20 ms ticks come every ~2 ms.
    received_gaps = [b - a for (a, _), (b, _) in zip(got[5:], got[6:])]
    expected = statistics.median(gaps) / 10
    measured = statistics.median(received_gaps)
    check(expected * 0.4 < measured < expected * 2.5 + 0.002,
          f"median gap {measured * 1000:.2f} ms, expected about {expected * 1000:.2f} ms")


async def test_bad_files():
    missing = os.path.join(TMP, "missing.jsonl")
    code, _, err = await run("--headless", "--replay", missing)
    check(code == 1 and missing in err, f"missing file: exit {code}, {err!r}")

    broken = os.path.join(TMP, "broken.jsonl")
    with open(broken, "w") as f:
        f.write('{"t":1,"dir":"in","kind":"text","text":"a"}\n{"t":2,"dir":"sideways"}\n')
    code, _, err = await run("--headless", "--replay", broken)
    check(code == 1 and "line 2" in err, f"bad line: exit {code}, {err!r}")

    sent_only = os.path.join(TMP, "sent.jsonl")
    with open(sent_only, "w") as f:
        f.write('{"t":1,"dir":"out","kind":"text","size":1,"text":"a"}\n')
    code, _, err = await run("--headless", "--replay", sent_only)
    check(code == 1 and "no received messages" in err, f"nothing to replay: exit {code}, {err!r}")

    code, _, err = await run("--headless", "--replay", RECORDING, "--replay-speed", "fast")
    check(code == 2 and "--replay-speed" in err, f"bad speed: exit {code}, {err!r}")

    async with Server("--interval-ms", "50") as server:
        target = os.path.join(TMP, "no-such-dir", "x.jsonl")
        code, _, err = await run("--headless", "--connect", server.url, "--record", target,
                                 "--count", "1")
    check(code == 1 and target in err, f"unwritable recording: exit {code}, {err!r}")


async def main():
    tap = Tap()
    await run_one(tap, "--record writes every frame of a stream, in order", test_record, limit=30)
    await run_one(tap, "--replay max: a client gets the recorded messages in order, looping",
                  test_replay_max)
    await run_one(tap, "--replay-speed 10: the same messages, ten times faster", test_replay_ten_times)
    await run_one(tap, "a missing file, a bad line, nothing to replay, a bad speed, an unwritable "
                       "recording: each refused with a clear message", test_bad_files, limit=40)
    return tap.finish()


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    finally:
        for name in os.listdir(TMP):
            os.unlink(os.path.join(TMP, name))
        os.rmdir(TMP)
