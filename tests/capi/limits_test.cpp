// SPDX-License-Identifier: LGPL-2.1-or-later
// The limits mp4_format.h names, each refused with an error that names it: the size of a
// frame, the number of tracks, and a video track that starts too late for the file header.
#include <gtest/gtest.h>

#include "mp4_format.h"
#include "testing/h264_clip.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::add_kd_mp4_track;
using testing::clip;
using testing::create_kd_mp4_muxer;
using testing::write_kd_mp4_frame;

TEST(Limits, FrameAndPacketSizesAreNamed) {
  testing::TempDir dir;
  KD_HANDLE mp4 = create_kd_mp4_muxer(dir.file("big.mp4"));
  KD_HANDLE video = nullptr, audio = nullptr;
  ASSERT_EQ(add_kd_mp4_track(mp4, &video, K_MP4_STREAM_VIDEO), 0);
  ASSERT_EQ(add_kd_mp4_track(mp4, &audio, K_MP4_STREAM_AUDIO), 0);
  ASSERT_EQ(write_kd_mp4_frame(mp4, video, K_MP4_CODEC_ID_H264, clip().units[0], 0), 0) << kd_mp4_error_message();
  std::vector<uint8_t> huge((64u << 20) + 1, 0);
  EXPECT_EQ(write_kd_mp4_frame(mp4, video, K_MP4_CODEC_ID_H264, huge, 33'333), K_MP4_ERR_LIMIT);
  EXPECT_NE(std::string(kd_mp4_error_message()).find("limit of 64 MiB per video frame"), std::string::npos)
      << kd_mp4_error_message();
  huge.resize((1u << 20) + 1);
  EXPECT_EQ(write_kd_mp4_frame(mp4, audio, K_MP4_CODEC_ID_G711U, huge, 0), K_MP4_ERR_LIMIT);
  EXPECT_NE(std::string(kd_mp4_error_message()).find("limit of 1 MiB per audio packet"), std::string::npos)
      << kd_mp4_error_message();
  // What was written before stays.
  ASSERT_EQ(write_kd_mp4_frame(mp4, video, K_MP4_CODEC_ID_H264, clip().units[1], 33'333), 0) << kd_mp4_error_message();
  EXPECT_EQ(kd_mp4_destroy(mp4), 0) << kd_mp4_error_message();
  EXPECT_EQ(testing::ffprobe_packet_count(dir.file("big.mp4"), "v"), 2);
}

TEST(Limits, SixtyFourTracksAllBeforeTheFirstFrame) {
  testing::TempDir dir;
  KD_HANDLE mp4 = create_kd_mp4_muxer(dir.file("tracks.mp4"));
  std::vector<KD_HANDLE> tracks(64);
  for (auto& t : tracks) ASSERT_EQ(add_kd_mp4_track(mp4, &t, K_MP4_STREAM_AUDIO), 0) << kd_mp4_error_message();
  KD_HANDLE extra = nullptr;
  EXPECT_EQ(add_kd_mp4_track(mp4, &extra, K_MP4_STREAM_VIDEO), K_MP4_ERR_LIMIT);
  EXPECT_NE(std::string(kd_mp4_error_message()).find("at most 64 tracks"), std::string::npos) << kd_mp4_error_message();
  EXPECT_EQ(kd_mp4_destroy(mp4), 0);

  KD_HANDLE second = create_kd_mp4_muxer(dir.file("late.mp4"));
  KD_HANDLE video = nullptr;
  ASSERT_EQ(add_kd_mp4_track(second, &video, K_MP4_STREAM_VIDEO), 0);
  ASSERT_EQ(write_kd_mp4_frame(second, video, K_MP4_CODEC_ID_H264, clip().units[0], 0), 0);
  EXPECT_EQ(add_kd_mp4_track(second, &extra, K_MP4_STREAM_AUDIO), K_MP4_ERR_WRONG_STATE);
  EXPECT_NE(std::string(kd_mp4_error_message()).find("before the first sample"), std::string::npos)
      << kd_mp4_error_message();
  EXPECT_EQ(kd_mp4_destroy(second), 0);
}

// A second camera whose first key frame comes at 6.7 s, after the file header was written:
// its frames are refused with the reason, the first camera's recording goes on.
TEST(Limits, AVideoTrackStartingAfterFiveSecondsIsNamed) {
  testing::TempDir dir;
  const std::string out = dir.file("two.mp4");
  KD_HANDLE mp4 = create_kd_mp4_muxer(out);
  KD_HANDLE first = nullptr, late = nullptr;
  ASSERT_EQ(add_kd_mp4_track(mp4, &first, K_MP4_STREAM_VIDEO), 0);
  ASSERT_EQ(add_kd_mp4_track(mp4, &late, K_MP4_STREAM_VIDEO), 0);
  const auto& units = clip().units;
  size_t i = 0;
  for (; i * 1'000'000 / 30 < 6'700'000; ++i) {
    ASSERT_EQ(write_kd_mp4_frame(mp4, first, K_MP4_CODEC_ID_H264, units[i % units.size()], i * 1'000'000 / 30), 0)
        << i << ": " << kd_mp4_error_message();
  }
  EXPECT_EQ(write_kd_mp4_frame(mp4, late, K_MP4_CODEC_ID_H264, units[0], 6'700'000), K_MP4_ERR_WRONG_STATE);
  EXPECT_NE(std::string(kd_mp4_error_message()).find("5 s"), std::string::npos) << kd_mp4_error_message();
  ASSERT_EQ(write_kd_mp4_frame(mp4, first, K_MP4_CODEC_ID_H264, units[i % units.size()], i * 1'000'000 / 30), 0)
      << kd_mp4_error_message();
  EXPECT_EQ(kd_mp4_destroy(mp4), 0) << kd_mp4_error_message();
  EXPECT_EQ(testing::ffprobe_warnings(out), "");
  EXPECT_EQ(testing::ffprobe_packet_count(out, "v"), static_cast<int64_t>(i + 1));
}

}  // namespace
}  // namespace camrec
