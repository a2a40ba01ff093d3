#!/usr/bin/env python3
"""RFC 6455 conformance of the viewer's side: hostile raw-socket servers run here, the
real client (`stockpush --headless --connect URL --verbose`) against each.

The cases follow Autobahn|Testsuite's client cases and keep its numbers where a case
corresponds: 1 (text and binary messages of the edge sizes), 2 (ping/pong), 3 (reserved
bits), 4 (opcodes), 5 (fragmentation, a masked frame from a server), 6 (UTF-8), 7 (close
handshake and codes), 9 (limits at small sizes: the message limit, in one frame and in
fragments, and a frame in one-byte TCP writes). Each case ends with the close code the
client must put on the wire (what this server reads back), and where a message must be
read, the viewer's frame log must show it whole. Loopback only; every wait is bounded."""
import asyncio
import base64
import hashlib
import os
import re
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "peers"))
from misbehaving_server import read_frame  # noqa: E402
from sptest import Tap  # noqa: E402

STOCKPUSH = os.environ["STOCKPUSH_BIN"]
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
LIMIT = 65536          # the client's --max-message-size in these cases
CASE_SECONDS = 10


def frame(opcode, payload=b"", fin=True, rsv=0, mask=None):
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    bit = 0x80 if mask is not None else 0
    if n < 126:
        head = struct.pack("!BB", first, bit | n)
    elif n < 65536:
        head = struct.pack("!BBH", first, bit | 126, n)
    else:
        head = struct.pack("!BBQ", first, bit | 127, n)
    if mask is not None:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += mask
    return head + payload


def close(code, reason=b""):
    return frame(8, struct.pack("!H", code) + reason)


TEXT = 1
BIN = 2
PING = 9
PONG = 10

# case: (what the server sends, in order; "chop:" bytes go one at a time),
#       the close code the client must send, the messages its log must show (kind, size)
CASES = {
    "1.1.1": ([frame(TEXT, b""), close(1000)], 1000, [("text", 0)]),
    "1.1.2": ([frame(TEXT, b"*" * 125), close(1000)], 1000, [("text", 125)]),
    "1.1.3": ([frame(TEXT, b"*" * 126), close(1000)], 1000, [("text", 126)]),
    "1.1.4": ([frame(TEXT, b"*" * 65535), close(1000)], 1000, [("text", 65535)]),
    "1.1.5": ([frame(TEXT, b"*" * 65536), close(1000)], 1000, [("text", 65536)]),
    "1.2.1": ([frame(BIN, b""), close(1000)], 1000, [("binary", 0)]),
    "1.2.3": ([frame(BIN, bytes(range(256)) * 256), close(1000)], 1000, [("binary", 65536)]),
    "2.1": ([frame(PING, b""), close(1000)], 1000, []),
    "2.3": ([frame(PING, bytes(range(125))), close(1000)], 1000, []),
    "2.5": ([frame(PING, b"*" * 126)], 1002, []),
    "2.7": ([frame(PONG, b"unsolicited"), frame(TEXT, b"after"), close(1000)], 1000, [("text", 5)]),
    "2.x": ([frame(PONG, b"*" * 126)], 1002, []),
    "3.1": ([frame(TEXT, b"rsv1", rsv=1)], 1002, []),
    "3.7": ([frame(PING, b"rsv", rsv=7)], 1002, []),
    "4.1.1": ([frame(3)], 1002, []),
    "4.2.1": ([frame(11)], 1002, []),
    "5.1": ([frame(PING, b"frag", fin=False), frame(0, b"ment")], 1002, []),
    "5.3": ([frame(TEXT, b"frag", fin=False), frame(0, b"ment"), close(1000)], 1000, [("text", 8)]),
    "5.6": ([frame(TEXT, b"frag", fin=False), frame(PING, b"between"), frame(0, b"ment"),
             close(1000)], 1000, [("text", 8)]),
    "5.9": ([frame(0, b"no start")], 1002, []),
    "5.x": ([frame(TEXT, b"masked", mask=b"\x01\x02\x03\x04")], 1002, []),
    "6.3.1": ([frame(TEXT, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited")], 1007, []),
    "6.4.1": ([frame(TEXT, b"\xce\xba\xe1", fin=False), frame(0, b"\xbd\xb9\xcf\x83"), close(1000)],
              1000, [("text", 7)]),
    "7.1.1": ([close(1000, b"bye")], 1000, []),
    "7.3.2": ([frame(8, b"\x03")], 1002, []),
    "7.9.1": ([close(999)], 1002, []),
    "7.9.2": ([close(1005)], 1002, []),
    "7.5.1": ([close(1000, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")], 1002, []),
    "7.x": ([close(1014, b"upstream")], 1000, []),
    "9.1.a": ([frame(TEXT, b"*" * LIMIT), close(1000)], 1000, [("text", LIMIT)]),
    "9.1.b": ([frame(TEXT, b"*" * (LIMIT + 1))], 1009, []),
    "9.3.a": ([frame(TEXT, b"*" * 64, fin=False)] + [frame(0, b"*" * 64, fin=False)] * 1022
              + [frame(0, b"*" * 64), close(1000)], 1000, [("text", LIMIT)]),
    "9.3.b": ([frame(TEXT, b"*" * 4096, fin=False)] + [frame(0, b"*" * 4096, fin=False)] * 16,
              1009, []),
    "9.5": (["chop:" + frame(TEXT, b"*" * 300).hex(), close(1000)], 1000, [("text", 300)]),
}

DESCRIPTIONS = {
    "1.1.1": "an empty text message", "1.1.2": "a text message of 125 bytes",
    "1.1.3": "of 126 bytes", "1.1.4": "of 65,535 bytes", "1.1.5": "of 65,536 bytes",
    "1.2.1": "an empty binary message", "1.2.3": "a binary message of 65,536 bytes",
    "2.1": "a ping without payload → an empty pong", "2.3": "a ping of 125 bytes → its echo",
    "2.5": "a ping of 126 bytes → 1002", "2.7": "an unsolicited pong is ignored",
    "2.x": "a pong of 126 bytes → 1002", "3.1": "RSV1 without an extension → 1002",
    "3.7": "all reserved bits on a ping → 1002", "4.1.1": "reserved data opcode 3 → 1002",
    "4.2.1": "reserved control opcode 11 → 1002", "5.1": "a fragmented ping → 1002",
    "5.3": "a text message in two fragments is one message",
    "5.6": "a ping between fragments is answered, the message completes",
    "5.9": "a continuation without a start → 1002",
    "5.x": "a masked frame from the server → 1002 (RFC 6455 5.1)",
    "6.3.1": "invalid UTF-8 in a text message → 1007",
    "6.4.1": "UTF-8 split across fragments is valid",
    "7.1.1": "a close with 1000 is echoed", "7.3.2": "a one-byte close payload → 1002",
    "7.9.1": "close code 999 on the wire → 1002", "7.9.2": "close code 1005 on the wire → 1002",
    "7.5.1": "a close reason that is not UTF-8 → 1002",
    "7.x": "close code 1014 (bad gateway) is a normal close (1012 and 1013 reconnect: "
           "test-client-faults.py)",
    "9.1.a": "a message of exactly the limit (65,536 bytes) is read",
    "9.1.b": "one byte over the limit → 1009",
    "9.3.a": "65,536 bytes in 1,024 fragments of 64 bytes are one message",
    "9.3.b": "past the limit in 4 KiB fragments → 1009",
    "9.5": "a frame in one-byte TCP writes is read",
}


class Served:
    def __init__(self):
        self.frames = {}      # case → [(opcode, payload, masked)] the client sent
        self.eof = {}


async def serve(reader, writer, served):
    try:
        request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        writer.close()
        return
    text = request.decode("latin-1")
    case = text.split(" ", 2)[1].strip("/")
    key = re.search(r"(?im)^sec-websocket-key:\s*(\S+)", text).group(1)
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode())
    got = served.frames.setdefault(case, [])
    try:
        for step in CASES[case][0]:
            if isinstance(step, str) and step.startswith("chop:"):
                for b in bytes.fromhex(step[5:]):
                    writer.write(bytes([b]))
                    await writer.drain()
                    await asyncio.sleep(0.002)
            else:
                writer.write(step)
                await writer.drain()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            opcode, payload, masked = await asyncio.wait_for(read_frame(reader, with_mask=True),
                                                             deadline - time.monotonic())
            got.append((opcode, payload, masked))
            if opcode == 8:
                writer.write(close(1000) if len(payload) >= 2 else frame(8))
                await writer.drain()
                break
    except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        served.eof[case] = True
    writer.close()


async def run_case(port, case, served):
    proc = await asyncio.create_subprocess_exec(
        STOCKPUSH, "--headless", "--connect", f"ws://127.0.0.1:{port}/{case}", "--verbose",
        "--max-message-size", str(LIMIT),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), CASE_SECONDS)
    except asyncio.TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
        return False, f"the client did not end within {CASE_SECONDS} s"
    sends, want_close, want_messages = CASES[case]
    log = err.decode(errors="replace")
    frames = served.frames.get(case, [])
    closes = [struct.unpack("!H", p[:2])[0] if len(p) >= 2 else None
              for op, p, _ in frames if op == 8]
    problems = []
    if closes != [want_close]:
        problems.append(f"close codes on the wire {closes}, not [{want_close}]")
    if any(not masked for _, _, masked in frames):
        problems.append("a frame from the client was not masked")
    received = [(m.group(1), int(m.group(2)))
                for m in re.finditer(r"← (text|binary) (\d+) B", log)]
    if received != want_messages:
        problems.append(f"messages logged {received[:5]}, not {want_messages}")
    if case in ("2.1", "2.3"):
        pongs = [p for op, p, _ in frames if op == PONG]
        ping = sends[0][2:]
        if pongs != [ping]:
            problems.append(f"pongs {[len(p) for p in pongs]}, not one echoing the ping")
    if re.search(r"CRITICAL|WARNING|AddressSanitizer|runtime error", log):
        problems.append("warnings or sanitizer reports: " +
                        " | ".join(line for line in log.splitlines()
                                   if re.search(r"CRITICAL|WARNING|Sanitizer|runtime", line))[:300])
    return not problems, "; ".join(problems) + (f"\nlog: {log[-600:]}" if problems else "")


async def main():
    tap = Tap()
    served = Served()
    server = await asyncio.start_server(lambda r, w: serve(r, w, served), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        for case in CASES:
            ok, diag = await run_case(port, case, served)
            tap.add(ok, f"{case} {DESCRIPTIONS[case]}", diag)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
