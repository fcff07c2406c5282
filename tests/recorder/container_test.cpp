// SPDX-License-Identifier: LGPL-2.1-or-later
// Mp4Container (H.265 + G.711 µ-law, K230's defaults) and the Recorder (H.264 + Opus), in the
// regular and the fragmented layout: both tracks there, as long as each other, and clean for
// ffprobe and GStreamer.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <tuple>

#include "camrec/demuxer.h"
#include "camrec/media/media_manager.h"
#include "camrec/recorder/mp4_container.h"
#include "camrec/recorder/recorder.h"
#include "recorder_test_util.h"

namespace camrec::recorder {
namespace {

using camrec::testing::TempDir;
using camrec::testing::run_command;
using camrec::testing::shell_quote;

/// What a recording with audio must look like.
struct Expect {
  std::string video_codec;  ///< ffprobe codec_name
  std::string audio_codec;
  std::string gst_video;    ///< substring of gst-discoverer's codec description
  std::string gst_audio;
  int64_t frame_us = 33'333;
  int64_t audio_packet_us = 40'000;
  bool fragmented = false;
};

void check_av_file(const std::string& path, const Expect& e) {
  EXPECT_EQ(camrec::testing::ffprobe_warnings(path), "");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(path, "v", "codec_name"), e.video_codec);
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(path, "a", "codec_name"), e.audio_codec);
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(path, "v", "width"), "320");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(path, "v", "height"), "240");
  // Spans from our demuxer (ffprobe's stream duration means the end time in fragmented
  // files but the length in regular ones); ffprobe must agree on where each track starts.
  auto demuxer = Demuxer::open(path);
  ASSERT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
  ASSERT_TRUE((*demuxer)->scan().is_ok());
  const auto& tracks = (*demuxer)->tracks();
  ASSERT_EQ(tracks.size(), 2u);
  ASSERT_TRUE(tracks[0].video);
  ASSERT_TRUE(tracks[1].audio);
  ASSERT_GT(tracks[1].sample_count, 0u);
  // Each track's span from its samples: first presentation time to the end of the last.
  int64_t first[2] = {INT64_MAX, INT64_MAX}, end[2] = {INT64_MIN, INT64_MIN};
  DemuxedSample sample;
  while (true) {
    auto more = (*demuxer)->next(sample);
    ASSERT_TRUE(more.has_value()) << more.error().to_string();
    if (!*more) break;
    ASSERT_LT(sample.track, 2u);
    const Timescale ts = tracks[sample.track].timescale;
    first[sample.track] = std::min(first[sample.track], rescale(sample.pts, ts, kMicroseconds));
    end[sample.track] = std::max(end[sample.track], rescale(sample.pts + sample.duration, ts, kMicroseconds));
  }
  const test::StreamSpan v{first[0], end[0] - first[0]}, a{first[1], end[1] - first[1]};
  EXPECT_GT(v.duration_us, 1'000'000);
  // Opus in the regular layout: the edit list starts after the pre-skip (dOps bytes 2-3); our
  // demuxer places the first packet there, ffprobe reports where its decoded output starts.
  int64_t audio_packet_lead_us = 0;
  const auto& dops = tracks[1].decoder_config;
  if (e.audio_codec == "opus" && !e.fragmented && dops.size() >= 4)
    audio_packet_lead_us = rescale((dops[2] << 8) | dops[3], 48'000, kMicroseconds);
  // AAC: the same with the encoder's 1024 samples of delay, which the edit list skips.
  if (e.audio_codec == "aac" && !e.fragmented) audio_packet_lead_us = rescale(1024, tracks[1].timescale, kMicroseconds);
  for (const auto& [type, s, lead] : {std::tuple{"v", v, int64_t{0}}, std::tuple{"a", a, audio_packet_lead_us}}) {
    auto start = test::seconds_to_us(camrec::testing::ffprobe_stream_value(path, type, "start_time"));
    ASSERT_TRUE(start.has_value()) << type;
    EXPECT_LE(std::llabs(*start - (s.start_us + lead)), 1000)
        << type << ": ffprobe " << *start << " µs, ours " << s.start_us << " plus " << lead;
  }
  // The two tracks cover the same stretch of the recording.
  const int64_t slack = e.audio_packet_us + e.frame_us;
  EXPECT_LE(std::llabs(v.duration_us - a.duration_us), slack)
      << "video " << v.duration_us << " µs, audio " << a.duration_us << " µs";
  EXPECT_LE(std::llabs(v.end_us() - a.end_us()), slack)
      << "video ends at " << v.end_us() << " µs, audio at " << a.end_us();
  EXPECT_LE(std::llabs(v.start_us - a.start_us), e.audio_packet_us);
  // The audio never outlasts the video by more than its last packet.
  EXPECT_LE(a.end_us(), v.end_us() + e.audio_packet_us);

  auto layout = test::top_level_types(path);
  if (e.fragmented) EXPECT_NE(layout.find("moof"), std::string::npos) << layout;
  else EXPECT_EQ(layout.find("moof"), std::string::npos) << layout;

  auto gst = camrec::testing::gst_discover(path);
  EXPECT_TRUE(gst.ok) << gst.output;
  EXPECT_NE(gst.video_codec.find(e.gst_video), std::string::npos) << gst.output;
  EXPECT_NE(gst.audio_codec.find(e.gst_audio), std::string::npos) << gst.output;

}

class ContainerLayoutTest : public ::testing::TestWithParam<int> {};

TEST_P(ContainerLayoutTest, H265AndG711u) {
  TempDir dir;
  const std::string out = dir.file("container.mp4");
  Mp4Container mp4;
  Mp4CfgStr cfg(Mp4Container::MP4_CONFIG_TYPE_MUXER);
  cfg.SetMuxerCfg(out, Mp4Container::MP4_CODEC_ID_H265, 320, 240, Mp4Container::MP4_CODEC_ID_G711U, GetParam());
  ASSERT_TRUE(mp4.Create(cfg).is_ok());
  ASSERT_TRUE(mp4.Start().is_ok());
  for (uint64_t i = 1; i <= 60; ++i) {
    Status s = mp4.Process();
    ASSERT_TRUE(s.is_ok()) << s.to_string();
    // One video frame per call, also when a key frame's parameter sets come on their own.
    ASSERT_EQ(mp4.stats().frames_written, i);
  }
  ASSERT_TRUE(mp4.Stop().is_ok());
  const auto stats = mp4.stats();
  ASSERT_TRUE(mp4.Destroy().is_ok());
  // Stop keeps what the encoder still held (a frame or two in real time).
  EXPECT_GE(stats.frames_written, 60u);
  EXPECT_LE(stats.frames_written, 64u);
  EXPECT_EQ(camrec::testing::ffprobe_packet_count(out, "v"), static_cast<int>(stats.frames_written));
  // Audio from before the first frame is handed over too, and dropped by the muxer.
  EXPECT_GT(camrec::testing::ffprobe_packet_count(out, "a"), 40);
  EXPECT_LE(camrec::testing::ffprobe_packet_count(out, "a"), static_cast<int>(stats.audio_packets));
  check_av_file(out, {"hevc", "pcm_mulaw", "H.265", "Mu-Law", 33'333, 40'000, GetParam() == 1});
}

TEST_P(ContainerLayoutTest, RecorderH264AndOpus) {
  TempDir dir;
  const std::string out = dir.file("recorder.mp4");
  RecorderConfig rc;
  rc.width = 320;
  rc.height = 240;
  rc.video_codec = Codec::h264;
  rc.profile = media::H264_PROFILE_HIGH;
  rc.audio = media::AudioCodec::opus;
  rc.audio_rate = 48000;
  rc.max_frames = 60;
  MuxerOptions mo;
  mo.layout = GetParam() == 1 ? Layout::fragmented : Layout::regular;
  const auto stats = test::record_to_end(rc, out, mo);
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->frames_written, 60u);
  EXPECT_EQ(camrec::testing::ffprobe_packet_count(out, "v"), 60);
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "profile"), "High");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "a", "sample_rate"), "48000");
  check_av_file(out, {"h264", "opus", "H.264", "Opus", 33'333, 20'000, GetParam() == 1});
}

// Mp4Container with AAC (camrec's extension of K230's codec ids): AAC-LC at 48 kHz.
TEST_P(ContainerLayoutTest, Mp4ContainerH264AndAac) {
  TempDir dir;
  const std::string out = dir.file("aac.mp4");
  Mp4Container mp4;
  Mp4CfgStr cfg(Mp4Container::MP4_CONFIG_TYPE_MUXER);
  cfg.SetMuxerCfg(out, Mp4Container::MP4_CODEC_ID_H264, 320, 240, Mp4Container::MP4_CODEC_ID_AAC, GetParam());
  ASSERT_TRUE(mp4.Create(cfg).is_ok());
  ASSERT_TRUE(mp4.Start().is_ok());
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(mp4.Process().is_ok());
  ASSERT_TRUE(mp4.Stop().is_ok());
  ASSERT_TRUE(mp4.Destroy().is_ok());
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "a", "profile"), "LC");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "a", "sample_rate"), "48000");
  check_av_file(out, {"h264", "aac", "H.264", "AAC", 33'333, 21'334, GetParam() == 1});
}

INSTANTIATE_TEST_SUITE_P(Layouts, ContainerLayoutTest, ::testing::Values(0, 1),
                         [](const auto& p) { return p.param ? "Fragmented" : "Regular"; });

TEST(ContainerCycleTest, TwentyCreateRecordDestroyCycles) {
  TempDir dir;
  for (int i = 0; i < 20; ++i) {
    SCOPED_TRACE("cycle " + std::to_string(i));
    const std::string out = dir.file("cycle" + std::to_string(i) + ".mp4");
    Mp4Container mp4;
    Mp4CfgStr cfg(Mp4Container::MP4_CONFIG_TYPE_MUXER);
    cfg.SetMuxerCfg(out, i % 2 ? Mp4Container::MP4_CODEC_ID_H264 : Mp4Container::MP4_CODEC_ID_H265, 320, 240,
                    i % 3 ? Mp4Container::MP4_CODEC_ID_G711U : Mp4Container::MP4_CODEC_ID_G711A, i % 4 == 3);
    cfg.paced = false;
    ASSERT_TRUE(mp4.Create(cfg).is_ok());
    ASSERT_TRUE(mp4.Start().is_ok());
    for (int f = 0; f < 5; ++f) ASSERT_TRUE(mp4.Process().is_ok());
    ASSERT_TRUE(mp4.Stop().is_ok());
    // Unpaced, the pattern runs ahead; Stop keeps every frame the encoder accepted.
    const auto frames = mp4.stats().frames_written;
    EXPECT_GE(frames, 5u);
    ASSERT_TRUE(mp4.Destroy().is_ok());
    EXPECT_EQ(media::MediaManager::link_count(), 0u);
    EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");
    EXPECT_EQ(camrec::testing::ffprobe_packet_count(out, "v"), static_cast<int>(frames));
  }
  // The same object records again after Destroy.
  Mp4Container mp4;
  for (int i = 0; i < 2; ++i) {
    Mp4CfgStr cfg(Mp4Container::MP4_CONFIG_TYPE_MUXER);
    cfg.SetMuxerCfg(dir.file("again.mp4"), Mp4Container::MP4_CODEC_ID_H264, 320, 240,
                    Mp4Container::MP4_CODEC_ID_G711U);
    cfg.paced = false;
    ASSERT_TRUE(mp4.Create(cfg).is_ok());
    ASSERT_TRUE(mp4.Start().is_ok());
    for (int f = 0; f < 3; ++f) ASSERT_TRUE(mp4.Process().is_ok());
    ASSERT_TRUE(mp4.Destroy().is_ok());
    EXPECT_EQ(camrec::testing::ffprobe_warnings(dir.file("again.mp4")), "");
  }
}

TEST(ContainerCycleTest, TwentyRecorderCycles) {
  TempDir dir;
  for (int i = 0; i < 20; ++i) {
    SCOPED_TRACE("cycle " + std::to_string(i));
    const std::string out = dir.file("rec" + std::to_string(i) + ".mp4");
    RecorderConfig rc;
    rc.width = 160;
    rc.height = 120;
    rc.paced = false;
    rc.max_frames = 4;
    rc.audio = i % 2 ? media::AudioCodec::opus : media::AudioCodec::g711u;
    rc.audio_rate = i % 2 ? 48000 : 8000;
    ASSERT_TRUE(test::record_to_end(rc, out).has_value());
    EXPECT_EQ(camrec::testing::ffprobe_packet_count(out, "v"), 4);
  }
}

}  // namespace
}  // namespace camrec::recorder
