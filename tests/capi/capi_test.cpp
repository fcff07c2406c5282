// SPDX-License-Identifier: LGPL-2.1-or-later
// The kd_mp4 C API: a C client compiled as C writes clean files; the demuxer half reads them
// back as K230 does (Annex B, ms timestamps, eof); every misuse gets an error, not a crash.
#include <gtest/gtest.h>

#include <cstring>

#include "camrec/demuxer.h"

#include "testing/h264_clip.h"
#include "testing/k230_fragments.h"
#include "mp4_format.h"
#include "testing/test_util.h"

extern "C" int k230_write_clip(const char* path, const unsigned char* const* units, const unsigned int* sizes,
                               int count, int fmp4, int g711);

namespace camrec {
namespace {

using testing::clip;

int write_clip(const std::string& path, bool fmp4, bool g711) {
  std::vector<const unsigned char*> ptrs;
  std::vector<unsigned int> sizes;
  for (const auto& u : clip().units) {
    ptrs.push_back(u.data());
    sizes.push_back(static_cast<unsigned int>(u.size()));
  }
  return k230_write_clip(path.c_str(), ptrs.data(), sizes.data(), static_cast<int>(ptrs.size()), fmp4, g711);
}

KD_HANDLE open_demuxer(const std::string& path) { return testing::create_kd_mp4(path, K_MP4_CONFIG_DEMUXER); }

TEST(CApi, CClientWritesCleanFilesInBothLayouts) {
  for (int fmp4 : {0, 1}) {
    for (int g711 : {0, 1}) {
      testing::TempDir dir;
      std::string out = dir.file("k230.mp4");
      ASSERT_EQ(write_clip(out, fmp4, g711), 0) << kd_mp4_error_message();
      EXPECT_EQ(testing::ffprobe_warnings(out), "");
      EXPECT_EQ(testing::video_frame_md5s(out).size(), 60u);
      EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "codec_name"), "h264");
      if (g711) {
        EXPECT_EQ(testing::ffprobe_stream_value(out, "a", "codec_name"), "pcm_mulaw");
      }
      // time_scale 1000 was asked for, and honoured.
      EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "time_base"), "1/1000");
    }
  }
}

TEST(CApi, DemuxerReturnsAnnexBWithParameterSetsAndMillisecondTimes) {
  testing::TempDir dir;
  std::string out = dir.file("k230.mp4");
  ASSERT_EQ(write_clip(out, 0, 1), 0) << kd_mp4_error_message();
  KD_HANDLE h = open_demuxer(out);
  ASSERT_NE(h, nullptr);
  k_mp4_file_info_s fi{};
  ASSERT_EQ(kd_mp4_get_file_info(h, &fi), 0);
  EXPECT_EQ(fi.track_num, 2u);
  EXPECT_NEAR(static_cast<double>(fi.duration), 2000, 50);
  k_mp4_track_info_s ti{};
  ASSERT_EQ(kd_mp4_get_track_by_index(h, 0, &ti), 0);
  EXPECT_EQ(ti.track_type, K_MP4_STREAM_VIDEO);
  EXPECT_EQ(ti.video_info.codec_id, K_MP4_CODEC_ID_H264);
  EXPECT_EQ(ti.video_info.width, 320u);
  ASSERT_EQ(kd_mp4_get_track_by_index(h, 1, &ti), 0);
  EXPECT_EQ(ti.track_type, K_MP4_STREAM_AUDIO);
  EXPECT_EQ(ti.audio_info.codec_id, K_MP4_CODEC_ID_G711U);
  EXPECT_EQ(ti.audio_info.sample_rate, 8000u);
  EXPECT_NE(kd_mp4_get_track_by_index(h, 2, &ti), 0);

  std::vector<uint8_t> video;
  int frames = 0;
  uint64_t last_video_ms = 0;
  k_mp4_frame_data_s f{};
  while (true) {
    ASSERT_EQ(kd_mp4_get_frame(h, &f), 0) << kd_mp4_error_message();
    if (f.eof) break;
    if (f.codec_id == K_MP4_CODEC_ID_H264) {
      if (frames == 0) {
        EXPECT_EQ(f.data[4] & 0x1f, 7) << "the first key frame starts with its SPS";
      }
      video.insert(video.end(), f.data, f.data + f.data_length);
      last_video_ms = f.time_stamp;
      ++frames;
    }
  }
  EXPECT_EQ(frames, 60);
  EXPECT_EQ(last_video_ms, 1967u) << "59 / 30 s, rounded to the nearest ms";
  ASSERT_EQ(kd_mp4_get_frame(h, &f), 0);
  EXPECT_EQ(f.eof, 1);
  EXPECT_EQ(kd_mp4_destroy(h), 0);
  // The Annex B we got back decodes to the same pictures as the original stream.
  std::string es = dir.file("back.h264");
  ASSERT_TRUE(testing::write_file(es, video));
  std::string orig = dir.file("orig.h264");
  ASSERT_TRUE(testing::write_file(orig, clip().stream));
  EXPECT_EQ(testing::video_frame_md5s(es), testing::video_frame_md5s(orig));
}

TEST(CApi, NullPointersAreRefused) {
  k_mp4_config_s cfg{};
  KD_HANDLE h = nullptr;
  EXPECT_EQ(kd_mp4_create(nullptr, &cfg), K_MP4_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(kd_mp4_create(&h, nullptr), K_MP4_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(kd_mp4_destroy(nullptr), K_MP4_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(kd_mp4_create_track(nullptr, &h, nullptr), K_MP4_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(kd_mp4_write_frame(nullptr, nullptr, nullptr), K_MP4_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(kd_mp4_get_frame(nullptr, nullptr), K_MP4_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(kd_mp4_get_file_info(nullptr, nullptr), K_MP4_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(kd_mp4_get_undeclared(nullptr, nullptr), K_MP4_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(kd_mp4_destroy_tracks(nullptr), K_MP4_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(kd_mp4_error_message()), "");
}

TEST(CApi, BadConfigurationsAreRefused) {
  KD_HANDLE h = nullptr;
  k_mp4_config_s cfg{};
  cfg.config_type = K_MP4_CONFIG_BUTT;
  EXPECT_EQ(kd_mp4_create(&h, &cfg), K_MP4_ERR_INVALID_ARGUMENT);
  cfg.config_type = K_MP4_CONFIG_MUXER;  // empty file name
  EXPECT_EQ(kd_mp4_create(&h, &cfg), K_MP4_ERR_INVALID_ARGUMENT);
  cfg.config_type = K_MP4_CONFIG_DEMUXER;
  std::strcpy(cfg.demuxer_config.file_name, "/nonexistent/file.mp4");
  EXPECT_EQ(kd_mp4_create(&h, &cfg), K_MP4_ERR_NOT_FOUND);
  EXPECT_NE(std::string(kd_mp4_error_message()).find("nonexistent"), std::string::npos);
}

TEST(CApi, MisuseOfHandlesIsRefused) {
  testing::TempDir dir;
  k_mp4_config_s cfg{};
  cfg.config_type = K_MP4_CONFIG_MUXER;
  std::strncpy(cfg.muxer_config.file_name, dir.file("m.mp4").c_str(), 127);
  KD_HANDLE mp4 = nullptr, video = nullptr, bad = nullptr;
  ASSERT_EQ(kd_mp4_create(&mp4, &cfg), 0);
  k_mp4_track_info_s info{};
  info.track_type = K_MP4_STREAM_VIDEO;
  info.video_info.codec_id = K_MP4_CODEC_ID_BUTT;
  EXPECT_EQ(kd_mp4_create_track(mp4, &bad, &info), K_MP4_ERR_INVALID_ARGUMENT) << "unknown codec id";
  info.video_info.codec_id = K_MP4_CODEC_ID_G711A;
  EXPECT_EQ(kd_mp4_create_track(mp4, &bad, &info), K_MP4_ERR_INVALID_ARGUMENT) << "audio codec on a video track";
  info.video_info.codec_id = K_MP4_CODEC_ID_H264;
  ASSERT_EQ(kd_mp4_create_track(mp4, &video, &info), 0);

  k_mp4_frame_data_s f{};
  f.codec_id = K_MP4_CODEC_ID_H265;  // does not match the track
  f.data = const_cast<uint8_t*>(clip().units[0].data());
  f.data_length = static_cast<uint32_t>(clip().units[0].size());
  EXPECT_EQ(kd_mp4_write_frame(mp4, video, &f), K_MP4_ERR_INVALID_ARGUMENT);
  f.codec_id = K_MP4_CODEC_ID_H264;
  f.data_length = 0;
  EXPECT_EQ(kd_mp4_write_frame(mp4, video, &f), K_MP4_ERR_INVALID_ARGUMENT) << "empty frame";
  f.data = const_cast<uint8_t*>(clip().units[1].data());  // a P frame first
  f.data_length = static_cast<uint32_t>(clip().units[1].size());
  EXPECT_EQ(kd_mp4_write_frame(mp4, video, &f), K_MP4_ERR_INVALID_ARGUMENT) << "first frame not a key frame";
  f.data = const_cast<uint8_t*>(clip().units[0].data());
  f.data_length = static_cast<uint32_t>(clip().units[0].size());
  EXPECT_EQ(kd_mp4_write_frame(mp4, video, &f), 0) << kd_mp4_error_message();
  EXPECT_EQ(kd_mp4_write_frame(mp4, video, &f), K_MP4_ERR_INVALID_ARGUMENT) << "same timestamp again";
  k_mp4_file_info_s fi{};
  EXPECT_EQ(kd_mp4_get_file_info(mp4, &fi), K_MP4_ERR_INVALID_ARGUMENT) << "demuxer call on a muxer";
  KD_HANDLE late = nullptr;
  EXPECT_EQ(kd_mp4_create_track(mp4, &late, &info), K_MP4_ERR_WRONG_STATE) << "track after the first frame";
  EXPECT_EQ(kd_mp4_destroy_tracks(mp4), 0);
  f.time_stamp = 33333;
  EXPECT_EQ(kd_mp4_write_frame(mp4, video, &f), K_MP4_ERR_INVALID_ARGUMENT) << "destroyed track handle";
  EXPECT_EQ(kd_mp4_destroy(mp4), 0);
  EXPECT_EQ(kd_mp4_destroy(mp4), K_MP4_ERR_INVALID_ARGUMENT) << "destroyed twice";
  EXPECT_EQ(kd_mp4_write_frame(mp4, video, &f), K_MP4_ERR_INVALID_ARGUMENT) << "destroyed file handle";
  EXPECT_EQ(testing::ffprobe_warnings(dir.file("m.mp4")), "") << "the frame written before stays playable";
}

TEST(CApi, DemuxerTellsWhatItSkipsOfTracksTheMoovDoesNotDeclare) {
  // K230's fragmented MP4 with audio: the moov declares the video track only, the fragments
  // carry audio trafs of track 2 as well. kd_mp4_get_frame returns the video; the counts of
  // what it skips are the C++ Demuxer's (Demuxer::undeclared()), complete from the start.
  testing::TempDir dir;
  auto k230 = testing::make_k230_fragmented(dir.path().string());
  ASSERT_FALSE(k230.path.empty());
  ASSERT_GT(k230.audio_fragments, 1);
  uint64_t audio_bytes = 0;
  {
    auto complete = Demuxer::open(k230.complete);
    ASSERT_TRUE(complete.has_value());
    DemuxedSample s;
    while (true) {
      auto more = (*complete)->next(s);
      ASSERT_TRUE(more.has_value());
      if (!*more) break;
      if (s.track == 1) audio_bytes += s.data.size();
    }
  }
  KD_HANDLE h = open_demuxer(k230.path);
  ASSERT_NE(h, nullptr);
  k_mp4_undeclared_s u;
  std::memset(&u, 0xAB, sizeof u);
  ASSERT_EQ(kd_mp4_get_undeclared(h, &u), 0) << kd_mp4_error_message();
  EXPECT_EQ(u.track_num, 1u);
  EXPECT_EQ(u.track_ids[0], 2u);
  for (int i = 1; i < K_MP4_MAX_UNDECLARED_TRACKS; ++i) EXPECT_EQ(u.track_ids[i], 0u) << i;
  EXPECT_EQ(u.track_fragments, static_cast<uint64_t>(k230.audio_fragments));
  EXPECT_EQ(u.samples, static_cast<uint64_t>(k230.audio_samples));
  EXPECT_EQ(u.bytes, audio_bytes);
  k_mp4_file_info_s fi{};
  ASSERT_EQ(kd_mp4_get_file_info(h, &fi), 0);
  EXPECT_EQ(fi.track_num, 1u);
  // Reading every frame counts nothing twice.
  k_mp4_frame_data_s f{};
  int frames = 0;
  while (kd_mp4_get_frame(h, &f) == 0 && !f.eof) ++frames;
  EXPECT_EQ(frames, k230.video_frames);
  ASSERT_EQ(kd_mp4_get_undeclared(h, &u), 0);
  EXPECT_EQ(u.track_fragments, static_cast<uint64_t>(k230.audio_fragments));
  EXPECT_EQ(kd_mp4_get_undeclared(h, nullptr), K_MP4_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(kd_mp4_destroy(h), 0);
  EXPECT_EQ(kd_mp4_get_undeclared(h, &u), K_MP4_ERR_INVALID_ARGUMENT) << "destroyed handle";

  // A file whose moov declares every track skips nothing.
  h = open_demuxer(k230.complete);
  ASSERT_NE(h, nullptr);
  ASSERT_EQ(kd_mp4_get_undeclared(h, &u), 0);
  EXPECT_EQ(u.track_num, 0u);
  EXPECT_EQ(u.track_ids[0], 0u);
  EXPECT_EQ(u.track_fragments, 0u);
  EXPECT_EQ(u.samples, 0u);
  EXPECT_EQ(u.bytes, 0u);
  EXPECT_EQ(kd_mp4_destroy(h), 0);

  // A muxer handle has nothing to tell.
  k_mp4_config_s cfg{};
  cfg.config_type = K_MP4_CONFIG_MUXER;
  std::strncpy(cfg.muxer_config.file_name, dir.file("m.mp4").c_str(), 127);
  KD_HANDLE mp4 = nullptr;
  ASSERT_EQ(kd_mp4_create(&mp4, &cfg), 0);
  EXPECT_EQ(kd_mp4_get_undeclared(mp4, &u), K_MP4_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(kd_mp4_error_message()).find("muxer"), std::string::npos) << kd_mp4_error_message();
  EXPECT_EQ(kd_mp4_destroy(mp4), 0);
}

}  // namespace
}  // namespace camrec
