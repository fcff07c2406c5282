# SPDX-License-Identifier: LGPL-2.1-or-later
"""CanMV's media.vencoder: Encoder, ChnAttrStr, StreamData and their constants.

Encoder methods raise camrec.Error when the board would return an error. GetStream fills a
StreamData whose data[i] are the real addresses of the packs; they stay valid until
ReleaseStream (or Destroy), after which camrec refuses them. A GetStream waiting for a frame
gives way to Ctrl-C/SIGTERM under camrec-canmv (KeyboardInterrupt).
"""
from camrec import _camrec
from camrec._errors import Error
from camrec.canmv import signals
from camrec.canmv.memory import book

_k230 = _camrec.k230

VENC_DEV_ID = _k230.VENC_DEV_ID
VENC_CHN_ID_0 = 0
VENC_CHN_ID_1 = 1
VENC_CHN_ID_2 = 2
VENC_CHN_ID_3 = 3
VENC_CHN_ID_MAX = 4
VENC_PACK_CNT_MAX = _k230.MAX_PACKS
K_PT_H264 = _k230.PAYLOAD_TYPE_H264
K_PT_H265 = _k230.PAYLOAD_TYPE_H265
K_PT_JPEG = _k230.PAYLOAD_TYPE_JPEG

# How long one wait inside GetStream lasts before looking at a pending stop request.
_WAIT_SLICE_MS = 200


class ChnAttrStr:
    """Encoder channel attributes: ChnAttrStr(payload_type, profile, pic_width, pic_height,
    bit_rate=4000, gopLen=30, src_frame_rate=30, dst_frame_rate=30)."""

    def __init__(self, payload_type, profile, pic_width, pic_height, bit_rate=4000, gopLen=30, src_frame_rate=30,
                 dst_frame_rate=30):
        self._attr = _k230.ChnAttr(payload_type, profile, pic_width, pic_height, bit_rate, gopLen, src_frame_rate,
                                   dst_frame_rate)

    def __getattr__(self, name):
        return getattr(self._attr, "gop_len" if name == "gopLen" else name)


class StreamData:
    """What GetStream fills: up to 12 packs, each with data (address), data_size,
    stream_type and pts (µs)."""

    def __init__(self):
        self.data = [0] * VENC_PACK_CNT_MAX
        self.data_size = [0] * VENC_PACK_CNT_MAX
        self.stream_type = [0] * VENC_PACK_CNT_MAX
        self.pts = [0] * VENC_PACK_CNT_MAX
        self.pack_cnt = 0
        self._stream = None

    def _fill(self, stream):
        self._stream = stream
        self.pack_cnt = stream.pack_cnt
        for i, (a, s, t, p) in enumerate(zip(stream.addresses, stream.sizes, stream.types, stream.pts)):
            self.data[i], self.data_size[i], self.stream_type[i], self.pts[i] = a, s, t, p

    def _clear(self):
        self.__init__()


class Encoder:
    """The video encoder device (4 channels)."""

    PAYLOAD_TYPE_H264 = _k230.PAYLOAD_TYPE_H264
    PAYLOAD_TYPE_H265 = _k230.PAYLOAD_TYPE_H265
    PAYLOAD_TYPE_JPEG = _k230.PAYLOAD_TYPE_JPEG
    H264_PROFILE_BASELINE = _k230.H264_PROFILE_BASELINE
    H264_PROFILE_MAIN = _k230.H264_PROFILE_MAIN
    H264_PROFILE_HIGH = _k230.H264_PROFILE_HIGH
    H265_PROFILE_MAIN = _k230.H265_PROFILE_MAIN
    STREAM_TYPE_P = _k230.STREAM_TYPE_P
    STREAM_TYPE_I = _k230.STREAM_TYPE_I
    STREAM_TYPE_HEADER = _k230.STREAM_TYPE_HEADER

    def __init__(self):
        self._encoder = _k230.Encoder(VENC_DEV_ID)
        self._outstanding = {}  # id(StreamData) -> StreamData holding an unreleased stream

    def SetOutBufs(self, chn, buf_num, width, height):
        """Output streams a channel may hold (2..64), before Create."""
        self._encoder.SetOutBufs(chn, buf_num, width, height)
        return 0

    def Create(self, chn, chnAttr):
        """Creates channel `chn` with a ChnAttrStr."""
        if not isinstance(chnAttr, ChnAttrStr):
            raise TypeError(f"Encoder.Create: chnAttr must be a ChnAttrStr, not {type(chnAttr).__name__}")
        self._encoder.Create(chn, chnAttr._attr)
        return 0

    def Start(self, chn):
        self._encoder.Start(chn)
        return 0

    def Stop(self, chn):
        self._encoder.Stop(chn)
        return 0

    def Destroy(self, chn):
        """Frees the channel; its unreleased streams' addresses become invalid."""
        self._encoder.Destroy(chn)
        for key, sd in list(self._outstanding.items()):
            if sd._stream is not None and not sd._stream.alive:
                book.forget_stream(sd._stream)
                del self._outstanding[key]
        return 0

    def SendFrame(self, chn, frame):
        raise NotImplementedError("Encoder.SendFrame is not available in camrec-canmv: link a Sensor to the "
                                  "encoder with MediaManager.link")

    def GetStream(self, chn, streamData, timeout=-1):
        """Waits up to `timeout` ms (-1 = forever) for the next coded stream of `chn`."""
        if not isinstance(streamData, StreamData):
            raise TypeError(f"Encoder.GetStream: streamData must be a StreamData, not {type(streamData).__name__}")
        if streamData._stream is not None and streamData._stream.alive:
            raise Error("wrong_state", "Encoder.GetStream: this StreamData still holds a stream: call "
                                       "ReleaseStream(chn, streamData) before the next GetStream")
        stream = self._wait(chn, timeout)
        streamData._fill(stream)
        book.add_stream(stream)
        self._outstanding[id(streamData)] = streamData
        return 0

    def _wait(self, chn, timeout):
        waited = 0
        while True:
            slice_ms = _WAIT_SLICE_MS if timeout < 0 else max(0, min(_WAIT_SLICE_MS, timeout - waited))
            try:
                return self._encoder.GetStream(chn, slice_ms)
            except Error as e:
                if e.code != "timeout" or (timeout >= 0 and waited + slice_ms >= timeout):
                    raise
            waited += slice_ms
            signals.check_wait()

    def ReleaseStream(self, chn, streamData):
        """Gives the stream's memory back; its addresses are refused afterwards."""
        if not isinstance(streamData, StreamData):
            raise TypeError(f"Encoder.ReleaseStream: streamData must be a StreamData, not {type(streamData).__name__}")
        stream = streamData._stream
        if stream is None:
            raise Error("invalid_argument", "Encoder.ReleaseStream: this StreamData holds no stream "
                                            "(never filled by GetStream, or released already)")
        book.forget_stream(stream)
        self._outstanding.pop(id(streamData), None)
        streamData._clear()
        self._encoder.ReleaseStream(chn, stream)
        return 0
