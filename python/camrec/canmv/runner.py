# SPDX-License-Identifier: LGPL-2.1-or-later
"""camrec-canmv: runs a CanMV script unchanged under CPython (see docs/python.md)."""
import argparse
import os
import runpy
import sys
import traceback

from camrec.canmv import MODULES_DIR, config, micropython, signals

EXIT_USAGE = 64
EXIT_NO_INPUT = 66
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"camrec-canmv: {message} (see camrec-canmv --help)\n")


def _parse(argv):
    parser = _Parser(
        prog="camrec-canmv",
        description="Run a CanMV (K230 MicroPython) script on Linux with camrec.",
        epilog="Example: camrec-canmv record.py --sdcard ~/sd --source v4l2:/dev/video0 [-- ARGS for the script]")
    parser.add_argument("script", help="the CanMV script (.py)")
    parser.add_argument("--sdcard", default=os.getcwd(), metavar="DIR",
                        help="folder that stands for the board's /sdcard (default: the current folder)")
    parser.add_argument("--source", default="testpattern", metavar="SPEC",
                        help="camera: testpattern (default), v4l2:/dev/videoN or file:PATH")
    parser.add_argument("--audio-source", default="tone", metavar="SPEC",
                        help="microphone: tone (default), wav:PATH or alsa:DEVICE")
    # Arguments for the script come after "--", so a mistyped option is reported, not passed on.
    script_args = []
    if "--" in argv:
        cut = argv.index("--")
        argv, script_args = argv[:cut], argv[cut + 1:]
    args = parser.parse_args(argv)
    args.args = script_args
    return args


def _fail(message, status):
    print(f"camrec-canmv: {message}", file=sys.stderr)
    return status


def main(argv):
    """Runs the script; returns the exit status (the script's, 1 for an uncaught exception,
    130 when stopped by a signal it did not catch)."""
    args = _parse(argv)
    script = os.path.abspath(args.script)
    if not os.path.isfile(script):
        return _fail(f"cannot open script '{args.script}': no such file", EXIT_NO_INPUT)
    if not os.path.isdir(args.sdcard):
        return _fail(f"--sdcard '{args.sdcard}' is not a folder: create it or pass another one", EXIT_NO_INPUT)
    config.sdcard = os.path.abspath(args.sdcard)
    config.source = args.source
    config.audio_source = args.audio_source

    micropython.install()
    micropython.install_sdcard_paths()
    signals.install()
    sys.path[:0] = [os.path.dirname(script), MODULES_DIR]
    sys.argv = [args.script] + list(args.args)
    name = os.path.basename(args.script)
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        code = e.code
        if code is None:
            code = 0
        elif not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
        return _fail(f"{name} exited with status {code}", code) if code else 0
    except KeyboardInterrupt:
        traceback.print_exc()
        return _fail(f"{name} stopped by a signal it did not handle", EXIT_INTERRUPTED)
    except BaseException:
        traceback.print_exc()
        return _fail(f"{name} failed with the exception above (exit status 1)", 1)
    return 0
