# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared helpers of the Python tests: the build's camrec-canmv, the seed program read from
the reference folder, and what ffprobe/ffmpeg say about a file."""
import json
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.environ.get("CAMREC_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# The reference folder beside the repository; CAMREC_REFERENCE_DIR points elsewhere (a
# checkout in another place).
REFERENCE = os.environ.get("CAMREC_REFERENCE_DIR") or os.path.join(REPO, "..", "shared", "reference")
SEED = os.path.join(REFERENCE, "seed-record-mp4.md")
MODULES = None


def canmv_runner():
    """Path of build/camrec-canmv (set by CTest)."""
    path = os.environ.get("CAMREC_CANMV")
    if not path or not os.path.exists(path):
        pytest.skip("CAMREC_CANMV is not set: run these tests through ctest")
    return path


def seed_program() -> str:
    """The seed's example program, verbatim: the code block under "2.示例代码"."""
    if not os.path.exists(SEED):
        pytest.skip(f"the seed tutorial is not at {os.path.normpath(SEED)} (../shared/reference beside the "
                    "repository): the seed tests need it and never copy it into the repository")
    text = open(SEED, encoding="utf-8").read()
    heading = text.index("## 2.示例代码")
    start = text.index("\n", text.index("```", heading)) + 1
    return text[start:text.index("```", start)]


def run_canmv(script_path, *args, timeout=120, **kwargs):
    """Runs camrec-canmv on a script; returns the CompletedProcess (text)."""
    return subprocess.run([canmv_runner(), str(script_path), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def ffprobe_json(path, *entries):
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *entries, str(path)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def ffprobe_warnings(path) -> str:
    """What ffprobe prints at warning level while reading every packet (empty = clean)."""
    out = subprocess.run(["ffprobe", "-v", "warning", "-show_packets", "-of", "json", str(path)],
                         capture_output=True, text=True)
    return out.stderr.strip() + ("" if out.returncode == 0 else f" (exit {out.returncode})")


def video_stream(path):
    streams = ffprobe_json(path, "-show_streams")["streams"]
    video = [s for s in streams if s["codec_type"] == "video"]
    assert len(video) == 1, streams
    return video[0]


def video_packets(path):
    return ffprobe_json(path, "-select_streams", "v:0", "-show_packets")["packets"]


def decodes_clean(path) -> str:
    """ffmpeg decodes every frame with -xerror; returns its errors (empty = clean)."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-i", str(path), "-f", "null", "-"],
                         capture_output=True, text=True)
    return out.stderr.strip() + ("" if out.returncode == 0 else f" (exit {out.returncode})")


@pytest.fixture
def canmv_modules():
    """The CanMV modules importable in this process (as camrec-canmv makes them)."""
    from camrec.canmv import MODULES_DIR, micropython
    micropython.install()
    sys.path.insert(0, MODULES_DIR)
    yield MODULES_DIR
    sys.path.remove(MODULES_DIR)


@pytest.fixture
def sdcard(tmp_path, monkeypatch):
    """A folder standing for /sdcard in this process."""
    from camrec.canmv import config
    monkeypatch.setattr(config, "sdcard", str(tmp_path))
    return tmp_path


def require_tool(name):
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not installed (scripts/install-deps.sh installs it)")
