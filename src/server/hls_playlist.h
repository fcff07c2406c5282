// SPDX-License-Identifier: LGPL-2.1-or-later
// Low-Latency HLS (RFC 8216bis) over the live window: every live fragment is a CMAF part,
// the parts from one key frame to the next form a segment. Parts are listed for the newest
// segments only (the spec asks for the last three target durations at least).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/live_hub.h"

namespace camrec::server {

struct HlsOptions {
  int64_t part_target_us = 200'000;  ///< EXT-X-PART-INF PART-TARGET; no part is longer.
  size_t segments_with_parts = 3;    ///< Newest segments whose parts are listed.
};

/// The media playlist of `snapshot`. `uri_suffix` is appended to every URI (the token query
/// of the request, so players that cannot set headers still authenticate).
std::string render_playlist(const LiveSnapshot& snapshot, const HlsOptions& options, const std::string& uri_suffix);

/// What a blocking playlist request (_HLS_msn / _HLS_part) waits for.
struct HlsBlockingRequest {
  uint64_t msn = 0;
  std::optional<uint32_t> part;
};

enum class HlsReady {
  now,      ///< The playlist holds what was asked for (or the stream ended).
  wait,     ///< It will soon: hold the request.
  too_far,  ///< More than two segments ahead of the live edge: 400 (RFC 8216bis 6.2.5.2).
};

/// Whether `snapshot` answers `request`.
HlsReady hls_ready(const LiveSnapshot& snapshot, const HlsBlockingRequest& request);

/// The bytes of segment `msn` (all its parts) when it is complete and in the window.
std::optional<std::vector<uint8_t>> find_segment(const LiveSnapshot& snapshot, uint64_t msn);
/// The fragment of part `part` of segment `msn`, when in the window.
std::shared_ptr<const LiveFragment> find_part(const LiveSnapshot& snapshot, uint64_t msn, uint32_t part);

/// Target duration (whole seconds, rounded up) covering every segment in the window.
int64_t target_duration_s(const LiveSnapshot& snapshot);

}  // namespace camrec::server
