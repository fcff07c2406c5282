# SPDX-License-Identifier: LGPL-2.1-or-later
"""CanMV's media.sensor: Sensor. The camera is camrec-canmv's --source (the test pattern by
default, v4l2:/dev/videoN, file:PATH)."""
from camrec import _camrec
from camrec.canmv import config

_k230 = _camrec.k230

CAM_DEV_ID_0 = 0
CAM_DEV_ID_1 = 1
CAM_DEV_ID_2 = 2
CAM_CHN_ID_0 = 0
CAM_CHN_ID_1 = 1
CAM_CHN_ID_2 = 2
CAM_DEFAULT_SENSOR = CAM_DEV_ID_0


class Sensor:
    """A camera with up to 3 output channels, each with its own size and pixel format."""

    YUV420SP = _k230.PIXFORMAT_YUV420SP
    GRAYSCALE = _k230.PIXFORMAT_GRAYSCALE
    RGB888 = _k230.PIXFORMAT_RGB888
    # Formats of the board that camrec does not produce: set_pixformat refuses them.
    RGBP888 = 100
    RGB565 = 101
    QVGA = (320, 240)
    VGA = (640, 480)
    HD = (1280, 720)
    FHD = (1920, 1080)

    def __init__(self, id=CAM_DEFAULT_SENSOR, width=1920, height=1080, fps=30, **kwargs):
        self._sensor = _k230.Sensor(id, config.source, width, height, fps, True)

    def reset(self):
        self._sensor.reset()

    def set_framesize(self, framesize=None, chn=CAM_CHN_ID_0, alignment=0, width=None, height=None, crop=None,
                      **kwargs):
        """Output size of channel `chn`: a framesize tuple (Sensor.HD) or width=, height=.
        The width is aligned up to 16; alignment=12 asks for 4 KiB-aligned buffers."""
        if framesize is not None:
            width, height = framesize
        if width is None or height is None:
            raise TypeError("Sensor.set_framesize: give framesize=(w, h) or width= and height=")
        if crop is not None:
            raise NotImplementedError("Sensor.set_framesize: crop is not available in camrec-canmv")
        self._sensor.set_framesize(width, height, chn, alignment)

    def set_pixformat(self, pix_format, chn=CAM_CHN_ID_0):
        if pix_format in (Sensor.RGBP888, Sensor.RGB565):
            raise ValueError("Sensor.set_pixformat: RGBP888 and RGB565 are not available in camrec-canmv: "
                             "use YUV420SP, GRAYSCALE or RGB888")
        self._sensor.set_pixformat(pix_format, chn)

    def run(self):
        self._sensor.run()

    def stop(self):
        self._sensor.stop()

    def bind_info(self, x=0, y=0, chn=CAM_CHN_ID_0):
        """{'src': (CAMERA_MOD_ID, dev, chn), 'rect': (x, y, w, h), 'pix_format': ...} for MediaManager.link."""
        info = self._sensor.bind_info(chn)
        return {"src": info["src"], "rect": (x, y, info["width"], info["height"]), "pix_format": info["pix_format"]}

    def snapshot(self, chn=CAM_CHN_ID_0, timeout=1000):
        """The latest frame of `chn`: an object with width(), height(), format() and to_bytes()."""
        return _Image(self._sensor.snapshot(chn, timeout))


class _Image:
    def __init__(self, frame):
        self._frame = frame

    def width(self):
        return self._frame["width"]

    def height(self):
        return self._frame["height"]

    def format(self):
        return self._frame["pix_format"]

    def to_bytes(self):
        return self._frame["data"]
