# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the server tests: run `camrec record --serve` / `camrec serve` as real
# processes on 127.0.0.1 (port 0: the port the server prints), and talk to them with real
# clients (http.client, raw sockets, curl, ffmpeg, Chromium).
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

import pytest

CLI = os.environ.get("CAMREC_CLI", "")


class Camrec:
    """A camrec process that serves; stops it (SIGINT) on close."""

    def __init__(self, args, cwd):
        self.cwd = cwd
        self.log_path = os.path.join(cwd, "camrec-%d.log" % time.monotonic_ns())
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([CLI] + args, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT)
        self.port = None
        self.scheme = "http"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text = self.output()
            m = re.search(r"serving .* on (https?)://127\.0\.0\.1:(\d+)/", text)
            if m:
                self.scheme, self.port = m.group(1), int(m.group(2))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("camrec did not start serving:\n" + self.output())

    def output(self):
        with open(self.log_path) as f:
            return f.read()

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.port, path)

    def get(self, path, headers=None, timeout=15):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        conn.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), body

    def json(self, path, headers=None):
        status, _, body = self.get(path, headers)
        assert status == 200, (path, status, body)
        return json.loads(body)

    def wait_status(self, predicate, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.json("/status")
            if predicate(s):
                return s
            time.sleep(0.1)
        raise AssertionError("status never matched: %s" % s)

    def stop(self, sig=signal.SIGINT, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        return self.proc.returncode


def raw_request(port, data, timeout=10):
    """Sends raw bytes, returns everything the server answers before closing."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def status_line(response):
    first = response.split(b"\r\n", 1)[0]
    parts = first.split(b" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def record_args(seconds, extra=()):
    """A cheap real-time recording (320x240 test pattern) served on a free port."""
    return ["record", "-q", "-o", "cam.mp4", "--size", "320x240", "--duration", str(seconds),
            "--serve", "0", "--serve-linger", "0"] + list(extra)


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory(prefix="camrec-server-") as d:
        yield d


@pytest.fixture(autouse=True, scope="session")
def need_cli():
    if not CLI or not os.path.exists(CLI):
        pytest.fail("CAMREC_CLI must name the camrec binary (ctest sets it)")
