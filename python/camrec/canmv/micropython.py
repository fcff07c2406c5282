# SPDX-License-Identifier: LGPL-2.1-or-later
"""The MicroPython names CanMV scripts use, added to CPython's own os, sys and time modules
(never replacing them, so the standard library keeps working)."""
import builtins
import functools
import os
import sys
import time
import traceback

from camrec.canmv import config, signals

# MicroPython's ticks wrap around at 2**30 (ports with small ints); ticks_diff handles it.
_TICKS_PERIOD = 1 << 30
_TICKS_HALF = _TICKS_PERIOD // 2


def ticks_ms():
    """Milliseconds of a monotonic clock, wrapping at 2**30."""
    return (time.monotonic_ns() // 1_000_000) % _TICKS_PERIOD


def ticks_us():
    """Microseconds of a monotonic clock, wrapping at 2**30."""
    return (time.monotonic_ns() // 1_000) % _TICKS_PERIOD


def ticks_cpu():
    return ticks_us()


def ticks_add(ticks, delta):
    return (ticks + delta) % _TICKS_PERIOD


def ticks_diff(end, start):
    """end - start, correct across one wrap-around."""
    return ((end - start + _TICKS_HALF) % _TICKS_PERIOD) - _TICKS_HALF


def sleep_ms(ms):
    time.sleep(ms / 1000)


def sleep_us(us):
    time.sleep(us / 1_000_000)


def print_exception(exc, file=sys.stdout):
    """MicroPython's sys.print_exception: the traceback of `exc`."""
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=file)


def install():
    """Adds the names to os, sys and time."""
    os.exitpoint = signals.exitpoint
    os.EXITPOINT_DISABLE = signals.EXITPOINT_DISABLE
    os.EXITPOINT_ENABLE = signals.EXITPOINT_ENABLE
    os.EXITPOINT_ENABLE_SLEEP = signals.EXITPOINT_ENABLE_SLEEP
    sys.print_exception = print_exception
    for f in (ticks_ms, ticks_us, ticks_cpu, ticks_add, ticks_diff, sleep_ms, sleep_us):
        setattr(time, f.__name__, f)


def _mapping_first_path(function):
    @functools.wraps(function)
    def mapped(path, *args, **kwargs):
        if isinstance(path, str):
            path = config.map_path(path)
        return function(path, *args, **kwargs)
    mapped.camrec_mapped = True
    return mapped


def install_sdcard_paths():
    """Makes open() and the os file functions see /sdcard/... under camrec-canmv's --sdcard
    folder. Other paths, and so the standard library, are untouched."""
    if getattr(builtins.open, "camrec_mapped", False):
        return
    builtins.open = _mapping_first_path(builtins.open)
    for name in ("listdir", "stat", "remove", "unlink", "mkdir", "makedirs", "rmdir", "chdir", "scandir"):
        setattr(os, name, _mapping_first_path(getattr(os, name)))
    for name in ("exists", "isfile", "isdir", "getsize"):
        setattr(os.path, name, _mapping_first_path(getattr(os.path, name)))
    rename = os.rename
    os.rename = functools.wraps(rename)(lambda src, dst, *a, **k: rename(config.map_path(src), config.map_path(dst),
                                                                         *a, **k))
