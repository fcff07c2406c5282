# SPDX-License-Identifier: LGPL-2.1-or-later
"""CanMV's media.mp4format: Mp4Container, the one-object recorder, and Mp4CfgStr.

Unlike the board, every pack of every frame is written, audio is stamped by the capture
clock, and a failure raises camrec.Error. The camera and microphone are camrec-canmv's
--source and --audio-source; /sdcard/... is mapped under --sdcard.
"""
from camrec import _camrec
from camrec.canmv import config

_k230 = _camrec.k230

MP4_CONFIG_TYPE_MUXER = 1
MP4_CODEC_ID_H264 = 0
MP4_CODEC_ID_H265 = 1
MP4_CODEC_ID_G711A = 2
MP4_CODEC_ID_G711U = 3


class Mp4CfgStr:
    """Mp4CfgStr(MP4_CONFIG_TYPE_MUXER); SetMuxerCfg fills it."""

    def __init__(self, type):
        self._cfg = _k230.Mp4CfgStr(type)
        self._cfg.source = config.source
        self._cfg.audio_source = config.audio_source

    @property
    def type(self):
        return self._cfg.type

    def SetMuxerCfg(self, file_name, video_payload_type, width, height, audio_payload_type, fmp4_flag=0):
        """File, video codec (MP4_CODEC_ID_H264/H265), size, audio codec (MP4_CODEC_ID_G711U/A)."""
        self._cfg.SetMuxerCfg(config.map_path(file_name, for_writing=True), video_payload_type, width, height,
                              audio_payload_type, fmp4_flag)


class Mp4Container:
    """Create(cfg) -> Start() -> Process()... -> Stop() -> Destroy()."""

    MP4_CONFIG_TYPE_MUXER = MP4_CONFIG_TYPE_MUXER
    MP4_CODEC_ID_H264 = MP4_CODEC_ID_H264
    MP4_CODEC_ID_H265 = MP4_CODEC_ID_H265
    MP4_CODEC_ID_G711A = MP4_CODEC_ID_G711A
    MP4_CODEC_ID_G711U = MP4_CODEC_ID_G711U

    def __init__(self):
        self._container = _k230.Mp4Container()

    def Create(self, mp4_cfg):
        if not isinstance(mp4_cfg, Mp4CfgStr):
            raise TypeError(f"Mp4Container.Create: mp4_cfg must be an Mp4CfgStr, not {type(mp4_cfg).__name__}")
        self._container.Create(mp4_cfg._cfg)
        return 0

    def Start(self):
        self._container.Start()
        return 0

    def Process(self):
        """Writes one video frame and the audio captured meanwhile."""
        self._container.Process()
        return 0

    def Stop(self):
        self._container.Stop()
        return 0

    def Destroy(self):
        self._container.Destroy()
        return 0
