// SPDX-License-Identifier: LGPL-2.1-or-later
// State of one track inside the muxer: timing, the open fragment's samples, the index.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "box/fragment_boxes.h"
#include "mux/sample_data.h"
#include "mux/sample_index.h"
#include "mux/track_input.h"

namespace camrec::mux {

/// A sample of the open fragment; its bytes are in Track::data.
struct PendingSample {
  uint32_t size = 0;
  uint32_t duration = 0;  ///< 0 until the next sample's decode time is known.
  int64_t decode_time = 0;
  int32_t composition_offset = 0;
  bool sync = false;
  uint32_t description = 1;  ///< 1-based stsd entry.
};

struct Track {
  uint32_t track_id = 0;  ///< 1-based, as in tkhd.
  std::unique_ptr<TrackInput> input;
  bool in_header = false;  ///< Declared in the file's init moov.
  bool roll_in_header = false;  ///< The init moov describes its 'roll' group (Opus).
  uint32_t header_descriptions = 0;  ///< Sample descriptions the file's header declares.
  uint32_t last_description = 1;     ///< Of the latest sample: a change cuts the fragment.

  // Timing: decode_time = dts - first_dts + decode_base, all in the track timescale;
  // composition offset = pts - dts (non-negative for any real stream), and the edit list
  // skips the first sample's offset (presentation_delay()), so the first frame is shown at
  // decode_base (its start relative to the file's origin), the way every player expects
  // B-frames (ffmpeg, GStreamer and browsers agree on ctts v0 + elst).
  bool started = false;
  int64_t first_pts = 0;
  int64_t first_dts = 0;
  int64_t decode_base = 0;
  /// Media ticks of the first samples presented before the file's origin (AAC priming at a
  /// negative time): kept in the file, hidden by the edit list.
  int64_t preroll = 0;
  int64_t last_decode_time = 0;    ///< Of the latest sample, as written (after smoothing).
  int64_t last_input_decode_time = 0;  ///< Of the latest packet, as given (for the order check).
  uint32_t last_duration = 0;      ///< Duration of the previous sample, to guess the last one.
  uint32_t duration_hint = 0;      ///< Duration the caller gave with the latest packet.
  uint32_t end_trim = 0;           ///< Ticks of the last packet not to present (Opus padding).

  SampleData data;                  ///< Bytes of the pending samples, in order.
  std::vector<PendingSample> pending;

  SampleIndex index;                ///< Regular layout: counts for the final moov's tables.
  uint64_t random_access_points = 0;  ///< Fragmented: fragments starting with a sync sample (mfra entries).

  uint64_t samples_written = 0;

  bool is_video() const { return input->is_video(); }
  /// Composition offset of the first sample: what the edit list's media_time skips.
  int64_t presentation_delay() const {
    return std::max<int64_t>(0, first_pts - first_dts) + input->priming();
  }
  /// The edit list's media_time: the media instant shown at the track's start (the
  /// B-frame delay and Opus pre-skip above, plus media kept from before the origin).
  int64_t edit_media_time() const { return presentation_delay() + preroll; }
  /// Subtracted from every pts - dts so no offset goes negative when the first sample's is
  /// (inputs with dts > pts, which only files with negative offsets produce).
  int64_t offset_bias() const { return std::min<int64_t>(0, first_pts - first_dts); }
  Timescale timescale() const { return input->timescale(); }
  /// Decode time of the first pending sample.
  int64_t pending_start() const { return pending.empty() ? last_decode_time : pending.front().decode_time; }
  /// Number of pending samples whose duration is known (all but possibly the last).
  size_t flushable() const {
    return !pending.empty() && pending.back().duration == 0 ? pending.size() - 1 : pending.size();
  }
};

}  // namespace camrec::mux
