#!/usr/bin/env python3
"""Requests that try to move the server's idea of where HTTP ends and frames begin.

libsoup 3.2.3 assembles a fragmented message without a bound; StockPush's guard
counts the fragments, and to read frames in the right place it must know exactly
where the request libsoup upgraded ended. Each case sends a request shaped to make
a guess go wrong (bare LF line ends, a body, a folded header, bytes before the
101, requests one after another), then floods the connection with a text message
in endless 60 KB continuation frames, as in the report that found the hole (against
a 64 KiB --max-message-size), again and again for 10 s. Each connection must end in a
400 that says why, or, if the request was fine, in a close 1009; the server's RSS must
stay flat through the 10 s, and a valid client connects at once after each case."""
import asyncio
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sptest import (LoggingServer, Tap, check, run_one, upgrade_lines,  # noqa: E402
                    upgrade_status)

FLOOD_BYTES = 24 * 1024 * 1024
FLOOD_SECONDS = 10
FRAGMENT = 60000
MAX_MESSAGE = 65536
RSS_BOUND_KIB = 6 * 1024   # a few MiB: allocator and ASan noise; the hole was +20 MiB a connection


def frame(opcode, payload, fin):
    """A client frame; the mask is all zeros (any key is valid) so the payload goes as is."""
    first = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", first, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", first, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, n)
    return header + b"\0\0\0\0" + payload


FIRST = frame(1, b"x" * FRAGMENT, fin=False)
MORE = frame(0, b"x" * FRAGMENT, fin=False)


def head(lines, end="\r\n"):
    return (end.join(lines) + end + end).encode()


def server_frames(data):
    """(opcode, payload) of the server's frames in @data."""
    out = []
    while len(data) >= 2:
        length, offset = data[1] & 0x7F, 2
        if length == 126:
            length, offset = struct.unpack("!H", data[2:4])[0], 4
        elif length == 127:
            length, offset = struct.unpack("!Q", data[2:10])[0], 10
        if len(data) < offset + length:
            break
        out.append((data[0] & 0x0F, data[offset:offset + length]))
        data = data[offset + length:]
    return out


def flood_blocking(port, request, flood_after_101, rss):
    """Sends @request, then (at once, or after the 101 with @flood_after_101) the
    endless message, until the server stops taking it (a send blocked for 1 s, or
    refused); returns (answer bytes, bytes the kernel took, peak RSS in KiB)."""
    peak = rss()
    answer = b""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            sock.sendall(request)
            if flood_after_101:
                while b"\r\n\r\n" not in answer:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
            sock.settimeout(1.0)
            started = time.monotonic()
            sock.sendall(FIRST)
            sent = len(FIRST)
            while sent < FLOOD_BYTES and time.monotonic() - started < FLOOD_SECONDS:
                sock.sendall(MORE)
                sent += len(MORE)
                if sent % (40 * FRAGMENT) < FRAGMENT:
                    peak = max(peak, rss())
        except OSError:   # timed out (not read any more), reset or refused: it ended it
            pass
        peak = max(peak, rss())
        # The answer: until the server closes (it must: with a 400 or a 1009),
        # or a few seconds; ticks would flow forever on a connection left open.
        deadline = time.monotonic() + 8
        try:
            while len(answer) < 1 << 20 and time.monotonic() < deadline:
                sock.settimeout(max(0.1, deadline - time.monotonic()))
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except OSError:
            pass
    return answer, sent, peak


async def flood(server, request, flood_after_101):
    return await asyncio.to_thread(flood_blocking, server.port, request, flood_after_101,
                                   server.rss_kib)


def check_answer(answer, expect, why):
    if expect == 400:
        check(answer.startswith(b"HTTP/1.1 400 "), f"answered {answer[:60]!r}, not 400")
        body = answer.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in answer else b""
        check(why.encode() in body, f"the 400 says {body[:120]!r}, not {why!r}")
    elif expect is None and b"HTTP/1.1 101 " not in answer:
        # libsoup ends the connection after a page, the request after it
        # unread (and the unread flood may reset the connection, page and all).
        check(answer == b"" or answer.startswith(b"HTTP/1.1 200 "), f"answered {answer[:60]!r}")
    else:
        at = answer.find(b"HTTP/1.1 101 ")
        check(at >= 0, f"answered {answer[:60]!r}, no 101")
        frames = server_frames(answer[at:].split(b"\r\n\r\n", 1)[1])
        closes = [struct.unpack("!H", p[:2])[0] for op, p in frames if op == 8 and len(p) >= 2]
        check(closes == [1009], f"close codes {closes}, not [1009]")


async def case(server, request, expect, why=None, flood_after_101=False):
    """The same hostile connection again and again for FLOOD_SECONDS (each ends as the
    server ends it); every answer checked, the server's RSS watched throughout."""
    base = server.rss_kib()
    peak = base
    started = time.monotonic()
    offered = connections = 0
    while connections == 0 or time.monotonic() - started < FLOOD_SECONDS:
        answer, sent, top = await flood(server, request, flood_after_101)
        check_answer(answer, expect, why)
        offered += sent
        connections += 1
        peak = max(peak, top)
        await asyncio.sleep(0.2)   # a flood at a time, not a connection storm (churn is tested apart)
    grown = peak - base
    print(f"# {offered / 1e6:.0f} MB offered on {connections} connections in "
          f"{time.monotonic() - started:.1f} s, server RSS {grown / 1024:+.1f} MiB", flush=True)
    check(grown < RSS_BOUND_KIB, f"server RSS grew by {grown / 1024:.1f} MiB")
    status, ticks = await upgrade_status(server.port)
    check(status == 101 and ticks, f"after it, a valid client got {status}")


def lines(server, extra=()):
    return upgrade_lines(server.port, extra=extra)


CASES = [
    ("request lines ending in a bare LF → 400",
     lambda s: case(s, head(lines(s), "\n"), 400, "bare LF")),
    ("one header line ending in a bare LF → 400",
     lambda s: case(s, head(lines(s)).replace(b"Upgrade: websocket\r\n", b"Upgrade: websocket\n"),
                    400, "bare LF")),
    ("a bare CR in a header line → 400",
     lambda s: case(s, head(lines(s, ["X-A: a\rb"])), 400, "CR not followed by LF")),
    ("an empty line before the request line → 400",
     lambda s: case(s, b"\r\n" + head(lines(s)), 400, "request line")),
    ("a folded header line → 400",
     lambda s: case(s, head(lines(s, ["X-A: a", " folded"])), 400, "Folded")),
    ("a body on the upgrade GET (Content-Length) → 400",
     lambda s: case(s, head(lines(s, ["Content-Length: 16"])) + b"0123456789abcdef", 400,
                    "no body")),
    ("a chunked body on the upgrade GET → 400",
     lambda s: case(s, head(lines(s, ["Transfer-Encoding: chunked"])) + b"10\r\n0123456789abcdef",
                    400, "no body")),
    ("Content-Length: 0 is no body: upgraded, then the flood → 1009",
     lambda s: case(s, head(lines(s, ["Content-Length: 0"])), 1009, flood_after_101=True)),
    ("the flood sent with the request, before the 101 → 1009",
     lambda s: case(s, head(lines(s)), 1009)),
    ("a page request, then the upgrade with the flood, in one write → never upgraded "
     "without 1009",
     lambda s: case(s, head(["GET / HTTP/1.1", f"Host: 127.0.0.1:{s.port}"]) + head(lines(s)),
                    None)),
]


async def main():
    tap = Tap()
    async with LoggingServer("--interval-ms", "100", "--max-message-size", str(MAX_MESSAGE)) as server:
        # Warm up: the server's own allocations settle before RSS is compared (a
        # valid client, and each kind of answer once).
        for _ in range(3):
            await upgrade_status(server.port)
        await flood(server, head(lines(server), "\n"), False)
        await flood(server, head(lines(server)), False)
        for description, run in CASES:
            await run_one(tap, description, lambda run=run: run(server), limit=FLOOD_SECONDS + 40)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
