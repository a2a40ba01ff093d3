#!/usr/bin/env python3
"""The original tutorial's page, opened from a file in headless Chromium as its readers
do, against the window's built-in server (the app as launched from the menu, under
Xvfb, on a session bus of its own): refused, since a page from a file has the origin
`null`; then allowed with the action the Clients page's "Allow This Origin" button
activates (app.allow-origin, over D-Bus as any script could); then the same page
connects and gets prices, without restarting anything.

The window's own listing of the refusal is tested in test-window.c; a screenshot of
the Clients page is saved in STOCKPUSH_SCREENSHOT_DIR when set. Loopback only; every
wait is bounded; the app and the browser are stopped at the end."""
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sptest import Tap, Window, free_port, in_session, port_open  # noqa: E402
from sptest import wait_until as wait  # noqa: E402
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
APP_ID = "com.example.StockPush"


def main():
    status = in_session(__file__)
    if status is not None:
        return status

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    tap = Tap()
    port = free_port()
    app = Window({"server-port": port})   # its server on a free port
    home = app.home
    driver = None
    try:
        up = wait(lambda: port_open(port))
        tap.add(up is not None, f"the window's server listens on its port {port}", "")
        if not up:
            return tap.finish()

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-dev-shm-usage",
                    f"--user-data-dir={os.path.join(home, 'chromium')}"]:
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(10)
        page = f"file://{os.path.join(HERE, 'peers', 'demo-client.html')}?addr=127.0.0.1:{port}"

        def state():
            return driver.find_element("id", "state").text

        def prices():
            return driver.execute_script(
                "return [...document.querySelectorAll('#log li')].map(li => li.textContent)")

        driver.get(page)
        closed = wait(lambda: state() if state().startswith("closed") else None)
        tap.add(closed is not None and not prices(),
                "the demo page from file:// is refused (Origin null): its socket closes "
                "with no message", f"state {state()!r}, messages {prices()[:3]}")

        shots = os.environ.get("STOCKPUSH_SCREENSHOT_DIR")
        if shots and shutil.which("import"):
            subprocess.run(["gdbus", "call", "--session", "--dest", APP_ID, "--object-path",
                            "/com/example/StockPush", "--method", "org.gtk.Actions.Activate",
                            "show-page", "[<'clients'>]", "{}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
            time.sleep(1.5)
            subprocess.run(["import", "-window", "root", os.path.join(shots, "window-refused.png")],
                           timeout=20)

        call = subprocess.run(["gdbus", "call", "--session", "--dest", APP_ID, "--object-path",
                               "/com/example/StockPush", "--method", "org.gtk.Actions.Activate",
                               "allow-origin", "[<'null'>]", "{}"],
                              capture_output=True, text=True, timeout=10)
        tap.add(call.returncode == 0, "app.allow-origin('null') over D-Bus, what the "
                "Clients page's button activates", call.stderr[-500:])

        # The running server takes it: the same page, reloaded, connects.
        got = None
        for _ in range(20):
            driver.get(page)
            got = wait(lambda: (lambda p: p if len(p) >= 2 else None)(prices()), timeout=3)
            if got:
                break
        bad = [m for m in (got or []) if not re.search(r'"type":"(welcome|ticks?)"', m)]
        tap.add(got is not None and not bad,
                "then the same page connects and gets the welcome and prices",
                f"state {state()!r}, messages {(got or [])[:3]}")
    finally:
        if driver is not None:
            driver.quit()
        bad = app.stop()
        tap.add(not bad, "the app logged no warnings or criticals", "\n".join(bad[:5]))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
