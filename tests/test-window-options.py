#!/usr/bin/env python3
"""The window honours the server options of its command line: started as
`stockpush --port P --symbols AAA,BBB` (settings saying another port and the default
symbols), its built-in server serves AAA and BBB on P, nothing on the settings' port,
and its own viewer watches it; a bad value is refused before any window opens.
Loopback only; every wait is bounded; the app is stopped at the end."""
import asyncio
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sptest import BIN, Tap, Window, free_port, in_session, port_open, wait_until  # noqa: E402

import websockets  # noqa: E402


async def read_stream(port):
    """The welcome and the symbols of the first ticks a client gets on port."""
    async with websockets.connect(f"ws://127.0.0.1:{port}/", open_timeout=10) as ws:
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
        seen = set()
        for _ in range(8):
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            for tick in message.get("ticks", [message]):
                if "symbol" in tick:
                    seen.add(tick["symbol"])
        return welcome, seen


def main():
    status = in_session(__file__)
    if status is not None:
        return status

    tap = Tap()
    bad = subprocess.run([BIN, "--port", "99999"], capture_output=True, text=True, timeout=20,
                         stdin=subprocess.DEVNULL)
    tap.add(bad.returncode == 2 and "port" in bad.stderr,
            "window mode refuses --port 99999 with exit status 2, naming the option",
            f"exit {bad.returncode}, stderr {bad.stderr[-400:]!r}")

    settings_port, port = free_port(), free_port()
    app = Window({"server-port": settings_port}, ["--port", str(port), "--symbols", "AAA,BBB"])
    try:
        up = wait_until(lambda: port_open(port))
        tap.add(up is not None, f"the window's server listens on --port {port}", "")
        tap.add(not port_open(settings_port),
                f"and not on the settings' port {settings_port}", "")
        if up:
            welcome, seen = asyncio.run(read_stream(port))
            tap.add(welcome.get("symbols") == ["AAA", "BBB"],
                    "its welcome lists the --symbols AAA, BBB", f"welcome {welcome}")
            tap.add(seen == {"AAA", "BBB"}, "its ticks are AAA and BBB", f"seen {seen}")
            # Our client has gone: a connection still open to the port is the viewer's.
            count = wait_until(lambda: clients(port) >= 1 or None, 10)
            tap.add(count is not None, "the window's viewer watches the server on --port",
                    f"clients {clients(port)}")
    finally:
        warnings = app.stop()
        tap.add(not warnings, "the app logged no warnings or criticals", "\n".join(warnings[:5]))
    return tap.finish()


def clients(port):
    """Established TCP connections to port on loopback (from /proc/net/tcp{,6})."""
    n = 0
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "01" and int(fields[2].rsplit(":", 1)[1], 16) == port:
                n += 1
    return n


if __name__ == "__main__":
    sys.exit(main())
