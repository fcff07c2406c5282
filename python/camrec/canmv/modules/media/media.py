# SPDX-License-Identifier: LGPL-2.1-or-later
"""CanMV's media.media: MediaManager.link/init/deinit, the module ids and ALIGN_UP."""
from camrec import _camrec

_k230 = _camrec.k230

CAMERA_MOD_ID = _k230.CAMERA_MOD_ID
VIDEO_ENCODE_MOD_ID = _k230.VIDEO_ENCODE_MOD_ID
AUDIO_IN_MOD_ID = _k230.AUDIO_IN_MOD_ID
AUDIO_ENCODE_MOD_ID = _k230.AUDIO_ENCODE_MOD_ID
VENC_DEV_ID = _k230.VENC_DEV_ID


def ALIGN_UP(x, align):
    """`x` rounded up to a multiple of `align`."""
    return (x + align - 1) // align * align


class MediaManager:
    """Binds a source channel to a sink channel; `del link` unbinds."""

    @staticmethod
    def link(src, dst):
        """Links `src` (sensor.bind_info()['src']) to `dst` ((VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, chn));
        frames then flow without user code until the returned link is deleted."""
        for name, endpoint in (("src", src), ("dst", dst)):
            if not (isinstance(endpoint, tuple) and len(endpoint) == 3 and all(isinstance(v, int) for v in endpoint)):
                raise TypeError(f"MediaManager.link: {name} must be a (module id, device, channel) tuple, "
                                f"not {endpoint!r}")
        return _k230.link(src, dst)

    @staticmethod
    def init():
        """Sets up buffer pools (nothing to do on camrec)."""
        _k230.media_init()

    @staticmethod
    def deinit():
        """Tears down; every link must have been deleted first."""
        _k230.media_deinit()
