# SPDX-License-Identifier: LGPL-2.1-or-later
"""CanMV's `media` package on camrec: sensor, vencoder, media (MediaManager) and mp4format."""
