#!/usr/bin/env python3
"""StockPush's stream client (through `stockpush --headless --connect`) against peers
nobody here wrote or that misbehave: the original tutorial's Python server, a wss://
server with a certificate made here, and a server that sends junk and drops.

All on 127.0.0.1, every wait bounded, every process stopped at the end."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
STOCKPUSH = os.environ["STOCKPUSH_BIN"]
results = []


def check(ok, name):
    results.append((bool(ok), name))


def start_url_printer(argv):
    """Starts a process that prints a ws(s):// URL on its first stdout lines."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        m = re.search(r"wss?://\S+", line)
        if m:
            return proc, m.group(0)
    proc.kill()
    raise RuntimeError(f"{argv[0]} printed no URL")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def watch(url, *args, timeout=20):
    return subprocess.run([STOCKPUSH, "--headless", "--connect", url, *args],
                          capture_output=True, text=True, timeout=timeout)


def test_demo_server():
    demo, url = start_url_printer([PYTHON, os.path.join(HERE, "peers", "demo_server.py")])
    try:
        run = watch(url, "--count", "2")
        lines = run.stdout.splitlines()
        check(run.returncode == 0 and len(lines) == 2,
              f"terminal viewer reads 2 prices from the original demo server (exit {run.returncode})")
        check(all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  -  299\.90", l) for l in lines),
              f"each line is 'ISO time  symbol  price' with 299.90: {lines}")

        run = watch(url, "--send", "hello", "--verbose")
        check(run.returncode == 0, f"after sending, the demo's close ends the viewer cleanly (exit {run.returncode})")
        check(re.search(r"closed by the server: code 1000", run.stderr),
              "the close and its code 1000 are reported")
        check(re.search(r"→ text 5 B  hello", run.stderr), "the sent message is in the frame log")
        check(re.search(r"Sec-WebSocket-Accept derivation:.*✓", run.stderr, re.S),
              "the handshake with the Python server verifies (✓)")
    finally:
        stop(demo)


def make_certificate(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=stockpush-test", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
    return cert, key


def test_wss():
    if shutil.which("openssl") is None:
        check(False, "openssl is installed (needed to make a test certificate)")
        return
    with tempfile.TemporaryDirectory() as directory:
        cert, key = make_certificate(directory)
        server, url = start_url_printer([STOCKPUSH, "--headless", "--port", "0",
                                         "--tls-cert", cert, "--tls-key", key])
        try:
            check(url.startswith("wss://127.0.0.1:"), f"the server announces a wss:// URL ({url})")
            run = watch(url, "--count", "1")
            check(run.returncode == 1 and not run.stdout,
                  f"an untrusted certificate is refused by default (exit {run.returncode})")
            check("not trusted" in run.stderr and "stockpush-test" in run.stderr,
                  "the refusal names the problem and the certificate's subject")
            m = re.search(r"SHA-256 fingerprint ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})", run.stderr)
            check(m, "the refusal shows the certificate's SHA-256 fingerprint")
            if m:
                run = watch(url, "--count", "3", "--accept-certificate", m.group(1))
                check(run.returncode == 0 and len(run.stdout.splitlines()) >= 3,
                      f"with that certificate accepted, prices flow over wss:// (exit {run.returncode})")
                run = watch(url, "--count", "1", "--accept-certificate", "00:" * 31 + "00")
                check(run.returncode == 1, "accepting another fingerprint does not let this one in")
        finally:
            stop(server)


def test_misbehaving():
    server, url = start_url_printer([PYTHON, os.path.join(HERE, "peers", "misbehaving_server.py")])
    try:
        # Four scenarios, then the viewer is stopped from outside after a bounded time.
        viewer = subprocess.Popen([STOCKPUSH, "--headless", "--connect", url, "--reconnect",
                                   "--verbose"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        try:
            out, err = viewer.communicate(timeout=14)
        except subprocess.TimeoutExpired:
            viewer.send_signal(signal.SIGINT)
            out, err = viewer.communicate(timeout=5)
        prices = [line.split()[-1] for line in out.splitlines()]
        check(viewer.returncode == 0, f"the viewer kept running until stopped (exit {viewer.returncode})")
        for price in ("101.50", "102.25", "103.00", "105.50", "106.00", "107.00"):
            check(price in prices, f"price {price} read between the junk")
        check("104" not in " ".join(prices), "the text frame with invalid UTF-8 gave no price")
        check(re.search(r"← binary 3 B  00 01 02", err), "binary frames are logged as hex")
        check(re.search(r"← text 1048577 B", err) or re.search(r"← text 10485\d\d B", err),
              "the 1 MiB message is logged with its size")
        check(len(re.findall(r"reconnecting in \d+ s", err)) >= 3,
              f"the viewer reconnected after each drop ({len(re.findall('reconnecting in', err))} times)")
        check(re.search(r"code 1006", err), "a drop without a close frame is reported as 1006")
        check(re.search(r"→ close \d+ B  code 1007 the server sent a text message that is not valid UTF-8", err),
              "invalid UTF-8 closes the stream with 1007, and the log says why")
    finally:
        stop(server)


def main():
    for test in (test_demo_server, test_wss, test_misbehaving):
        try:
            test()
        except Exception as e:  # a broken peer fails its test, not the whole file
            check(False, f"{test.__name__}: {e!r}")
    print(f"1..{len(results)}")
    for i, (ok, name) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
