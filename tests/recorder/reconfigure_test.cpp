// SPDX-License-Identifier: LGPL-2.1-or-later
// An encoder reconfigured mid-recording (Recorder::reconfigure_video, Mp4Container::
// ReconfigureVideo): the file switches size at a key frame with a second sample
// description, in both layouts, every frame decodes (ffmpeg -xerror, GStreamer) and the file
// passes the conformance table. Wrong calls are refused clearly and the recording goes on
// unchanged.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "camrec/demuxer.h"
#include "camrec/recorder/mp4_container.h"
#include "recorder_test_util.h"
#include "testing/conformance.h"

namespace camrec::recorder {
namespace {

using camrec::testing::TempDir;

// "WxH" of every decoded video frame, in order (ffprobe -show_frames decodes the stream).
std::vector<std::string> frame_sizes(const std::string& path) {
  // Key=value lines: the csv writer adds a field and a line for a frame with side data.
  auto r = test::run_command("ffprobe -v error -select_streams v:0 -show_entries frame=width,height -of default=nw=1 " +
                             test::shell_quote(path));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> sizes;
  std::istringstream in(r.out);
  std::string width;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("width=", 0) == 0) width = line.substr(6);
    if (line.rfind("height=", 0) == 0) sizes.push_back(width + "x" + line.substr(7));
  }
  return sizes;
}

// The sizes run by run: {"320x240", 25}, {"640x360", 35}.
std::vector<std::pair<std::string, int>> runs(const std::vector<std::string>& sizes) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& s : sizes) {
    if (out.empty() || out.back().first != s) out.emplace_back(s, 0);
    ++out.back().second;
  }
  return out;
}

// What every file with `frames` frames and `descriptions` sample descriptions must pass.
void expect_plays_everywhere(const std::string& path, uint64_t frames, uint32_t descriptions) {
  EXPECT_EQ(camrec::testing::conformance_report(path), "");
  EXPECT_EQ(camrec::testing::ffprobe_warnings(path), "");
  EXPECT_EQ(camrec::testing::ffprobe_packet_count(path, "v"), static_cast<int>(frames));
  std::string err;
  EXPECT_EQ(camrec::testing::video_frame_md5s(path, &err).size(), frames) << "ffmpeg -xerror: " << err;
  // GStreamer read as a stream decodes every picture of both sizes (docs/file-layout.md says
  // why a local fragmented file read with filesrc is not asked for).
  EXPECT_EQ(camrec::testing::gst_video_frame_md5s(path, camrec::testing::GstRead::push).size(), frames);
  auto demuxer = Demuxer::open(path);
  ASSERT_TRUE(demuxer) << demuxer.error().to_string();
  EXPECT_EQ((*demuxer)->tracks()[0].description_count, descriptions);
  const auto mp4box = camrec::testing::mp4box_read(path);
  if (mp4box.available) {
    ASSERT_FALSE(mp4box.descriptions.empty()) << mp4box.json;
    ASSERT_FALSE(mp4box.sample_counts.empty()) << mp4box.json;
    EXPECT_EQ(mp4box.descriptions[0], static_cast<int64_t>(descriptions)) << mp4box.json;
    EXPECT_EQ(mp4box.sample_counts[0], static_cast<int64_t>(frames)) << mp4box.json;
    EXPECT_TRUE(mp4box.errors.empty()) << mp4box.json;
  }
}

/// Checks a reconfigured file: its frames come in runs of the picture sizes `want`, in that
/// order, `frames` in all, and it plays everywhere with one sample description per size.
/// Returns the runs, for what a test checks beyond that.
std::vector<std::pair<std::string, int>> expect_sizes_and_plays(const std::string& path,
                                                                const std::vector<std::string>& want,
                                                                uint64_t frames) {
  const auto sizes = runs(frame_sizes(path));
  std::vector<std::string> got;
  int total = 0;
  for (const auto& [size, n] : sizes) {
    got.push_back(size);
    total += n;
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(static_cast<uint64_t>(total), frames);
  expect_plays_everywhere(path, frames, static_cast<uint32_t>(want.size()));
  return sizes;
}

/// A recorder writing to `out` in `layout`, started.
std::unique_ptr<Recorder> start_recorder(const RecorderConfig& rc, const std::string& out, Layout layout) {
  MuxerOptions mo;
  mo.layout = layout;
  auto muxer = Muxer::create_file(out, mo);
  EXPECT_TRUE(muxer) << muxer.error().to_string();
  if (!muxer) return nullptr;
  auto rec = Recorder::create(rc, std::move(*muxer));
  EXPECT_TRUE(rec) << rec.error().to_string();
  if (!rec) return nullptr;
  EXPECT_TRUE((*rec)->start().is_ok());
  return std::move(*rec);
}

/// Processes frames until the source ends, which must be the only way it stops.
void process_to_the_end(Recorder& r) {
  Status s;
  while ((s = r.process()).is_ok()) {
  }
  EXPECT_EQ(s.code(), Errc::end_of_stream) << s.to_string();
}

struct Case {
  Codec codec;
  Layout layout;
};

class ReconfigureVideo : public ::testing::TestWithParam<Case> {};

TEST_P(ReconfigureVideo, ANewSizeMidRecordingIsASecondSampleDescription) {
  TempDir dir;
  const std::string out = dir.file("reconfigured.mp4");
  RecorderConfig rc;
  rc.width = 320;
  rc.height = 240;
  rc.paced = false;  // nothing dropped: the frame count is exact
  rc.video_codec = GetParam().codec;
  rc.profile = GetParam().codec == Codec::h264 ? media::H264_PROFILE_MAIN : media::H265_PROFILE_MAIN;
  rc.bitrate_kbps = 800;
  rc.max_frames = 60;
  auto rec = start_recorder(rc, out, GetParam().layout);
  ASSERT_TRUE(rec);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(rec->process().is_ok()) << i;
  ASSERT_TRUE(rec->reconfigure_video(640, 360, 1500).is_ok());
  EXPECT_EQ(rec->config().width, 640u);
  EXPECT_EQ(rec->config().height, 360u);
  EXPECT_EQ(rec->config().bitrate_kbps, 1500u);
  process_to_the_end(*rec);
  ASSERT_TRUE(rec->stop().is_ok());
  EXPECT_EQ(rec->stats().frames_written, 60u);

  // Frames captured before the call keep the old size (at least the 20 taken), the rest the
  // new one, and the switch is a key frame.
  const auto sizes = expect_sizes_and_plays(out, {"320x240", "640x360"}, 60);
  ASSERT_EQ(sizes.size(), 2u);
  EXPECT_GE(sizes[0].second, 20);
  const auto packets = camrec::testing::ffprobe_packets(out, "v:0");
  ASSERT_EQ(packets.size(), 60u);
  EXPECT_TRUE(packets[static_cast<size_t>(sizes[0].second)].key);
}

INSTANTIATE_TEST_SUITE_P(Layouts, ReconfigureVideo,
                         ::testing::Values(Case{Codec::h264, Layout::regular}, Case{Codec::h264, Layout::fragmented},
                                           Case{Codec::h265, Layout::regular}, Case{Codec::h265, Layout::fragmented}),
                         [](const auto& info) {
                           return std::string(info.param.codec == Codec::h264 ? "H264" : "H265") +
                                  (info.param.layout == Layout::regular ? "Regular" : "Fragmented");
                         });

TEST(ReconfigureVideoTest, OneChangeAtATimeAndThreeSizesInOneFile) {
  TempDir dir;
  const std::string out = dir.file("three.mp4");
  RecorderConfig rc;
  rc.width = 320;
  rc.height = 240;
  rc.fps_num = 10;  // paced: a frame each 100 ms, so none can reach the encoder between two calls
  rc.max_frames = 12;
  auto rec = start_recorder(rc, out, Layout::regular);
  ASSERT_TRUE(rec);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(rec->process().is_ok()) << i;
  ASSERT_TRUE(rec->reconfigure_video(640, 360, 1500).is_ok());
  Status s = rec->reconfigure_video(480, 272, 1000);
  EXPECT_EQ(s.code(), Errc::wrong_state);
  EXPECT_NE(s.message().find("the change to 640x360 has not reached the encoder yet"), std::string::npos)
      << s.to_string();
  // Once a frame of the new size was coded, the next change is taken.
  int tries = 0;
  for (;; ++tries) {
    ASSERT_LT(tries, 6) << "the change never reached the encoder";
    ASSERT_TRUE(rec->process().is_ok());
    s = rec->reconfigure_video(480, 272, 1000);
    if (s.is_ok()) break;
    EXPECT_EQ(s.code(), Errc::wrong_state) << s.to_string();
  }
  process_to_the_end(*rec);
  ASSERT_TRUE(rec->stop().is_ok());
  const uint64_t frames = rec->stats().frames_written;
  EXPECT_EQ(frames, 12u);
  expect_sizes_and_plays(out, {"320x240", "640x360", "480x272"}, frames);
}

TEST(ReconfigureVideoTest, WrongCallsAreRefusedAndTheRecordingGoesOn) {
  TempDir dir;
  const std::string out = dir.file("unchanged.mp4");
  RecorderConfig rc;
  rc.width = 320;
  rc.height = 240;
  rc.paced = false;
  rc.max_frames = 30;
  auto muxer = Muxer::create_file(out, {});
  ASSERT_TRUE(muxer) << muxer.error().to_string();
  auto rec = Recorder::create(rc, std::move(*muxer));  // not started: a call before start is refused
  ASSERT_TRUE(rec) << rec.error().to_string();
  Recorder& r = **rec;
  auto expect_error = [&](uint32_t w, uint32_t h, uint32_t kbps, Errc code, const std::string& says) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h) + " " + std::to_string(kbps) + " kbit/s");
    Status s = r.reconfigure_video(w, h, kbps);
    EXPECT_EQ(s.code(), code) << s.to_string();
    EXPECT_NE(s.message().find(says), std::string::npos) << s.to_string();
  };
  expect_error(640, 360, 1000, Errc::wrong_state, "when built: call start first");
  ASSERT_TRUE(r.start().is_ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(r.process().is_ok()) << i;
  expect_error(0, 240, 1000, Errc::invalid_argument, "picture size 0x240 has a zero side");
  expect_error(640, 0, 1000, Errc::invalid_argument, "picture size 640x0 has a zero side");
  expect_error(641, 360, 1000, Errc::invalid_argument, "picture size 641x360 has an odd side (NV12");
  expect_error(640, 361, 1000, Errc::invalid_argument, "has an odd side");
  expect_error(640, 360, 0, Errc::invalid_argument, "bit rate 0 kbps is outside 1..800000");
  expect_error(640, 360, 900'000, Errc::invalid_argument, "bit rate 900000 kbps is outside 1..800000");
  // The encoder takes 32x32; the sensor does not, and the encoder's change is withdrawn.
  expect_error(32, 32, 1000, Errc::invalid_argument, "outside 64x64..8192x8192");
  expect_error(640, 8194, 1000, Errc::invalid_argument, "picture size 640x8194 must be even and within 16..8192");
  EXPECT_EQ(r.config().width, 320u);
  EXPECT_EQ(r.config().height, 240u);
  // The same size and bitrate again: nothing changes, and the next change is not held up.
  ASSERT_TRUE(r.reconfigure_video(320, 240, rc.bitrate_kbps).is_ok());
  process_to_the_end(r);
  expect_error(640, 360, 1000, Errc::wrong_state, "after the video ended");
  ASSERT_TRUE(r.stop().is_ok());
  expect_error(640, 360, 1000, Errc::wrong_state, "when stopped: the output is closed");
  EXPECT_EQ(r.stats().frames_written, 30u);
  expect_sizes_and_plays(out, {"320x240"}, 30);
}

TEST(ReconfigureVideoTest, Mp4ContainerReconfiguresMidRecording) {
  TempDir dir;
  for (int fmp4 : {0, 1}) {
    SCOPED_TRACE(fmp4 ? "fragmented" : "regular");
    const std::string out = dir.file(fmp4 ? "f.mp4" : "r.mp4");
    Mp4CfgStr cfg(Mp4Container::MP4_CONFIG_TYPE_MUXER);
    cfg.SetMuxerCfg(out, Mp4Container::MP4_CODEC_ID_H265, 320, 240, Mp4Container::MP4_CODEC_ID_G711U, fmp4);
    cfg.paced = false;
    Mp4Container mp4;
    EXPECT_EQ(mp4.ReconfigureVideo(640, 360, 2000).code(), Errc::wrong_state);
    ASSERT_TRUE(mp4.Create(cfg).is_ok());
    Status s = mp4.ReconfigureVideo(640, 360, 2000);
    EXPECT_EQ(s.code(), Errc::wrong_state);
    EXPECT_NE(s.message().find("ReconfigureVideo when created: call Start first"), std::string::npos) << s.to_string();
    ASSERT_TRUE(mp4.Start().is_ok());
    for (int i = 0; i < 15; ++i) ASSERT_TRUE(mp4.Process().is_ok()) << i;
    EXPECT_EQ(mp4.ReconfigureVideo(641, 360, 2000).code(), Errc::invalid_argument);
    ASSERT_TRUE(mp4.ReconfigureVideo(640, 360, 2000).is_ok());
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(mp4.Process().is_ok()) << i;
    ASSERT_TRUE(mp4.Stop().is_ok());
    EXPECT_EQ(mp4.ReconfigureVideo(640, 360, 2000).code(), Errc::wrong_state);
    const uint64_t frames = mp4.stats().frames_written;
    ASSERT_TRUE(mp4.Destroy().is_ok());
    expect_sizes_and_plays(out, {"320x240", "640x360"}, frames);
    // The audio goes on through the change.
    EXPECT_GT(camrec::testing::ffprobe_packet_count(out, "a"), 0);
  }
}

}  // namespace
}  // namespace camrec::recorder
