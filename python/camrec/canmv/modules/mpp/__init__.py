# SPDX-License-Identifier: LGPL-2.1-or-later
"""CanMV's `mpp` package on camrec: mp4_format (the kd_mp4_* functions) and mp4_format_struct."""
