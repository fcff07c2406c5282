# SPDX-License-Identifier: LGPL-2.1-or-later
"""Type stubs of the camrec package."""
from os import PathLike
from typing import Iterator, Optional, Union

from camrec._errors import AddressError as AddressError, Error as Error, Mp4Error as Mp4Error

Buffer = Union[bytes, bytearray, memoryview, "Packet"]
Path = Union[str, PathLike]

def info(path: Union[str, PathLike]) -> dict:
    """What an MP4 file holds: the schema of `camrec info --json`."""

def remux(input: Path, output: Path, *, fragmented: bool = False, faststart: bool = False, cmaf: bool = False,
          fragment_duration_us: int = 0) -> dict:
    """Copies every sample of an MP4 into a new camrec MP4: {'samples', 'tracks', 'skipped_tracks'}."""

def recover(path: Path, output: Optional[Path] = None) -> dict:
    """Repairs a file left by a crash: {'action', 'samples', 'video_frames', 'duration_ms', 'bytes_dropped', 'summary', 'warning'}."""

class Packet:
    """One sample: its bytes through the buffer protocol (bytes(p), memoryview(p)) and its timing."""
    track: int
    pts: int
    dts: int
    duration: int
    timescale: int
    key: bool
    description: int
    offset: int
    @property
    def data(self) -> bytes: ...
    def __len__(self) -> int: ...
    def __bytes__(self) -> bytes: ...

class Track:
    track_id: int
    video: bool
    audio: bool
    sample_entry: str
    codec: str
    timescale: int
    width: int
    height: int
    sample_rate: int
    channels: int
    start: int
    duration: int
    sample_count: int
    key_frames: int
    @property
    def decoder_config(self) -> bytes: ...

class Demuxer:
    """Reads an MP4 sample by sample in decode order; iterate it for Packets."""
    def __init__(self, path: Path, *, annexb: bool = False) -> None: ...
    @property
    def tracks(self) -> list[Track]: ...
    @property
    def layout(self) -> dict: ...
    def read(self) -> Optional[Packet]: ...
    def scan(self) -> None: ...
    def __iter__(self) -> Iterator[Packet]: ...
    def __next__(self) -> Packet: ...
    def __enter__(self) -> "Demuxer": ...
    def __exit__(self, *exc: object) -> None: ...

class Muxer:
    """Writes one crash-safe MP4 file; close() (or leaving a `with` block) finishes it."""
    def __init__(self, path: Path, *, fragmented: bool = False, faststart: bool = False, cmaf: bool = False,
                 fragment_duration_us: int = 0, max_fragment_duration_us: int = 1_000_000, fsync: str = "never",
                 fsync_interval_us: int = 1_000_000) -> None: ...
    def add_video_track(self, codec: str = "h264", width: int = 0, height: int = 0, timescale: int = 90000) -> int: ...
    def add_audio_track(self, codec: str = "g711u", sample_rate: int = 8000, channels: int = 1, timescale: int = 0,
                        codec_config: bytes = b"") -> int: ...
    def write(self, track: int, data: Buffer, pts: int, dts: Optional[int] = None, timescale: int = 1_000_000,
              duration: int = 0) -> None: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def stats(self) -> dict: ...
    def __enter__(self) -> "Muxer": ...
    def __exit__(self, *exc: object) -> None: ...

class Recorder:
    """Records a camera, test pattern or file to MP4 with the options of `camrec record`."""
    def __init__(self, output: Path = "test.mp4", *, frames: int = 200, duration_us: int = 0, width: int = 1280,
                 height: int = 720, fps: int = 30, fps_den: int = 1, codec: str = "h264",
                 profile: Optional[str] = None, bitrate: int = 4000, rc: str = "cbr", gop: int = 30,
                 preset: str = "veryfast", source: str = "testpattern", audio: Optional[str] = None,
                 audio_source: str = "tone", audio_rate: int = 0, fast: bool = False, fragmented: bool = False,
                 faststart: bool = False, cmaf: bool = False, fragment_duration_us: int = 0,
                 max_fragment_duration_us: int = 1_000_000, fsync: str = "never",
                 fsync_interval_us: int = 1_000_000, sensor_id: int = 0, encoder_device: int = 0,
                 queue_frames: int = 4) -> None: ...
    def start(self) -> None: ...
    def process(self, timeout_ms: int = 2000) -> bool: ...
    def stop(self) -> None: ...
    def reconfigure_video(self, width: int, height: int, bitrate: int) -> None: ...
    def run(self) -> None: ...
    stopped: bool
    frames_written: int
    frames_dropped: int
    audio_packets: int
    bytes: int
    audio_overruns: int
    duration_us: int
    def __enter__(self) -> "Recorder": ...
    def __exit__(self, *exc: object) -> None: ...
