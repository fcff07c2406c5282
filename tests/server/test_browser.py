# SPDX-License-Identifier: LGPL-2.1-or-later
# Headless Chromium watching a recording: the live page `GET /` plays for 10 s with the
# glass-to-glass latency measured frame by frame, and hls.js (npm, loaded into the test page
# only) plays /live/index.m3u8.
import os
import statistics
import subprocess
import time

import pytest

from chromium import Chromium, ChromiumError
from conftest import Camrec, record_args

SOURCE_DIR = os.environ.get("CAMREC_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))

# Every presented frame: its time on the stream's timeline and when it was shown (Unix ms),
# from requestVideoFrameCallback, which reports the frame the compositor actually presents.
WATCH_FRAMES = """(() => {
  const v = document.querySelector('video');
  window.camrecFrames = [];
  const onFrame = (now, m) => {
    camrecFrames.push([m.mediaTime, performance.timeOrigin + m.expectedDisplayTime]);
    if (camrecFrames.length > 3000) camrecFrames.shift();
    v.requestVideoFrameCallback(onFrame);
  };
  v.requestVideoFrameCallback(onFrame);
  return true;
})()"""

PLAYBACK = """(() => {
  const v = document.querySelector('video');
  const q = v.getVideoPlaybackQuality();
  return {t: v.currentTime, decoded: q.totalVideoFrames, dropped: q.droppedVideoFrames, paused: v.paused,
          width: v.videoWidth, height: v.videoHeight, audioBytes: v.webkitAudioDecodedByteCount || 0,
          error: v.error ? v.error.code : 0, frames: camrecFrames.splice(0), now: Date.now(),
          message: (document.getElementById('message') || {}).textContent || '',
          hlsError: window.camrecHlsError || ''};
})()"""


@pytest.fixture(scope="module")
def chromium():
    with Chromium() as c:
        yield c


def wait_for_playback(browser, seconds):
    """Polls until the video plays (currentTime > 0.2 s); returns the playback state."""
    deadline = time.monotonic() + seconds
    state = None
    while time.monotonic() < deadline:
        state = browser.evaluate(PLAYBACK)
        if state["error"] or state["hlsError"]:
            break
        if state["t"] > 0.2 and state["decoded"] > 0:
            return state
        time.sleep(0.25)
    raise AssertionError("the video did not start: %s\nconsole: %s" % (state, browser.console[-20:]))


def watch(browser, seconds):
    """Samples the playback every 0.5 s for `seconds`; returns (first, last, presented frames)."""
    first = browser.evaluate(PLAYBACK)
    frames = []
    end = time.monotonic() + seconds
    last = first
    while time.monotonic() < end:
        time.sleep(0.5)
        last = browser.evaluate(PLAYBACK)
        assert not last["error"] and not last["hlsError"], (last, browser.console[-20:])
        frames += last["frames"]
    return first, last, frames


def page_recordings(browser):
    """The page's recordings table: [name, state] per row."""
    return browser.evaluate("Array.from(document.querySelectorAll('#recordings tr')).slice(1)"
                            ".map(r => [r.cells[0].textContent, r.cells[3].textContent])")


def test_live_page_plays_within_a_second_of_capture(workdir, chromium):
    d = os.path.join(workdir, "page")
    os.mkdir(d)
    # With Opus audio from the test tone: the page plays the audio track too. 22 s: playback
    # starts within a few seconds, then 10 s are watched; the server stays up 8 s after the end.
    args = record_args(22, ["--audio", "opus"])
    args[args.index("--serve-linger") + 1] = "8"
    c = Camrec(args, d)
    try:
        c.wait_status(lambda s: s["live"] and s["live"].get("fragments", 0) >= 1)
        chromium.navigate(c.url("/"))
        chromium.evaluate(WATCH_FRAMES)
        wait_for_playback(chromium, 8)
        before = c.json("/status")
        first, last, frames = watch(chromium, 10)
        after = c.json("/status")
        assert after["recording"] is True, "the recording ended while watched: the machine is too slow"
        assert page_recordings(chromium) == [["cam.mp4", "in progress"]]
        # The recording ends: the page says so and lists the file complete.
        deadline = time.monotonic() + 22
        while time.monotonic() < deadline and page_recordings(chromium) != [["cam.mp4", "complete"]]:
            time.sleep(0.25)
        assert page_recordings(chromium) == [["cam.mp4", "complete"]]
        assert chromium.evaluate("document.getElementById('message').textContent") == "The recording ended."
    finally:
        c.stop()
    # The stream's timeline is the capture clock shifted: capture = origin + media time. The
    # server states the live edge on both; the two snapshots must agree on the origin.
    origins = [s["live"]["edge_capture_unix_us"] - s["live"]["edge_media_us"] for s in (before, after)]
    assert abs(origins[0] - origins[1]) < 20_000, origins
    origin_ms = origins[1] / 1000
    # Glass to glass: when each frame was shown minus when it was captured.
    latencies = sorted(shown - (origin_ms + media * 1000) for media, shown in frames)
    assert len(frames) >= 200, "presented frames in 10 s at 30 fps: %d" % len(frames)
    median = statistics.median(latencies)
    p90 = latencies[int(len(latencies) * 0.9)]
    print("\nlive page: %d frames presented in 10 s, latency median %.0f ms, p90 %.0f ms, max %.0f ms; "
          "currentTime %.2f -> %.2f, decoded %d -> %d, dropped %d, audio decoded %d -> %d bytes" %
          (len(frames), median, p90, latencies[-1], first["t"], last["t"], first["decoded"], last["decoded"],
           last["dropped"], first["audioBytes"], last["audioBytes"]))
    assert latencies[0] > 0, "a frame shown before it was captured: the clocks do not match"
    assert p90 <= 1000, "glass-to-glass latency over 1 s: median %.0f ms, p90 %.0f ms" % (median, p90)
    assert last["t"] - first["t"] >= 9.0, (first, last)
    assert last["decoded"] - first["decoded"] >= 240, (first, last)
    assert (last["width"], last["height"]) == (320, 240)
    # (The recording's own drops are not this test's subject: Chromium decoding beside the
    # encoder on a loaded 2-core machine can starve it. test_load.py shows that viewers do not.)
    # The audio plays along: Chromium's audio decoder took at least 8 s worth of the Opus
    # bytes the file holds per second (webkitAudioDecodedByteCount counts coded bytes).
    assert after["live"]["audio"] is True
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=bit_rate",
                        "-of", "default=nw=1:nk=1", os.path.join(d, "cam.mp4")], capture_output=True, text=True)
    audio_bytes_per_s = int(r.stdout.strip()) / 8
    assert audio_bytes_per_s > 1000, r
    assert last["audioBytes"] - first["audioBytes"] >= 8 * audio_bytes_per_s, \
        (first["audioBytes"], last["audioBytes"], audio_bytes_per_s)
    assert chromium.evaluate("document.getElementById('sound').hidden") is False


HLS_PLAYER = """(() => {
  document.body.innerHTML = '<video muted autoplay playsinline></video>';
  const v = document.querySelector('video');
  window.camrecHlsError = Hls.isSupported() ? '' : 'hls.js: MSE not supported';
  window.camrecHlsWarnings = [];
  const hls = new Hls({lowLatencyMode: true});
  hls.on(Hls.Events.ERROR, (event, data) => {
    if (data.fatal) camrecHlsError = data.type + ': ' + data.details;
    else camrecHlsWarnings.push(data.details);
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => v.play().catch(e => { camrecHlsError = 'play: ' + e.name; }));
  hls.loadSource('/live/index.m3u8');
  hls.attachMedia(v);
  window.camrecHls = hls;
  return Hls.version;
})()"""


def test_hls_js_plays_the_playlist(workdir, chromium):
    hls_js = os.path.join(SOURCE_DIR, "tests", "node", "node_modules", "hls.js", "dist", "hls.min.js")
    assert os.path.exists(hls_js), "npm ci --prefix tests/node (scripts/install-deps.sh) installs hls.js"
    d = os.path.join(workdir, "hls")
    os.mkdir(d)
    c = Camrec(record_args(40, ["--audio", "opus"]), d)
    try:
        c.wait_status(lambda s: s["live"] and s["live"].get("fragments", 0) >= 12)
        # hls.js is loaded into a page of the server's origin by the test; camrec does not ship it.
        chromium.navigate(c.url("/status"))
        with open(hls_js) as f:
            chromium.evaluate(f.read() + "\n;true")
        version = chromium.evaluate(HLS_PLAYER)
        chromium.evaluate(WATCH_FRAMES)
        wait_for_playback(chromium, 20)
        first, last, frames = watch(chromium, 10)
        warnings = chromium.evaluate("camrecHlsWarnings")
        status = c.json("/status")
    finally:
        c.stop()
    origin_ms = (status["live"]["edge_capture_unix_us"] - status["live"]["edge_media_us"]) / 1000
    latencies = sorted(shown - (origin_ms + media * 1000) for media, shown in frames)
    print("\nhls.js %s: %d frames presented in 10 s, latency median %.0f ms; currentTime %.2f -> %.2f, "
          "decoded %d -> %d, audio decoded %d -> %d bytes; non-fatal errors: %s" %
          (version, len(frames), statistics.median(latencies) if latencies else -1, first["t"], last["t"],
           first["decoded"], last["decoded"], first["audioBytes"], last["audioBytes"], warnings))
    assert not last["hlsError"], last["hlsError"]
    assert last["t"] - first["t"] >= 9.0, (first, last)
    assert last["decoded"] - first["decoded"] >= 240, (first, last)
    assert (last["width"], last["height"]) == (320, 240)
    assert last["audioBytes"] - first["audioBytes"] > 0, "hls.js plays the audio of the parts too"
