// SPDX-License-Identifier: LGPL-2.1-or-later
// The remux's way into the muxer: access units its reader has already split and parsed go
// in without being scanned or parsed again, and their payloads are written from the
// reader's memory (the mapped input file) instead of being copied into a fragment buffer.
#pragma once

#include <cstdint>

#include "camrec/muxer.h"
#include "mux/track_input.h"

namespace camrec {

struct MuxerInternals {
  /// Writes one access unit of video track `track`: `packet` gives its timing, and its data
  /// the access unit's Annex B bytes, which a writer without the internal path (a
  /// SegmentWriter) takes through the public write(); `video` is the same access unit split
  /// and parsed. A track takes its packets through one path only. The memory the NAL units
  /// point into must stay valid until the writer is closed.
  static Status write_parsed(MediaWriter& writer, uint32_t track, const Packet& packet, const mux::ParsedVideo& video);
  /// Whether `writer` takes write_parsed() itself (a Muxer) rather than passing the packet
  /// on to write(): only then may a packet's data be something other than Annex B.
  static bool takes_parsed(const MediaWriter& writer);
};

}  // namespace camrec
