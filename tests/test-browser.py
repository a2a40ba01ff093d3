#!/usr/bin/env python3
"""StockPush seen from a real browser: headless Chromium, driven by Selenium.

(a) the original tutorial's HTML client (tests/peers/demo-client.html, from file://)
    against `stockpush --headless --format text`, and `--on-message close`;
(b) the browser client StockPush serves at http://127.0.0.1:PORT/: live table, log,
    send box, chart, no console errors, its Content-Security-Policy, light and dark.

TAP output. All on 127.0.0.1, every wait bounded, every process stopped at the end.
Set STOCKPUSH_SCREENSHOT=/tmp/stockpush-web.png to keep screenshots of the client
(light there, dark beside it as …-dark.png)."""
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STOCKPUSH = os.environ.get("STOCKPUSH_BIN", "stockpush")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 8  # bound of one wait in the browser, seconds
SYMBOLS = ["ACME", "GLOBEX", "INITECH", "HOOLI", "UMBRELLA"]
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
ASSETS = {
    "/": "text/html; charset=utf-8",
    "/stockpush.js": "text/javascript; charset=utf-8",
    "/stockpush.css": "text/css; charset=utf-8",
    "/favicon.svg": "image/svg+xml",
}
PRICE_RE = re.compile(r"^\d{1,3}(,\d{3})*\.\d\d$")


def skip_all(reason):
    print(f"1..0 # SKIP {reason}")
    sys.exit(0)


if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
    skip_all("chromium not installed")
try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    skip_all("python3-selenium not installed")


class Fail(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Fail(message)


def wait_for(driver, predicate, what, timeout=WAIT):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: predicate(d))
    except TimeoutException:
        raise Fail(f"timed out after {timeout} s waiting for {what}") from None


class Server:
    """`stockpush --headless --port 0 ARGS…`; its URLs parsed from stdout."""

    def __init__(self, *args):
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([STOCKPUSH, "--headless", "--port", "0", *args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.stderr)
        self.ws_url = self.http_url = self.port = None
        out = b""
        deadline = time.monotonic() + 10
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while self.http_url is None or self.ws_url is None:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    break
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                out += chunk
                text = out.decode(errors="replace")
                m = re.search(r"^\s*WebSocket:\s*(ws://127\.0\.0\.1:(\d+)/)\s*$", text, re.M)
                if m:
                    self.ws_url, self.port = m.group(1), int(m.group(2))
                m = re.search(r"^\s*Web page:\s*(http://127\.0\.0\.1:\d+/)\s*$", text, re.M)
                if m:
                    self.http_url = m.group(1)
        if self.http_url is None or self.ws_url is None:
            self.stop()
            raise Fail(f"stockpush {' '.join(args)} printed no URLs: {out!r:.500}")
        self.addr = f"127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc.stdout.close()
        self.stderr.close()


def start_chromium(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--force-device-scale-factor=1",
                f"--user-data-dir={profile}"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(10)
    driver.set_script_timeout(5)
    return driver


# --- (a) the original tutorial's client ---------------------------------------

# A page opened from a file has the origin "null": the server takes it only when
# told to (--allow-origin null), as a page of any other site.
def demo_url(server):
    page = os.path.join(HERE, "peers", "demo-client.html")
    check(os.path.exists(page), f"{page} is missing")
    return f"file://{page}?addr={server.addr}"


def test_demo_text(driver):
    server = Server("--format", "text", "--interval-ms", "100", "--allow-origin", "null")
    try:
        driver.get(demo_url(server))
        lines = wait_for(driver, lambda d: (lambda t: t if len(t) >= 3 else None)(
            d.execute_script("return [...document.querySelectorAll('#log li')]"
                             ".map(li => li.textContent)")),
            "three messages in the demo page's log")
        bad = [line for line in lines if not re.match(r"^price = \d+\.\d\d$", line)]
        check(not bad, f"frames that are not 'price = N.NN': {bad[:5]!r}")
    finally:
        driver.get("about:blank")
        server.stop()


def test_demo_close(driver):
    server = Server("--on-message", "close", "--allow-origin", "null")
    try:
        driver.get(demo_url(server))
        wait_for(driver, lambda d: d.find_element(By.ID, "state").text == "open",
                 "the demo page's socket to open")
        driver.find_element(By.ID, "text").send_keys("hello")
        driver.find_element(By.ID, "send").click()
        code = wait_for(driver, lambda d: d.find_element(By.ID, "state").get_attribute("data-code"),
                        "the demo page's onclose")
        state = driver.find_element(By.ID, "state").text
        check(code == "1000", f"onclose saw code {code} ({state!r}), not 1000")
    finally:
        driver.get("about:blank")
        server.stop()


# --- (b) the served browser client ----------------------------------------------

def http_get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_http_assets(server):
    for path, ctype in ASSETS.items():
        status, headers, body = http_get(server.http_url.rstrip("/") + path)
        check(status == 200, f"GET {path} answered {status}")
        check(headers.get("Content-Type") == ctype,
              f"GET {path}: Content-Type {headers.get('Content-Type')!r}, expected {ctype!r}")
        check(len(body) > 0, f"GET {path}: empty body")
        csp = headers.get("Content-Security-Policy")
        check(csp is not None, f"GET {path}: no Content-Security-Policy header")
        check(" ".join(csp.split()) == CSP, f"GET {path}: Content-Security-Policy is {csp!r}")
        script_src = [d.strip() for d in csp.split(";") if d.strip().startswith("script-src")]
        check(script_src and "unsafe-inline" not in script_src[0],
              f"script-src allows inline scripts: {script_src!r}")
    status, _, _ = http_get(server.http_url + "nope.js")
    check(status == 404, f"GET /nope.js answered {status}, not 404")


def table(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('#price-rows tr')].map(tr => "
        "[tr.dataset.symbol, tr.querySelector('td.price').textContent])")


def log_texts(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('#log li .text')].map(e => e.textContent)")


def test_table(driver, server):
    driver.get(server.http_url)
    rows = wait_for(driver, lambda d: (lambda t: t if len(t) == len(SYMBOLS) and all(
        PRICE_RE.match(p) for _, p in t) else None)(table(d)),
        "five rows with prices in the table")
    check([s for s, _ in rows] == SYMBOLS, f"table symbols {rows!r}")
    first = dict(rows)
    changed = wait_for(driver, lambda d: [s for s, p in table(d) if p != first[s]] or None,
                       "a price to change")
    return f"changed: {', '.join(changed)}"


def test_welcome(driver):
    texts = wait_for(driver, lambda d: [t for t in log_texts(d) if '"type":"welcome"' in t] or None,
                     "the welcome in the log")
    welcome = json.loads(texts[0])
    check(welcome.get("symbols") == SYMBOLS, f"welcome symbols {welcome!r}")


def test_ping(driver):
    box = driver.find_element(By.ID, "message")
    wait_for(driver, lambda d: box.is_enabled(), "the send box to be enabled")
    box.clear()
    box.send_keys('{"type":"ping","id":7}')
    driver.find_element(By.ID, "send").click()
    wait_for(driver, lambda d: any(t == '{"type":"ping","id":7}' for t in log_texts(d)),
             "the sent ping in the log")
    pongs = wait_for(driver, lambda d: [t for t in log_texts(d)
                                        if re.search(r'"type"\s*:\s*"pong"', t)] or None,
                     "a pong in the log")
    pong = json.loads(pongs[0])
    check(pong.get("id") == 7, f"pong {pong!r} does not echo id 7")


CANVAS_INK = """
const c = document.getElementById('chart');
if (!c.width || !c.height) return 0;
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0;
for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
return n / (c.width * c.height);
"""


def test_chart(driver):
    # More than the "waiting" text alone: the line, its area, the grid and labels.
    ink = wait_for(driver, lambda d: (lambda f: f if f > 0.05 else None)(
        d.execute_script(CANVAS_INK)), "ink on the chart canvas")
    size = driver.execute_script(
        "const c = document.getElementById('chart');"
        "return [c.width, c.height, c.clientWidth, c.clientHeight, devicePixelRatio]")
    check(size[0] == round(size[2] * size[4]) and size[1] == round(size[3] * size[4]),
          f"canvas backing store {size[:2]} is not its CSS size {size[2:4]} × {size[4]}")
    # Selecting another row charts that symbol.
    driver.find_element(By.CSS_SELECTOR, '#price-rows tr[data-symbol="HOOLI"]').click()
    wait_for(driver, lambda d: d.find_element(By.ID, "chart-symbol").text == "HOOLI",
             "the chart to follow the selected row")
    return f"{ink:.0%} of the canvas inked"


def test_dark(driver):
    shot = os.environ.get("STOCKPUSH_SCREENSHOT")
    bg = "return getComputedStyle(document.body.parentElement).backgroundColor"
    light = driver.execute_script(bg)
    if shot:
        driver.save_screenshot(shot)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    try:
        dark = wait_for(driver, lambda d: (lambda c: c if c != light else None)(d.execute_script(bg)),
                        "the dark palette")
        rgb = [int(v) for v in re.findall(r"\d+", dark)[:3]]
        check(sum(rgb) < 3 * 80, f"dark background {dark!r} is not dark")
        if shot:
            time.sleep(0.5)  # let the chart redraw in its dark colours
            root, ext = os.path.splitext(shot)
            driver.save_screenshot(f"{root}-dark{ext or '.png'}")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_disconnect(driver):
    driver.find_element(By.ID, "disconnect").click()
    text = wait_for(driver, lambda d: (lambda t: t if "Closed" in t else None)(
        d.find_element(By.ID, "status-text").text), "the close event")
    check("1000" in text, f"status after Disconnect: {text!r}")


def test_console(driver):
    entries = driver.get_log("browser")
    errors = [e for e in entries if e.get("level") == "SEVERE"]
    check(not errors, "console errors: " + "; ".join(e.get("message", "") for e in errors[:5]))


def test_text_mode(driver):
    server = Server("--format", "text", "--interval-ms", "100")
    try:
        driver.get(server.http_url)
        rows = wait_for(driver, lambda d: (lambda t: t if t and PRICE_RE.match(t[0][1]) else None)(
            table(d)), "a row for the text frames")
        check([s for s, _ in rows] == ["price"], f"table of text frames {rows!r}")
        test_console(driver)
    finally:
        driver.get("about:blank")
        server.stop()


# --- main -----------------------------------------------------------------------

def main():
    results = []

    def run(description, fn, *args):
        started = time.monotonic()
        try:
            detail = fn(*args)
            results.append((True, description, "", time.monotonic() - started, detail))
            return True
        except Exception as e:  # noqa: BLE001 — every failure is a TAP line
            diag = str(e) if isinstance(e, Fail) else traceback.format_exc()
            results.append((False, description, diag, time.monotonic() - started, None))
            return False

    profile = tempfile.mkdtemp(prefix="stockpush-chromium-")
    driver = None
    server = None
    try:
        try:
            driver = start_chromium(profile)
        except Exception as e:  # noqa: BLE001
            print("1..1")
            print("not ok 1 - headless Chromium starts through chromedriver")
            for line in str(e).splitlines()[:10]:
                print(f"# {line}")
            return 1

        run("demo client (file://) receives 'price = N.NN' frames from --format text",
            test_demo_text, driver)
        run("demo client: after it sends, --on-message close closes with code 1000",
            test_demo_close, driver)

        try:
            server = Server()
        except Fail as e:
            results.append((False, "stockpush --headless starts", str(e), 0, None))
        if server:
            run("served assets: content types and the Content-Security-Policy header",
                test_http_assets, server)
            if run("served client: the table shows the five symbols with changing prices",
                   test_table, driver, server):
                run("served client: the log shows the welcome", test_welcome, driver)
                run("served client: the send box sends a ping, the log shows the pong",
                    test_ping, driver)
                run("served client: the chart canvas is drawn, DPR-sized, follows the selection",
                    test_chart, driver)
                run("served client: prefers-color-scheme dark switches to the dark palette",
                    test_dark, driver)
                run("served client: Disconnect shows close code 1000", test_disconnect, driver)
            run("served client: no console errors", test_console, driver)
            driver.get("about:blank")
        run("served client against --format text shows the symbol 'price'",
            test_text_mode, driver)
    finally:
        if server:
            server.stop()
        if driver:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)

    print(f"1..{len(results)}")
    for i, (ok, description, diag, elapsed, detail) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {description}")
        print(f"# {elapsed:.2f} s{f'; {detail}' if detail else ''}")
        if not ok:
            for line in diag.splitlines():
                print(f"# {line}")
    sys.stdout.flush()
    return 0 if results and all(ok for ok, *_ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
