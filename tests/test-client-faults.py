#!/usr/bin/env python3
"""StockPush's stream client (`stockpush --headless --connect URL --reconnect`) when the
server fails it: a text frame that is not UTF-8, a close frame with code 0 or 1005
(neither may be on the wire), a pong over 125 bytes, one message in endless
fragments, the registered close codes 1012-1014 (normal closes), an endless stream of
1 MiB frames, and the real StockPush server killed with SIGKILL mid-stream and started
again on the same port.

What must hold: the client says what went wrong (its close code on the wire and on
its status line), keeps running, reconnects with backoff and reads prices again; under
the flood its memory stays bounded and it keeps working; it never crashes.

TAP output. Loopback only; every wait is bounded; every process is stopped at the end.
Needs STOCKPUSH_BIN (set by meson)."""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

from sptest import Tap

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
STOCKPUSH = os.environ["STOCKPUSH_BIN"]
MIB = 1024 * 1024

FLOOD_SECONDS = 16       # how long the misbehaving server floods
RSS_WINDOW = 10.0        # seconds of RSS sampling during the flood
RSS_GROWTH_LIMIT = 64    # MiB the client may grow by over that window
RSS_ABORT = 512          # MiB of growth at which the client is killed to spare the machine
# MiB the server must have written in the window for it to count. How much arrives
# varies: the client cuts a flood that starves its main loop off (1008) and reconnects
# after its backoff, more often on a slow (ASan) build; the RSS bound is at most half
# of what was offered, so a client that kept what it read would still fail.
MIN_OFFERED = 32
STOP_LIMIT = 3.0         # seconds from SIGTERM to exit

tap = Tap()
notes = []


def note(text):
    notes.append(text)


class Proc:
    """A process whose stdout and stderr lines are collected, each with its monotonic time."""

    def __init__(self, argv, env=None):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.out = []
        self.err = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._read, args=(self.proc.stdout, self.out),
                                         daemon=True),
                        threading.Thread(target=self._read, args=(self.proc.stderr, self.err),
                                         daemon=True)]
        for t in self.threads:
            t.start()

    def _read(self, stream, lines):
        for raw in iter(stream.readline, b""):
            with self.lock:
                lines.append((time.monotonic(), raw.decode("utf-8", "replace").rstrip("\n")))

    def lines(self, which="out", since=0.0):
        with self.lock:
            return [text for t, text in getattr(self, which) if t >= since]

    def timed(self, which="out"):
        with self.lock:
            return list(getattr(self, which))

    def wait_for(self, pattern, which="out", timeout=5.0, count=1, since=0.0):
        """The first line matching pattern once count lines match; None after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in (re.search(pattern, text) for text in self.lines(which, since)) if m]
            if len(found) >= count:
                return found[count - 1]
            if time.monotonic() >= deadline or (self.proc.poll() is not None and self._done()):
                return None
            time.sleep(0.02)

    def _done(self):
        return not any(t.is_alive() for t in self.threads)

    def stop(self, sig=signal.SIGTERM, timeout=STOP_LIMIT):
        """Sends sig; returns (exit status, seconds it took), status None if still running."""
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None, time.monotonic() - start
        return self.proc.returncode, time.monotonic() - start

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for t in self.threads:
            t.join(5)

    def rss_mib(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except (FileNotFoundError, ProcessLookupError):
            pass
        return None


def start_misbehaving(scenario, seconds=None):
    env = dict(os.environ)
    if seconds is not None:
        env["MISBEHAVING_ENDLESS_SECONDS"] = str(seconds)
    server = Proc([PYTHON, os.path.join(HERE, "peers", "misbehaving_server.py"), scenario], env)
    m = server.wait_for(r"ws://\S+", timeout=10)
    if m is None:
        server.kill()
        raise RuntimeError(f"the misbehaving server printed no URL: {server.lines('err')}")
    return server, m.group(0)


def start_client(url, verbose=True, extra=()):
    env = dict(os.environ)
    # Under AddressSanitizer freed memory waits in a quarantine (256 MiB by default)
    # that would read as growth: keep it small so RSS means something.
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1"
    return Proc([STOCKPUSH, "--headless", "--connect", url, "--reconnect"]
                + (["--verbose"] if verbose else []) + list(extra), env)


def no_crash_signs(proc):
    bad = [line for line in proc.lines("err")
           if re.search(r"CRITICAL|WARNING|ERROR:|AddressSanitizer|LeakSanitizer|runtime error"
                        r"|Segmentation|Aborted", line)]
    return not bad, bad[:5]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def short(lines, n=12):
    return "\n".join(line[:200] for line in lines[-n:])


# --- invalid UTF-8 and the close codes that must never be on the wire -----------

FRAGMENT_LIMIT = 1024 * 1024   # the client's --max-message-size for the fragment flood

FAULTS = {
    # scenario: (its price, the close code the client must send on the wire, the code
    # it must show, and the reason shown)
    "bad-utf8": ("103.00", 1007, 1007, "the server sent a text message that is not valid UTF-8"),
    "close-0": ("108.00", 1002, 1002, "the server broke the WebSocket protocol"),
    "close-1005": ("109.00", 1002, 1002, "the server broke the WebSocket protocol"),
    "pong-126": ("111.00", 1002, 1002,
                 "the server broke the WebSocket protocol: A control frame longer than 125 bytes"),
    "fragments": ("112.00", 1009, 1009, "the server sent a message larger than this connection "
                  f"accepts ({FRAGMENT_LIMIT} bytes)"),
    # Registered codes: a normal close with that meaning (libsoup 3.2 alone took them
    # for protocol errors and answered 1002); the client answers 1000 and reconnects.
    "close-1012": ("113.00", 1000, 1012, "restarting"),
    "close-1013": ("114.00", 1000, 1013, "busy"),
    "close-1014": ("115.00", 1000, 1014, "upstream"),
}


def test_fault(scenario):
    price, code, shown_code, reason = FAULTS[scenario]
    server, url = start_misbehaving(scenario)
    client = start_client(url, extra=["--max-message-size", str(FRAGMENT_LIMIT)])
    try:
        # Two connections, each ending in the fault: the client must come back by itself.
        replies = server.wait_for(r"client (close \S+|closed|sent no)", count=2, timeout=10)
        client.wait_for(re.escape(price), count=2, timeout=3)
        status, took = client.stop()
        wire = re.findall(r"client (close \S+|closed the connection without a close frame"
                          r"|sent no close)", "\n".join(server.lines()))
        prices = [line.split()[-1] for line in client.lines()]
        shown = [line for line in client.lines("err") if line.startswith("Connection closed")]
        note(f"{scenario}: the client answered {wire} on the wire; its status lines: {shown[:2]}; "
             f"prices {prices}")

        tap.add(replies is not None and len(wire) >= 2,
                f"{scenario}: the server saw two connections end (the client reconnected)",
                f"server: {short(server.lines())}\nclient: {short(client.lines('err'))}")
        tap.add(wire and all(w == f"close {code}" for w in wire),
                f"{scenario}: the client answers with close code {code} on the wire",
                f"what the server read back: {wire}")
        tap.add(prices.count(price) >= 2 and all(p == price for p in prices),
                f"{scenario}: the price before the fault is read on every connection, "
                f"nothing else is", f"prices: {prices}")
        expected = f"Connection closed: code {shown_code}, {reason}; reconnecting in "
        tap.add(len(shown) >= 2 and all(line.startswith(expected) for line in shown),
                f"{scenario}: the status line says 'code {shown_code}, {reason}' and that it "
                f"reconnects", f"status lines: {shown}\nexpected each to start with {expected!r}")
        if code == shown_code:
            logged = [line for line in client.lines("err") if re.search(r"→ close \d+ B", line)]
            close_reason = "Message too big" if code == 1009 else reason.split(": ")[-1]
            tap.add(logged and all(f"code {code} " in line and close_reason in line
                                   for line in logged),
                    f"{scenario}: the frame log shows the client's close {code} and why",
                    f"logged closes: {logged}")
        tap.add(status == 0, f"{scenario}: the client kept running and exits 0 on SIGTERM "
                f"(exit {status}, {took:.1f} s)", short(client.lines("err")))
        ok, bad = no_crash_signs(client)
        tap.add(ok, f"{scenario}: no warnings, criticals or sanitizer reports", "\n".join(bad))
    finally:
        client.kill()
        server.kill()


# --- an endless stream of 1 MiB frames --------------------------------------------

def server_written(server):
    """Bytes the flooding server has written so far, over all its connections (each
    reports its own running total)."""
    latest = {}
    for label, written in re.findall(r"^(.*?): endless: \d+ frames, (\d+) bytes",
                                     "\n".join(server.lines()), re.M):
        latest[label] = int(written)
    return sum(latest.values())


def test_endless():
    server, url = start_misbehaving("endless", FLOOD_SECONDS)
    client = start_client(url, verbose=False)   # a user's run: prices on stdout only
    started = time.monotonic()
    try:
        first = client.wait_for(r"FLOOD\s+\d", timeout=5)
        tap.add(client.wait_for(r"110\.00", timeout=0) is not None and first is not None,
                "endless: the price before the flood and the first flood frame are read",
                f"stdout: {short(client.lines())}\nstderr: {short(client.lines('err'))}")
        if first is None:
            return
        server.wait_for(r"endless: \d+ frames", timeout=3)

        base_rss = client.rss_mib()
        base_written = server_written(server)
        t0 = time.monotonic()
        peak = base_rss
        samples = []
        aborted = False
        while time.monotonic() - t0 < RSS_WINDOW:
            time.sleep(0.2)
            rss = client.rss_mib()
            if rss is None:
                break
            samples.append((time.monotonic() - t0, rss))
            peak = max(peak, rss)
            if peak - base_rss > RSS_ABORT:
                aborted = True
                break
        t1 = time.monotonic()
        offered = (server_written(server) - base_written) / MIB
        flood_prices = [text for t, text in client.timed() if "FLOOD" in text]
        late_prices = [text for t, text in client.timed()
                       if "FLOOD" in text and t >= t0 + (t1 - t0) / 2]
        alive = client.proc.poll() is None
        note(f"endless: RSS {base_rss:.0f} MiB at the start of the window, peak {peak:.0f} MiB "
             f"(+{peak - base_rss:.0f} MiB) over {t1 - t0:.1f} s, while the server wrote "
             f"{offered:.0f} MiB; the client printed {len(flood_prices)} flood prices in all, "
             f"{len(late_prices)} in the second half of the window"
             + ("; stopped early: the client grew past the abort limit" if aborted else ""))
        cut_off = [text for text in client.lines("err") if "without a pause" in text]
        note(f"endless: the client cut the flood off {len(cut_off)} time(s) for starving its "
             "main loop (1008), then reconnected")
        note("endless: RSS samples (s, MiB): "
             + " ".join(f"{t:.0f}:{r:.0f}" for t, r in samples[4::5]))

        tap.add(alive, "endless: the client is still running during the flood",
                f"exit {client.proc.returncode}; stderr: {short(client.lines('err'))}")
        tap.add(offered >= MIN_OFFERED,
                f"endless: the server wrote at least {MIN_OFFERED} MiB during the "
                f"{RSS_WINDOW:.0f} s window ({offered:.0f} MiB)")
        limit = min(RSS_GROWTH_LIMIT, offered / 2)
        tap.add(not aborted and peak - base_rss < limit,
                f"endless: the client's RSS grows by less than {limit:.0f} MiB "
                f"over the window (+{peak - base_rss:.0f} MiB, {base_rss:.0f} → {peak:.0f} MiB, "
                f"{offered:.0f} MiB offered)",
                "the messages read are kept somewhere instead of being handled and freed")
        tap.add(late_prices, "endless: the client still prints prices in the second half of the "
                f"window ({len(late_prices)} there, {len(flood_prices)} in all)",
                f"last stdout lines: {short(client.lines(), 3)}")

        status, took = client.stop(signal.SIGTERM, STOP_LIMIT)
        note("endless: SIGTERM during the flood: "
             + (f"exit {status} after {took:.1f} s" if status is not None
                else f"still running after {took:.1f} s"))
        # libsoup 3.2.3 reads in soup_websocket_connection_read() until the socket would
        # block, so while a server writes faster than the client reads, the main loop
        # gets no turn: no signal source (SIGTERM), no timer, no repaint. The client cuts
        # such a server off (1008) once its main loop has not run for 2 s.
        tap.add(status is not None,
                f"endless: the client stops within {STOP_LIMIT:.0f} s of SIGTERM during the flood",
                f"still running {took:.1f} s after SIGTERM")
        if aborted:
            client.kill()
            tap.add(True, "endless: the client exits 0 on SIGTERM once the flood is over "
                    "# SKIP it was killed for growing past the abort limit")
            return
        if status is None:
            rest = max(0.0, started + FLOOD_SECONDS + 10 - time.monotonic())
            try:
                client.proc.wait(rest)
                status = client.proc.returncode
            except subprocess.TimeoutExpired:
                status = None
            note(f"endless: after SIGTERM the client exited {status} "
                 f"{time.monotonic() - t1:.1f} s later; the server's end: "
                 f"{server.lines()[-1] if server.lines() else '?'}")
        tap.add(status == 0, f"endless: the client exits 0 on SIGTERM, at the latest once the "
                f"flood is over (exit {status})", short(client.lines("err")))
        ok, bad = no_crash_signs(client)
        tap.add(ok, "endless: no warnings, criticals or sanitizer reports", "\n".join(bad))
    finally:
        client.kill()
        server.kill()


# --- one message in endless fragments, RSS watched ---------------------------------

def test_fragments_memory():
    """Each connection gets one text message in 60 KB continuation frames that never
    end; the client must close each at its limit (1 MiB here), reconnect, and its RSS
    stay flat for 10 s. (libsoup 3.2 alone kept every fragment: +786 MiB in 5 s.)"""
    server, url = start_misbehaving("fragments", FLOOD_SECONDS)
    client = start_client(url, verbose=False, extra=["--max-message-size", str(FRAGMENT_LIMIT)])
    try:
        server.wait_for(r"fragments: \d+ frames", timeout=5)
        base_rss = client.rss_mib()
        peak = base_rss
        t0 = time.monotonic()
        while time.monotonic() - t0 < RSS_WINDOW and base_rss is not None:
            time.sleep(0.2)
            rss = client.rss_mib()
            if rss is None:
                break
            peak = max(peak, rss)
            if peak - base_rss > RSS_ABORT:
                break
        closes = re.findall(r"client close (\d+)", "\n".join(server.lines()))
        offered = sum(int(n) for n in re.findall(r"fragments: \d+ frames, (\d+) bytes in",
                                                 "\n".join(server.lines()))) / MIB
        note(f"fragments: RSS {base_rss} → peak {peak} MiB over {RSS_WINDOW:.0f} s; "
             f"{len(closes)} connections closed by the client ({closes[:4]}), "
             f"{offered:.0f} MiB offered on those")
        alive = client.proc.poll() is None
        tap.add(alive and base_rss is not None, "fragments: the client is still running",
                short(client.lines("err")))
        tap.add(closes and all(c == "1009" for c in closes),
                f"fragments: every connection closed by the client with 1009 on the wire "
                f"({len(closes)})", "\n".join(server.lines()[-6:]))
        # At most one message's worth (1 MiB, in a buffer that may double), not the flood's.
        tap.add(base_rss is not None and peak - base_rss < 6,
                f"fragments: the client's RSS stays flat "
                f"(+{(peak or 0) - (base_rss or 0):.1f} MiB over {RSS_WINDOW:.0f} s, "
                f"{offered:.0f} MiB offered)")
        status, took = client.stop()
        tap.add(status == 0, f"fragments: the client exits 0 on SIGTERM ({status}, {took:.1f} s)")
        ok, bad = no_crash_signs(client)
        tap.add(ok, "fragments: no warnings, criticals or sanitizer reports", "\n".join(bad))
    finally:
        client.kill()
        server.kill()


# --- the real server killed with SIGKILL mid-stream ---------------------------------

def start_stockpush_server(port):
    server = Proc([STOCKPUSH, "--headless", "--port", str(port), "--interval-ms", "100"])
    m = server.wait_for(r"ws://\S+", timeout=10)
    if m is None:
        server.kill()
        raise RuntimeError(f"stockpush --headless --port {port} printed no URL: "
                           f"{short(server.lines('err'))}")
    return server, m.group(0)


def test_sigkill():
    port = free_port()
    first, url = start_stockpush_server(port)
    second = None
    client = start_client(url)
    try:
        tap.add(client.wait_for(r"\d\.\d{2,}$", count=5, timeout=5) is not None,
                "sigkill: the client reads prices from the real server",
                short(client.lines("err")))
        killed = time.monotonic()
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(5)
        before = len(client.lines())

        dropped = client.wait_for(r"^Connection closed: code 1006, the connection dropped "
                                  r"without a close frame; reconnecting in \d+ s", "err",
                                  timeout=3, since=killed)
        tap.add(dropped, "sigkill: the client reports 1006 (dropped without a close frame) "
                "and that it will reconnect", short(client.lines("err", killed)))

        time.sleep(max(0.0, killed + 1.0 - time.monotonic()))
        second, url2 = start_stockpush_server(port)
        restarted = time.monotonic()
        tap.add(url2 == url, f"sigkill: the server starts again on the same port ({url2})")

        back = client.wait_for(r"^Connected to ", "err", timeout=10, since=killed)
        resumed = client.wait_for(r"\d\.\d{2,}$", count=3, timeout=10, since=restarted)
        connected_at = [t for t, text in client.timed("err")
                        if t >= killed and text.startswith("Connected to ")]
        retries = [text for text in client.lines("err", killed) if "reconnecting in" in text]
        gap = connected_at[0] - killed if connected_at else None
        note(f"sigkill: after the kill the client said {retries}; it was connected again "
             + (f"{gap:.2f} s after the kill, " if gap is not None else "never, ")
             + f"{len(client.lines(since=restarted))} prices since the restart")
        tap.add(back and resumed, "sigkill: the client reconnects by itself and reads prices "
                "again from the restarted server",
                f"client stderr since the kill:\n{short(client.lines('err', killed))}")
        tap.add(second.wait_for(r"client #1 connected", "err", timeout=2) is not None,
                "sigkill: the restarted server logs the client's connection",
                short(second.lines("err")))
        # Backoff: the first retry comes after about a second (1 s ± 25 %), not at once,
        # and a server that is down gets a few attempts, not a loop.
        tap.add(gap is not None and gap >= 0.7,
                f"sigkill: the client waits for its backoff before reconnecting (connected again "
                f"{gap if gap is not None else -1:.2f} s after the kill, at least 0.7 s)")
        tap.add(1 <= len(retries) <= 3,
                f"sigkill: {len(retries)} retry announcements while the server was away (1 to 3)",
                "\n".join(retries))
        tap.add(len(client.lines()) > before, "sigkill: more prices than before the kill")
        status, took = client.stop()
        tap.add(status == 0, f"sigkill: the client exits 0 on SIGTERM (exit {status}, "
                f"{took:.1f} s)", short(client.lines("err")))
        ok, bad = no_crash_signs(client)
        tap.add(ok, "sigkill: no warnings, criticals or sanitizer reports", "\n".join(bad))
    finally:
        client.kill()
        first.kill()
        if second is not None:
            second.stop()
            second.kill()


def main():
    tests = [(name, lambda name=name: test_fault(name)) for name in FAULTS] + [
             ("fragments-memory", test_fragments_memory),
             ("endless", test_endless),
             ("sigkill", test_sigkill)]
    only = sys.argv[1:]
    for name, test in tests:
        if only and name not in only:
            continue
        start = time.monotonic()
        try:
            test()
        except Exception as e:  # a broken peer fails its test, not the whole file
            tap.add(False, f"{name}: ran to the end", "".join(traceback.format_exception(e)))
        note(f"{name}: {time.monotonic() - start:.1f} s")
    for text in notes:
        print(f"# {text}")
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
