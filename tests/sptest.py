"""Shared pieces of the Python tests: TAP output, bounded waits, and
`stockpush --headless` as a process. Loopback only; every process is stopped."""
import asyncio
import base64
import os
import re
import signal
import struct
import sys
import tempfile
import time
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
        # "not ok … # TODO reason" is a known failure: reported, not fatal.
        return 0 if self.results and all(ok or "# TODO" in description
                                         for ok, description, _ in self.results) else 1


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


# --- raw WebSocket pieces and a server whose log is kept ------------------------

class LoggingServer(Server):
    """A headless server whose log (stderr) is kept, to see clients come and go."""

    def __init__(self, *args, fatal_warnings=True):
        super().__init__(*args)
        self.log = []
        self.log_task = None
        self.fatal_warnings = fatal_warnings

    async def start(self):
        # Under AddressSanitizer, freed memory waits in a quarantine (256 MiB by
        # default) that would read as growth: keep it small so RSS means something.
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1"
        if not self.fatal_warnings:
            env.pop("G_DEBUG", None)
        self.proc = await asyncio.create_subprocess_exec(
            BIN, *self.args, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
        self.log_task = asyncio.create_task(self._read_log())
        while self.url is None:
            line = await asyncio.wait_for(self.proc.stdout.readline(), 5)
            if not line:
                await self.stop()
                raise Fail(f"server {self.args} printed no URL; log: {self.log}")
            m = re.search(r"ws://\S+", line.decode())
            if m:
                self.url = m.group(0)
        self.drain = asyncio.create_task(self._drain())
        return self

    async def _read_log(self):
        try:
            while True:
                line = await self.proc.stderr.readline()
                if not line:
                    break
                self.log.append((time.monotonic(), line.decode(errors="replace")))
        except Exception:
            pass

    async def stop(self):
        await super().stop()
        if self.log_task is not None:
            self.log_task.cancel()

    @property
    def port(self):
        return int(re.search(r":(\d+)/", self.url).group(1))

    def connected(self):
        return sum(1 for _, line in self.log if " connected from " in line)

    def left(self):
        return [(t, line) for t, line in self.log if " left: " in line]

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


async def raw_request(port, lines, read_body=True):
    """Sends a raw HTTP request; returns (status, headers text, reader, writer)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    status = int(head.split(b" ", 2)[1])
    return status, head.decode(errors="replace"), reader, writer


def upgrade_lines(port, path="/", origin=None, host=None, extra=()):
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: {host or f'127.0.0.1:{port}'}",
             "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    lines.extend(extra)
    return lines


async def upgrade_status(port, **kwargs):
    status, head, reader, writer = await raw_request(port, upgrade_lines(port, **kwargs))
    ticks = False
    if status == 101:
        # A real connection: its first frames are the welcome, then ticks.
        data = await asyncio.wait_for(reader.read(65536), 5)
        ticks = b'"type":"welcome"' in data or b'"type":"tick' in data
    writer.transport.abort()
    return status, ticks


def masked_frame(opcode, payload, declared=None):
    mask = os.urandom(4)
    length = len(payload) if declared is None else declared
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + body


async def read_close(reader, timeout):
    """Reads server frames until a close frame; returns (code, reason)."""
    deadline = time.monotonic() + timeout
    buffer = b""
    while time.monotonic() < deadline:
        try:
            chunk = await asyncio.wait_for(reader.read(65536), deadline - time.monotonic())
        except asyncio.TimeoutError:
            break
        if not chunk:
            break
        buffer += chunk
        while len(buffer) >= 2:
            opcode = buffer[0] & 0x0F
            length = buffer[1] & 0x7F
            offset = 2
            if length == 126:
                if len(buffer) < 4:
                    break
                length = struct.unpack("!H", buffer[2:4])[0]
                offset = 4
            elif length == 127:
                if len(buffer) < 10:
                    break
                length = struct.unpack("!Q", buffer[2:10])[0]
                offset = 10
            if len(buffer) < offset + length:
                break
            payload = buffer[offset:offset + length]
            buffer = buffer[offset + length:]
            if opcode == 8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                return code, payload[2:].decode(errors="replace")
    return None, None


# --- the window, as launched from the menu -----------------------------------

def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    import socket
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(predicate, timeout=15, step=0.1):
    """Polls predicate until it returns something true (returned) or timeout (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def in_session(script):
    """None inside a session bus and an X display of the test's own; otherwise re-runs
    script inside them and returns its exit status (0 with a SKIP when they are missing)."""
    import shutil
    import subprocess
    if "--inside" in sys.argv:
        # The TAP stream comes back on the descriptor the outer run kept for it.
        tap_fd = os.environ.pop("SPTEST_TAP_FD", None)
        if tap_fd is not None:
            sys.stdout.flush()
            os.dup2(int(tap_fd), 1)
            os.close(int(tap_fd))
        return None
    if not shutil.which("dbus-run-session") or not shutil.which("Xvfb"):
        print("1..0 # SKIP dbus-run-session or Xvfb is missing")
        return 0
    with_xvfb = os.path.join(os.path.dirname(os.path.abspath(__file__)), "with-xvfb.py")
    # What the bus's services print (at-spi's launcher, started for Chromium, announces
    # itself) goes to stderr; only the script writes to the TAP stream.
    sys.stdout.flush()
    tap_fd = os.dup(1)
    try:
        return subprocess.call(["dbus-run-session", "--", sys.executable, with_xvfb,
                                sys.executable, script, "--inside"],
                               stdout=sys.stderr, pass_fds=(tap_fd,),
                               env=dict(os.environ, SPTEST_TAP_FD=str(tap_fd)))
    finally:
        os.close(tap_fd)


class Window:
    """The app in window mode with settings in a key file of its own (GSettings keys
    as given), started with args; stop() ends it and returns its warnings."""

    def __init__(self, settings, args=()):
        import subprocess
        self.home = tempfile.mkdtemp(prefix="stockpush-window-")
        conf = os.path.join(self.home, "config", "glib-2.0", "settings")
        os.makedirs(conf)
        with open(os.path.join(conf, "keyfile"), "w") as f:
            f.write("[com/example/StockPush]\n")
            for key, value in settings.items():
                f.write(f"{key}={value}\n")
        env = dict(os.environ, GSETTINGS_BACKEND="keyfile",
                   XDG_CONFIG_HOME=os.path.join(self.home, "config"),
                   XDG_DATA_HOME=os.path.join(self.home, "data"), HOME=self.home)
        self.proc = subprocess.Popen([BIN, *args], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def stop(self):
        import shutil
        import subprocess
        self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        shutil.rmtree(self.home, ignore_errors=True)
        return [line for line in out.decode(errors="replace").splitlines()
                if re.search(r"CRITICAL|WARNING|AddressSanitizer|runtime error", line)]
