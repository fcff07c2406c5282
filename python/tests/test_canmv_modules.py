# SPDX-License-Identifier: LGPL-2.1-or-later
"""The CanMV compatibility modules one by one: structs, checked addresses, kd_mp4 misuse,
the encoder's stream rules, the MicroPython extras, a demux script, and the runner."""
import ctypes
import os
import sys

import pytest

import camrec
from conftest import run_canmv

DEMUX_SCRIPT = '''
from mpp.mp4_format import *
from mpp.mp4_format_struct import *
import uctypes

def demuxer_test(file_name):
    mp4_cfg = k_mp4_config_s()
    mp4_cfg.config_type = K_MP4_CONFIG_DEMUXER
    mp4_cfg.demuxer_config.file_name[:] = bytes(file_name, 'utf-8')
    handle = k_u64_ptr()
    ret = kd_mp4_create(handle, mp4_cfg)
    if ret:
        raise OSError("kd_mp4_create failed")
    file_info = k_mp4_file_info_s()
    kd_mp4_get_file_info(handle.value, file_info)
    print("duration", file_info.duration, "tracks", file_info.track_num)
    for i in range(file_info.track_num):
        track_info = k_mp4_track_info_s()
        kd_mp4_get_track_by_index(handle.value, i, track_info)
        if track_info.track_type == K_MP4_STREAM_VIDEO:
            print("video", track_info.video_info.codec_id, track_info.video_info.width, track_info.video_info.height)
        else:
            print("audio", track_info.audio_info.codec_id, track_info.audio_info.sample_rate)
    counts = {}
    last = {}
    size = 0
    frame_data = k_mp4_frame_data_s()
    while True:
        kd_mp4_get_frame(handle.value, frame_data)
        if frame_data.eof:
            break
        data = uctypes.bytearray_at(frame_data.data, frame_data.data_length)
        size += len(data)
        if frame_data.codec_id == K_MP4_CODEC_ID_H264:
            assert data[:4] == b"\\x00\\x00\\x00\\x01", data[:8]
        assert frame_data.time_stamp >= last.get(frame_data.codec_id, 0)
        last[frame_data.codec_id] = frame_data.time_stamp
        counts[frame_data.codec_id] = counts.get(frame_data.codec_id, 0) + 1
    kd_mp4_destroy(handle.value)
    print("frames", sorted(counts.items()), "bytes", size)

demuxer_test("/sdcard/clip.mp4")
'''


def test_demux_script_reads_a_file_frame_by_frame(tmp_path):
    clip = tmp_path / "clip.mp4"
    with camrec.Recorder(str(clip), frames=45, fast=True, width=320, height=240, audio="g711u") as rec:
        while rec.process():
            pass
    script = tmp_path / "demux.py"
    script.write_text(DEMUX_SCRIPT)
    r = run_canmv(script, "--sdcard", tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("duration 1") and lines[0].endswith("tracks 2"), lines
    assert "video 0 320 240" in lines and "audio 3 8000" in lines
    info = camrec.info(str(clip))
    audio = next(t for t in info["tracks"] if t["type"] == "audio")
    assert f"frames [(0, 45), (3, {audio['samples']})]" in r.stdout, r.stdout


def test_structs_behave_like_the_boards(canmv_modules):
    from mpp.mp4_format_struct import (K_MP4_CONFIG_MUXER, k_mp4_config_s, k_mp4_frame_data_s,
                                       k_mp4_track_info_s, k_u64_ptr)
    cfg = k_mp4_config_s()
    cfg.config_type = K_MP4_CONFIG_MUXER
    cfg.muxer_config.file_name[:] = bytes("/sdcard/a.mp4", "utf-8")
    cfg.muxer_config.fmp4_flag = True
    assert cfg.muxer_config.file_name.value() == b"/sdcard/a.mp4"
    assert cfg.demuxer_config.file_name.value() == b"/sdcard/a.mp4"  # a union in C
    cfg.muxer_config.file_name[:] = b"/b.mp4"  # shorter: no tail of the old name left
    assert cfg.muxer_config.file_name.value() == b"/b.mp4" and len(cfg.muxer_config.file_name) == 128
    with pytest.raises(ValueError, match="at most 127"):
        cfg.muxer_config.file_name[:] = b"x" * 128
    with pytest.raises(AttributeError, match="no field 'file'"):
        cfg.muxer_config.file = b"x"
    with pytest.raises(OverflowError):
        cfg.muxer_config.fmp4_flag = 256
    t = k_mp4_track_info_s()
    t.video_info.width = 1280
    with pytest.raises(TypeError, match="takes an int"):
        t.video_info.height = "720"
    f = k_mp4_frame_data_s()
    with pytest.raises(TypeError, match="addressof"):
        f.data = bytearray(4)
    h = k_u64_ptr()
    assert h.value == 0


def test_addresses_are_real_and_checked(canmv_modules):
    import uctypes
    buf = bytearray(b"abcdefgh")
    address = uctypes.addressof(buf)
    assert address == ctypes.addressof(ctypes.c_char.from_buffer(buf))  # the real memory
    assert uctypes.bytearray_at(address + 2, 3) == bytearray(b"cde")
    with pytest.raises(camrec.AddressError, match="run past the end"):
        uctypes.bytearray_at(address + 4, 5)
    with pytest.raises(camrec.AddressError, match="not an address camrec handed out"):
        uctypes.bytearray_at(id(buf), 1)
    with pytest.raises(camrec.AddressError, match="not an address camrec handed out"):
        uctypes.bytearray_at(0x1000, 1)
    buf.extend(bytes(4096))  # moves the memory
    moved = uctypes.addressof(buf)
    if moved != address:
        with pytest.raises(camrec.AddressError):
            uctypes.bytearray_at(address, 1)
    other = bytearray(b"12345678")
    other_address = uctypes.addressof(other)
    del other  # nothing else refers to it: its address dies with it
    with pytest.raises(camrec.AddressError):
        uctypes.bytearray_at(other_address, 1)
    with pytest.raises(TypeError, match="has no address"):
        uctypes.addressof(12)


def test_bad_use_of_kd_mp4_raises_clear_errors(canmv_modules, sdcard):
    import uctypes
    from mpp.mp4_format import (kd_mp4_create, kd_mp4_create_track, kd_mp4_destroy, kd_mp4_write_frame)
    from mpp.mp4_format_struct import (K_MP4_CODEC_ID_H264, K_MP4_CONFIG_DEMUXER, K_MP4_CONFIG_MUXER,
                                       K_MP4_STREAM_VIDEO, k_mp4_config_s, k_mp4_frame_data_s, k_mp4_track_info_s,
                                       k_u64_ptr)
    cfg = k_mp4_config_s()
    cfg.config_type = K_MP4_CONFIG_MUXER
    cfg.muxer_config.file_name[:] = b"/sdcard/sub/m.mp4"
    h = k_u64_ptr()
    # A wrong struct in the config's place.
    with pytest.raises(TypeError, match="must be a k_mp4_config_s, not k_mp4_track_info_s"):
        kd_mp4_create(h, k_mp4_track_info_s())
    assert kd_mp4_create(h, cfg) == 0
    assert (sdcard / "sub" / "m.mp4").exists()  # /sdcard mapped, the folder created
    info = k_mp4_track_info_s()
    info.track_type = K_MP4_STREAM_VIDEO
    info.video_info.codec_id = K_MP4_CODEC_ID_H264
    info.video_info.width, info.video_info.height = 320, 240
    track = k_u64_ptr()
    assert kd_mp4_create_track(h.value, track, info) == 0
    assert info.video_info.track_id == 1
    frame = k_mp4_frame_data_s()
    frame.codec_id = K_MP4_CODEC_ID_H264
    # A foreign address.
    frame.data = 0x7fff0000
    frame.data_length = 16
    with pytest.raises(camrec.AddressError, match="not an address camrec handed out"):
        kd_mp4_write_frame(h.value, track.value, frame)
    # A frame that is not H.264: camrec's error, code and message.
    junk = bytearray(b"\x00\x00\x00\x01\x09\x10" + bytes(10))
    frame.data = uctypes.addressof(junk)
    frame.data_length = len(junk)
    with pytest.raises(camrec.Mp4Error) as e:
        kd_mp4_write_frame(h.value, track.value, frame)
    assert e.value.ret < 0 and e.value.code in ("malformed", "invalid_argument")
    assert kd_mp4_destroy(h.value) == 0
    # Writing after destroy.
    with pytest.raises(camrec.Mp4Error) as e:
        kd_mp4_write_frame(h.value, track.value, frame)
    assert (e.value.ret, e.value.code) == (-1, "invalid_argument") and "handle" in e.value.message
    with pytest.raises(camrec.Mp4Error):
        kd_mp4_destroy(h.value)
    # A missing file for the demuxer.
    cfg = k_mp4_config_s()
    cfg.config_type = K_MP4_CONFIG_DEMUXER
    cfg.demuxer_config.file_name[:] = b"/sdcard/missing.mp4"
    with pytest.raises(camrec.Mp4Error) as e:
        kd_mp4_create(k_u64_ptr(), cfg)
    assert e.value.code == "not_found" and "missing.mp4" in e.value.message and "--sdcard" in e.value.message
    with pytest.raises(TypeError, match="handle"):
        kd_mp4_destroy("handle")


def test_encoder_streams_are_checked(canmv_modules):
    import uctypes
    from media.media import VENC_DEV_ID, VIDEO_ENCODE_MOD_ID, MediaManager
    from media.sensor import Sensor
    from media.vencoder import VENC_CHN_ID_0, ChnAttrStr, Encoder, StreamData
    sensor = Sensor(id=2, width=320, height=240)
    sensor.reset()
    sensor.set_framesize(width=320, height=240)
    sensor.set_pixformat(Sensor.YUV420SP)
    encoder = Encoder()
    encoder.SetOutBufs(VENC_CHN_ID_0, 8, 320, 240)
    link = MediaManager.link(sensor.bind_info()["src"], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, VENC_CHN_ID_0))
    with pytest.raises(TypeError, match="ChnAttrStr"):
        encoder.Create(VENC_CHN_ID_0, {"payload": 96})
    encoder.Create(VENC_CHN_ID_0, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240))
    encoder.Start(VENC_CHN_ID_0)
    sensor.run()
    sd = StreamData()
    encoder.GetStream(VENC_CHN_ID_0, sd)
    assert sd.stream_type[0] == Encoder.STREAM_TYPE_HEADER
    address, size = sd.data[0], sd.data_size[0]
    header = uctypes.bytearray_at(address, size)
    assert bytes(header[:4]) == b"\x00\x00\x00\x01"
    assert ctypes.string_at(address, 4) == b"\x00\x00\x00\x01"  # a real address
    with pytest.raises(camrec.Error, match="ReleaseStream"):
        encoder.GetStream(VENC_CHN_ID_0, sd)  # still holding the last one
    encoder.ReleaseStream(VENC_CHN_ID_0, sd)
    with pytest.raises(camrec.AddressError):
        uctypes.bytearray_at(address, size)  # released
    with pytest.raises(camrec.Error, match="holds no stream"):
        encoder.ReleaseStream(VENC_CHN_ID_0, sd)
    encoder.GetStream(VENC_CHN_ID_0, sd)
    address = sd.data[0]
    sensor.stop()
    del link
    encoder.Stop(VENC_CHN_ID_0)
    encoder.Destroy(VENC_CHN_ID_0)
    with pytest.raises(camrec.AddressError):
        uctypes.bytearray_at(address, 1)  # its channel is gone
    MediaManager.deinit()


def test_micropython_extras_leave_the_standard_modules_working(canmv_modules):
    import io
    import time
    assert os.EXITPOINT_ENABLE == 1 and callable(os.exitpoint)
    assert os.path.join("a", "b") == "a/b" and time.time() > 0  # CPython's own still there
    assert time.ticks_diff(5, (1 << 30) - 5) == 10  # across the wrap-around
    assert time.ticks_diff(time.ticks_add(100, 50), 100) == 50
    t0 = time.ticks_ms()
    time.sleep_ms(20)
    assert time.ticks_diff(time.ticks_ms(), t0) >= 19
    out = io.StringIO()
    try:
        raise ValueError("boom")
    except ValueError as e:
        sys.print_exception(e, out)
    assert "ValueError: boom" in out.getvalue() and "Traceback" in out.getvalue()


def test_runner_reports_exit_status_and_traceback(tmp_path):
    ok = tmp_path / "ok.py"
    ok.write_text("import sys\nprint(sys.argv[1:])\n")
    r = run_canmv(ok, "--", "x", "y")
    assert (r.returncode, r.stdout.strip()) == (0, "['x', 'y']")
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    raise RuntimeError('broken script')\nf()\n")
    r = run_canmv(bad)
    assert r.returncode == 1
    assert "Traceback" in r.stderr and "RuntimeError: broken script" in r.stderr and "bad.py" in r.stderr
    code = tmp_path / "code.py"
    code.write_text("import sys\nsys.exit(3)\n")
    r = run_canmv(code)
    assert r.returncode == 3 and "exited with status 3" in r.stderr
    r = run_canmv(tmp_path / "missing.py")
    assert r.returncode == 66 and "cannot open script" in r.stderr
    r = run_canmv(ok, "--sdcard", tmp_path / "nope")
    assert r.returncode == 66 and "--sdcard" in r.stderr
    r = run_canmv(ok, "--sdcrad", tmp_path)
    assert r.returncode == 64 and "unrecognized" in r.stderr
    paths = tmp_path / "paths.py"
    paths.write_text("with open('/sdcard/notes.txt', 'w') as f:\n    f.write('hi')\n"
                     "import os\nprint(os.listdir('/sdcard/'))\n")
    r = run_canmv(paths, "--sdcard", tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "notes.txt").read_text() == "hi" and "notes.txt" in r.stdout
