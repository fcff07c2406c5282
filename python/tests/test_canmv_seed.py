# SPDX-License-Identifier: LGPL-2.1-or-later
"""The seed tutorial's program, verbatim from ../shared/reference (never copied here), run by
camrec-canmv; then the same program with its other example enabled and with other settings,
made by editing the text at test time."""
import os
import signal
import subprocess
import time

import pytest

from conftest import (canmv_runner, decodes_clean, ffprobe_json, ffprobe_warnings, run_canmv, seed_program,
                      video_packets, video_stream)

MAIN_CALL = 'vi_bind_venc_mp4_test("/sdcard/examples/test.mp4", 1280, 720)'


def write_seed(tmp_path, text=None, name="seed_example.py"):
    script = tmp_path / name
    script.write_text(seed_program() if text is None else text, encoding="utf-8")
    sd = tmp_path / "sd"
    sd.mkdir(exist_ok=True)
    return script, sd


def edited(old, new):
    text = seed_program()
    assert text.count(old) == 1, f"the seed no longer contains {old!r} once"
    return text.replace(old, new)


def test_seed_program_unchanged_records_201_frames(tmp_path):
    script, sd = write_seed(tmp_path)
    r = run_canmv(script, "--sdcard", sd)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert "帧数 =  200" in r.stdout and "录制完成" in r.stdout
    out = sd / "examples" / "test.mp4"
    s = video_stream(out)
    assert (s["codec_name"], s["profile"], s["width"], s["height"]) == ("h264", "Main", 1280, 720)
    packets = video_packets(out)
    assert len(packets) == 201  # the first I frame, then the 200 the program counts
    assert packets[0]["flags"].startswith("K")
    assert ffprobe_warnings(out) == ""
    assert decodes_clean(out) == ""


def test_seed_container_example_records_h265_and_g711(tmp_path):
    text = edited(MAIN_CALL, "pass").replace("    #mp4_muxer_test()", "    mp4_muxer_test()")
    assert "    mp4_muxer_test()" in text
    script, sd = write_seed(tmp_path, text)
    r = run_canmv(script, "--sdcard", sd)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    assert "mp4_muxer_test stop" in r.stdout
    out = sd / "examples" / "test.mp4"
    streams = {s["codec_type"]: s for s in ffprobe_json(out, "-show_streams")["streams"]}
    assert streams["video"]["codec_name"] == "hevc"
    assert (streams["video"]["width"], streams["video"]["height"]) == (1280, 720)
    assert streams["audio"]["codec_name"] == "pcm_mulaw"
    # 200 Process() calls, then Stop() writes what the encoder and the link still held (at
    # most the link's 4 queued frames and the channel's 8 output buffers): nothing is lost.
    assert 200 <= len(video_packets(out)) <= 212
    assert ffprobe_warnings(out) == ""


@pytest.mark.parametrize("call, codec, size, layout", [
    ('vi_bind_venc_mp4_test("/sdcard/examples/test.mp4", 1280, 720, fmp4_flag = True)', "h264", (1280, 720),
     "fragmented"),
    ('vi_bind_venc_mp4_test("/sdcard/examples/test.mp4", 640, 480, venc_payload_type = K_PT_H265)', "hevc",
     (640, 480), "regular"),
    ('vi_bind_venc_mp4_test("/sdcard/examples/test.mp4", 1000, 562)', "h264", (1008, 562), "regular"),
])
def test_seed_variants(tmp_path, call, codec, size, layout):
    import camrec
    script, sd = write_seed(tmp_path, edited(MAIN_CALL, call))
    r = run_canmv(script, "--sdcard", sd)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    out = sd / "examples" / "test.mp4"
    s = video_stream(out)
    assert (s["codec_name"], s["width"], s["height"]) == (codec, *size)  # ALIGN_UP(width, 16)
    assert len(video_packets(out)) == 201
    assert camrec.info(str(out))["layout"] == layout
    assert decodes_clean(out) == ""


def test_ctrl_c_in_the_middle_leaves_a_playable_file(tmp_path):
    # The program counts to 200 frames; a SIGINT after about 2 s stops it at its next
    # os.exitpoint(), its own cleanup closes the file.
    script, sd = write_seed(tmp_path)
    p = subprocess.Popen([canmv_runner(), str(script), "--sdcard", str(sd)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    out = sd / "examples" / "test.mp4"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (out.exists() and out.stat().st_size > 100_000):
        time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode == 0, stdout[-2000:] + stderr
    assert "用户终止录制" in stdout and "录制完成" in stdout
    frames = len(video_packets(out))
    assert 1 < frames < 201
    assert decodes_clean(out) == ""


def test_sigterm_reaches_a_script_without_handler(tmp_path):
    script = tmp_path / "loop.py"
    script.write_text("import os, time\nos.exitpoint(os.EXITPOINT_ENABLE)\nprint('ready', flush=True)\n"
                      "while True:\n    os.exitpoint()\n    time.sleep_ms(10)\n")
    p = subprocess.Popen([canmv_runner(), str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    p.send_signal(signal.SIGTERM)
    stdout, stderr = p.communicate(timeout=30)
    assert p.returncode == 130
    assert "KeyboardInterrupt" in stderr and "stopped by a signal" in stderr
