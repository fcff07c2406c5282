# SPDX-License-Identifier: LGPL-2.1-or-later
# Security by default, each case with a real client: loopback only, the token on every
# endpoint, HTTPS, only files inside the recordings directory, bounded requests and
# connections, idle timeouts, and 400 for malformed requests while the server keeps serving.
import json
import os
import shutil
import socket
import ssl
import subprocess
import time

import pytest

from conftest import CLI, Camrec, raw_request, record_args, status_line


@pytest.fixture(scope="module")
def recordings(workdir):
    """A directory with one finished recording, a secret next to it and a symlink out."""
    d = os.path.join(workdir, "rec")
    os.mkdir(d)
    r = subprocess.run([CLI, "record", "-q", "--fast", "-o", os.path.join(d, "done.mp4"), "--frames", "60",
                        "--size", "320x240"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(workdir, "secret.mp4"), "w") as f:
        f.write("secret")
    os.symlink(os.path.join(workdir, "secret.mp4"), os.path.join(d, "link.mp4"))
    return d


@pytest.fixture(scope="module")
def served(recordings):
    c = Camrec(["serve", recordings, "--listen", "0", "--max-connections", "8", "--idle-timeout", "2"], recordings)
    yield c
    c.stop()


def test_listens_on_loopback_only_by_default(served):
    out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout if shutil.which("ss") else ""
    lines = [l for l in out.splitlines() if ":%d " % served.port in l + " "]
    if lines:
        assert all("127.0.0.1:%d" % served.port in l for l in lines), lines
    # And a connection to another local address of the machine is refused.
    addr = socket.gethostbyname(socket.gethostname())
    if not addr.startswith("127."):
        with pytest.raises(OSError):
            socket.create_connection((addr, served.port), timeout=3)


def test_range_requests_return_exact_bytes(served, recordings):
    with open(os.path.join(recordings, "done.mp4"), "rb") as f:
        data = f.read()
    n = len(data)
    status, h, body = served.get("/recordings/done.mp4")
    assert status == 200 and body == data and h["accept-ranges"] == "bytes" and int(h["content-length"]) == n
    for rng, first, last in [("bytes=0-0", 0, 0), ("bytes=0-99", 0, 99), ("bytes=100-", 100, n - 1),
                             ("bytes=-50", n - 50, n - 1), ("bytes=1000-1999", 1000, 1999),
                             ("bytes=%d-%d" % (n - 10, n + 500), n - 10, n - 1)]:
        status, h, body = served.get("/recordings/done.mp4", {"Range": rng})
        assert status == 206, rng
        assert h["content-range"] == "bytes %d-%d/%d" % (first, last, n), rng
        assert body == data[first:last + 1], rng
    status, h, _ = served.get("/recordings/done.mp4", {"Range": "bytes=%d-" % n})
    assert status == 416 and h["content-range"] == "bytes */%d" % n
    status, _, body = served.get("/recordings/done.mp4", {"Range": "bytes=0-1,5-6"})
    assert status == 200 and body == data, "several ranges: the whole file"


def test_recordings_list_is_json_with_states(served):
    listing = served.json("/recordings/")
    assert [e["name"] for e in listing] == ["done.mp4"], "the symlink is not listed"
    e = listing[0]
    assert e["state"] == "complete" and e["complete"] is True
    assert e["duration_us"] == 2_000_000
    assert served.get("/live/stream.mp4")[0] == 404, "`serve` has no live view"
    assert served.json("/status")["live"] is None


@pytest.mark.parametrize("target", [
    "/recordings/../secret.mp4", "/recordings/%2e%2e/secret.mp4", "/recordings/%2E%2E%2Fsecret.mp4",
    "/recordings/..%2fsecret.mp4", "/recordings//etc/passwd", "/recordings/%2fetc%2fpasswd",
    "/recordings/link.mp4", "/recordings/.", "/recordings/rec/done.mp4", "/recordings/done.mp4%00.txt",
    "/recordings/%00", "/../../etc/passwd"])
def test_only_files_inside_the_directory(served, target):
    resp = raw_request(served.port, b"GET " + target.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status_line(resp) in (400, 404), (target, resp[:200])
    assert b"secret" not in resp and b"root:" not in resp


@pytest.mark.parametrize("request_bytes,expected", [
    (b"HELLO\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", 400),
    (b"GET /\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n", 400),
    (b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n", 413),
    (b"GET /status?token=%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
    (b"POST /status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", 405),
])
def test_malformed_requests_get_an_error_and_the_server_keeps_serving(served, request_bytes, expected):
    resp = raw_request(served.port, request_bytes)
    assert status_line(resp) == expected, resp[:300]
    assert served.get("/recordings/")[0] == 200


@pytest.mark.parametrize("host,expected", [
    (b"evil.example", 421), (b"evil.example:%d", 421), (b"127.0.0.1.evil.example:%d", 421),
    (b"127.0.0.1:%d", 200), (b"localhost:%d", 200), (b"[::1]:%d", 200), (b"localhost", 200)])
def test_dns_rebinding_other_host_names_are_refused(served, host, expected):
    # A page of another site whose name was rebound to 127.0.0.1 sends its own name as Host.
    if b"%d" in host:
        host = host % served.port
    resp = raw_request(served.port, b"GET /recordings/ HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
    assert status_line(resp) == expected, (host, resp[:300])
    if expected != 200:
        assert b"done.mp4" not in resp
    # The same through curl, as a browser would send it (the name resolved to this machine).
    if host.startswith(b"evil.example"):
        r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--resolve",
                            "evil.example:%d:127.0.0.1" % served.port, "http://evil.example:%d/status" % served.port],
                           capture_output=True, text=True, timeout=20)
        assert r.stdout == "421", r


def test_connection_count_is_bounded(served):
    held = []
    try:
        for _ in range(8):
            s = socket.create_connection(("127.0.0.1", served.port), timeout=5)
            held.append(s)
        time.sleep(0.3)
        resp = raw_request(served.port, b"GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert status_line(resp) == 503, resp[:200]
        assert b"too many connections" in resp
    finally:
        for s in held:
            s.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if served.get("/status", timeout=3)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    else:
        pytest.fail("the server did not recover after the connections closed")


def test_idle_connections_are_closed(served):
    s = socket.create_connection(("127.0.0.1", served.port), timeout=15)
    s.sendall(b"GET /rec")  # half a request line, then nothing (slowloris)
    t0 = time.monotonic()
    assert s.recv(100) == b""  # closed by the server (--idle-timeout 2), not by our 15 s timeout
    assert time.monotonic() - t0 < 14
    s.close()


@pytest.fixture(scope="module")
def tls_files(workdir):
    cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return cert, key


def test_token_and_tls(recordings, tls_files, workdir):
    cert, key = tls_files
    c = Camrec(["serve", recordings, "--listen", "0", "--token", "s3cr3t", "--tls-cert", cert, "--tls-key", key],
               recordings)
    try:
        assert c.scheme == "https"
        ctx = ssl.create_default_context(cafile=cert)

        def get(path, headers=None):
            import http.client
            conn = http.client.HTTPSConnection("127.0.0.1", c.port, context=ctx, timeout=10)
            conn.request("GET", path, headers=headers or {})
            r = conn.getresponse()
            body = r.read()
            conn.close()
            return r.status, r.getheader("WWW-Authenticate"), body

        for path in ["/", "/status", "/recordings/", "/recordings/done.mp4", "/live/stream.mp4", "/live/index.m3u8"]:
            status, challenge, body = get(path)
            assert status == 401 and challenge.startswith("Bearer"), path
            assert get(path, {"Authorization": "Bearer wrong"})[0] == 401, path
        assert get("/recordings/", {"Authorization": "Bearer s3cr3t"})[0] == 200
        assert get("/recordings/?token=s3cr3t")[0] == 200
        assert get("/recordings/?token=s3cr3")[0] == 401
        assert get("/recordings/done.mp4?token=s3cr3t")[0] == 200
        # curl, verifying the certificate.
        r = subprocess.run(["curl", "-s", "--cacert", cert, "-H", "Authorization: Bearer s3cr3t",
                            c.url("/recordings/")], capture_output=True, text=True, timeout=20)
        assert json.loads(r.stdout)[0]["name"] == "done.mp4"
        # Plain HTTP on the HTTPS port gets nothing, and the server keeps serving.
        raw_request(c.port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", timeout=5)
        assert get("/status?token=s3cr3t")[0] == 200
    finally:
        c.stop()


def test_bad_server_options_are_refused_with_a_clear_message(recordings, tls_files):
    cert, key = tls_files
    cases = [
        (["serve", recordings, "--listen", "99999"], "[ADDRESS:]PORT"),
        (["serve", recordings, "--listen", "nowhere:80"], "not an IP address"),
        (["serve", recordings, "--tls-cert", cert], "both --tls-cert and --tls-key"),
        (["serve", recordings, "--tls-cert", key, "--tls-key", key, "--listen", "0"], "certificate"),
        (["serve", os.path.join(recordings, "missing"), "--listen", "0"], "does not exist"),
        (["serve", recordings, "--listen", "0", "--max-connections", "0"], "max_connections"),
    ]
    for args, message in cases:
        r = subprocess.run([CLI] + args, capture_output=True, text=True, timeout=20)
        assert r.returncode != 0, args
        assert message in r.stderr, (args, r.stderr)
    # A taken port fails `record --serve` before the output is created.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    port = s.getsockname()[1]
    out = os.path.join(recordings, "never.mp4")
    r = subprocess.run([CLI, "record", "-q", "-o", out, "--frames", "5", "--serve", str(port)],
                       capture_output=True, text=True, timeout=20)
    s.close()
    assert r.returncode != 0 and "in use" in r.stderr, r.stderr
    assert not os.path.exists(out)
