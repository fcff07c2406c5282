// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/hls_playlist.h"

#include <algorithm>
#include <cstdio>

namespace camrec::server {

namespace {

/// Seconds with millisecond precision, as playlists write them ("0.200").
std::string seconds(int64_t us) {
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(us / 1'000'000),
                static_cast<long long>((us % 1'000'000) / 1000));
  return text;
}

struct Segment {
  uint64_t msn = 0;
  int64_t duration_us = 0;
  std::vector<const LivePart*> parts;
  bool complete = false;  ///< The next segment started, or the stream ended.
};

std::vector<Segment> segments_of(const LiveSnapshot& s) {
  std::vector<Segment> out;
  for (const auto& p : s.parts) {
    if (out.empty() || out.back().msn != p.msn) out.push_back({p.msn, 0, {}, false});
    out.back().parts.push_back(&p);
    out.back().duration_us += p.fragment->duration_us;
  }
  for (size_t i = 0; i + 1 < out.size(); ++i) out[i].complete = true;
  if (!out.empty() && s.ended) out.back().complete = true;
  return out;
}

}  // namespace

int64_t target_duration_s(const LiveSnapshot& snapshot) {
  int64_t longest = 1'000'000;
  for (const auto& seg : segments_of(snapshot)) longest = std::max(longest, seg.duration_us);
  // EXTINF rounded to the nearest second must not pass the target (RFC 8216bis 4.4.3.1).
  return (longest + 999'999) / 1'000'000;
}

std::string render_playlist(const LiveSnapshot& snapshot, const HlsOptions& options, const std::string& uri_suffix) {
  const auto segments = segments_of(snapshot);
  std::string m = "#EXTM3U\n#EXT-X-VERSION:9\n";
  m += "#EXT-X-TARGETDURATION:" + std::to_string(target_duration_s(snapshot)) + "\n";
  // PART-HOLD-BACK at least twice the part target (RFC 8216bis 4.4.3.8); three is advised.
  m += "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=" + seconds(3 * options.part_target_us) + "\n";
  m += "#EXT-X-PART-INF:PART-TARGET=" + seconds(options.part_target_us) + "\n";
  m += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(segments.empty() ? 0 : segments.front().msn) + "\n";
  m += "#EXT-X-MAP:URI=\"init.mp4" + uri_suffix + "\"\n";
  const size_t first_with_parts = segments.size() > options.segments_with_parts
                                      ? segments.size() - options.segments_with_parts
                                      : 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& seg = segments[i];
    if (i >= first_with_parts) {
      for (const LivePart* p : seg.parts) {
        m += "#EXT-X-PART:DURATION=" + seconds(p->fragment->duration_us) + ",URI=\"part/" + std::to_string(p->msn) +
             "." + std::to_string(p->part) + ".m4s" + uri_suffix + "\"";
        if (p->fragment->key) m += ",INDEPENDENT=YES";
        m += "\n";
      }
    }
    if (seg.complete) {
      m += "#EXTINF:" + seconds(seg.duration_us) + ",\n";
      m += "seg/" + std::to_string(seg.msn) + ".m4s" + uri_suffix + "\n";
    }
  }
  if (snapshot.ended) m += "#EXT-X-ENDLIST\n";
  return m;
}

HlsReady hls_ready(const LiveSnapshot& snapshot, const HlsBlockingRequest& request) {
  if (snapshot.ended) return HlsReady::now;
  if (snapshot.parts.empty()) return request.msn <= 1 ? HlsReady::wait : HlsReady::too_far;
  const LivePart& edge = snapshot.parts.back();
  if (request.msn > edge.msn + 2) return HlsReady::too_far;
  if (request.part) {
    // Part P of segment M is in the playlist, or segment M is over and a later one began.
    if (edge.msn > request.msn || (edge.msn == request.msn && edge.part >= *request.part)) return HlsReady::now;
    return HlsReady::wait;
  }
  // Without _HLS_part the request waits for segment M to be complete (RFC 8216bis 6.2.5.2).
  return edge.msn > request.msn ? HlsReady::now : HlsReady::wait;
}

std::optional<std::vector<uint8_t>> find_segment(const LiveSnapshot& snapshot, uint64_t msn) {
  for (const auto& seg : segments_of(snapshot)) {
    if (seg.msn != msn) continue;
    if (!seg.complete) return std::nullopt;
    std::vector<uint8_t> bytes;
    for (const LivePart* p : seg.parts) bytes.insert(bytes.end(), p->fragment->bytes.begin(), p->fragment->bytes.end());
    return bytes;
  }
  return std::nullopt;
}

std::shared_ptr<const LiveFragment> find_part(const LiveSnapshot& snapshot, uint64_t msn, uint32_t part) {
  for (const auto& p : snapshot.parts)
    if (p.msn == msn && p.part == part) return p.fragment;
  return nullptr;
}

}  // namespace camrec::server
