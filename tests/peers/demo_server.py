#!/usr/bin/env python3
"""The original tutorial's server, as it behaves: Python `websockets` pushes the text
`price = 299.9` every second and closes the connection when the client sends anything.

Usage: demo_server.py [PORT]   (0 or nothing: a free port; prints its ws:// URL)"""
import asyncio
import sys

import websockets


async def handler(websocket, path=None):
    async def produce():
        while True:
            await websocket.send("price = 299.9")
            await asyncio.sleep(1)

    producer = asyncio.create_task(produce())
    try:
        async for _message in websocket:
            break  # any message from the client ends the connection
    finally:
        producer.cancel()
    await websocket.close()


async def main(port):
    async with websockets.serve(handler, "127.0.0.1", port) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"ws://127.0.0.1:{port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
    except KeyboardInterrupt:
        pass
