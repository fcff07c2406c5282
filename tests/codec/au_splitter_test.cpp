// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/au_splitter.h"

#include <gtest/gtest.h>

#include "codec_test_helpers.h"

namespace camrec::codec {
namespace {

using testing::read_file;
using Bytes = std::vector<uint8_t>;

struct SplitResult {
  std::vector<Bytes> aus;              // Annex B bytes of each access unit
  std::vector<uint64_t> offsets;       // stream offsets
  std::vector<size_t> nal_counts;
  std::vector<bool> has_vcl;
  Status status;
};

SplitResult split(VideoCodec codec, const Bytes& data, size_t chunk, AccessUnitSplitterOptions options = {}) {
  SplitResult r;
  AccessUnitSplitter splitter(codec, options);
  auto drain = [&]() {
    while (true) {
      auto au = splitter.next();
      if (!au) {
        r.status = au.error();
        return false;
      }
      if (!*au) return true;
      r.aus.emplace_back((*au)->bytes.begin(), (*au)->bytes.end());
      r.offsets.push_back((*au)->stream_offset);
      r.nal_counts.push_back((*au)->nals.size());
      r.has_vcl.push_back((*au)->has_vcl);
      // Every NAL view lies inside the access unit's bytes.
      for (auto nal : (*au)->nals) {
        EXPECT_GE(nal.data(), (*au)->bytes.data());
        EXPECT_LE(nal.data() + nal.size(), (*au)->bytes.data() + (*au)->bytes.size());
      }
    }
  };
  for (size_t pos = 0; pos < data.size(); pos += chunk) {
    size_t n = std::min(chunk, data.size() - pos);
    splitter.feed(std::span<const uint8_t>(data).subspan(pos, n));
    if (!drain()) return r;
  }
  splitter.finish();
  drain();
  EXPECT_TRUE(!r.status.is_ok() || splitter.done());
  return r;
}

uint64_t ffprobe_frame_count(const std::string& file) {
  auto v = testing::ffprobe_values("-count_frames -select_streams v:0 -show_entries stream=nb_read_frames", file);
  return std::stoull(v.at("nb_read_frames"));
}

struct StreamCase {
  const char* name;
  std::string (*make)();
  VideoCodec codec;
};

class SplitterStreams : public ::testing::TestWithParam<StreamCase> {};

TEST_P(SplitterStreams, FrameCountMatchesFfprobe) {
  std::string file = GetParam().make();
  ASSERT_FALSE(file.empty());
  Bytes data = read_file(file);
  SplitResult r = split(GetParam().codec, data, size_t{1} << 20);
  ASSERT_TRUE(r.status.is_ok()) << r.status.to_string();
  EXPECT_EQ(r.aus.size(), ffprobe_frame_count(file));
  // The access units tile the stream: concatenated they give the input back (no trailing
  // zeros in these streams).
  Bytes joined;
  for (auto& au : r.aus) joined.insert(joined.end(), au.begin(), au.end());
  EXPECT_TRUE(joined == data) << "access units do not tile the stream";
  for (bool v : r.has_vcl) EXPECT_TRUE(v);
}

TEST_P(SplitterStreams, ChunkSizeDoesNotMatter) {
  std::string file = GetParam().make();
  ASSERT_FALSE(file.empty());
  Bytes data = read_file(file);
  SplitResult big = split(GetParam().codec, data, size_t{1} << 20);
  ASSERT_TRUE(big.status.is_ok());
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}}) {
    SplitResult r = split(GetParam().codec, data, chunk);
    ASSERT_TRUE(r.status.is_ok()) << "chunk " << chunk << ": " << r.status.to_string();
    ASSERT_EQ(r.aus.size(), big.aus.size()) << "chunk " << chunk;
    for (size_t i = 0; i < r.aus.size(); ++i) {
      ASSERT_TRUE(r.aus[i] == big.aus[i]) << "access unit " << i << " differs with chunk " << chunk;
      ASSERT_EQ(r.offsets[i], big.offsets[i]) << "access unit " << i << " with chunk " << chunk;
      ASSERT_EQ(r.nal_counts[i], big.nal_counts[i]) << "access unit " << i << " with chunk " << chunk;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Codec, SplitterStreams,
    ::testing::Values(StreamCase{"h264_main", testing::h264_main, VideoCodec::h264},
                      StreamCase{"h264_high_b", testing::h264_high_b, VideoCodec::h264},
                      StreamCase{"h264_baseline", testing::h264_baseline, VideoCodec::h264},
                      StreamCase{"h264_interlaced", testing::h264_interlaced, VideoCodec::h264},
                      StreamCase{"h265_open_gop", testing::h265_open_gop, VideoCodec::h265},
                      StreamCase{"h265_closed_gop", testing::h265_closed_gop, VideoCodec::h265}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(AccessUnitSplitter, AudAndParameterSetsStartAccessUnits) {
  // AUD SPS PPS IDR(first_mb 0) IDR(first_mb 1) | AUD P(first_mb 0) | SEI P(first_mb 0) SEI-after? 
  Bytes s = {0, 0, 0, 1, 0x09, 0xF0,           // AUD
             0, 0, 0, 1, 0x67, 0x42, 0xC0, 0x1E,  // SPS
             0, 0, 1, 0x68, 0xCE,               // PPS
             0, 0, 1, 0x65, 0x88, 0x84,         // IDR, first_mb_in_slice 0
             0, 0, 1, 0x65, 0x40, 0x84,         // IDR, first_mb_in_slice 1 (same picture)
             0, 0, 1, 0x06, 0x05, 0x80,         // SEI between slices? no: after the last slice
             0, 0, 1, 0x41, 0x9A, 0x02,         // P, first_mb 0: new picture, the SEI goes with it
             0, 0, 1, 0x41, 0x9A, 0x03,         // P, first_mb 0: new picture
             0, 0, 1, 0x0C, 0xFF, 0x80,         // filler data: stays with the picture
             0, 0, 1, 0x0B};                    // end of stream: stays too
  SplitResult r = split(VideoCodec::h264, s, 3);
  ASSERT_TRUE(r.status.is_ok()) << r.status.to_string();
  ASSERT_EQ(r.aus.size(), 3u);
  EXPECT_EQ(r.nal_counts, (std::vector<size_t>{5, 2, 3}));
  EXPECT_EQ(r.offsets[0], 0u);
  EXPECT_EQ(r.aus[1][3], 0x06);  // begins with the SEI's start code
}

TEST(AccessUnitSplitter, ParameterSetBetweenSlicesStaysWithThePicture) {
  Bytes s = {0, 0, 1, 0x67, 0x42, 0xC0, 0x1E, 0, 0, 1, 0x68, 0xCE,
             0, 0, 1, 0x65, 0x88, 0x84,   // first slice
             0, 0, 1, 0x68, 0xCE,         // PPS between slices of one picture
             0, 0, 1, 0x65, 0x40, 0x84,   // second slice (first_mb != 0)
             0, 0, 1, 0x41, 0x9A, 0x02};  // next picture
  SplitResult r = split(VideoCodec::h264, s, 1);
  ASSERT_TRUE(r.status.is_ok());
  EXPECT_EQ(r.nal_counts, (std::vector<size_t>{5, 1}));
}

TEST(AccessUnitSplitter, H265FirstSliceSegmentFlag) {
  Bytes s = {0, 0, 0, 1, 0x40, 0x01, 0x0C,  // VPS
             0, 0, 1, 0x42, 0x01, 0x01,     // SPS
             0, 0, 1, 0x44, 0x01, 0xC1,     // PPS
             0, 0, 1, 0x26, 0x01, 0xAF,     // IDR_W_RADL, first_slice_segment_in_pic_flag 1
             0, 0, 1, 0x26, 0x01, 0x2F,     // second slice segment
             0, 0, 1, 0x50, 0x01, 0x80,     // suffix SEI: stays
             0, 0, 1, 0x02, 0x01, 0xD0,     // TRAIL_R, first: new picture
             0, 0, 1, 0x4E, 0x01, 0x80,     // prefix SEI: starts the next one
             0, 0, 1, 0x02, 0x01, 0xD1};
  SplitResult r = split(VideoCodec::h265, s, 2);
  ASSERT_TRUE(r.status.is_ok()) << r.status.to_string();
  EXPECT_EQ(r.nal_counts, (std::vector<size_t>{6, 1, 2}));
}

TEST(AccessUnitSplitter, TrailingNonVclUnitsFormTheirOwnUnit) {
  Bytes s = {0, 0, 1, 0x65, 0x88, 0x84, 0, 0, 1, 0x67, 0x42, 0xC0, 0x1E};
  SplitResult r = split(VideoCodec::h264, s, 100);
  ASSERT_TRUE(r.status.is_ok());
  ASSERT_EQ(r.aus.size(), 2u);
  EXPECT_TRUE(r.has_vcl[0]);
  EXPECT_FALSE(r.has_vcl[1]);
}

TEST(AccessUnitSplitter, EmptyInputGivesNothing) {
  SplitResult r = split(VideoCodec::h264, Bytes{}, 10);
  EXPECT_TRUE(r.status.is_ok());
  EXPECT_TRUE(r.aus.empty());
}

TEST(AccessUnitSplitter, Errors) {
  SplitResult garbage = split(VideoCodec::h264, Bytes{0x47, 0x40, 0x11, 0x10, 0, 0, 1, 0x65, 0x88}, 4);
  EXPECT_EQ(garbage.status.code(), Errc::malformed);
  EXPECT_NE(garbage.status.message().find("before the first start code"), std::string::npos);

  SplitResult no_code = split(VideoCodec::h264, Bytes(100, 0), 7);
  EXPECT_EQ(no_code.status.code(), Errc::malformed);

  SplitResult empty_nal = split(VideoCodec::h264, Bytes{0, 0, 1, 0x65, 0x88, 0, 0, 1, 0, 0, 1, 0x41, 0x9A}, 3);
  EXPECT_EQ(empty_nal.status.code(), Errc::malformed);
  EXPECT_NE(empty_nal.status.message().find("empty NAL unit"), std::string::npos);

  SplitResult forbidden = split(VideoCodec::h264, Bytes{0, 0, 1, 0xE5, 0x88, 0x84}, 3);
  EXPECT_EQ(forbidden.status.code(), Errc::malformed);
  EXPECT_NE(forbidden.status.message().find("forbidden_zero_bit"), std::string::npos);

  SplitResult short_slice = split(VideoCodec::h264, Bytes{0, 0, 1, 0x65, 0, 0, 1, 0x41, 0x9A}, 1);
  EXPECT_EQ(short_slice.status.code(), Errc::malformed);
  EXPECT_NE(short_slice.status.message().find("no slice header"), std::string::npos);

  SplitResult short_h265 = split(VideoCodec::h265, Bytes{0, 0, 1, 0x26}, 1);
  EXPECT_EQ(short_h265.status.code(), Errc::malformed);

  // An access unit larger than the limit fails instead of growing the buffer forever.
  Bytes huge = {0, 0, 1, 0x65, 0x88};
  huge.resize(5000, 0x55);
  SplitResult limited = split(VideoCodec::h264, huge, 512, AccessUnitSplitterOptions{1000});
  EXPECT_EQ(limited.status.code(), Errc::limit_exceeded);
}

}  // namespace
}  // namespace camrec::codec
