// SPDX-License-Identifier: LGPL-2.1-or-later
// Test inputs for the muxer: video access units read from an elementary stream made by
// ffmpeg, audio packets (G.711 bytes, ADTS frames), and writing them interleaved in time
// the way a recorder hands them over.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "camrec/muxer.h"
#include "camrec/time.h"
#include "mux/elementary_stream.h"
#include "testing/test_util.h"

namespace camrec::testing {

/// One packet for Muxer::write, owning its bytes.
struct TimedPacket {
  uint32_t track = 0;
  std::vector<uint8_t> data;
  int64_t pts = 0;
  int64_t dts = 0;
  Timescale timescale = 1;
  int64_t duration = 0;
  bool key = false;

  Packet packet() const { return Packet{data, pts, dts, timescale, duration}; }
  /// Decode time in microseconds, for interleaving.
  int64_t dts_us() const { return rescale(dts, timescale, kMicroseconds); }
};

/// Every frame of an Annex B file, in decode order with the reader's timing, for `track`.
/// Empty on error.
inline std::vector<TimedPacket> read_video_packets(const std::string& path, bool hevc, uint32_t track,
                                                   uint32_t fps = 30) {
  std::vector<TimedPacket> out;
  mux::EsTiming timing;
  timing.fps_num = fps;
  timing.fps_den = 1;
  auto reader = mux::ElementaryStreamReader::open(path, hevc ? codec::VideoCodec::h265 : codec::VideoCodec::h264,
                                                  timing);
  if (!reader) return out;
  mux::EsFrame f;
  while (true) {
    auto more = (*reader)->next(f);
    if (!more || !*more) break;
    TimedPacket p;
    p.track = track;
    p.data.assign(f.data.begin(), f.data.end());
    p.pts = f.pts;
    p.dts = f.dts;
    p.timescale = f.timescale;
    p.duration = f.duration;
    p.key = f.key;
    out.push_back(std::move(p));
  }
  return out;
}

/// Makes an H.264 elementary stream (testsrc2, libx264 baseline) and reads it as packets.
inline std::vector<TimedPacket> make_h264_packets(const std::string& path, int frames, uint32_t track,
                                                  const std::string& size = "320x240", int gop = 30,
                                                  const std::string& more_args = "") {
  if (!make_stream(path, size, frames, 30, "-c:v libx264 -profile:v baseline -g " + std::to_string(gop) + " " + more_args))
    return {};
  return read_video_packets(path, false, track);
}

/// Splits raw bytes into packets of `packet_bytes` (the last may be shorter), timed at
/// `sample_rate` with one byte per sample (G.711 mono).
inline std::vector<TimedPacket> g711_packets(const std::vector<uint8_t>& bytes, size_t packet_bytes,
                                             uint32_t sample_rate, uint32_t track) {
  std::vector<TimedPacket> out;
  for (size_t pos = 0; pos < bytes.size(); pos += packet_bytes) {
    size_t n = std::min(packet_bytes, bytes.size() - pos);
    TimedPacket p;
    p.track = track;
    p.data.assign(bytes.begin() + static_cast<ptrdiff_t>(pos), bytes.begin() + static_cast<ptrdiff_t>(pos + n));
    p.pts = p.dts = static_cast<int64_t>(pos);
    p.timescale = sample_rate;
    p.key = true;
    out.push_back(std::move(p));
  }
  return out;
}

/// Splits an ADTS file into frames by their headers (frame_length, 13 bits); 1024 samples
/// each at `sample_rate`. Empty when a header is broken.
inline std::vector<TimedPacket> adts_packets(const std::vector<uint8_t>& bytes, uint32_t sample_rate,
                                             uint32_t track) {
  std::vector<TimedPacket> out;
  size_t pos = 0;
  int64_t t = 0;
  while (pos + 7 <= bytes.size()) {
    if (bytes[pos] != 0xFF || (bytes[pos + 1] & 0xF0) != 0xF0) return {};
    size_t len = ((bytes[pos + 3] & 0x03u) << 11) | (bytes[pos + 4] << 3) | (bytes[pos + 5] >> 5);
    if (len < 7 || pos + len > bytes.size()) return {};
    TimedPacket p;
    p.track = track;
    p.data.assign(bytes.begin() + static_cast<ptrdiff_t>(pos), bytes.begin() + static_cast<ptrdiff_t>(pos + len));
    p.pts = p.dts = t;
    p.timescale = sample_rate;
    p.key = true;
    out.push_back(std::move(p));
    t += 1024;
    pos += len;
  }
  return pos == bytes.size() ? out : std::vector<TimedPacket>{};
}

/// The MP4 sample of an Annex B access unit as camrec's muxer stores it: the NAL units
/// with 4-byte lengths, without parameter sets and access unit delimiters (they live in the
/// sample entry).
inline std::vector<uint8_t> mp4_sample(const std::vector<uint8_t>& annexb, bool hevc) {
  std::vector<std::pair<size_t, size_t>> nals;  // begin, end
  size_t i = 0, start = std::string::npos;
  while (i + 2 < annexb.size()) {
    if (annexb[i] == 0 && annexb[i + 1] == 0 && annexb[i + 2] == 1) {
      if (start != std::string::npos) nals.push_back({start, i});
      i += 3;
      start = i;
    } else {
      ++i;
    }
  }
  if (start != std::string::npos) nals.push_back({start, annexb.size()});
  std::vector<uint8_t> out;
  for (auto [b, e] : nals) {
    while (e > b && annexb[e - 1] == 0) --e;  // zero bytes before the next start code
    if (e == b) continue;
    int type = hevc ? (annexb[b] >> 1) & 0x3f : annexb[b] & 0x1f;
    bool dropped = hevc ? (type >= 32 && type <= 35) : (type == 7 || type == 8 || type == 9);
    if (dropped) continue;
    uint32_t n = static_cast<uint32_t>(e - b);
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
    out.insert(out.end(), annexb.begin() + static_cast<ptrdiff_t>(b), annexb.begin() + static_cast<ptrdiff_t>(e));
  }
  return out;
}

/// Merges packet lists into one list in decode-time order (ties keep the list order), as
/// a recorder's threads would hand them to the muxer.
inline std::vector<TimedPacket> interleave(std::vector<std::vector<TimedPacket>> lists) {
  std::vector<TimedPacket> all;
  for (auto& l : lists)
    for (auto& p : l) all.push_back(std::move(p));
  std::stable_sort(all.begin(), all.end(), [](const TimedPacket& a, const TimedPacket& b) { return a.dts_us() < b.dts_us(); });
  return all;
}

}  // namespace camrec::testing
