"""Shared pieces of the Python tests: TAP output, bounded waits, and
`stockpush --headless` as a process. Loopback only; every process is stopped."""
import asyncio
import os
import re
import signal
import sys
import tempfile
import traceback

import websockets

BIN = os.environ.get("STOCKPUSH_BIN", "stockpush")
STEP = 5.0        # bound of a single wait, seconds
TEST_LIMIT = 15   # bound of one test, seconds


# --- tiny TAP helper ---------------------------------------------------------

class Tap:
    def __init__(self):
        self.results = []  # (ok, description, diagnostics)

    def add(self, ok, description, diag=""):
        self.results.append((bool(ok), description, diag))

    def finish(self):
        print(f"1..{len(self.results)}")
        for i, (ok, description, diag) in enumerate(self.results, 1):
            print(f"{'ok' if ok else 'not ok'} {i} - {description}")
            if not ok and diag:
                for line in str(diag).splitlines():
                    print(f"# {line}")
        sys.stdout.flush()
        return 0 if self.results and all(ok for ok, _, _ in self.results) else 1


class Fail(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Fail(message)


# --- the server under test -----------------------------------------------------

class Server:
    """`stockpush --headless ARGS…` (--port 0 unless ARGS has --port); URLs parsed from stdout."""

    def __init__(self, *args):
        self.args = ["--headless", *args]
        if "--port" not in args:
            self.args += ["--port", "0"]
        self.proc = None
        self.url = None
        self.http_url = None
        self.stdout_lines = []
        self.stderr = tempfile.TemporaryFile()
        self.drain = None

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            BIN, *self.args, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=self.stderr)
        try:
            while self.url is None or self.http_url is None:
                line = await asyncio.wait_for(self.proc.stdout.readline(), STEP)
                if not line:
                    break
                text = line.decode(errors="replace")
                self.stdout_lines.append(text)
                m = re.search(r"ws://\S+", text)
                if m:
                    self.url = m.group(0)
                m = re.search(r"http://\S+", text)
                if m:
                    self.http_url = m.group(0)
        except asyncio.TimeoutError:
            pass
        if self.url is None:
            await self.stop()
            raise Fail(f"server {self.args} printed no ws:// URL; stdout: "
                       f"{''.join(self.stdout_lines)!r}; stderr: {self.stderr_text()!r}")
        self.drain = asyncio.create_task(self._drain())
        return self

    async def _drain(self):
        try:
            while await self.proc.stdout.read(65536):
                pass
        except Exception:
            pass

    def stderr_text(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    async def stop(self):
        """Makes sure the process is gone (SIGTERM, then SIGKILL)."""
        if self.proc is not None and self.proc.returncode is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(self.proc.wait(), 3)
            except (asyncio.TimeoutError, ProcessLookupError):
                pass
            if self.proc.returncode is None:
                try:
                    self.proc.kill()
                except ProcessLookupError:
                    pass
                await asyncio.wait_for(self.proc.wait(), 5)
        if self.drain is not None:
            self.drain.cancel()
            try:
                await self.drain
            except BaseException:
                pass
            self.drain = None

    async def __aenter__(self):
        return await self.start()

    async def __aexit__(self, *exc):
        await self.stop()
        self.stderr.close()


def connect(url, **kwargs):
    kwargs.setdefault("open_timeout", STEP)
    kwargs.setdefault("close_timeout", 2)
    kwargs.setdefault("ping_interval", None)
    kwargs.setdefault("max_queue", None)
    return websockets.connect(url, **kwargs)


async def recv(ws, timeout=STEP):
    return await asyncio.wait_for(ws.recv(), timeout)




async def run_one(tap, description, factory, limit=TEST_LIMIT):
    try:
        result = factory()
        if asyncio.iscoroutine(result):
            await asyncio.wait_for(result, limit)
        tap.add(True, description)
    except Fail as e:
        tap.add(False, description, str(e))
    except asyncio.TimeoutError:
        tap.add(False, description, f"timed out after {limit} s")
    except websockets.ConnectionClosed as e:
        tap.add(False, description, f"connection closed unexpectedly: {e}")
    except Exception as e:
        tap.add(False, description, "".join(traceback.format_exception(e)))

