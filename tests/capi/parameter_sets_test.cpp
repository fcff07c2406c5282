// SPDX-License-Identifier: LGPL-2.1-or-later
// kd_mp4_write_frame and parameter sets handed over on their own, as the K230 encoder's
// HEADER pack comes: before the first key frame, again before later ones, between P frames.
// Identical sets are absorbed; new ones go in front of the next key frame. An encoder
// reconfigured mid-recording (a new size, K230's Stop/Destroy/Create/Start of the channel)
// hands over a new HEADER: the file gets a second sample description, in both layouts.
#include <gtest/gtest.h>

#include <cstring>

#include "camrec/demuxer.h"
#include "capi/video_units.h"
#include "testing/conformance.h"
#include "testing/h264_clip.h"
#include "mp4_format.h"
#include "testing/probe_util.h"
#include "testing/stream_fixtures.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::clip;
using testing::split_parameter_sets;

struct Writer {
  KD_HANDLE mp4 = nullptr;
  KD_HANDLE video = nullptr;

  explicit Writer(const std::string& path) : mp4(testing::create_kd_mp4_muxer(path)) {
    EXPECT_EQ(testing::add_kd_mp4_track(mp4, &video, K_MP4_STREAM_VIDEO), 0) << kd_mp4_error_message();
  }
  int write(const std::vector<uint8_t>& unit, uint64_t time_us) {
    return testing::write_kd_mp4_frame(mp4, video, K_MP4_CODEC_ID_H264, unit, time_us);
  }
};

uint64_t time_of(size_t frame) { return frame * 1'000'000 / 30; }

TEST(ParameterSets, HeaderUnitsOnTheirOwnAreAbsorbedAnywhere) {
  for (bool first_glued : {false, true}) {
    SCOPED_TRACE(first_glued ? "HEADER glued to the first I frame" : "HEADER written on its own first");
    testing::TempDir dir;
    const std::string out = dir.file("h.mp4");
    Writer w(out);
    const auto& units = clip().units;
    auto [sets, first_rest] = split_parameter_sets(units[0]);
    ASSERT_FALSE(sets.empty());
    if (first_glued) {
      ASSERT_EQ(w.write(units[0], 0), 0) << kd_mp4_error_message();
    } else {
      // The sets alone, then the key frame without them: the sets go in front of it.
      ASSERT_EQ(w.write(sets, 0), 0) << kd_mp4_error_message();
      ASSERT_EQ(w.write(first_rest, 0), 0) << kd_mp4_error_message();
    }
    for (size_t i = 1; i < units.size(); ++i) {
      // The same sets again, before every key frame and between P frames: nothing to write.
      if (i % 30 == 0 || i == 7) {
        ASSERT_EQ(w.write(sets, time_of(i)), 0) << i << ": " << kd_mp4_error_message();
      }
      const std::vector<uint8_t>& unit = i % 30 == 0 ? split_parameter_sets(units[i]).second : units[i];
      ASSERT_EQ(w.write(unit, time_of(i)), 0) << i << ": " << kd_mp4_error_message();
    }
    ASSERT_EQ(kd_mp4_destroy(w.mp4), 0) << kd_mp4_error_message();
    EXPECT_EQ(testing::ffprobe_warnings(out), "");
    EXPECT_EQ(testing::ffprobe_packet_count(out, "v"), 60);
    std::string orig = dir.file("orig.h264");
    ASSERT_TRUE(testing::write_file(orig, clip().stream));
    std::string err;
    EXPECT_EQ(testing::video_frame_md5s(out, &err), testing::video_frame_md5s(orig)) << err;
  }
}

TEST(ParameterSets, AUnitWithoutSlicesOrParameterSetsIsStillRefused) {
  testing::TempDir dir;
  Writer w(dir.file("n.mp4"));
  ASSERT_EQ(w.write(clip().units[0], 0), 0);
  const std::vector<uint8_t> aud = {0, 0, 0, 1, 0x09, 0xF0};  // an access unit delimiter alone
  EXPECT_EQ(w.write(aud, time_of(1)), K_MP4_ERR_MALFORMED);
  EXPECT_NE(std::string(kd_mp4_error_message()).find("no slice"), std::string::npos) << kd_mp4_error_message();
  EXPECT_EQ(kd_mp4_destroy(w.mp4), 0);
}

// New parameter sets wait for the next key frame that comes without its own; the sets in use
// again cancel them.
TEST(ParameterSets, NewSetsGoInFrontOfTheNextKeyFrame) {
  const auto vc = codec::VideoCodec::h264;
  auto [sets, key_rest] = split_parameter_sets(clip().units[0]);
  const std::vector<uint8_t>& p_frame = clip().units[1];
  std::vector<uint8_t> other = sets;
  other.back() ^= 0x01;  // a different PPS: the keeper compares bytes
  capi::ParameterSetKeeper keeper;
  auto written = [&](const std::vector<uint8_t>& unit) {
    const auto head = capi::read_unit_head(vc, unit);
    auto d = keeper.decide(head);
    EXPECT_FALSE(d.absorb);
    std::vector<uint8_t> prefix(d.prefix.begin(), d.prefix.end());
    keeper.written(head);
    return prefix;
  };
  EXPECT_TRUE(written(clip().units[0]).empty());
  EXPECT_TRUE(keeper.decide(capi::read_unit_head(vc, sets)).absorb);
  EXPECT_TRUE(written(key_rest).empty()) << "identical sets were absorbed, not kept";
  EXPECT_TRUE(keeper.decide(capi::read_unit_head(vc, other)).absorb);
  EXPECT_TRUE(written(p_frame).empty()) << "only a key frame takes new sets";
  EXPECT_EQ(written(key_rest), other);
  EXPECT_TRUE(written(key_rest).empty()) << "the new sets are in use now";
  EXPECT_TRUE(keeper.decide(capi::read_unit_head(vc, sets)).absorb);
  EXPECT_TRUE(keeper.decide(capi::read_unit_head(vc, other)).absorb);
  EXPECT_TRUE(written(key_rest).empty()) << "back to the sets in use: nothing pending";
}

TEST(ParameterSets, AnEncoderReconfiguredToANewSizeMidRecording) {
  testing::TempDir dir;
  // What a K230 program writes when it changes the channel's size: 30 frames of 640x360,
  // then (Stop, Destroy, Create, Start) 30 of 320x240, each encode starting with a HEADER
  // pack of its own. No B-frames: kd_mp4_write_frame takes one time per frame.
  const std::string a = dir.file("a.h264"), b = dir.file("b.h264"), joined = dir.file("joined.h264");
  ASSERT_TRUE(testing::make_stream(a, "640x360", 30, 30, "-c:v libx264 -bf 0 -g 15"));
  ASSERT_TRUE(testing::make_stream(b, "320x240", 30, 30, "-c:v libx264 -bf 0 -g 15"));
  auto bytes = testing::read_file(a);
  auto second = testing::read_file(b);
  bytes.insert(bytes.end(), second.begin(), second.end());
  ASSERT_TRUE(testing::write_file(joined, bytes));
  const auto packets = testing::read_video_packets(joined, false, 0);
  ASSERT_EQ(packets.size(), 60u);
  std::string err;
  const auto want = testing::video_frame_md5s(joined, &err);
  ASSERT_EQ(want.size(), 60u) << err;

  for (uint8_t fmp4 : {0, 1}) {
    SCOPED_TRACE(fmp4 ? "fragmented" : "regular");
    const std::string out = dir.file(fmp4 ? "f.mp4" : "r.mp4");
    k_mp4_config_s cfg{};
    cfg.config_type = K_MP4_CONFIG_MUXER;
    std::strncpy(cfg.muxer_config.file_name, out.c_str(), sizeof cfg.muxer_config.file_name - 1);
    cfg.muxer_config.fmp4_flag = fmp4;
    KD_HANDLE mp4 = nullptr;
    ASSERT_EQ(kd_mp4_create(&mp4, &cfg), 0) << kd_mp4_error_message();
    KD_HANDLE video = nullptr;
    ASSERT_EQ(testing::add_kd_mp4_track(mp4, &video, K_MP4_STREAM_VIDEO), 0) << kd_mp4_error_message();
    for (size_t i = 0; i < packets.size(); ++i) {
      const uint64_t t = time_of(i);
      if (i == 0 || i == 30) {
        auto [sets, rest] = split_parameter_sets(packets[i].data);
        ASSERT_FALSE(sets.empty());
        ASSERT_EQ(testing::write_kd_mp4_frame(mp4, video, K_MP4_CODEC_ID_H264, sets, t), 0) << kd_mp4_error_message();
        ASSERT_EQ(testing::write_kd_mp4_frame(mp4, video, K_MP4_CODEC_ID_H264, rest, t), 0) << kd_mp4_error_message();
      } else {
        const auto rest = split_parameter_sets(packets[i].data).second;  // later key frames: no HEADER (K230)
        ASSERT_EQ(testing::write_kd_mp4_frame(mp4, video, K_MP4_CODEC_ID_H264, rest, t), 0)
            << i << ": " << kd_mp4_error_message();
      }
    }
    ASSERT_EQ(kd_mp4_destroy(mp4), 0) << kd_mp4_error_message();

    EXPECT_EQ(testing::conformance_report(out), "");
    EXPECT_EQ(testing::ffprobe_warnings(out), "");
    EXPECT_EQ(testing::ffprobe_packet_count(out, "v"), 60);
    // ffmpeg -xerror decodes every frame of both sizes, picture for picture.
    EXPECT_EQ(testing::video_frame_md5s(out, &err), want) << err;
    auto demuxer = Demuxer::open(out);
    ASSERT_TRUE(demuxer) << demuxer.error().to_string();
    ASSERT_EQ((*demuxer)->tracks()[0].description_count, 2u);
    EXPECT_EQ((*demuxer)->tracks()[0].width, 640u);
    // GStreamer read as a stream: every picture (docs/file-layout.md for a local fragmented file).
    const auto gst_want = testing::gst_video_frame_md5s(joined);
    ASSERT_EQ(gst_want.size(), 60u);
    EXPECT_EQ(testing::gst_video_frame_md5s(out, testing::GstRead::push), gst_want);
    if (!fmp4) EXPECT_EQ(testing::gst_video_frame_md5s(out), gst_want);
  }
}

TEST(ParameterSets, UnitHeadStopsAtTheFirstSlice) {
  const auto vc = codec::VideoCodec::h264;
  auto head = capi::read_unit_head(vc, clip().units[0]);
  EXPECT_TRUE(head.has_slice);
  EXPECT_TRUE(head.is_key);
  EXPECT_EQ(head.parameter_sets, split_parameter_sets(clip().units[0]).first);
  head = capi::read_unit_head(vc, clip().units[1]);
  EXPECT_TRUE(head.has_slice);
  EXPECT_FALSE(head.is_key);
  EXPECT_TRUE(head.parameter_sets.empty());
  const std::vector<uint8_t> not_annexb = {0, 0, 0, 5, 0x65, 1, 2, 3, 4};
  head = capi::read_unit_head(vc, not_annexb);
  EXPECT_FALSE(head.has_slice);
  EXPECT_TRUE(head.parameter_sets.empty());
}

}  // namespace
}  // namespace camrec
