# SPDX-License-Identifier: LGPL-2.1-or-later
# The recording never waits for a viewer: 20 viewers on loopback (one stalled, one slow)
# leave a file identical in frames to the same recording without viewers, with no drop.
# Also: a process killed mid-stream leaves the recording as crash-safe as without --serve.
import http.client
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import CLI, Camrec

SECONDS = 8
FPS = 30


@pytest.fixture(scope="module")
def noisy_source(workdir):
    """8 s of 320x240 noise: several Mbit/s once encoded, enough to fill a stalled socket."""
    path = os.path.join(workdir, "noise.y4m")
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=320x240:rate=30,noise=alls=30:allf=t", "-t", str(SECONDS),
                        "-pix_fmt", "yuv420p", path], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return path


def proc_usage(pid):
    """(CPU seconds, peak RSS in KiB) of a running process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return cpu, hwm


def server_thread_cpu(pid):
    """CPU seconds of the server's thread ("camrec-http"): what serving costs, apart from
    capture, encoding and writing the file."""
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().strip() != "camrec-http":
                    continue
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return 0.0


def record(workdir, name, source, viewers, slow_viewer=False, stalled_viewer=False):
    d = os.path.join(workdir, name)
    os.mkdir(d)
    # Fixed QP: the encoder's output depends on the pictures only, not on the capture times
    # jitter (rate control would), so two runs give the same frames when none is lost.
    c = Camrec(["record", "-o", "cam.mp4", "--source", "file:" + source, "--size", "320x240", "--rc", "fixqp",
                "--frames", str(SECONDS * FPS), "--serve", "0", "--serve-linger", "1", "--stall-timeout", "2"], d)
    stop = threading.Event()
    received = [0] * viewers
    complete = [False] * viewers
    threads = []

    def viewer(i):
        conn = http.client.HTTPConnection("127.0.0.1", c.port, timeout=20)
        if slow_viewer and i == 0:
            # A small receive window, so the kernel does not soak up what the viewer is slow to read.
            conn.sock = socket.socket()
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            conn.sock.settimeout(20)
            conn.sock.connect(("127.0.0.1", c.port))
        conn.request("GET", "/live/stream.mp4")
        r = conn.getresponse()
        try:
            while True:
                data = r.read1(16384 if slow_viewer and i == 0 else 65536)
                if not data:
                    complete[i] = True  # the last chunk came: the server ended the stream
                    break
                received[i] += len(data)
                if slow_viewer and i == 0:
                    time.sleep(0.25)  # at most 64 KB/s, a fraction of the stream's rate
        except (OSError, http.client.HTTPException):
            pass
        conn.close()

    stalled = None
    if stalled_viewer:
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(("127.0.0.1", c.port))
        stalled.sendall(b"GET /live/stream.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # and never reads
    for i in range(viewers):
        t = threading.Thread(target=viewer, args=(i,))
        t.start()
        threads.append(t)
    usage = (0, 0, 0)
    status = None
    deadline = time.monotonic() + 60
    while c.proc.poll() is None and time.monotonic() < deadline:
        try:
            usage = proc_usage(c.proc.pid) + (server_thread_cpu(c.proc.pid),)
            status = c.json("/status")
        except (OSError, ValueError, AssertionError):
            pass
        time.sleep(0.2)
    assert c.stop() == 0, c.output()
    for t in threads:
        t.join(30)
    if stalled:
        stalled.close()
    return d, c.output(), received, complete, usage, status


def frame_md5s(path):
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-xerror", "-i", path, "-f", "framemd5", "-"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return [l.split(",")[-1].strip() for l in r.stdout.splitlines() if l and not l.startswith("#")]


def test_twenty_viewers_one_stalled_one_slow_cost_the_recording_nothing(workdir, noisy_source, capsys):
    d0, out0, _, _, usage0, _ = record(workdir, "alone", noisy_source, 0)
    d1, out1, received, complete, usage1, status = record(workdir, "watched", noisy_source, 19, slow_viewer=True,
                                                          stalled_viewer=True)
    assert "dropped 0" in out0 and "dropped 0" in out1, out1
    alone = frame_md5s(os.path.join(d0, "cam.mp4"))
    watched = frame_md5s(os.path.join(d1, "cam.mp4"))
    assert len(alone) == SECONDS * FPS
    assert watched == alone, "the file with viewers holds the same frames"
    # Every fast viewer got the stream to its end (~4 MB); the slow one was moved forward
    # and the stalled one dropped, both counted.
    fast = received[1:]
    assert all(complete[1:]), complete
    assert min(fast) > 2_000_000, fast
    assert status["live"]["viewer_skips"] >= 1, (str(status["live"]), received[0])
    assert status["live"]["viewer_timeouts"] >= 1, str(status["live"])
    with capsys.disabled():
        cpu_per_viewer = (usage1[0] - usage0[0]) / 20
        mem_per_viewer = (usage1[1] - usage0[1]) / 20
        print("\nload: 20 viewers (1 stalled, 1 slow) on %d s at %.1f Mbit/s: recording drops 0; "
              "camrec CPU %.2f s alone, %.2f s watched (%.1f ms CPU per viewer-second); "
              "server thread CPU %.3f s alone, %.3f s watched (%.2f ms per viewer-second); "
              "peak RSS %d KiB alone, %d KiB watched (%d KiB per viewer)"
              % (SECONDS, sum(fast) / len(fast) * 8 / SECONDS / 1e6, usage0[0], usage1[0],
                 cpu_per_viewer / SECONDS * 1000, usage0[2], usage1[2],
                 (usage1[2] - usage0[2]) / 20 / SECONDS * 1000, usage0[1], usage1[1], mem_per_viewer))


def test_sigkill_mid_stream_leaves_a_playable_recording(workdir):
    d = os.path.join(workdir, "killed")
    os.mkdir(d)
    c = Camrec(["record", "-q", "-o", "cam.mp4", "--size", "320x240", "--duration", "60", "--serve", "0"], d)
    conn = http.client.HTTPConnection("127.0.0.1", c.port, timeout=10)
    conn.request("GET", "/live/stream.mp4")
    r = conn.getresponse()
    r.read1(65536)
    s = c.wait_status(lambda s: s["frames"] >= 100)
    frames_before_kill = c.json("/status")["frames"]
    c.proc.send_signal(signal.SIGKILL)
    c.proc.wait(10)
    conn.close()
    path = os.path.join(d, "cam.mp4")
    frames = frame_md5s(path)  # -xerror: every frame decodes
    # What a kill loses without --serve too: at most the open fragment (1 s) and a frame.
    assert len(frames) >= frames_before_kill - FPS - 2, (len(frames), frames_before_kill)
    info = subprocess.run([CLI, "info", path], capture_output=True, text=True, timeout=30)
    assert info.returncode == 0, info.stderr
