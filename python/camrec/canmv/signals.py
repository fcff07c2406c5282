# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ctrl-C and SIGTERM as the CanMV IDE's stop button: a stop request raises KeyboardInterrupt
at the script's next os.exitpoint() (or inside a wait for a frame), so the script's own
cleanup runs and its file is closed. A second request raises at once."""
import signal

EXITPOINT_DISABLE = 0
EXITPOINT_ENABLE = 1
EXITPOINT_ENABLE_SLEEP = 2

_pending = False
_installed = False


def _on_signal(signum, frame):
    global _pending
    if _pending:
        raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name} (second request)")
    _pending = True


def install():
    """Routes SIGINT and SIGTERM to the stop request (main thread only)."""
    global _installed, _pending
    _pending = False
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    _installed = True


def exitpoint(flag=None):
    """os.exitpoint(): with a flag, sets the mode (accepted, every mode stops here); without,
    raises KeyboardInterrupt when a stop was requested."""
    global _pending
    if flag is not None:
        if flag not in (EXITPOINT_DISABLE, EXITPOINT_ENABLE, EXITPOINT_ENABLE_SLEEP):
            raise ValueError(f"os.exitpoint: unknown flag {flag!r}")
        return
    if _pending:
        _pending = False
        raise KeyboardInterrupt("stopped by the user")


def check_wait():
    """Called between the slices of a blocking wait: a stop request ends the wait."""
    exitpoint()


def pending() -> bool:
    return _pending
