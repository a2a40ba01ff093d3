"""Shared pieces of the cluster tests: a redis-server of their own (free loopback port,
no persistence) and a bounded wait."""
import asyncio
import socket

from sptest import Fail, free_port, port_open


class Redis:
    def __init__(self):
        self.port = free_port()
        self.proc = None

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", stdout=asyncio.subprocess.DEVNULL)
        for _ in range(100):
            if port_open(self.port):
                return
            await asyncio.sleep(0.05)
        raise Fail("redis-server did not start")

    async def kill(self):
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    def command(self, *words):
        """One command in RESP; the first line of the answer."""
        request = b"*%d\r\n" % len(words) + b"".join(
            b"$%d\r\n%s\r\n" % (len(w), w.encode()) for w in words)
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(request)
            return s.recv(4096).split(b"\r\n")[0].decode()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"


async def wait_for(predicate, timeout, what):
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise Fail(f"{what}: not within {timeout} s")
