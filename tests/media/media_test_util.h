// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers shared by the media tests: test-pattern frames, draining an encoder channel,
// and reading frame numbers back from a decoded stream.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "camrec/media/clock.h"
#include "camrec/media/encoder.h"
#include "capture/test_pattern.h"
#include "testing/test_util.h"

namespace camrec::media::test {

/// `n` test-pattern frames (nv12) at `fps`, stamped from `start_us`, made as fast as possible.
inline std::vector<FramePtr> pattern_frames(int n, uint32_t w = 320, uint32_t h = 240,
                                            uint32_t fps = 30, int64_t start_us = 0) {
  ManualClock clock(start_us);
  SourceOptions o;
  o.width = w;
  o.height = h;
  o.fps_num = fps;
  o.paced = false;
  auto src = make_test_pattern_source(o, clock);
  EXPECT_TRUE(src.has_value());
  EXPECT_TRUE((*src)->start().is_ok());
  std::vector<FramePtr> frames;
  for (int i = 0; i < n; ++i) frames.push_back(*(*src)->next_frame());
  return frames;
}

/// One GetStream result, copied out.
struct StreamRecord {
  std::vector<uint32_t> types;
  std::vector<int64_t> pts;
  std::vector<std::vector<uint8_t>> packs;
};

/// Takes every stream available now (GetStream with `timeout_ms`) and releases it; stops at
/// the first error, which is stored in `end`.
inline std::vector<StreamRecord> drain(Encoder& enc, uint32_t chn, int timeout_ms = 0,
                                       Status* end = nullptr) {
  std::vector<StreamRecord> out;
  for (;;) {
    StreamData sd;
    Status s = enc.GetStream(chn, sd, timeout_ms);
    if (!s) {
      if (end) *end = s;
      return out;
    }
    StreamRecord r;
    for (uint32_t i = 0; i < sd.pack_cnt; ++i) {
      r.types.push_back(sd.stream_type[i]);
      r.pts.push_back(sd.pts[i]);
      r.packs.emplace_back(sd.data[i], sd.data[i] + sd.data_size[i]);
    }
    EXPECT_TRUE(enc.ReleaseStream(chn, sd).is_ok());
    out.push_back(std::move(r));
  }
}

/// The concatenated Annex B bytes of `streams`.
inline std::vector<uint8_t> annexb(const std::vector<StreamRecord>& streams) {
  std::vector<uint8_t> bytes;
  for (const auto& s : streams) {
    for (const auto& p : s.packs) bytes.insert(bytes.end(), p.begin(), p.end());
  }
  return bytes;
}

/// Decodes `path` with ffmpeg (-xerror) to gray frames and reads the frame number drawn by
/// the test pattern in each; -1 for an unreadable frame. Empty when ffmpeg fails.
inline std::vector<int64_t> decoded_frame_numbers(const std::string& path, uint32_t w,
                                                  uint32_t h, std::string* err = nullptr) {
  camrec::testing::TempDir dir;
  const std::string raw = dir.file("gray.raw");
  auto r = camrec::testing::run_command("ffmpeg -nostdin -v error -xerror -i " +
                                        camrec::testing::shell_quote(path) +
                                        " -f rawvideo -pix_fmt gray " +
                                        camrec::testing::shell_quote(raw));
  if (r.exit_code != 0) {
    if (err) *err = r.err;
    return {};
  }
  auto bytes = camrec::testing::read_file(raw);
  std::vector<int64_t> numbers;
  const size_t frame = size_t{w} * h;
  for (size_t off = 0; off + frame <= bytes.size(); off += frame) {
    auto n = read_pattern_number(bytes.data() + off, w, w, h, 0);
    numbers.push_back(n ? static_cast<int64_t>(*n) : -1);
  }
  return numbers;
}

}  // namespace camrec::media::test
