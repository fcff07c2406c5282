# SPDX-License-Identifier: LGPL-2.1-or-later
"""camrec: record camera video and audio to MP4 files that survive crashes.

Recorder records like `camrec record`; Muxer and Demuxer write and read MP4 files packet by
packet; info, remux and recover are the CLI's commands as functions. Failures raise
camrec.Error carrying camrec's error code and message. Blocking calls release the GIL.
"""
import json as _json
import os as _os

from camrec._errors import AddressError, Error, Mp4Error
from camrec._camrec import Demuxer, Muxer, Packet, Recorder, Track, recover, remux
from camrec import _camrec

__all__ = ["AddressError", "Demuxer", "Error", "Mp4Error", "Muxer", "Packet", "Recorder", "Track", "info",
           "recover", "remux"]


def info(path) -> dict:
    """What an MP4 file holds, as a dict with the schema of `camrec info --json`."""
    return _json.loads(_camrec._info_json(_os.fspath(path)))
