# SPDX-License-Identifier: LGPL-2.1-or-later
"""The camrec module: Recorder, Muxer/Demuxer round trip, info/remux/recover, errors, and
the GIL released while recording."""
import os
import subprocess
import sys
import threading
import time

import pytest

import camrec
from conftest import decodes_clean, ffprobe_json, ffprobe_warnings, video_packets, video_stream


def record(path, **options):
    options.setdefault("frames", 30)
    options.setdefault("fast", True)
    with camrec.Recorder(path, **options) as rec:  # any os.PathLike
        while rec.process():
            pass
    return rec


def test_recorder_writes_the_frames_asked_for(tmp_path):
    out = tmp_path / "clip.mp4"
    rec = record(out, frames=45, width=640, height=360, codec="h265")
    assert rec.stopped
    assert rec.frames_written == 45
    assert rec.bytes == os.path.getsize(out)
    s = video_stream(out)
    assert (s["codec_name"], s["width"], s["height"]) == ("hevc", 640, 360)
    assert len(video_packets(out)) == 45
    assert ffprobe_warnings(out) == ""


def test_recorder_run_with_audio_matches_info(tmp_path):
    out = tmp_path / "av.mp4"
    rec = camrec.Recorder(str(out), frames=60, fast=True, audio="g711u", width=320, height=240)
    rec.run()
    info = camrec.info(out)
    assert info["layout"] == "regular"
    kinds = sorted(t["type"] for t in info["tracks"])
    assert kinds == ["audio", "video"]
    video = next(t for t in info["tracks"] if t["type"] == "video")
    assert video["samples"] == rec.frames_written == 60
    assert rec.audio_packets > 0
    assert decodes_clean(out) == ""


def test_recorder_records_aac(tmp_path):
    out = tmp_path / "aac.mp4"
    rec = camrec.Recorder(str(out), frames=30, fast=True, audio="aac", width=320, height=240)
    rec.run()
    audio = next(t for t in camrec.info(out)["tracks"] if t["type"] == "audio")
    assert (audio["codec"], audio["sample_rate"]) == ("mp4a.40.2", 48000)
    assert decodes_clean(out) == ""
    with pytest.raises(camrec.Error, match="'opus' or 'aac'"):
        camrec.Recorder(str(tmp_path / "bad.mp4"), frames=30, fast=True, audio="mp3")


def test_info_has_the_cli_schema(tmp_path):
    out = tmp_path / "clip.mp4"
    record(out, frames=10, width=320, height=240, fragmented=True)
    cli = os.environ.get("CAMREC_CLI") or pytest.skip("CAMREC_CLI is not set: run through ctest")
    text = subprocess.run([cli, "info", "--json", str(out)], capture_output=True, text=True, check=True).stdout
    import json
    assert camrec.info(str(out)) == json.loads(text)
    assert camrec.info(str(out))["layout"] == "fragmented"


def test_mux_demux_round_trip_keeps_every_byte_and_time(tmp_path):
    src = tmp_path / "src.mp4"
    record(src, frames=40, width=320, height=240, audio="g711a")
    copy = tmp_path / "copy.mp4"
    demuxer = camrec.Demuxer(str(src), annexb=True)
    tracks = demuxer.tracks
    packets = []
    with camrec.Muxer(str(copy), fragmented=True) as muxer:
        index = {}
        for i, t in enumerate(tracks):
            if t.video:
                index[i] = muxer.add_video_track("h264", t.width, t.height, t.timescale)
            else:
                index[i] = muxer.add_audio_track("g711a", t.sample_rate, t.channels, t.timescale)
        for p in demuxer:
            packets.append(p)
            # The packet itself is a buffer: no copy to hand it over.
            muxer.write(index[p.track], p, pts=p.pts, dts=p.dts, timescale=p.timescale, duration=p.duration)
    assert muxer.closed and muxer.stats["samples_written"] == len(packets)

    again = list(camrec.Demuxer(str(copy), annexb=True))
    assert len(again) == len(packets)
    # Track by track: how the tracks interleave depends on the layout, each track's
    # samples do not.
    for track in index:
        before = [p for p in packets if p.track == track]
        after = [p for p in again if p.track == track]
        assert len(before) == len(after) > 0
        for a, b in zip(before, after):
            assert (a.pts, a.dts, a.key, bytes(a)) == (b.pts, b.dts, b.key, bytes(b))
            assert memoryview(a).readonly and len(a) == len(a.data)
    assert packets[0].key and tracks[0].video
    assert ffprobe_warnings(copy) == ""


def test_remux_and_recover(tmp_path):
    src = tmp_path / "src.mp4"
    record(src, frames=20, width=320, height=240)
    out = tmp_path / "fast.mp4"
    report = camrec.remux(str(src), str(out), faststart=True)
    assert report == {"samples": 20, "tracks": 1, "skipped_tracks": []}
    assert camrec.info(str(out))["tracks"][0]["samples"] == 20
    # A file cut in the middle of its last fragment: recover keeps the whole fragments.
    frag = tmp_path / "frag.mp4"
    record(frag, frames=90, width=320, height=240, fragmented=True)
    size = os.path.getsize(frag)
    with open(frag, "r+b") as f:
        f.truncate(size - 2000)
    fixed = tmp_path / "fixed.mp4"
    r = camrec.recover(str(frag), str(fixed))
    assert r["action"] in ("rebuilt", "none") and 0 < r["video_frames"] < 90
    assert decodes_clean(fixed) == ""


def test_errors_carry_code_and_message(tmp_path):
    with pytest.raises(camrec.Error) as e:
        camrec.info(str(tmp_path / "missing.mp4"))
    assert e.value.code == "not_found" and "missing.mp4" in e.value.message
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x08moov" + b"junk" * 10)
    with pytest.raises(camrec.Error) as e:
        camrec.Demuxer(str(bad))
    assert e.value.code == "malformed"
    with pytest.raises(camrec.Error) as e:
        camrec.Recorder(str(tmp_path / "x.mp4"), codec="vp9")
    assert e.value.code == "invalid_argument" and "h264" in e.value.message
    assert not (tmp_path / "x.mp4").exists(), "a refused config must not create the file"
    with pytest.raises(camrec.Error) as e:
        camrec.Muxer(str(tmp_path / "y.mp4"), fragmented=True, faststart=True)
    assert "exclude" in e.value.message
    with pytest.raises(camrec.Error) as e:
        camrec.Muxer(str(tmp_path / "no" / "such" / "dir.mp4"))
    assert e.value.code in ("not_found", "io")


def test_queue_frames_is_the_link_queue_of_record(tmp_path):
    for bad in (0, 65):
        out = tmp_path / f"q{bad}.mp4"
        with pytest.raises(camrec.Error) as e:
            camrec.Recorder(str(out), frames=10, queue_frames=bad)
        assert e.value.code == "invalid_argument"
        assert f"queue of {bad} frames" in e.value.message and "1..64" in e.value.message
        assert not out.exists(), "a refused config must not create the file"
    with pytest.raises(TypeError):
        camrec.Recorder(str(tmp_path / "neg.mp4"), queue_frames=-1)
    # 1 and 64, the ends of the range, record (in real time: the queue drops only when full).
    for depth in (1, 64):
        rec = record(tmp_path / f"d{depth}.mp4", frames=15, width=160, height=128, fast=False, queue_frames=depth)
        assert rec.frames_written == 15


def test_wrong_use_of_a_muxer_raises(tmp_path):
    m = camrec.Muxer(str(tmp_path / "m.mp4"))
    v = m.add_video_track("h264", 320, 240)
    with pytest.raises(camrec.Error) as e:
        m.write(v, b"\x00\x00\x00\x01\x41\x9a" + bytes(20), pts=0)
    assert e.value.code in ("invalid_argument", "malformed")  # the first frame must be a key frame
    with pytest.raises(camrec.Error) as e:
        m.add_audio_track("mp3")
    assert "unknown codec" in e.value.message
    m.close()
    with pytest.raises(camrec.Error) as e:
        m.write(v, b"\x00", pts=0)
    assert e.value.code == "wrong_state" and "closed" in e.value.message
    with pytest.raises(TypeError):
        m.write(v, "not bytes", pts=0)


def test_ctrl_c_during_run_closes_the_file(tmp_path):
    out = tmp_path / "int.mp4"
    script = f"""
import signal, threading, os, camrec
rec = camrec.Recorder({str(out)!r}, frames=100000, width=320, height=240)
threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
try:
    rec.run()
except KeyboardInterrupt:
    print("interrupted", rec.frames_written, rec.stopped)
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=60)
    assert "interrupted" in r.stdout, r.stderr
    frames = int(r.stdout.split()[1])
    assert r.stdout.split()[2] == "True"
    assert 10 < frames < 100000
    assert len(video_packets(out)) == frames
    assert decodes_clean(out) == ""


def test_two_recorders_in_two_threads_run_at_once(tmp_path):
    # Two paced recorders in one process, each with its own sensor and encoder device: each
    # thread must see the other make progress while it is itself still recording, and both
    # files must be whole. (That the GIL is released inside process() is shown below.)
    progress = {0: [], 1: []}
    errors = []

    def worker(i):
        try:
            rec = camrec.Recorder(str(tmp_path / f"t{i}.mp4"), frames=60, width=320, height=240, sensor_id=i,
                                  encoder_device=i)
            with rec:
                while rec.process():
                    progress[i].append(rec.frames_written)
                    other = progress[1 - i]
                    progress[i].append(("saw", len(other)))
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    for i in (0, 1):
        seen = [n for x in progress[i] if isinstance(x, tuple) for n in [x[1]]]
        # While thread i was between its first and last frame, thread 1-i advanced.
        assert seen[-1] - seen[0] > 10, f"thread {i} never saw the other record: {seen[:5]}...{seen[-5:]}"
        assert len(video_packets(tmp_path / f"t{i}.mp4")) == 60


def test_other_threads_run_while_process_waits_for_a_frame(tmp_path):
    # With a 10 s switch interval the interpreter never takes the GIL from the main thread
    # by itself: the helper thread can only run while the main thread has released it. A
    # paced source at 2 fps makes process() wait about half a second for each frame.
    rec = camrec.Recorder(tmp_path / "slow.mp4", frames=3, fps=2, width=320, height=240)
    rec.start()
    go = threading.Event()
    done = threading.Event()
    counter = [0]

    def helper():
        go.wait()
        while not done.is_set():
            counter[0] += 1
            time.sleep(0.001)

    t = threading.Thread(target=helper)
    t.start()
    old = sys.getswitchinterval()
    sys.setswitchinterval(10)
    try:
        go.set()
        before = counter[0]
        rec.process()
        rec.process()
        during = counter[0] - before
    finally:
        sys.setswitchinterval(old)
        done.set()
        t.join()
        rec.stop()
    assert during > 0, "the helper thread never ran while process() waited: the GIL was held"


def test_recorder_changes_size_while_recording(tmp_path):
    out = tmp_path / "resized.mp4"
    rec = camrec.Recorder(str(out), frames=60, fast=True, width=320, height=240)
    with pytest.raises(camrec.Error) as e:
        rec.reconfigure_video(640, 360, 1500)  # not started yet
    assert e.value.code == "wrong_state"
    with rec:
        for _ in range(20):
            assert rec.process()
        with pytest.raises(camrec.Error) as e:
            rec.reconfigure_video(641, 360, 1500)
        assert e.value.code == "invalid_argument" and "even" in e.value.message
        rec.reconfigure_video(640, 360, 1500)
        while rec.process():
            pass
    assert rec.frames_written == 60
    frames = ffprobe_json(out, "-select_streams", "v", "-show_frames", "-show_entries", "frame=width,height")["frames"]
    sizes = [(f["width"], f["height"]) for f in frames]
    assert len(sizes) == 60
    first_new = sizes.index((640, 360))
    # Old-size frames already captured still come first; after the switch only the new size.
    assert 20 <= first_new < 60 and set(sizes[:first_new]) == {(320, 240)} and set(sizes[first_new:]) == {(640, 360)}
    assert decodes_clean(out) == ""
    with pytest.raises(camrec.Error) as e:
        rec.reconfigure_video(640, 360, 1500)  # the file is closed
    assert e.value.code == "wrong_state"
