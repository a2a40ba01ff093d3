#!/usr/bin/env python3
"""RFC 6455 conformance and bad handshakes, with raw sockets against the real server.

Autobahn|Testsuite cannot run here (Python 2 or Docker); the cases below follow its
groups and keep its numbers where a case corresponds: 1 (text and binary messages),
2 (ping/pong), 3 (reserved bits), 4 (opcodes), 5 (fragmentation), 6 (UTF-8),
7 (close handshake). Each case ends with the right close code or a correct answer,
and after each one a fresh client still gets ticks. Then bad handshakes: each gets a
4xx or a closed socket, leaves no client entry, and a valid client connects at once."""
import asyncio
import json
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from sptest import (LoggingServer, Tap, check, masked_frame, raw_request,  # noqa: E402
                    run_one, upgrade_lines, upgrade_status)


class Conn:
    """One raw client connection after a successful handshake."""

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer
        self.buffer = b""

    @classmethod
    async def open(cls, port):
        status, _, reader, writer = await raw_request(port, upgrade_lines(port))
        check(status == 101, f"handshake answered {status}")
        return cls(reader, writer)

    def send(self, data):
        self.writer.write(data)

    def frame(self, opcode, payload=b"", fin=True, rsv=0):
        header = masked_frame(opcode, payload)
        first = (0x80 if fin else 0) | (rsv << 4) | opcode
        self.send(bytes([first]) + header[1:])

    async def next_frame(self, timeout=3.0):
        """(opcode, payload), or (None, None) when the server closed the socket."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buffer) >= 2:
                length = self.buffer[1] & 0x7F
                offset = 2
                if length == 126 and len(self.buffer) >= 4:
                    length, offset = struct.unpack("!H", self.buffer[2:4])[0], 4
                elif length == 127 and len(self.buffer) >= 10:
                    length, offset = struct.unpack("!Q", self.buffer[2:10])[0], 10
                if length < 126 or offset > 2:
                    if len(self.buffer) >= offset + length:
                        opcode = self.buffer[0] & 0x0F
                        payload = self.buffer[offset:offset + length]
                        self.buffer = self.buffer[offset + length:]
                        return opcode, payload
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise asyncio.TimeoutError
            chunk = await asyncio.wait_for(self.reader.read(65536), remaining)
            if not chunk:
                return None, None
            self.buffer += chunk

    async def expect(self, wanted, timeout=3.0):
        """Skips ticks until a frame of opcode @wanted (or the end of the stream)."""
        while True:
            opcode, payload = await self.next_frame(timeout)
            if opcode is None or opcode == wanted:
                return opcode, payload
            if opcode == 8:
                return opcode, payload

    async def expect_reply(self, kind):
        """Skips ticks until a JSON text frame of type @kind."""
        while True:
            opcode, payload = await self.next_frame()
            check(opcode is not None and opcode != 8, f"closed ({payload!r}) instead of a {kind}")
            if opcode == 1 and json.loads(payload).get("type") == kind:
                return json.loads(payload)

    async def expect_close(self, codes):
        opcode, payload = await self.expect(8)
        check(opcode == 8, f"no close frame (the socket {'closed' if opcode is None else opcode})")
        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        check(code in codes, f"close code {code}, expected {codes}")
        return code

    def abort(self):
        self.writer.transport.abort()


async def still_serving(port):
    status, ticks = await upgrade_status(port)
    check(status == 101 and ticks, f"a new client then got {status}, ticks {ticks}")


def case(number, description, body):
    """A conformance case: @body(conn) runs on a fresh connection; the server serves on."""
    async def run(server):
        conn = await Conn.open(server.port)
        try:
            await conn.expect_reply("welcome")
            await body(conn)
        finally:
            conn.abort()
        await still_serving(server.port)
    return number, description, run


PING = b'{"type":"ping","id":7}'


async def c1_1(conn):
    conn.frame(1, PING)
    check((await conn.expect_reply("pong")).get("id") == 7, "the pong lacks the id")


async def c1_2(conn):
    conn.frame(2, b"\x00\xff binary")
    reply = await conn.expect_reply("error")
    check("Binary" in reply.get("message", ""), f"error says {reply}")


async def c2_1(conn):
    conn.frame(9, b"")
    opcode, payload = await conn.expect(10)
    check(opcode == 10 and payload == b"", f"got {opcode} {payload!r}")


async def c2_3(conn):
    conn.frame(9, bytes(range(0, 125)))
    opcode, payload = await conn.expect(10)
    check(opcode == 10 and payload == bytes(range(0, 125)), f"got {opcode}, {len(payload or b'')} bytes")


async def c2_5(conn):
    conn.frame(9, b"x" * 126)   # control frames carry at most 125 bytes
    await conn.expect_close({1002})


async def c2_x_pong(conn):
    conn.frame(0xA, b"p" * 126)
    await conn.expect_close({1002})


async def c3_1(conn):
    conn.frame(1, PING, rsv=1)
    await conn.expect_close({1002})


async def c3_7(conn):
    conn.frame(9, b"", rsv=7)
    await conn.expect_close({1002})


async def c4_1_1(conn):
    conn.frame(3, b"")
    await conn.expect_close({1002})


async def c4_2_1(conn):
    conn.frame(0xB, b"")
    await conn.expect_close({1002})


async def c5_3(conn):
    conn.frame(1, PING[:10], fin=False)
    conn.frame(0, PING[10:], fin=True)
    check((await conn.expect_reply("pong")).get("id") == 7, "the fragments were not one message")


async def c5_6(conn):
    conn.frame(1, PING[:10], fin=False)
    conn.frame(9, b"between")   # a control frame between fragments is allowed
    opcode, payload = await conn.expect(10)
    check(opcode == 10 and payload == b"between", f"got {opcode}")
    conn.frame(0, PING[10:], fin=True)
    await conn.expect_reply("pong")


async def c5_1(conn):
    conn.frame(9, b"a", fin=False)   # a fragmented ping
    await conn.expect_close({1002})


async def c5_9(conn):
    conn.frame(0, b"orphan", fin=True)   # a continuation without a start
    await conn.expect_close({1002})


async def c6_3_1(conn):
    conn.frame(1, b'{"type":"ping","id":"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"}')
    await conn.expect_close({1007})


async def c6_4_1(conn):
    conn.frame(1, b"\xce\xba\xe1", fin=False)   # a character cut by fragments: still fine…
    conn.frame(0, b"\xbd\xb9", fin=True)
    reply = await conn.expect_reply("error")   # …and not a command
    check(reply.get("code") in ("bad-json", "bad-message", "unknown-command"), f"error {reply}")


async def c7_1_1(conn):
    conn.frame(8, struct.pack("!H", 1000) + b"bye")
    code = await conn.expect_close({1000})
    check(code == 1000, "no echo of 1000")


async def c7_3_2(conn):
    conn.frame(8, b"\x03")   # a one-byte close payload
    await conn.expect_close({1002})


async def c7_9_1(conn):
    conn.frame(8, struct.pack("!H", 999))   # not a valid code on the wire
    await conn.expect_close({1002})


async def c7_9_2(conn):
    conn.frame(8, struct.pack("!H", 1005))   # reserved: never sent
    await conn.expect_close({1002})


async def c7_5_1(conn):
    conn.frame(8, struct.pack("!H", 1000) + b"\xff\xfe")   # a reason that is not UTF-8
    await conn.expect_close({1007, 1002})


LIMIT = 65536   # the server's default --max-message-size


def ping_of(size):
    """A ping command of exactly @size bytes (the id padded)."""
    head, tail = b'{"type":"ping","id":"', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


async def c9_1_a(conn):
    conn.frame(1, ping_of(LIMIT))
    reply = await conn.expect_reply("pong")
    check(len(reply.get("id", "")) == LIMIT - 23, "the pong's id is not the ping's")


async def c9_1_b(conn):
    conn.frame(1, ping_of(LIMIT + 1))
    await conn.expect_close({1009})


async def c9_3_a(conn):
    data = ping_of(LIMIT)
    pieces = [data[i:i + 64] for i in range(0, len(data), 64)]
    for i, piece in enumerate(pieces):
        conn.frame(1 if i == 0 else 0, piece, fin=i == len(pieces) - 1)
    await conn.expect_reply("pong")


async def c9_5(conn):
    header = masked_frame(1, PING)
    for b in header:
        conn.send(bytes([b]))
        await conn.writer.drain()
        await asyncio.sleep(0.002)
    await conn.expect_reply("pong")


CASES = [
    case("1.1.1", "a text command is answered", c1_1),
    case("1.2.1", "a binary message gets an error, the connection stays", c1_2),
    case("2.1", "a ping without payload → an empty pong", c2_1),
    case("2.3", "a ping with 125 binary bytes → a pong echoing them", c2_3),
    case("2.5", "a ping with 126 bytes → 1002", c2_5),
    case("2.x", "an unsolicited pong with 126 bytes → 1002 (control frames ≤ 125, §5.5)", c2_x_pong),
    case("3.1", "RSV1 set without an extension → 1002", c3_1),
    case("3.7", "all reserved bits on a ping → 1002", c3_7),
    case("4.1.1", "reserved data opcode 3 → 1002", c4_1_1),
    case("4.2.1", "reserved control opcode 11 → 1002", c4_2_1),
    case("5.1", "a fragmented ping → 1002", c5_1),
    case("5.3", "a command in two fragments is one message", c5_3),
    case("5.6", "a ping between fragments is answered, the message completes", c5_6),
    case("5.9", "a continuation without a start → 1002", c5_9),
    case("6.3.1", "invalid UTF-8 in a text message → 1007", c6_3_1),
    case("6.4.1", "UTF-8 split across fragments is valid", c6_4_1),
    case("7.1.1", "a close with 1000 is echoed", c7_1_1),
    case("7.3.2", "a one-byte close payload → 1002", c7_3_2),
    case("7.9.1", "close code 999 on the wire → 1002", c7_9_1),
    case("7.9.2", "close code 1005 on the wire → 1002", c7_9_2),
    case("7.5.1", "a close reason that is not UTF-8 → 1007", c7_5_1),
    case("9.1.a", "a command of exactly the limit (65,536 bytes) is answered", c9_1_a),
    case("9.1.b", "one byte over the limit → 1009", c9_1_b),
    case("9.3.a", "the limit in 1,024 fragments of 64 bytes is one command", c9_3_a),
    case("9.5", "a command in one-byte TCP writes is answered", c9_5),
]


# --- bad handshakes ----------------------------------------------------------------

async def refused(port, data, label):
    """Sends raw bytes; the answer must be a 4xx or a closed socket, not 101."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        try:
            answer = await asyncio.wait_for(reader.read(4096), 12)
        except (asyncio.TimeoutError, ConnectionError):
            answer = b""
    finally:
        writer.transport.abort()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
    check(status is None or 400 <= status < 500 or status == 200 and b"Upgrade" not in answer,
          f"{label}: answered {answer[:60]!r}")
    check(status != 101, f"{label}: upgraded")
    return status


def handshake_without(port, name, value=None):
    lines = [line for line in upgrade_lines(port) if not line.lower().startswith(name.lower() + ":")]
    if value is not None:
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def bad_handshakes(server):
    port = server.port
    await asyncio.sleep(0.5)   # the log of the cases before
    before = server.connected()
    cases = [
        ("missing key", handshake_without(port, "Sec-WebSocket-Key")),
        ("invalid key", handshake_without(port, "Sec-WebSocket-Key", "not-base64-16-bytes")),
        ("version 12", handshake_without(port, "Sec-WebSocket-Version", "12")),
        ("POST", handshake_without(port, "Host", f"127.0.0.1:{port}").replace(b"GET ", b"POST ", 1)),
        ("no Upgrade", handshake_without(port, "Upgrade")),
        ("200 header lines", ("\r\n".join(upgrade_lines(port) + [f"X-Pad-{i}: {i}" for i in range(200)])
                              + "\r\n\r\n").encode()),
        ("70 KiB of headers", ("\r\n".join(upgrade_lines(port) + [f"X-Big: {'a' * 70 * 1024}"])
                               + "\r\n\r\n").encode()),
        ("garbage", os.urandom(512)),
        ("a TLS ClientHello", bytes.fromhex("16030100a1010000 9d0303") + os.urandom(32) + b"\x00" * 64),
    ]
    for label, data in cases:
        started = time.monotonic()
        await refused(port, data, label)
        # A valid client connects at once afterwards.
        status, ticks = await upgrade_status(port)
        check(status == 101 and ticks, f"after {label}: a valid client got {status}")
        check(time.monotonic() - started < 13, f"{label}: took {time.monotonic() - started:.1f} s")
    await asyncio.sleep(0.3)
    # Only the valid clients left entries.
    check(server.connected() - before == len(cases),
          f"{server.connected() - before} client entries for {len(cases)} valid clients")


async def version_negotiation(server):
    """RFC 6455, 4.2.2: a version the server does not speak gets 426 Upgrade
    Required and the versions it does, in Sec-WebSocket-Version."""
    for version in ("8", "12", "14"):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            writer.write(handshake_without(server.port, "Sec-WebSocket-Version", version))
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        finally:
            writer.transport.abort()
        lines = head.decode(errors="replace").split("\r\n")
        check(lines[0].startswith("HTTP/1.1 426 "), f"version {version}: answered {lines[0]!r}")
        versions = [line.split(":", 1)[1].strip() for line in lines
                    if line.lower().startswith("sec-websocket-version:")]
        check(versions == ["13"], f"version {version}: Sec-WebSocket-Version {versions}")


async def endless_fragments(server):
    """libsoup 3.2.3 assembles a fragmented message without a bound (upstream
    fixed it in 3.7.1); StockPush counts the fragments in the stream it hands
    libsoup. Each fragment is under the size limit, their sum is not."""
    conn = await Conn.open(server.port)
    try:
        await conn.expect_reply("welcome")
        conn.frame(1, b"x" * 60000, fin=False)
        for _ in range(40):   # 2.4 MB in all, past the 64 KiB message limit
            conn.frame(0, b"x" * 60000, fin=False)
        await conn.writer.drain()
        await conn.expect_close({1009})
    finally:
        conn.abort()


async def main():
    tap = Tap()
    async with LoggingServer("--interval-ms", "100", "--handshake-timeout-ms", "2000") as server:
        for number, description, run in CASES:
            await run_one(tap, f"{number} {description}", lambda run=run: run(server))
        await run_one(tap, "bad handshakes (missing/invalid key, version 12, POST, no Upgrade, "
                           "200 headers, 70 KiB of headers, garbage, a TLS hello): 4xx or closed, "
                           "no client entry, a valid client at once after each",
                      lambda: bad_handshakes(server), limit=150)
        await run_one(tap, "version 8, 12, 14 → 426 with Sec-WebSocket-Version: 13",
                      lambda: version_negotiation(server))
        await run_one(tap, "10.1.1 a message in endless fragments → 1009, the server serves on",
                      lambda: endless_fragments(server), limit=6)
        await run_one(tap, "after it, a valid client at once", lambda: still_serving(server.port))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
