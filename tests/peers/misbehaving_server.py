#!/usr/bin/env python3
"""A WebSocket server that misbehaves on purpose, written on raw sockets so it can
send what a library would refuse to: garbage text, invalid UTF-8 in a text frame,
a 1 MiB message, binary frames, a connection dropped mid-stream, close frames with
codes that must never be on the wire (0, 1005) and with registered ones a client must
take as normal (1012, 1013, 1014), a pong over 125 bytes, an endless flood of 1 MiB
frames, and one message in continuation frames that never end.

Each connection gets the next scenario from argv (default: the first four in turn);
it prints its ws:// URL and the number of connections it served so far on stdout,
what the client sent back ("client close 1002 …"), and for the flood how much it
wrote ("endless: 12 frames, 12582912 bytes in 1.0 s"), every half second it writes."""
import asyncio
import base64
import hashlib
import os
import struct
import sys
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode, payload, fin=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def text(s):
    return frame(0x1, s.encode() if isinstance(s, str) else s)


SCENARIOS = {
    # Prices, then junk that has none, then prices again, then a drop without a close frame.
    "garbage": [text("price = 101.5"), text("%%% not a price %%%"), text("{\"half\": "),
                frame(0x2, os.urandom(32)), text("price = 102.25"), "drop"],
    # A text frame that is not UTF-8: the client must close (1007) and survive.
    "bad-utf8": [text("price = 103.0"), text(b"price = \xff\xfe 104"), "reply"],
    # One 1 MiB message (a JSON array with one price at its end), then a price.
    "big": [text("[" + "0," * (512 * 1024 - 1) + "{\"price\": 105.5}]"), text("price = 106.0"), "drop"],
    # Binary frames only, then a clean close.
    "binary": [frame(0x2, b"\x00\x01\x02"), frame(0x2, b"price = 1"), text("price = 107.0"),
               frame(0x8, struct.pack("!H", 1000) + b"bye"), "wait"],
    # A close frame with code 0: not a valid code on the wire (RFC 6455 7.4).
    "close-0": [text("price = 108.0"), frame(0x8, struct.pack("!H", 0) + b"zero"), "reply"],
    # A close frame with 1005, which an endpoint must never send (RFC 6455 7.4.1).
    "close-1005": [text("price = 109.0"), frame(0x8, struct.pack("!H", 1005)), "reply"],
    # One price, then 1 MiB text frames as fast as the socket takes them, each a
    # well-formed JSON tick (with a 1 MiB string in it), until the client leaves
    # or ENDLESS_SECONDS pass.
    "endless": [text("price = 110.0"), "endless"],
    # A pong of 126 bytes: control frames carry at most 125 (RFC 6455 5.5).
    "pong-126": [text("price = 111.0"), frame(0xA, b"p" * 126), "reply"],
    # One price, then one text message in 60 KB continuation frames that never
    # end (no FIN), as fast as the client reads, until it closes or time is up.
    "fragments": [text("price = 112.0"), "fragments"],
    # Registered close codes a server may send: service restart, try again
    # later, bad gateway (RFC 6455 7.4.2, IANA). Normal closes, not errors.
    "close-1012": [text("price = 113.0"), frame(0x8, struct.pack("!H", 1012) + b"restarting"),
                   "reply"],
    "close-1013": [text("price = 114.0"), frame(0x8, struct.pack("!H", 1013) + b"busy"), "reply"],
    "close-1014": [text("price = 115.0"), frame(0x8, struct.pack("!H", 1014) + b"upstream"),
                   "reply"],
}
DEFAULT = ["garbage", "bad-utf8", "big", "binary"]
ENDLESS_SECONDS = float(os.environ.get("MISBEHAVING_ENDLESS_SECONDS", "20"))
FLOOD_SIZE = 1024 * 1024


def flood_frame(n):
    """A text frame of exactly FLOOD_SIZE payload bytes, a JSON tick priced 200 + (n % 100) / 100."""
    head = b'{"symbol":"FLOOD","price":200.%02d,"pad":"' % (n % 100)
    return text(head + b"x" * (FLOOD_SIZE - len(head) - 2) + b'"}')


async def read_frame(reader, with_mask=False):
    """One frame from the client: (opcode, unmasked payload), and whether it was masked
    with @with_mask."""
    b0, b1 = await reader.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", await reader.readexactly(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", await reader.readexactly(8))[0]
    mask = await reader.readexactly(4) if b1 & 0x80 else b"\0\0\0\0"
    payload = bytearray(await reader.readexactly(n))
    for i in range(n):
        payload[i] ^= mask[i % 4]
    if with_mask:
        return b0 & 0x0F, bytes(payload), bool(b1 & 0x80)
    return b0 & 0x0F, bytes(payload)


async def report_reply(reader, label):
    """Prints the client's answer: its close frame (code, reason) or that it sent none."""
    try:
        while True:
            opcode, payload = await asyncio.wait_for(read_frame(reader), 5)
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else "none"
                reason = payload[2:].decode("utf-8", "replace")
                print(f"{label}: client close {code} {reason}".rstrip(), flush=True)
                return
    except asyncio.TimeoutError:
        print(f"{label}: client sent no close within 5 s", flush=True)
    except (asyncio.IncompleteReadError, ConnectionError):
        print(f"{label}: client closed the connection without a close frame", flush=True)


async def flood(reader, writer, label):
    """Writes 1 MiB frames while the client reads them; reports what it wrote."""
    left = asyncio.ensure_future(reader.read(65536))  # the client's close or EOF ends it
    start = last = time.monotonic()
    n = written = 0
    why = f"{ENDLESS_SECONDS:g} s passed"
    try:
        while time.monotonic() - start < ENDLESS_SECONDS:
            if left.done():
                why = "the client left" if left.result() else "the client closed its side"
                break
            writer.write(flood_frame(n))
            try:  # a client that stops reading must not keep this one past its time
                await asyncio.wait_for(writer.drain(),
                                       max(0.1, start + ENDLESS_SECONDS - time.monotonic()))
            except asyncio.TimeoutError:
                why = f"the client read nothing more for the rest of the {ENDLESS_SECONDS:g} s"
                break
            n += 1
            written += FLOOD_SIZE
            if time.monotonic() - last >= 0.5:
                last = time.monotonic()
                print(f"{label}: endless: {n} frames, {written} bytes in "
                      f"{last - start:.1f} s", flush=True)
    except ConnectionError as e:
        why = f"the connection broke ({e.__class__.__name__})"
    finally:
        left.cancel()
    print(f"{label}: endless: {n} frames, {written} bytes in {time.monotonic() - start:.1f} s; "
          f"stopped: {why}", flush=True)


async def fragments(reader, writer, label):
    """Writes one endless fragmented message while the client reads; then its answer."""
    reply = asyncio.ensure_future(read_frame(reader))
    chunk = b"x" * 60000
    writer.write(frame(0x1, chunk, fin=False))
    start = last = time.monotonic()
    n = 0
    try:
        while time.monotonic() - start < ENDLESS_SECONDS and not reply.done():
            writer.write(frame(0x0, chunk, fin=False))
            n += 1
            try:
                await asyncio.wait_for(writer.drain(), 1.0)
            except asyncio.TimeoutError:
                pass
            if time.monotonic() - last >= 0.5:
                last = time.monotonic()
                print(f"{label}: fragments: {n} frames, {n * len(chunk)} bytes", flush=True)
    except ConnectionError:
        pass
    print(f"{label}: fragments: {n} frames, {n * len(chunk)} bytes in "
          f"{time.monotonic() - start:.1f} s", flush=True)
    try:
        opcode, payload = await asyncio.wait_for(reply, 5)
        if opcode == 0x8:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else "none"
            print(f"{label}: client close {code} {payload[2:].decode('utf-8', 'replace')}".rstrip(),
                  flush=True)
        else:
            print(f"{label}: client sent opcode {opcode}", flush=True)
    except asyncio.TimeoutError:
        reply.cancel()
        print(f"{label}: client sent no close within 5 s", flush=True)
    except (asyncio.IncompleteReadError, ConnectionError):
        print(f"{label}: client closed the connection without a close frame", flush=True)


async def serve(reader, writer, scenario, label):
    request = await reader.readuntil(b"\r\n\r\n")
    key = None
    for line in request.decode("latin-1").split("\r\n"):
        if line.lower().startswith("sec-websocket-key:"):
            key = line.split(":", 1)[1].strip()
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode())
    for step in SCENARIOS[scenario]:
        if step == "drop":
            writer.transport.abort()
            return
        if step == "reply":
            await report_reply(reader, label)
            break
        if step == "endless":
            await flood(reader, writer, label)
            break
        if step == "fragments":
            await fragments(reader, writer, label)
            break
        if step == "wait":
            try:
                await asyncio.wait_for(reader.read(65536), 5)
            except asyncio.TimeoutError:
                pass
            break
        writer.write(step)
        await writer.drain()
        await asyncio.sleep(0.05)
    writer.close()


async def main():
    names = sys.argv[1:] or DEFAULT
    served = 0

    async def on_client(reader, writer):
        nonlocal served
        scenario = names[served % len(names)]
        served += 1
        print(f"connection {served}: {scenario}", flush=True)
        try:
            await serve(reader, writer, scenario, f"connection {served}")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass

    server = await asyncio.start_server(on_client, "127.0.0.1", 0)
    print(f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/", flush=True)
    async with server:
        await asyncio.sleep(120)  # stops by itself


if __name__ == "__main__":
    asyncio.run(main())
