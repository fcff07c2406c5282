# SPDX-License-Identifier: LGPL-2.1-or-later
"""CanMV's mpp.mp4_format_struct: the kd_mp4 structs, as on the board.

Fields are checked when set: an int field takes only ints in its C type's range, a char
array takes bytes or str (``cfg.muxer_config.file_name[:] = bytes(name, 'utf-8')``), a
pointer field takes an address (uctypes.addressof(), StreamData.data[i]) that is checked
when the struct is used. Unknown field names raise AttributeError instead of being added.
"""

K_MP4_CONFIG_MUXER = 1
K_MP4_CONFIG_DEMUXER = 2
K_MP4_CONFIG_BUTT = 3
K_MP4_STREAM_VIDEO = 1
K_MP4_STREAM_AUDIO = 2
K_MP4_STREAM_BUTT = 3
K_MP4_CODEC_ID_H264 = 0
K_MP4_CODEC_ID_H265 = 1
K_MP4_CODEC_ID_G711A = 2
K_MP4_CODEC_ID_G711U = 3
K_MP4_CODEC_ID_BUTT = 4
# camrec extensions: audio codecs the K230 muxer lacks (values past K_MP4_CODEC_ID_BUTT).
K_MP4_CODEC_ID_AAC = 5
K_MP4_CODEC_ID_OPUS = 6

_INT_RANGES = {
    "u8": (0, 0xFF),
    "u32": (0, 0xFFFFFFFF),
    "u64": (0, 0xFFFFFFFFFFFFFFFF),
    "enum": (-0x80000000, 0x7FFFFFFF),
    "ptr": (0, 0xFFFFFFFFFFFFFFFF),
}


class CharArray:
    """A fixed-size C char array (``char name[128]``): slice assignment writes in place."""

    def __init__(self, name, size):
        self._name = name
        self._buf = bytearray(size)

    def __len__(self):
        return len(self._buf)

    def __getitem__(self, key):
        return self._buf[key]

    def __setitem__(self, key, value):
        if isinstance(value, str):
            value = value.encode("utf-8")
        elif isinstance(value, CharArray):
            value = value.value()
        if isinstance(key, slice) and key.start is None and key.stop is None and key.step is None:
            # `field[:] = bytes(...)`: the string, then NULs to the end (one stays for C).
            value = bytes(value)
            if len(value) >= len(self._buf):
                raise ValueError(f"{self._name} holds at most {len(self._buf) - 1} bytes and a NUL, "
                                 f"not {len(value)}: use a shorter name")
            self._buf[:] = value + bytes(len(self._buf) - len(value))
            return
        before = len(self._buf)
        view = memoryview(self._buf)
        try:
            view[key] = value  # same-size writes only: a C array cannot grow or shrink
        except (ValueError, TypeError) as e:
            raise ValueError(f"{self._name}: {e}") from None
        assert len(self._buf) == before

    def set(self, value):
        self[:] = value

    def value(self) -> bytes:
        """The bytes up to the first NUL."""
        end = self._buf.find(0)
        return bytes(self._buf if end < 0 else self._buf[:end])

    def __bytes__(self):
        return bytes(self._buf)

    def __repr__(self):
        return f"<char[{len(self._buf)}] {self.value()!r}>"


class Struct:
    """Base of the structs: `_fields_` lists (name, kind) with kind an int type name
    ("u8", "u32", "u64", "enum", "ptr"), ("char", size) or a Struct subclass."""

    _fields_ = ()

    def __init__(self, **values):
        for name, kind in self._fields_:
            if isinstance(kind, tuple):
                object.__setattr__(self, name, CharArray(f"{type(self).__name__}.{name}", kind[1]))
            elif isinstance(kind, type):
                object.__setattr__(self, name, kind())
            else:
                object.__setattr__(self, name, 0)
        for name, value in values.items():
            setattr(self, name, value)

    @classmethod
    def _kind(cls, name):
        for n, kind in cls._fields_:
            if n == name:
                return kind
        fields = ", ".join(n for n, _ in cls._fields_)
        raise AttributeError(f"{cls.__name__} has no field '{name}' (its fields: {fields})")

    def __setattr__(self, name, value):
        kind = self._kind(name)
        where = f"{type(self).__name__}.{name}"
        if isinstance(kind, tuple):
            getattr(self, name).set(value)
        elif isinstance(kind, type):
            if not isinstance(value, kind):
                raise TypeError(f"{where} is a {kind.__name__}, not {type(value).__name__}")
            for n, _ in kind._fields_:
                setattr(getattr(self, name), n, getattr(value, n))
        else:
            if isinstance(value, bool):
                value = int(value)
            if not isinstance(value, int):
                raise TypeError(f"{where} takes an int, not {type(value).__name__}"
                                + (" (an address: use uctypes.addressof())" if kind == "ptr" else ""))
            low, high = _INT_RANGES[kind]
            if not low <= value <= high:
                raise OverflowError(f"{where} = {value} does not fit its C type ({kind}: {low}..{high})")
            object.__setattr__(self, name, value)

    def __repr__(self):
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n, _ in self._fields_)
        return f"{type(self).__name__}({inner})"


class k_mp4_config_muxer_s(Struct):
    _fields_ = (("file_name", ("char", 128)), ("fmp4_flag", "u8"))


class k_mp4_config_demuxer_s(Struct):
    _fields_ = (("file_name", ("char", 128)),)


class k_mp4_config_s(Struct):
    _fields_ = (("config_type", "enum"), ("muxer_config", k_mp4_config_muxer_s),
                ("demuxer_config", k_mp4_config_demuxer_s))

    def __init__(self, **values):
        super().__init__(**values)
        # A union in C: both configs start with the same file_name bytes.
        object.__setattr__(self.demuxer_config, "file_name", self.muxer_config.file_name)


class k_mp4_video_info_s(Struct):
    _fields_ = (("width", "u32"), ("height", "u32"), ("track_id", "u32"), ("codec_id", "enum"))


class k_mp4_audio_info_s(Struct):
    _fields_ = (("channels", "u32"), ("sample_rate", "u32"), ("bit_per_sample", "u32"), ("track_id", "u32"),
                ("codec_id", "enum"))


class k_mp4_track_info_s(Struct):
    _fields_ = (("track_type", "enum"), ("time_scale", "u32"), ("video_info", k_mp4_video_info_s),
                ("audio_info", k_mp4_audio_info_s))


class k_mp4_file_info_s(Struct):
    _fields_ = (("duration", "u64"), ("track_num", "u32"))


class k_mp4_frame_data_s(Struct):
    _fields_ = (("codec_id", "enum"), ("time_stamp", "u64"), ("data", "ptr"), ("data_length", "u32"), ("eof", "u8"))


class k_u64_ptr(Struct):
    """A uint64_t out-parameter: kd_mp4_create and kd_mp4_create_track put the handle in .value."""

    _fields_ = (("value", "u64"),)
