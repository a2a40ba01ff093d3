#!/usr/bin/env python3
"""A WebSocket server that misbehaves on purpose, written on raw sockets so it can
send what a library would refuse to: garbage text, invalid UTF-8 in a text frame,
a 1 MiB message, binary frames, and a connection dropped mid-stream.

Each connection gets the next scenario from argv (default: all of them in turn);
it prints its ws:// URL and the number of connections it served so far on stdout."""
import asyncio
import base64
import hashlib
import os
import struct
import sys

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
    "bad-utf8": [text("price = 103.0"), text(b"price = \xff\xfe 104"), "wait"],
    # One 1 MiB message (a JSON array with one price at its end), then a price.
    "big": [text("[" + "0," * (512 * 1024 - 1) + "{\"price\": 105.5}]"), text("price = 106.0"), "drop"],
    # Binary frames only, then a clean close.
    "binary": [frame(0x2, b"\x00\x01\x02"), frame(0x2, b"price = 1"), text("price = 107.0"),
               frame(0x8, struct.pack("!H", 1000) + b"bye"), "wait"],
}


async def serve(reader, writer, scenario):
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
    names = sys.argv[1:] or list(SCENARIOS)
    served = 0

    async def on_client(reader, writer):
        nonlocal served
        scenario = names[served % len(names)]
        served += 1
        print(f"connection {served}: {scenario}", flush=True)
        try:
            await serve(reader, writer, scenario)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass

    server = await asyncio.start_server(on_client, "127.0.0.1", 0)
    print(f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/", flush=True)
    async with server:
        await asyncio.sleep(120)  # stops by itself


if __name__ == "__main__":
    asyncio.run(main())
