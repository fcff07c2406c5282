// SPDX-License-Identifier: LGPL-2.1-or-later
#include "testing/h264_clip.h"

#include <gtest/gtest.h>

#include <cstring>

#include "codec/annexb.h"
#include "codec/au_splitter.h"
#include "codec/video_config.h"
#include "testing/test_util.h"

namespace camrec::testing {

const Clip& clip() {
  static Clip c = [] {
    Clip out;
    testing::TempDir dir;
    std::string path = dir.file("in.h264");
    EXPECT_TRUE(testing::make_stream(path, "320x240", 60, 30, "-c:v libx264 -preset ultrafast -g 30 -bf 0"));
    out.stream = testing::read_file(path);
    codec::AccessUnitSplitter splitter(codec::VideoCodec::h264);
    splitter.feed(out.stream);
    splitter.finish();
    while (true) {
      auto au = splitter.next();
      if (!au || !*au) break;
      out.units.emplace_back((*au)->bytes.begin(), (*au)->bytes.end());
    }
    return out;
  }();
  return c;
}

std::pair<std::vector<uint8_t>, std::vector<uint8_t>> split_parameter_sets(const std::vector<uint8_t>& unit) {
  std::pair<std::vector<uint8_t>, std::vector<uint8_t>> parts;
  auto nals = codec::split_annexb(unit);
  EXPECT_TRUE(nals.has_value());
  if (!nals) return parts;
  for (const auto& nal : *nals) {
    auto& to = codec::is_parameter_set(codec::VideoCodec::h264, nal) ? parts.first : parts.second;
    to.insert(to.end(), {0, 0, 0, 1});
    to.insert(to.end(), nal.begin(), nal.end());
  }
  return parts;
}

KD_HANDLE create_kd_mp4(const std::string& path, k_mp4_config_type_e type) {
  k_mp4_config_s cfg{};
  cfg.config_type = type;
  // Both configs start with the 128-byte file name.
  std::strncpy(cfg.muxer_config.file_name, path.c_str(), sizeof cfg.muxer_config.file_name - 1);
  KD_HANDLE h = nullptr;
  EXPECT_EQ(kd_mp4_create(&h, &cfg), 0) << kd_mp4_error_message();
  return h;
}

KD_HANDLE create_kd_mp4_muxer(const std::string& path) { return create_kd_mp4(path, K_MP4_CONFIG_MUXER); }

int add_kd_mp4_track(KD_HANDLE mp4, KD_HANDLE* track, k_mp4_track_type_e type) {
  k_mp4_track_info_s info{};
  info.track_type = type;
  if (type == K_MP4_STREAM_VIDEO) {
    info.video_info.codec_id = K_MP4_CODEC_ID_H264;
  } else {
    info.audio_info.codec_id = K_MP4_CODEC_ID_G711U;
    info.audio_info.sample_rate = 8000;
    info.audio_info.channels = 1;
  }
  return kd_mp4_create_track(mp4, track, &info);
}

int write_kd_mp4_frame(KD_HANDLE mp4, KD_HANDLE track, k_mp4_codec_id_e codec, std::span<const uint8_t> data,
                       uint64_t time_us) {
  k_mp4_frame_data_s f{};
  f.codec_id = codec;
  f.data = const_cast<uint8_t*>(data.data());
  f.data_length = static_cast<uint32_t>(data.size());
  f.time_stamp = time_us;
  return kd_mp4_write_frame(mp4, track, &f);
}

}  // namespace camrec::testing
