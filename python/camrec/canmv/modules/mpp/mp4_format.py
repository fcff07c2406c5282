# SPDX-License-Identifier: LGPL-2.1-or-later
"""CanMV's mpp.mp4_format: every kd_mp4_* function of the K230 MP4 muxer and demuxer.

As on the board, each returns 0 on success and fills the structs passed in. Where the board
returns a nonzero code (or, for write errors, wrongly 0), camrec raises camrec.Mp4Error
carrying the K_MP4_ERR_* value (.ret), camrec's error code and a message saying what to do:
a failure is never silent. Wrong argument types raise TypeError, addresses camrec did not
hand out (or whose memory is gone) raise camrec.AddressError. /sdcard/... file names are
mapped under camrec-canmv's --sdcard folder.
"""
from camrec import _camrec
from camrec._errors import Mp4Error
from camrec.canmv import config
from camrec.canmv.memory import book
from mpp.mp4_format_struct import *  # noqa: F401,F403  (the board exports the constants from both)
from mpp.mp4_format_struct import (K_MP4_CONFIG_DEMUXER, K_MP4_CONFIG_MUXER, K_MP4_STREAM_VIDEO, k_mp4_config_s,
                                   k_mp4_file_info_s, k_mp4_frame_data_s, k_mp4_track_info_s, k_u64_ptr)

_k230 = _camrec.k230

K_MP4_ERR_INVALID_ARGUMENT = -1
K_MP4_ERR_WRONG_STATE = -2
K_MP4_ERR_MALFORMED = -3
K_MP4_ERR_UNSUPPORTED = -4
K_MP4_ERR_LIMIT = -5
K_MP4_ERR_IO = -6
K_MP4_ERR_NO_SPACE = -7
K_MP4_ERR_FILE_TOO_LARGE = -8
K_MP4_ERR_NOT_FOUND = -9
K_MP4_ERR_INTERNAL = -12

_HINTS = {
    K_MP4_ERR_INVALID_ARGUMENT: "check the handle (a destroyed handle cannot be used again) and the struct's fields",
    K_MP4_ERR_NOT_FOUND: "check the file name (/sdcard/... is under camrec-canmv's --sdcard folder)",
    K_MP4_ERR_NO_SPACE: "free space on the disk; the file keeps everything written before",
    K_MP4_ERR_FILE_TOO_LARGE: "start a new file; this one keeps everything written before",
}


def _check(ret, function):
    if ret == 0:
        return 0
    # kd_mp4_error_message() is "code: what happened".
    code, _, message = (_k230.kd_mp4_error_message() or f"internal: {function} returned {ret}").partition(": ")
    hint = _HINTS.get(ret)
    if not message.startswith(function):
        message = f"{function}: {message}"
    raise Mp4Error(ret, code, message + (f" ({hint})" if hint else ""))


def _expect(value, cls, function, position):
    if not isinstance(value, cls):
        raise TypeError(f"{function}: argument {position} must be a {cls.__name__}, not {type(value).__name__}")


def _handle(value, function, position=1):
    if isinstance(value, k_u64_ptr):
        value = value.value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{function}: argument {position} must be a handle (an int from k_u64_ptr().value), "
                        f"not {type(value).__name__}")
    if not 0 <= value < 1 << 64:
        raise TypeError(f"{function}: argument {position} is not a handle")
    return value


def kd_mp4_create(handle, mp4_cfg):
    """Creates a muxer (K_MP4_CONFIG_MUXER) or demuxer; the handle goes to handle.value."""
    _expect(handle, k_u64_ptr, "kd_mp4_create", 1)
    _expect(mp4_cfg, k_mp4_config_s, "kd_mp4_create", 2)
    muxer = mp4_cfg.config_type == K_MP4_CONFIG_MUXER
    if not muxer and mp4_cfg.config_type != K_MP4_CONFIG_DEMUXER:
        raise ValueError(f"kd_mp4_create: config_type must be K_MP4_CONFIG_MUXER or K_MP4_CONFIG_DEMUXER, "
                         f"not {mp4_cfg.config_type}")
    name = mp4_cfg.muxer_config.file_name.value().decode("utf-8", "surrogateescape")
    local = config.map_path(name, for_writing=muxer).encode("utf-8", "surrogateescape")
    if len(local) >= 128:
        raise ValueError(f"kd_mp4_create: the file name {local!r} is longer than the 127 bytes of file_name")
    fmp4 = mp4_cfg.muxer_config.fmp4_flag if muxer else 0
    ret, value = _k230.kd_mp4_create(mp4_cfg.config_type, local, fmp4)
    _check(ret, "kd_mp4_create")
    handle.value = value
    return 0


def kd_mp4_destroy(mp4_handle):
    """Finishes (muxer) or closes (demuxer) the file; the handle is dead afterwards."""
    mp4_handle = _handle(mp4_handle, "kd_mp4_destroy")
    ret = _k230.kd_mp4_destroy(mp4_handle)
    book.forget_owner(mp4_handle)
    return _check(ret, "kd_mp4_destroy")


def kd_mp4_create_track(mp4_handle, track_handle, mp4_track_info):
    """Adds a track before the first frame; the track handle goes to track_handle.value and
    the track id to mp4_track_info.video_info/audio_info.track_id."""
    mp4_handle = _handle(mp4_handle, "kd_mp4_create_track")
    _expect(track_handle, k_u64_ptr, "kd_mp4_create_track", 2)
    _expect(mp4_track_info, k_mp4_track_info_s, "kd_mp4_create_track", 3)
    t = mp4_track_info
    video = t.track_type == K_MP4_STREAM_VIDEO
    codec = t.video_info.codec_id if video else t.audio_info.codec_id
    ret, value, track_id = _k230.kd_mp4_create_track(mp4_handle, t.track_type, t.time_scale, t.video_info.width,
                                                     t.video_info.height, t.audio_info.channels,
                                                     t.audio_info.sample_rate, t.audio_info.bit_per_sample, codec)
    _check(ret, "kd_mp4_create_track")
    track_handle.value = value
    if video:
        t.video_info.track_id = track_id
    else:
        t.audio_info.track_id = track_id
    return 0


def kd_mp4_destroy_tracks(mp4_handle):
    """Ends the track handles (their samples stay for kd_mp4_destroy to finish the file)."""
    return _check(_k230.kd_mp4_destroy_tracks(_handle(mp4_handle, "kd_mp4_destroy_tracks")), "kd_mp4_destroy_tracks")


def kd_mp4_write_frame(mp4_handle, track_handle, frame_data):
    """Writes frame_data.data_length bytes at frame_data.data (an address camrec handed out)
    to the track; time_stamp in microseconds."""
    mp4_handle = _handle(mp4_handle, "kd_mp4_write_frame")
    track_handle = _handle(track_handle, "kd_mp4_write_frame", 2)
    _expect(frame_data, k_mp4_frame_data_s, "kd_mp4_write_frame", 3)
    f = frame_data
    if f.data == 0:
        raise ValueError("kd_mp4_write_frame: frame_data.data is 0: set it to uctypes.addressof(buffer) "
                         "or StreamData.data[i]")
    where = book.resolve(f.data, f.data_length, "kd_mp4_write_frame")
    if where.stream is not None:
        ret = _k230.kd_mp4_write_frame_pack(mp4_handle, track_handle, f.codec_id, f.time_stamp, where.stream,
                                            where.pack, where.offset, where.length)
    else:
        with where.view as view:
            ret = _k230.kd_mp4_write_frame(mp4_handle, track_handle, f.codec_id, f.time_stamp, view)
    return _check(ret, "kd_mp4_write_frame")


def kd_mp4_get_file_info(mp4_handle, file_info):
    """Demuxer: the duration (ms) and number of tracks, into file_info."""
    mp4_handle = _handle(mp4_handle, "kd_mp4_get_file_info")
    _expect(file_info, k_mp4_file_info_s, "kd_mp4_get_file_info", 2)
    ret, duration, track_num = _k230.kd_mp4_get_file_info(mp4_handle)
    _check(ret, "kd_mp4_get_file_info")
    file_info.duration = duration
    file_info.track_num = track_num
    return 0


def kd_mp4_get_track_by_index(mp4_handle, index, mp4_track_info):
    """Demuxer: what track `index` (0-based) holds, into mp4_track_info."""
    mp4_handle = _handle(mp4_handle, "kd_mp4_get_track_by_index")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise TypeError("kd_mp4_get_track_by_index: argument 2 must be a track index (an int >= 0)")
    _expect(mp4_track_info, k_mp4_track_info_s, "kd_mp4_get_track_by_index", 3)
    ret, info = _k230.kd_mp4_get_track_by_index(mp4_handle, index)
    _check(ret, "kd_mp4_get_track_by_index")
    t = mp4_track_info
    t.track_type = info["track_type"]
    t.time_scale = info["time_scale"]
    target = t.video_info if info["track_type"] == K_MP4_STREAM_VIDEO else t.audio_info
    for name, value in info.items():
        if name not in ("track_type", "time_scale"):
            setattr(target, name, value)
    return 0


def kd_mp4_get_frame(mp4_handle, frame_data):
    """Demuxer: the next sample of any track in decode order, into frame_data (time_stamp in
    ms, eof = 1 after the last). frame_data.data stays valid until the next call."""
    mp4_handle = _handle(mp4_handle, "kd_mp4_get_frame")
    _expect(frame_data, k_mp4_frame_data_s, "kd_mp4_get_frame", 2)
    ret, codec_id, time_stamp, data, eof = _k230.kd_mp4_get_frame(mp4_handle)
    _check(ret, "kd_mp4_get_frame")
    frame_data.codec_id = codec_id
    frame_data.time_stamp = time_stamp
    frame_data.data = book.set_frame(mp4_handle, data)
    frame_data.data_length = len(data)
    frame_data.eof = eof
    return 0
