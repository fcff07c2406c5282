// SPDX-License-Identifier: LGPL-2.1-or-later
// kd_mp4_create's output rules: one writer per file (a second muxer on the same path gets
// K_MP4_ERR_BUSY and the first recording is untouched), /dev/null accepted (kd_mp4_destroy
// returns 0: nothing to sync there), a FIFO refused at create, and a refused permission
// reported as K_MP4_ERR_PERMISSION rather than an invalid argument.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>

#include "mp4_format.h"
#include "testing/probe_util.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

int create_muxer(KD_HANDLE* handle, const std::string& path) {
  k_mp4_config_s cfg{};
  cfg.config_type = K_MP4_CONFIG_MUXER;
  std::strncpy(cfg.muxer_config.file_name, path.c_str(), sizeof cfg.muxer_config.file_name - 1);
  return kd_mp4_create(handle, &cfg);
}

/// Writes the frames of a small H.264 stream (one access unit per start of an SPS or slice
/// group is enough for these tests: whole GOPs as ffmpeg wrote them).
int write_stream(KD_HANDLE mp4, const std::string& h264) {
  k_mp4_track_info_s info{};
  info.track_type = K_MP4_STREAM_VIDEO;
  info.time_scale = 1000;
  info.video_info.width = 160;
  info.video_info.height = 120;
  info.video_info.codec_id = K_MP4_CODEC_ID_H264;
  KD_HANDLE track = nullptr;
  int r = kd_mp4_create_track(mp4, &track, &info);
  if (r != 0) return r;
  auto bytes = testing::read_file(h264);
  // Split at access unit delimiters: the stream is made with -bsf:v h264_metadata=aud=insert.
  std::vector<size_t> starts;
  for (size_t i = 0; i + 4 < bytes.size(); ++i)
    if (bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 0 && bytes[i + 3] == 1 && (bytes[i + 4] & 0x1f) == 9)
      starts.push_back(i);
  starts.push_back(bytes.size());
  for (size_t k = 0; k + 1 < starts.size(); ++k) {
    k_mp4_frame_data_s frame{};
    frame.codec_id = K_MP4_CODEC_ID_H264;
    frame.time_stamp = k * 33'333;
    frame.data = bytes.data() + starts[k];
    frame.data_length = static_cast<uint32_t>(starts[k + 1] - starts[k]);
    r = kd_mp4_write_frame(mp4, track, &frame);
    if (r != 0) return r;
  }
  return 0;
}

const std::string& stream() {
  static testing::TempDir dir;
  static std::string path = [] {
    std::string p = dir.file("s.h264");
    EXPECT_TRUE(testing::make_stream(p, "160x120", 30, 30, "-c:v libx264 -g 15 -bf 0 -bsf:v h264_metadata=aud=insert"));
    return p;
  }();
  return path;
}

TEST(CapiOutput, ASecondMuxerOnTheSamePathIsBusyAndTheFirstIsUntouched) {
  testing::TempDir dir;
  const std::string path = dir.file("one.mp4");
  KD_HANDLE first = nullptr, second = nullptr;
  ASSERT_EQ(create_muxer(&first, path), 0) << kd_mp4_error_message();
  EXPECT_EQ(create_muxer(&second, path), K_MP4_ERR_BUSY);
  EXPECT_NE(std::string(kd_mp4_error_message()).find("being written by another recording"), std::string::npos)
      << kd_mp4_error_message();
  ASSERT_EQ(write_stream(first, stream()), 0) << kd_mp4_error_message();
  ASSERT_EQ(kd_mp4_destroy(first), 0) << kd_mp4_error_message();
  EXPECT_EQ(testing::video_frame_md5s(path).size(), 30u);
  // Closed: the path is free again.
  ASSERT_EQ(create_muxer(&second, path), 0) << kd_mp4_error_message();
  EXPECT_EQ(kd_mp4_destroy(second), 0);
}

TEST(CapiOutput, TheNullDeviceRecordsAndDestroyReturnsZero) {
  for (uint8_t fmp4 : {uint8_t{0}, uint8_t{1}}) {
    k_mp4_config_s cfg{};
    cfg.config_type = K_MP4_CONFIG_MUXER;
    std::strncpy(cfg.muxer_config.file_name, "/dev/null", sizeof cfg.muxer_config.file_name - 1);
    cfg.muxer_config.fmp4_flag = fmp4;
    KD_HANDLE mp4 = nullptr;
    ASSERT_EQ(kd_mp4_create(&mp4, &cfg), 0) << kd_mp4_error_message();
    ASSERT_EQ(write_stream(mp4, stream()), 0) << kd_mp4_error_message();
    EXPECT_EQ(kd_mp4_destroy(mp4), 0) << kd_mp4_error_message();
  }
}

TEST(CapiOutput, AFifoIsRefusedAtCreate) {
  testing::TempDir dir;
  const std::string fifo = dir.file("f.mp4");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  KD_HANDLE mp4 = nullptr;
  EXPECT_EQ(create_muxer(&mp4, fifo), K_MP4_ERR_UNSUPPORTED);
  EXPECT_NE(std::string(kd_mp4_error_message()).find("pipe (FIFO)"), std::string::npos) << kd_mp4_error_message();
}

TEST(CapiOutput, PermissionDeniedIsItsOwnCode) {
  // sysfs refuses to create or write this file even for root.
  KD_HANDLE mp4 = nullptr;
  EXPECT_EQ(create_muxer(&mp4, "/sys/kernel/notes"), K_MP4_ERR_PERMISSION) << kd_mp4_error_message();
  EXPECT_NE(std::string(kd_mp4_error_message()).find("Permission denied"), std::string::npos) << kd_mp4_error_message();
}

}  // namespace
}  // namespace camrec
