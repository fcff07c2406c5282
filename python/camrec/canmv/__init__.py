# SPDX-License-Identifier: LGPL-2.1-or-later
"""CanMV (K230 MicroPython) compatibility: the board's modules under `modules/` and the
camrec-canmv runner. See docs/python.md."""
import os

MODULES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "modules")
