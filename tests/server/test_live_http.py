# SPDX-License-Identifier: LGPL-2.1-or-later
# A recording served live: status, page, the continuous fragmented MP4, LL-HLS (blocking
# reload, parts, segments), the recordings list and Range downloads, ffmpeg as a client.
import http.client
import json
import os
import re
import subprocess
import time

import pytest

from conftest import Camrec, record_args


@pytest.fixture(scope="module")
def live(workdir):
    d = os.path.join(workdir, "live")
    os.mkdir(d)
    c = Camrec(record_args(60), d)
    c.wait_status(lambda s: s["live"] and s["live"].get("fragments", 0) >= 12)
    yield c
    c.stop()


def ffmpeg_frames(url, seconds, extra=()):
    """Decodes `seconds` of `url` with ffmpeg -xerror; returns (exit code, frames, stderr)."""
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-xerror"] + list(extra) +
                       ["-i", url, "-t", str(seconds), "-f", "framemd5", "-"],
                       capture_output=True, text=True, timeout=90)
    frames = [l for l in r.stdout.splitlines() if l and not l.startswith("#")]
    return r.returncode, len(frames), r.stderr


def test_status_reports_the_recording_and_the_live_edge(live):
    a = live.json("/status")
    assert a["recording"] is True
    assert a["file"] == "cam.mp4"
    assert a["video_codec"] == "h264"
    assert a["dropped"] == 0
    assert a["live"]["codec"].startswith("avc3.")
    assert a["live"]["mime"] == 'video/mp4; codecs="%s"' % a["live"]["codec"]
    time.sleep(0.5)
    b = live.json("/status")
    assert b["frames"] > a["frames"] and b["size"] > 0 and b["duration_us"] > a["duration_us"]
    assert b["live"]["edge_media_us"] > a["live"]["edge_media_us"]
    # The live edge is at most a part (200 ms) and two frames behind the capture clock.
    lag_us = b["now_unix_us"] - b["live"]["edge_capture_unix_us"]
    assert 0 <= lag_us < 2_000_000, lag_us


def test_page_is_self_contained(live):
    status, headers, body = live.get("/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    page = body.decode()
    assert "<video" in page and "/live/stream.mp4" in page and "MediaSource" in page
    assert "http://" not in page and "https://" not in page, "no CDN or other origin"


def test_live_stream_is_chunked_init_then_key_fragment(live):
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    conn.request("GET", "/live/stream.mp4")
    r = conn.getresponse()
    assert r.status == 200
    assert r.getheader("Transfer-Encoding") == "chunked"
    assert r.getheader("Content-Type") == "video/mp4"
    data = b""
    while len(data) < 4096:
        data += r.read1(65536)
    conn.close()
    boxes = []
    at = 0
    while at + 8 <= len(data) and len(boxes) < 4:
        size = int.from_bytes(data[at:at + 4], "big")
        boxes.append(data[at + 4:at + 8].decode())
        at += size
    assert boxes[:4] == ["ftyp", "moov", "moof", "mdat"], boxes


def test_ffmpeg_decodes_the_live_stream(live):
    code, frames, err = ffmpeg_frames(live.url("/live/stream.mp4"), 3)
    assert code == 0, err
    assert frames >= 85, (frames, err)  # 3 s at 30 fps, from the newest key frame on


def test_ffmpeg_decodes_the_hls_playlist(live):
    code, frames, err = ffmpeg_frames(live.url("/live/index.m3u8"), 3)
    assert code == 0, err
    assert frames >= 85, (frames, err)


def playlist(live, query=""):
    status, headers, body = live.get("/live/index.m3u8" + query, timeout=30)
    return status, headers, body.decode()


def test_hls_playlist_parts_segments_and_blocking_reload(live):
    status, headers, m = playlist(live)
    assert status == 200 and headers["content-type"] == "application/vnd.apple.mpegurl"
    assert "#EXT-X-PART-INF:PART-TARGET=0.200" in m
    durations = [float(x) for x in re.findall(r"#EXT-X-PART:DURATION=([0-9.]+)", m)]
    assert durations and max(durations) <= 0.2
    segments = [int(x) for x in re.findall(r"^seg/(\d+)\.m4s$", m, re.M)]
    parts = re.findall(r'URI="part/(\d+)\.(\d+)\.m4s"', m)
    assert len(segments) >= 2
    # Every listed segment and part is there, and starts with a moof.
    for uri in ["/live/seg/%d.m4s" % segments[-1], "/live/part/%s.%s.m4s" % parts[-1], "/live/init.mp4"]:
        s, _, body = live.get(uri)
        assert s == 200, uri
        assert body[4:8] in (b"moof", b"ftyp"), uri
    # Blocking reload: the next part after the newest one arrives within a few part times.
    msn, part = int(parts[-1][0]), int(parts[-1][1])
    t0 = time.monotonic()
    status, _, m2 = playlist(live, "?_HLS_msn=%d&_HLS_part=%d" % (msn, part + 1))
    waited = time.monotonic() - t0
    assert status == 200
    assert ('part/%d.%d.m4s' % (msn, part + 1) in m2) or ('part/%d.0.m4s' % (msn + 1) in m2), m2
    assert waited < 5
    # Too far ahead: 400 at once (RFC 8216bis 6.2.5.2).
    status, _, _ = playlist(live, "?_HLS_msn=%d" % (msn + 10))
    assert status == 400
    for bad in ["?_HLS_msn=x", "?_HLS_part=1", "?_HLS_msn=-1", "?_HLS_msn=1&_HLS_part=z"]:
        assert playlist(live, bad)[0] == 400, bad
    assert live.get("/live/seg/999999.m4s")[0] == 404
    assert live.get("/live/part/1.x.m4s")[0] == 404


def test_recordings_list_shows_the_file_in_progress(live):
    listing = live.json("/recordings/")
    names = {e["name"]: e for e in listing}
    assert "cam.mp4" in names
    e = names["cam.mp4"]
    assert e["state"] == "recording" and e["complete"] is False
    assert e["size"] > 0
    # A Range on the growing file returns exactly the bytes on disk (its header is stable).
    status, headers, body = live.get("/recordings/cam.mp4", {"Range": "bytes=0-99"})
    assert status == 206
    assert headers["content-range"].startswith("bytes 0-99/")
    with open(os.path.join(live.cwd, "cam.mp4"), "rb") as f:
        assert body == f.read(100)


@pytest.fixture(scope="module")
def live_audio(workdir):
    d = os.path.join(workdir, "live-audio")
    os.mkdir(d)
    c = Camrec(record_args(60, ["--audio", "opus"]), d)
    c.wait_status(lambda s: s["live"] and s["live"].get("fragments", 0) >= 12)
    yield c
    c.stop()


def ffmpeg_streams(url, seconds):
    """Decodes `seconds` of the video and the audio of `url` with ffmpeg -xerror; returns
    (exit code, {stream index: decoded frames}, stderr)."""
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-xerror", "-i", url, "-map", "0:v", "-map", "0:a",
                        "-t", str(seconds), "-f", "framemd5", "-"], capture_output=True, text=True, timeout=90)
    counts = {}
    for line in r.stdout.splitlines():
        if line and not line.startswith("#"):
            stream = int(line.split(",")[0])
            counts[stream] = counts.get(stream, 0) + 1
    return r.returncode, counts, r.stderr


def test_live_view_carries_the_opus_audio(live_audio):
    s = live_audio.json("/status")
    assert s["audio_codec"] == "opus"
    assert s["live"]["audio"] is True
    assert s["live"]["codec"].startswith("avc3.") and s["live"]["codec"].endswith(",opus"), s["live"]["codec"]
    assert s["live"]["mime"] == 'video/mp4; codecs="%s"' % s["live"]["codec"]
    for path in ["/live/stream.mp4", "/live/index.m3u8"]:
        code, counts, err = ffmpeg_streams(live_audio.url(path), 3)
        assert code == 0, (path, err)
        # 3 s: 90 pictures at 30 fps, and 3 s of audio (ffmpeg decodes Opus to 960-sample frames at 48 kHz).
        assert counts.get(0, 0) >= 85 and counts.get(1, 0) >= 140, (path, counts, err)


def test_g711_recording_is_served_with_the_video_only(workdir):
    d = os.path.join(workdir, "live-g711")
    os.mkdir(d)
    c = Camrec(record_args(20, ["--audio", "g711u"]), d)
    try:
        s = c.wait_status(lambda s: s["live"] and s["live"].get("fragments", 0) >= 3)
        assert s["audio_codec"] == "g711u"
        assert s["live"]["audio"] is False and "," not in s["live"]["codec"], s["live"]
        assert "error" not in s["live"]
        code, frames, err = ffmpeg_frames(c.url("/live/stream.mp4"), 1)
        assert code == 0 and frames >= 25, (frames, err)
    finally:
        c.stop()


def test_recordings_list_shows_the_file_complete_once_the_recording_ends(workdir):
    d = os.path.join(workdir, "ends")
    os.mkdir(d)
    args = record_args(3)
    args[args.index("--serve-linger") + 1] = "10"  # the server stays up after the file is closed
    c = Camrec(args, d)
    try:
        # The port is taken before the file is created: the listing shows it once recording.
        c.wait_status(lambda s: s["recording"])
        assert [e["state"] for e in c.json("/recordings/")] == ["recording"]
        s = c.wait_status(lambda s: not s["recording"], timeout=20)
        assert s["file"] == "cam.mp4"
        listing = c.json("/recordings/")
        assert [(e["name"], e["state"], e["complete"]) for e in listing] == [("cam.mp4", "complete", True)]
    finally:
        c.stop()
