# SPDX-License-Identifier: LGPL-2.1-or-later
# Headless Chromium driven through its DevTools protocol over a pipe (--remote-debugging-pipe:
# JSON messages ended by NUL on file descriptors 3 and 4). A pipe needs no port and no
# websocket client, and every wait below has a deadline, so a loaded machine makes a test
# slower or fail with a message, never hang.
import json
import os
import select
import shutil
import subprocess
import tempfile
import time


class ChromiumError(AssertionError):
    pass


class Chromium:
    """One headless Chromium with one page; close() (or `with`) ends it."""

    def __init__(self, timeout=30):
        exe = shutil.which("chromium")
        if not exe:
            raise ChromiumError("chromium is missing: scripts/install-deps.sh installs it")
        self.profile = tempfile.TemporaryDirectory(prefix="camrec-chromium-")
        # The ends Chromium uses become its fds 3 (commands in) and 4 (answers out).
        cmd_read, self.cmd_write = os.pipe()
        self.out_read, out_write = os.pipe()

        def child_fds():
            a, b = os.dup(cmd_read), os.dup(out_write)  # out of the way of 3 and 4 first
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [exe, "--headless", "--disable-gpu", "--remote-debugging-pipe",
                "--autoplay-policy=no-user-gesture-required", "--mute-audio", "--no-first-run",
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows", "--disable-extensions",
                "--user-data-dir=" + self.profile.name, "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root
        self.log = open(os.path.join(self.profile.name, "chromium.log"), "w+")
        self.proc = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=child_fds, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        os.close(cmd_read)
        os.close(out_write)
        self.next_id = 0
        self.buffer = b""
        self.events = []
        self.console = []
        self.session = None
        target = self.call("Target.createTarget", {"url": "about:blank"}, timeout=timeout)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 timeout=timeout)["sessionId"]
        self.call("Runtime.enable", timeout=timeout)
        self.call("Page.enable", timeout=timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChromiumError("no answer from Chromium in time\n" + self.output())
            ready, _, _ = select.select([self.out_read], [], [], left)
            if ready:
                chunk = os.read(self.out_read, 1 << 20)
                if not chunk:
                    raise ChromiumError("Chromium exited (%s)\n%s" % (self.proc.poll(), self.output()))
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def _note_event(self, message):
        if message.get("method") == "Runtime.consoleAPICalled":
            args = message["params"].get("args", [])
            self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in args))
        elif message.get("method") == "Runtime.exceptionThrown":
            self.console.append("exception: " + json.dumps(message["params"].get("exceptionDetails", {}))[:500])
        self.events.append(message)

    def call(self, method, params=None, timeout=30):
        """Sends one command and returns its result (raises on a protocol error)."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session:
            message["sessionId"] = self.session
        os.write(self.cmd_write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise ChromiumError("%s: %s" % (method, answer["error"]))
                return answer.get("result", {})
            self._note_event(answer)

    def evaluate(self, expression, timeout=30):
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True, "timeout": int(timeout * 1000)},
                           timeout=timeout + 5)
        if "exceptionDetails" in result:
            raise ChromiumError("page script failed: %s" % json.dumps(result["exceptionDetails"])[:1000])
        return result["result"].get("value")

    def navigate(self, url, timeout=30):
        self.events = []
        result = self.call("Page.navigate", {"url": url}, timeout=timeout)
        if result.get("errorText"):
            raise ChromiumError("%s: %s" % (url, result["errorText"]))
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self._note_event(self._read_message(deadline))

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-4000:]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.session = None
                self.call("Browser.close", timeout=5)
            except (ChromiumError, OSError):
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self.cmd_write)
        os.close(self.out_read)
        self.log.close()
        self.profile.cleanup()
