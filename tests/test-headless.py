#!/usr/bin/python3
"""`stockpush --headless` as a process: its printed URLs, its stderr log, stopping on
SIGTERM/SIGINT (clients get 1001, exit 0 within a second), plain HTTP on the same
port, --help, refusal of bad option values (exit 2), a port already in use, and an
immediate restart on the same port.

TAP output. Loopback only; every wait is bounded; every process is killed at the end.
Needs STOCKPUSH_BIN (set by meson)."""
import asyncio
import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import time
import traceback

import websockets

from sptest import BIN, STEP, Fail, Server, Tap, check, connect, recv, run_one

STOP_LIMIT = 1.0  # the spec: exit within a second of SIGINT/SIGTERM


async def receive_ticks(ws, n=2):
    """Reads frames until n tick/ticks frames have arrived."""
    got = 0
    for _ in range(100):
        m = await recv(ws)
        if isinstance(m, str) and ('"type":"tick' in m):
            got += 1
            if got >= n:
                return
    raise Fail("no ticks among 100 frames")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_binary(args, timeout=STEP * 2):
    """Runs the binary to completion (killed after timeout); returns CompletedProcess."""
    try:
        return subprocess.run([BIN, *args], stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise Fail(f"{args} did not exit within {timeout} s; stdout {e.stdout!r:.300}; "
                   f"stderr {e.stderr!r:.300}")


async def wait_stderr_growth(server, before, what, timeout=STEP):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = server.stderr_text()
        if len(text) > before and text.endswith("\n"):
            return text[before:]
        await asyncio.sleep(0.02)
    raise Fail(f"nothing logged on stderr within {timeout} s after {what}; "
               f"stderr so far: {server.stderr_text()!r}")


# --- tests ---------------------------------------------------------------------

async def test_urls_and_log(server):
    check(server.http_url is not None,
          f"no http:// URL printed: {''.join(server.stdout_lines)!r}")
    ws = re.fullmatch(r"ws://127\.0\.0\.1:(\d+)/", server.url)
    web = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/", server.http_url)
    check(ws, f"WebSocket URL {server.url!r} is not ws://127.0.0.1:PORT/")
    check(web, f"web page URL {server.http_url!r} is not http://127.0.0.1:PORT/")
    check(ws.group(1) == web.group(1), f"ports differ: {server.url} vs {server.http_url}")
    check(0 < int(ws.group(1)) < 65536 and ws.group(1) != "0",
          f"--port 0 printed port {ws.group(1)}")
    joined = "".join(server.stdout_lines)
    check(re.search(r"^  WebSocket: ws://\S+$", joined, re.M)
          and re.search(r"^  Web page:  http://\S+$", joined, re.M),
          f"stdout lacks the '  WebSocket: …' / '  Web page:  …' lines: {joined!r}")

    before = len(server.stderr_text())
    async with connect(server.url) as ws_conn:
        await receive_ticks(ws_conn, 1)
        logged = await wait_stderr_growth(server, before, "a client connected")
        before = len(server.stderr_text())
    await wait_stderr_growth(server, before, "a client disconnected")
    check(logged.strip(), "empty connect log line")


async def stop_with(signum):
    server = Server("--interval-ms", "50")
    await server.start()
    try:
        async with connect(server.url) as ws:
            await receive_ticks(ws, 2)
            t0 = time.monotonic()
            server.proc.send_signal(signum)
            closed = None
            try:
                for _ in range(1000):
                    await recv(ws, 2.0)
            except websockets.ConnectionClosed as e:
                closed = e
            except asyncio.TimeoutError:
                raise Fail(f"the client was not closed within 2 s of {signum.name}")
            check(closed is not None, f"the client was not closed after {signum.name}")
            try:
                rc = await asyncio.wait_for(server.proc.wait(), 3.0)
            except asyncio.TimeoutError:
                raise Fail(f"the process did not exit within 3 s of {signum.name}")
            elapsed = time.monotonic() - t0
            check(closed.rcvd is not None,
                  f"no close frame received (connection dropped): {closed}; "
                  f"stderr: {server.stderr_text()!r}")
            check(closed.rcvd.code == 1001,
                  f"close code {closed.rcvd.code} ({closed.rcvd.reason!r}), expected 1001")
            check(rc == 0, f"exit status {rc} after {signum.name}, expected 0; "
                           f"stderr: {server.stderr_text()[-500:]!r}")
            check(elapsed <= STOP_LIMIT,
                  f"exited {elapsed:.3f} s after {signum.name}, more than {STOP_LIMIT} s")
    finally:
        await server.stop()
        server.stderr.close()


async def test_http_get(server):
    m = re.match(r"http://([^:/]+):(\d+)/", server.http_url or "")
    check(m, f"no http URL: {server.http_url!r}")

    def get():
        conn = http.client.HTTPConnection(m.group(1), int(m.group(2)), timeout=STEP)
        try:
            conn.request("GET", "/")
            r = conn.getresponse()
            return r.status, r.getheader("Content-Type", ""), r.read()
        finally:
            conn.close()

    status, ctype, body = await asyncio.wait_for(asyncio.to_thread(get), STEP + 1)
    check(status == 200, f"GET / answered {status}")
    check(re.match(r"\s*text/html\s*(;|$)", ctype, re.I), f"Content-Type is {ctype!r}")
    check(re.search(r"charset\s*=\s*\"?utf-8", ctype, re.I),
          f"Content-Type {ctype!r} does not say charset=utf-8")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Fail(f"body is not UTF-8: {e}")
    check("StockPush" in text, f"body does not contain 'StockPush': {text[:300]!r}")


def test_help():
    r = run_binary(["--help"])
    check(r.returncode == 0, f"--help exited {r.returncode}; stderr {r.stderr!r:.300}")
    missing = [o for o in ["--headless", "--port", "--bind", "--interval-ms", "--symbols",
                           "--format", "--on-message", "--seed"] if o not in r.stdout]
    check(not missing, f"--help does not mention {missing}: {r.stdout!r:.2000}")


def bad_value(option, value, *extra):
    r = run_binary(["--headless", *extra, option, value])
    check(r.returncode == 2, f"{option} {value!r}: exit status {r.returncode}, expected 2; "
                             f"stdout {r.stdout!r:.300}; stderr {r.stderr!r:.300}")
    name = option.lstrip("-")
    check(re.search(r"(?<![\w-])(?:--)?" + re.escape(name) + r"(?![\w-])", r.stderr, re.I),
          f"{option} {value!r}: stderr does not name the option: {r.stderr!r:.500}")
    check("ws://" not in r.stdout, f"{option} {value!r}: the server started anyway: {r.stdout!r}")
    check("CRITICAL" not in r.stderr and "WARNING" not in r.stderr,
          f"{option} {value!r}: GLib warnings on stderr: {r.stderr!r:.500}")


def test_port_in_use():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = run_binary(["--headless", "--port", str(port)])
    check(r.returncode != 0, f"started on a port in use (exit 0); stdout {r.stdout!r:.300}")
    check(0 < r.returncode < 128,
          f"exit status {r.returncode} looks like a crash; stderr {r.stderr!r:.500}")
    check(re.search(r"in use", r.stderr, re.I),
          f"stderr does not say the port is in use: {r.stderr!r:.500}")
    check(str(port) in r.stderr, f"stderr does not name port {port}: {r.stderr!r:.500}")
    check("CRITICAL" not in r.stderr, f"GLib criticals on stderr: {r.stderr!r:.500}")


async def test_restart_same_port():
    port = free_port()
    first = Server("--port", str(port), "--interval-ms", "50")
    second = None
    try:
        await first.start()
        check(first.url == f"ws://127.0.0.1:{port}/", f"first run printed {first.url}")
        ws = await connect(first.url)
        try:
            await receive_ticks(ws, 1)
            first.proc.send_signal(signal.SIGTERM)
            try:
                rc = await asyncio.wait_for(first.proc.wait(), 3.0)
            except asyncio.TimeoutError:
                raise Fail("first run did not exit within 3 s of SIGTERM")
            check(rc == 0, f"first run exited {rc}")
        finally:
            await asyncio.wait_for(ws.close(), STEP)
        second = Server("--port", str(port), "--interval-ms", "50")
        try:
            await second.start()
        except Fail as e:
            raise Fail(f"restart on port {port} failed: {e}")
        check(second.url == f"ws://127.0.0.1:{port}/", f"second run printed {second.url}")
        async with connect(second.url) as ws2:
            await receive_ticks(ws2, 1)
    finally:
        await first.stop()
        first.stderr.close()
        if second is not None:
            await second.stop()
            second.stderr.close()


async def answer_to_since(ws, since, market=None):
    """The "subscribed" that answers a subscribe with @since (and @market)."""
    command = {"type": "subscribe", "symbols": ["*"], "since": since}
    if market is not None:
        command["market"] = market
    await ws.send(json.dumps(command))
    for _ in range(1000):
        m = json.loads(await recv(ws))
        if m.get("type") == "subscribed":
            return m
    raise Fail("no answer to subscribe with since")


async def test_market_identity():
    """Seqs of one market are not taken for another's: a server started anew with another
    seed has another "market" in its welcome, and a client that names the old one is told
    "recovered":false though the new ring holds the same seqs; without a market, as
    before; with the new one's, recovered."""
    first = Server("--interval-ms", "20", "--seed", "1")
    second = Server("--interval-ms", "20", "--seed", "2")
    try:
        await first.start()
        async with connect(first.url) as ws:
            welcome = json.loads(await recv(ws))
            last = {}
            while len(last) < 5 or min(last.values()) < 10:
                m = json.loads(await recv(ws))
                for t in m.get("ticks", [m]):
                    if t.get("type") == "tick":
                        last[t["symbol"]] = t["seq"]
            await ws.send(json.dumps({"type": "hello"}))
            while (m := json.loads(await recv(ws))).get("type") != "welcome":
                pass
            check(m.get("market") == welcome.get("market"),
                  f"the market changed on one server: {welcome} then {m}")
        market = welcome.get("market")
        check(isinstance(market, str) and market, f"no market in the welcome: {welcome}")
        await first.stop()

        await second.start()
        async with connect(second.url) as ws:
            other = json.loads(await recv(ws)).get("market")
            check(other and other != market, f"the same market after a new start: {other}")
            newest = 0
            while newest < max(last.values()) + 5:
                m = json.loads(await recv(ws))
                for t in m.get("ticks", [m]):
                    if t.get("type") == "tick":
                        newest = max(newest, t["seq"])
            answer = await answer_to_since(ws, last, market)
            check(answer.get("recovered") is False, f"another market's seqs recovered: {answer}")
            answer = await answer_to_since(ws, last)
            check(answer.get("recovered") is True, f"no market given: not as before: {answer}")
            answer = await answer_to_since(ws, last, other)
            check(answer.get("recovered") is True, f"its own market's seqs: {answer}")
    finally:
        for server in (first, second):
            await server.stop()
            server.stderr.close()


# --- driver --------------------------------------------------------------------


BAD_VALUES = [
    ("--port", "70000"), ("--port", "abc"), ("--port", "-1"),
    ("--interval-ms", "0"), ("--interval-ms", "3600001"),
    ("--format", "xml"), ("--on-message", "foo"), ("--symbols", ""),
    ("--bind", "not-an-ip"), ("--seed", "abc"),
    ("--trusted-proxy", "10.0.0.0/33"), ("--trusted-proxy", "proxy.example"),
]
# The terminal viewer's: nothing is connected to (port 9 is never listened on here).
VIEWER = ("--connect", "ws://127.0.0.1:9/")
BAD_VIEWER_VALUES = [
    ("--price-field", "data["), ("--symbol-field", "channel~("), ("--feed", "nope"),
    ("--feed-key", ""),
]


async def main(tap):
    server = Server("--interval-ms", "50")

    async def start_and_check():
        await server.start()
        await test_urls_and_log(server)

    try:
        await run_one(tap, "starts with --port 0 and prints its ws:// and http:// URLs; "
                           "connect and disconnect are logged on stderr",
                      start_and_check)
        await run_one(tap, "GET / without Upgrade: 200, text/html; charset=utf-8, "
                           "mentions StockPush",
                      lambda: test_http_get(server))
    finally:
        await server.stop()
        server.stderr.close()

    await run_one(tap, "SIGTERM: the client gets close 1001, exit status 0 within 1 s",
                  lambda: stop_with(signal.SIGTERM))
    await run_one(tap, "SIGINT: the client gets close 1001, exit status 0 within 1 s",
                  lambda: stop_with(signal.SIGINT))
    await run_one(tap, "--help exits 0 and documents every option", test_help)
    for option, value in BAD_VALUES:
        await run_one(tap, f"{option} {value!r} is refused: exit 2, stderr names {option}",
                      lambda o=option, v=value: bad_value(o, v))
    for option, value in BAD_VIEWER_VALUES:
        extra = VIEWER + (("--feed", "alpaca") if option == "--feed-key" else ())
        await run_one(tap, f"--connect with {option} {value!r} is refused: exit 2, stderr names "
                           f"{option}", lambda o=option, v=value, e=extra: bad_value(o, v, *e))
    await run_one(tap, "a port already in use: non-zero exit, stderr says it is in use",
                  test_port_in_use)
    await run_one(tap, "immediate restart on the same fixed port after SIGTERM works",
                  test_restart_same_port)
    await run_one(tap, "a market started anew names another market: its seqs are not "
                       "recovered for a client of the old one", test_market_identity)


if __name__ == "__main__":
    tap = Tap()
    try:
        asyncio.run(asyncio.wait_for(main(tap), 100))
    except BaseException as e:
        tap.add(False, "test driver finished", "".join(traceback.format_exception(e)))
    sys.exit(tap.finish())
