#!/usr/bin/env python3
"""What `meson install` puts on a machine is an app the desktop menu can start: installed
under a staging root (meson install --destdir), every file lands where GNOME looks for it,
`gio launch` of the installed .desktop file (as the menu does) starts the installed binary,
its built-in server answers on 127.0.0.1:8765, and with LANGUAGE=zh_CN its window takes its
words from the installed Chinese catalogue (the window's process maps it, and it translates
the page names; the screenshot, when asked for, shows them).
Runs on a session bus and an X server of its own; loopback only; every wait is bounded;
the app is quit and the staging root removed at the end."""
import asyncio
import configparser
import ctypes
import gettext
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sptest import Tap, port_open, wait_until  # noqa: E402

import websockets  # noqa: E402

APP_ID = "com.example.StockPush"
PORT = 8765                 # the default server's, as a first launch from the menu uses
START_LIMIT = 30            # seconds for the app to appear (an ASan build starts slowly)
PR_SET_CHILD_SUBREAPER = 36


def meson(*args):
    return subprocess.run([os.environ["STOCKPUSH_MESON"], *args], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def layout(build):
    """Where the build installs its files: {name: path} from meson's own introspection."""
    options = {o["name"]: o["value"] for o in json.loads(meson("introspect", "--buildoptions",
                                                              build).stdout)}
    prefix = options["prefix"]
    share = os.path.join(prefix, options["datadir"])
    return {
        "prefix": prefix,
        "binary": os.path.join(prefix, options["bindir"], "stockpush"),
        "desktop": os.path.join(share, "applications", APP_ID + ".desktop"),
        "metainfo": os.path.join(share, "metainfo", APP_ID + ".metainfo.xml"),
        "schema": os.path.join(share, "glib-2.0", "schemas", APP_ID + ".gschema.xml"),
        "icon": os.path.join(share, "icons", "hicolor", "scalable", "apps", APP_ID + ".svg"),
        "symbolic": os.path.join(share, "icons", "hicolor", "symbolic", "apps",
                                 APP_ID + "-symbolic.svg"),
        "catalogue": os.path.join(prefix, options["localedir"], "zh_CN", "LC_MESSAGES",
                                  "stockpush.mo"),
        "localedir": os.path.join(prefix, options["localedir"]),
        "share": share,
    }


def staged(root, path):
    return os.path.join(root, os.path.relpath(path, "/"))


def configured_localedir(build):
    with open(os.path.join(build, "config.h")) as f:
        m = re.search(r'#define LOCALEDIR "([^"]*)"', f.read())
    return m.group(1) if m else None


def check_files(tap, build, root, where):
    installed = set(json.loads(meson("introspect", "--installed", build).stdout).values())
    for name in ("binary", "desktop", "metainfo", "schema", "catalogue"):
        path = staged(root, where[name])
        tap.add(where[name] in installed and os.path.isfile(path),
                f"meson installs the {name} as {where[name]}",
                f"introspection: {sorted(installed)}")
    for name in ("icon", "symbolic"):
        tap.add(os.path.isfile(staged(root, where[name])),
                f"meson installs the {'app' if name == 'icon' else name} icon as {where[name]}",
                "")
    tap.add(os.access(staged(root, where["binary"]), os.X_OK), "the binary is executable", "")
    localedir = configured_localedir(build)
    tap.add(localedir == where["localedir"],
            "the binary looks for its translations where meson installs them",
            f"config.h LOCALEDIR {localedir!r}, catalogue under {where['localedir']!r}")


def check_desktop_file(tap, root, where):
    entry = configparser.ConfigParser(interpolation=None, strict=False)
    entry.optionxform = str
    entry.read(staged(root, where["desktop"]), encoding="utf-8")
    desktop = entry["Desktop Entry"] if entry.has_section("Desktop Entry") else {}
    program = desktop.get("Exec", "").split(" ")[0]
    tap.add(program == os.path.basename(where["binary"]),
            "the desktop file runs the installed binary by name (found on PATH)",
            f"Exec={desktop.get('Exec')!r}")
    tap.add(desktop.get("Icon") == APP_ID, "its icon is the installed one",
            f"Icon={desktop.get('Icon')!r}")
    tap.add(desktop.get("Name[zh_CN]") is not None and desktop.get("Comment[zh_CN]") is not None,
            "its name and comment are translated for the zh_CN menu",
            f"keys: {sorted(desktop)}")


def icon_found(env):
    """Whether GTK, seeing only the staged data dirs, finds both icons (as About does)."""
    script = ("import gi, sys\n"
              "gi.require_version('Gtk', '4.0')\n"
              "from gi.repository import Gtk, Gdk\n"
              "Gtk.init()\n"
              "theme = Gtk.IconTheme.get_for_display(Gdk.Display.get_default())\n"
              f"print(theme.has_icon('{APP_ID}'), theme.has_icon('{APP_ID}-symbolic'))\n")
    env = dict(env)
    env.pop("G_DEBUG", None)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                         timeout=30, stdin=subprocess.DEVNULL)
    return out.stdout.split() == ["True", "True"], out.stdout + out.stderr


def launch_env(root, where, home):
    share = staged(root, where["share"])
    env = dict(os.environ)
    # The menu's view of a machine with StockPush installed and nothing of it anywhere else:
    # no build tree, no /usr/local, no user data dir of the person running the tests.
    env.update(PATH=os.path.dirname(staged(root, where["binary"])) + ":" + env.get("PATH", ""),
               XDG_DATA_DIRS=share + ":/usr/share",
               GSETTINGS_SCHEMA_DIR=os.path.join(share, "glib-2.0", "schemas"),
               STOCKPUSH_LOCALEDIR=staged(root, where["localedir"]),
               GSETTINGS_BACKEND="memory", HOME=home,
               XDG_CONFIG_HOME=os.path.join(home, "config"),
               XDG_DATA_HOME=os.path.join(home, "data"),
               XDG_CACHE_HOME=os.path.join(home, "cache"),
               XDG_STATE_HOME=os.path.join(home, "state"),
               LANGUAGE="zh_CN", LANG="zh_CN.UTF-8")
    env.pop("LC_ALL", None)
    if not locale_available("zh_CN.UTF-8"):
        # Without that locale setlocale() falls back to "C", where gettext ignores
        # LANGUAGE; C.UTF-8 keeps LANGUAGE in force, as on a desktop in zh_CN.UTF-8.
        env["LC_ALL"] = "C.UTF-8"
    return env


def locale_available(name):
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    wanted = name.lower().replace("-", "")
    return any(line.strip().lower().replace("-", "") == wanted for line in out.splitlines())


def launched_pid(binary):
    """The process running binary (the staged one, which nothing else runs)."""
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.readlink(f"/proc/{entry}/exe") == binary:
                return int(entry)
        except OSError:
            continue
    return None


def launched_by_gio(pid):
    """Whether GIO's launcher started pid: it marks its children's environment."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f"GIO_LAUNCHED_DESKTOP_FILE_PID={pid}".encode() in f.read().split(b"\0")
    except OSError:
        return False


async def welcome():
    async with websockets.connect(f"ws://127.0.0.1:{PORT}/", open_timeout=10,
                                  close_timeout=2) as ws:
        return json.loads(await asyncio.wait_for(ws.recv(), 10))


def catalogue_loaded(pid, catalogue):
    """Whether process pid has mapped catalogue: gettext maps a catalogue the first time
    a string of its domain is looked up, here the window's labels."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return any(line.rstrip("\n").endswith(" " + catalogue) for line in f)
    except OSError:
        return False


def window_shown(title):
    """Whether a window of that title is mapped and viewable on the display."""
    out = subprocess.run(["xwininfo", "-name", title], capture_output=True, text=True,
                         timeout=10, stdin=subprocess.DEVNULL)
    return out.returncode == 0 and "Map State: IsViewable" in out.stdout


def screenshot(name):
    directory = os.environ.get("STOCKPUSH_SCREENSHOT_DIR")
    if directory and shutil.which("import"):
        os.makedirs(directory, exist_ok=True)
        subprocess.run(["import", "-window", "root", os.path.join(directory, name)],
                       timeout=30, stdin=subprocess.DEVNULL)


def quit_app(pid, env):
    """Quits the app as a person would (app.quit); returns its exit status, or None when
    it had to be killed."""
    subprocess.run(["gapplication", "action", APP_ID, "quit"], env=env, timeout=15,
                   stdin=subprocess.DEVNULL, capture_output=True)
    status = wait_until(lambda: reaped(pid), 15)
    if status is not None:
        return status[1]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        if wait_until(lambda: reaped(pid), 5):
            break
    return None


def reaped(pid):
    """(True, exit status) once pid, our child through the subreaper, has ended."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return (True, None) if not os.path.exists(f"/proc/{pid}") else None
    return (True, os.waitstatus_to_exitcode(status)) if done else None


def check_launch(tap, root, where, catalogue):
    # The app's home lives in the staging root, so it goes when the root goes.
    home = os.path.join(root, "stockpush-test-home")
    os.makedirs(home)
    env = launch_env(root, where, home)
    found, detail = icon_found(env)
    tap.add(found, "GTK finds the app's icon and its symbolic icon (the About dialog's)", detail)
    desktop = staged(root, where["desktop"])
    log = tempfile.TemporaryFile()
    pid = None
    try:
        gio = subprocess.run(["gio", "launch", desktop], env=env, stdin=subprocess.DEVNULL,
                             stdout=log, stderr=log, timeout=30)
        tap.add(gio.returncode == 0, "gio launch of the installed desktop file succeeds",
                f"exit {gio.returncode}")
        binary = os.path.realpath(staged(root, where["binary"]))
        pid = wait_until(lambda: launched_pid(binary), START_LIMIT)
        tap.add(pid is not None, "the installed binary runs", "")
        if pid is None:
            return
        tap.add(launched_by_gio(pid), "gio launched it from the desktop file", "")
        up = wait_until(lambda: port_open(PORT), START_LIMIT)
        message = asyncio.run(welcome()) if up else {}
        tap.add(message.get("type") == "welcome",
                f"its built-in server answers on 127.0.0.1:{PORT} with a welcome",
                f"port open: {bool(up)}, first message {message}")
        installed = os.path.realpath(staged(root, where["catalogue"]))
        loaded = wait_until(lambda: catalogue_loaded(pid, installed), START_LIMIT)
        english = ["Stream", "Clients", "Handshake"]
        pages = [catalogue.gettext(name) for name in english]
        tap.add(loaded and all(page != name for page, name in zip(pages, english)),
                "its window speaks zh_CN from the installed catalogue: " + " ".join(pages),
                f"catalogue mapped: {bool(loaded)}; pages {pages}")
        shown = wait_until(lambda: window_shown("StockPush"), START_LIMIT)
        tap.add(shown, "its window shows on the display", "")
        if shown and os.environ.get("STOCKPUSH_SCREENSHOT_DIR"):
            time.sleep(2)   # for a person to look at: let the chart draw its first prices
            screenshot("install-zh_CN.png")
            subprocess.run(["gapplication", "action", APP_ID, "about"], env=env, timeout=15,
                           stdin=subprocess.DEVNULL, capture_output=True)
            time.sleep(2)
            screenshot("install-about-zh_CN.png")
    finally:
        pid = pid or launched_pid(os.path.realpath(staged(root, where["binary"])))
        status = quit_app(pid, env) if pid is not None else None
        if pid is not None:
            tap.add(status == 0, "app.quit ends it with status 0", f"status {status}")
        log.seek(0)
        output = log.read().decode(errors="replace")
        warnings = [line for line in output.splitlines()
                    if re.search(r"CRITICAL|WARNING|AddressSanitizer|runtime error", line)]
        tap.add(not warnings, "the app logged no warnings or criticals", "\n".join(warnings[:5]))
        log.close()


def missing_tools():
    for tool, package in (("gio", "libglib2.0-bin"), ("gapplication", "libglib2.0-bin"),
                          ("glib-compile-schemas", "libglib2.0-bin"), ("xwininfo", "x11-utils")):
        if not shutil.which(tool):
            return f"{tool} is missing ({package})"
    try:
        import gi
        gi.require_version("Gtk", "4.0")
    except (ImportError, ValueError) as e:
        return f"GTK 4 for Python is missing (python3-gi, gir1.2-gtk-4.0): {e}"
    return None


def in_session():
    """None inside a session bus, an X server and a runtime dir of the test's own;
    otherwise runs this script there and returns its status. The runtime dir keeps the
    services the app starts on that bus (the accessibility bus, dconf) from meeting those
    of other sessions, which share ~/.cache/at-spi without one; what they print becomes
    TAP comments."""
    if "--inside" in sys.argv:
        return None
    if not shutil.which("dbus-run-session") or not shutil.which("Xvfb"):
        print("1..0 # SKIP dbus-run-session or Xvfb is missing")
        return 0
    runtime = tempfile.mkdtemp(prefix="stockpush-install-run-")
    try:
        session = subprocess.Popen(["dbus-run-session", "--", sys.executable,
                                    os.path.join(HERE, "with-xvfb.py"), sys.executable,
                                    os.path.abspath(__file__), "--inside"],
                                   env=dict(os.environ, XDG_RUNTIME_DIR=runtime),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        for line in session.stdout:
            tap_line = re.match(r"(ok|not ok|1\.\.|#)", line)
            sys.stdout.write(line if tap_line else "# " + line)
        return session.wait()
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def run_checks(tap, build, root):
    where = layout(build)
    done = meson("install", "-C", build, "--no-rebuild", "--quiet", "--destdir", root)
    tap.add(done.returncode == 0, "meson install --destdir succeeds",
            done.stdout[-1000:] + done.stderr[-1000:])
    check_files(tap, build, root, where)
    check_desktop_file(tap, root, where)
    # What gnome.post_install does on a real install (skipped under --destdir).
    schemas = subprocess.run(["glib-compile-schemas", "--strict",
                              os.path.dirname(staged(root, where["schema"]))],
                             capture_output=True, text=True, timeout=30)
    tap.add(schemas.returncode == 0, "the installed schema compiles", schemas.stderr)
    try:
        catalogue = gettext.translation("stockpush", staged(root, where["localedir"]),
                                        languages=["zh_CN"])
    except OSError as e:
        tap.add(False, "the installed zh_CN catalogue loads", str(e))
        return
    if port_open(PORT):
        tap.add(True, f"launch from the menu # SKIP port {PORT} is taken by another "
                "program, so the app's default server cannot be told apart")
    else:
        check_launch(tap, root, where, catalogue)


def main():
    status = in_session()
    if status is not None:
        return status
    reason = missing_tools()
    if reason:
        print(f"1..0 # SKIP {reason}")
        return 0
    # gio's child outlives it; as its subreaper we can wait for it and see its status.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    tap = Tap()
    build = os.environ["STOCKPUSH_BUILD_ROOT"]
    root = tempfile.mkdtemp(prefix="stockpush-install-")
    try:
        run_checks(tap, build, root)
    except Exception:
        tap.add(False, "the checks ran to their end", traceback.format_exc())
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
