"""Drive a real headless Chromium from the tests, with the standard library only.

Chromium is started with ``--remote-debugging-pipe``: the DevTools protocol runs over
two pipes (the browser reads commands on fd 3 and writes answers and events on fd 4,
each message NUL-terminated JSON), so no port is opened and no websocket client is
needed.  Every network access is cut three ways: a host resolver that resolves
nothing, the DevTools ``Network.emulateNetworkConditions`` offline switch, and a record
of every request the page makes (which the tests check is only the ``file://`` page).

When Chromium is missing the browser tests are skipped — unless
``GRAPHRISK_REQUIRE_SERVICES=1`` or ``CI`` is set (``scripts/test.sh`` sets the first and
installs ``chromium``), in which case they fail.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

__all__ = ["find_chromium", "require_services", "chromium_or_skip", "Browser", "Page"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
         "--proxy-bypass-list=<-loopback>")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable (``$CHROMIUM`` first), or None."""
    env = os.environ.get("CHROMIUM")
    if env and shutil.which(env):
        return shutil.which(env)
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_services() -> bool:
    """True when a missing browser must fail the tests instead of skipping them."""
    return os.environ.get("GRAPHRISK_REQUIRE_SERVICES") == "1" or bool(os.environ.get("CI"))


def chromium_or_skip() -> str:
    """The Chromium executable; skips the test when absent (fails when required)."""
    path = find_chromium()
    if path:
        return path
    message = ("headless Chromium is not installed (apt-get install -y chromium); "
               "set CHROMIUM=/path/to/chrome")
    if require_services():
        pytest.fail(message + " — required because GRAPHRISK_REQUIRE_SERVICES=1 or CI is set")
    pytest.skip(message)
    raise AssertionError  # unreachable


def _high_fd(fd: int) -> int:
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


class Browser:
    """A headless Chromium over the DevTools pipe; use as a context manager."""

    def __init__(self, executable: str | None = None, *, width: int = 1400, height: int = 900,
                 timeout: float = 30.0):
        self.executable = executable or chromium_or_skip()
        self.width, self.height, self.timeout = width, height, timeout
        self._profile = tempfile.mkdtemp(prefix="graphrisk-chromium-")
        self._lock = threading.Condition()
        self._responses: dict[int, dict] = {}
        self.events: list[dict] = []
        self._next = 0
        self.proc: subprocess.Popen | None = None

    # -- process
    def __enter__(self) -> Browser:
        cmd_r, cmd_w = (_high_fd(fd) for fd in os.pipe())
        out_r, out_w = (_high_fd(fd) for fd in os.pipe())

        def child():
            os.dup2(cmd_r, 3)
            os.dup2(out_w, 4)

        args = [self.executable, *FLAGS, f"--user-data-dir={self._profile}",
                f"--window-size={self.width},{self.height}", "--remote-debugging-pipe",
                "about:blank"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, pass_fds=(3, 4),
                                     preexec_fn=child)
        os.close(cmd_r)
        os.close(out_w)
        self._out = os.fdopen(cmd_w, "wb", buffering=0)
        self._in = os.fdopen(out_r, "rb", buffering=0)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.send("Target.setDiscoverTargets", {"discover": False})
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self._out, self._in):
            try:
                f.close()
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = self._in.read(1 << 16)
            except (OSError, ValueError):
                chunk = b""
            if not chunk:
                with self._lock:
                    self._closed = True
                    self._lock.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw.decode("utf-8"))
                with self._lock:
                    if "id" in msg:
                        self._responses[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                        if msg.get("method") == "Page.javascriptDialogOpening":
                            self._dismiss(msg.get("sessionId"))
                    self._lock.notify_all()

    def _dismiss(self, session: str | None) -> None:
        # close a dialog at once (the test has recorded it), without waiting for the answer
        self._next += 1
        msg = {"id": self._next, "method": "Page.handleJavaScriptDialog",
               "params": {"accept": False}, "sessionId": session}
        self._out.write(json.dumps(msg).encode("utf-8") + b"\0")

    # -- protocol
    def send(self, method: str, params: dict | None = None, *, session: str | None = None,
             timeout: float | None = None) -> dict:
        """Send one DevTools command and wait for its result (raises on an error)."""
        return self.send_many([(method, params)], session=session, timeout=timeout)[0]

    def send_many(self, commands, *, session: str | None = None,
                  timeout: float | None = None) -> list[dict]:
        """Send several commands at once (no wait in between, e.g. the events of a
        double-click), then wait for every result."""
        ids = []
        with self._lock:
            for method, params in commands:
                self._next += 1
                msg = {"id": self._next, "method": method, "params": params or {}}
                if session:
                    msg["sessionId"] = session
                self._out.write(json.dumps(msg).encode("utf-8") + b"\0")
                ids.append((self._next, method))
        return [self._wait(mid, method, timeout) for mid, method in ids]

    def _wait(self, mid: int, method: str, timeout: float | None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._lock:
            while mid not in self._responses:
                if getattr(self, "_closed", False):
                    raise RuntimeError(f"Chromium closed the pipe during {method}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no answer to {method}")
                self._lock.wait(left)
            resp = self._responses.pop(mid)
        if "error" in resp:
            raise RuntimeError(f"{method}: {resp['error']}")
        return resp.get("result", {})

    def wait_event(self, method: str, session: str | None = None, *, since: int = 0,
                   timeout: float | None = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._lock:
            while True:
                for ev in self.events[since:]:
                    if ev.get("method") == method and (session is None
                                                       or ev.get("sessionId") == session):
                        return ev
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {method} event")
                self._lock.wait(left)

    def new_page(self, *, downloads: Path | None = None) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for method in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
            page.send(method)
        page.send("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        page.send("Emulation.setDeviceMetricsOverride", {
            "width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False})
        if downloads is not None:
            self.send("Browser.setDownloadBehavior", {"behavior": "allow",
                                                      "downloadPath": str(downloads)})
        return page


class Page:
    """One tab: navigate, evaluate, type, click, screenshot; records what happened."""

    def __init__(self, browser: Browser, session: str):
        self.browser, self.session = browser, session
        self._mark = len(browser.events)

    def send(self, method: str, params: dict | None = None, **kw) -> dict:
        return self.browser.send(method, params, session=self.session, **kw)

    def _events(self, method: str) -> list[dict]:
        with self.browser._lock:
            return [e for e in self.browser.events[self._mark:]
                    if e.get("method") == method and e.get("sessionId") == self.session]

    def goto(self, url: str, *, ready: str | None = None, timeout: float = 30.0) -> None:
        """Open *url*, wait for the load event and, if given, for JS *ready* to be true."""
        since = len(self.browser.events)
        self.send("Page.navigate", {"url": url})
        self.browser.wait_event("Page.loadEventFired", self.session, since=since,
                                timeout=timeout)
        if ready:
            self.wait_for(ready, timeout=timeout)

    def evaluate(self, expression: str, *, await_promise: bool = False):
        """Value of a JavaScript expression (JSON-serialisable results)."""
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": await_promise})
        if "exceptionDetails" in r:
            raise RuntimeError(f"JS error in {expression!r}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expression: str, *, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(f"!!({expression})")
            except RuntimeError:
                value = False
            if value:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {expression}")
            time.sleep(0.05)

    def type_text(self, text: str) -> None:
        self.send("Input.insertText", {"text": text})

    def press(self, key: str = "Enter") -> None:
        codes = {"Enter": 13, "Escape": 27, "Tab": 9}
        base = {"key": key, "code": key, "windowsVirtualKeyCode": codes.get(key, 0)}
        down = dict(base, type="keyDown")
        if key == "Enter":
            down["text"] = "\r"
        self.send("Input.dispatchKeyEvent", down)
        self.send("Input.dispatchKeyEvent", dict(base, type="keyUp"))

    def click(self, x: float, y: float, *, count: int = 1) -> None:
        """Left click(s) at (x, y), sent in one burst so that a double-click stays one."""
        events = [("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})]
        for c in range(1, count + 1):
            for kind in ("mousePressed", "mouseReleased"):
                events.append(("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y,
                                                            "button": "left", "clickCount": c}))
        self.browser.send_many(events, session=self.session)

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    # -- what happened
    def dialogs(self) -> list[dict]:
        return [e["params"] for e in self._events("Page.javascriptDialogOpening")]

    def console_errors(self) -> list[str]:
        out = []
        for e in self._events("Runtime.consoleAPICalled"):
            if e["params"]["type"] in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description", "")))
                                    for a in e["params"]["args"]))
        for e in self._events("Runtime.exceptionThrown"):
            d = e["params"]["exceptionDetails"]
            out.append(d.get("exception", {}).get("description") or d.get("text", ""))
        for e in self._events("Log.entryAdded"):
            if e["params"]["entry"]["level"] == "error":
                out.append(e["params"]["entry"]["text"])
        return out

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self._events("Network.requestWillBeSent")]
