# SPDX-License-Identifier: LGPL-2.1-or-later
"""What camrec-canmv was told: where /sdcard is, and which camera and microphone to use."""
import os

#: Folder that stands for the board's /sdcard.
sdcard = os.getcwd()
#: Video source spec for Sensor(): "testpattern", "file:PATH" or "v4l2:/dev/videoN".
source = "testpattern"
#: Audio source spec: "tone", "wav:PATH" or "alsa:DEVICE".
audio_source = "tone"


def map_path(path: str, for_writing: bool = False) -> str:
    """The local path of a board path: /sdcard/... goes under `sdcard`; others are unchanged.

    For a file about to be written, missing folders under `sdcard` are created (the board's
    SD card image ships /sdcard/examples and friends).
    """
    if path == "/sdcard" or path.startswith("/sdcard/"):
        local = os.path.join(sdcard, path[len("/sdcard/"):]) if len(path) > len("/sdcard") else sdcard
        if for_writing:
            parent = os.path.dirname(local)
            if parent:
                os.makedirs(parent, exist_ok=True)
        return local
    return path
