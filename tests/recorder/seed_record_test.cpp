// SPDX-License-Identifier: LGPL-2.1-or-later
// The seed's recording as `make run` makes it: camrec record, test pattern, 1280x720 H.264
// Main, 200 frames at 30 fps in real time, a key frame every 30 frames. And an encoder too
// slow for real time: frames are dropped and counted, and the file keeps the true capture
// times; with a queue as deep as the burst (--queue-frames), none is.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <vector>

#include "recorder_test_util.h"

namespace camrec::recorder {
namespace {

using camrec::testing::TempDir;
using camrec::testing::run_command;
using camrec::testing::shell_quote;

TEST(SeedRecordTest, MakeRunRecording) {
  TempDir dir;
  const std::string out = dir.file("test.mp4");
  auto r = run_command(shell_quote(test::cli()) + " record -o " + shell_quote(out) +
                       " --frames 200 --size 1280x720 --codec h264");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int64_t dropped = test::summary_dropped(r.err);
  ASSERT_GE(dropped, 0) << "no summary line: " << r.err;
  // x264 veryfast at 720p needs a fraction of a core; a machine shared with other work may
  // still stall the encoder now and then (each dropped frame is counted and checked below).
  EXPECT_LE(dropped, 10) << r.err;

  EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "codec_name"), "h264");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "profile"), "Main");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "width"), "1280");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "height"), "720");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "r_frame_rate"), "30/1");
  // ffprobe's average rate is frames / duration: 30/1 unless frames were dropped.
  if (dropped == 0) {
    EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "avg_frame_rate"), "30/1");
  }
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "nb_frames"), "200");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "a", "codec_name"), "") << "no audio was asked for";

  auto streams = camrec::testing::ffprobe_streams(out);
  ASSERT_EQ(streams.size(), 1u);
  ASSERT_GT(streams[0].tb_den, 0);
  const int64_t tb_num = streams[0].tb_num, tb_den = streams[0].tb_den;

  auto packets = camrec::testing::ffprobe_packets(out, "v:0");
  ASSERT_EQ(packets.size(), 200u);
  for (size_t i = 0; i < packets.size(); ++i) {
    ASSERT_TRUE(packets[i].pts.has_value());
    EXPECT_EQ(packets[i].key, i % 30 == 0) << "packet " << i;
  }
  // Capture times: 1/30 s apart (the pattern stamps frame n at start + n/30 s), gaps of whole
  // frames only where frames were dropped. In ticks of the time base, 1/30 s is
  // tb_den / (30 * tb_num); the µs stamps may round by one tick.
  const double frame_ticks = static_cast<double>(tb_den) / (30.0 * static_cast<double>(tb_num));
  int64_t gaps = 0;
  for (size_t i = 1; i < packets.size(); ++i) {
    const double d = static_cast<double>(*packets[i].pts - *packets[i - 1].pts);
    const double k = std::max(1.0, std::round(d / frame_ticks));
    EXPECT_LE(std::abs(d - k * frame_ticks), 2.0) << "interval " << i << " is " << d << " ticks";
    gaps += static_cast<int64_t>(k) - 1;
  }
  EXPECT_EQ(gaps, dropped) << "a gap in the timestamps that no counted drop explains";
  const double span_s = static_cast<double>(*packets.back().pts - *packets.front().pts) *
                        static_cast<double>(tb_num) / static_cast<double>(tb_den);
  const double mean_ms = span_s * 1000.0 / static_cast<double>(packets.size() - 1 + static_cast<size_t>(gaps));
  EXPECT_NEAR(mean_ms, 1000.0 / 30.0, 1000.0 / 30.0 * 0.01);

  std::string err;
  auto md5s = camrec::testing::video_frame_md5s(out, &err);
  EXPECT_EQ(md5s.size(), 200u) << err;

  auto gst = camrec::testing::gst_discover(out);
  EXPECT_TRUE(gst.ok) << gst.output;
  EXPECT_NE(gst.video_codec.find("H.264"), std::string::npos) << gst.output;
}

TEST(SeedRecordTest, SlowEncoderDropsFramesAndKeepsTrueTimestamps) {
  TempDir dir;
  const std::string out = dir.file("slow.mp4");
  // x265 at 1080p with its slow preset is far beyond real time on any machine this runs on
  // (a few frames a second on two cores): the link must drop, whatever else the machine does.
  auto t0 = std::chrono::steady_clock::now();
  auto r = run_command(shell_quote(test::cli()) + " record -o " + shell_quote(out) +
                       " --duration 5 --size 1920x1080 --codec h265 --preset slow");
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int64_t dropped = test::summary_dropped(r.err);
  ASSERT_GT(dropped, 0) << r.err;

  EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "codec_name"), "hevc");
  std::string err;
  auto md5s = camrec::testing::video_frame_md5s(out, &err);
  ASSERT_FALSE(md5s.empty()) << err;
  const auto frames = static_cast<int64_t>(md5s.size());
  EXPECT_EQ(frames, camrec::testing::ffprobe_packet_count(out, "v"));

  // Every interval is a whole number of frames; the missing frames are among those counted.
  auto pts = test::video_pts(out);
  ASSERT_EQ(static_cast<int64_t>(pts.size()), frames);
  int64_t gaps = 0, last_gap = 0;
  for (size_t i = 1; i < pts.size(); ++i) {
    const int64_t d = pts[i] - pts[i - 1];  // 90 kHz
    const int64_t k = std::max<int64_t>(1, (d + 1500) / 3000);
    EXPECT_LE(std::llabs(d - k * 3000), 2) << "interval " << i;
    gaps += k - 1;
    last_gap = d;
  }
  EXPECT_GT(gaps, 0);
  EXPECT_LE(gaps, dropped);
  EXPECT_LT(static_cast<double>(frames) / 30.0, 4.0) << "too few drops to tell true timestamps from frames/fps";

  // The file lasts as long as the capture did: from the first frame to the last one plus
  // one frame time (not the last gap again), and the last frame is the first to reach 5 s.
  auto span = test::stream_span(out, "v");
  ASSERT_TRUE(span.has_value());
  const int64_t expected_us = (pts.back() - pts.front() + 3000) * 100 / 9;
  EXPECT_NEAR(static_cast<double>(span->duration_us), static_cast<double>(expected_us), 1000.0)
      << "wall " << wall_s << " s, " << frames << " frames, " << dropped << " dropped";
  EXPECT_GE(span->duration_us, 5'000'000 - 1000);
  EXPECT_LT(span->duration_us - last_gap * 100 / 9, 5'000'000 + 1000);
}

/// A Y4M file of `frames` 320x240 pictures of noise: costly to encode, so a slow encoder
/// stays slow whatever the machine.
std::string noise_y4m(TempDir& dir, int frames) {
  const std::string path = dir.file("noise.y4m");
  const std::string header = "YUV4MPEG2 W320 H240 F30:1 Ip A1:1 C420jpeg\n";
  std::vector<uint8_t> data(header.begin(), header.end());
  uint32_t x = 12345;
  for (int f = 0; f < frames; ++f) {
    for (char c : std::string("FRAME\n")) data.push_back(static_cast<uint8_t>(c));
    for (int i = 0; i < 320 * 240 * 3 / 2; ++i) {
      x = x * 1664525u + 1013904223u;
      data.push_back(static_cast<uint8_t>(x >> 24));
    }
  }
  EXPECT_TRUE(camrec::testing::write_file(path, data));
  return path;
}

TEST(SeedRecordTest, QueueAsDeepAsTheBurstDropsNothing) {
  // 24 frames offered in real time at 240 fps (100 ms) to x265's slow preset, which takes
  // far longer than 4 ms for a picture of noise: the default queue of 4 frames must drop
  // most of them, a queue of 24 none, whatever the machine does (the count is bounded by
  // the depth, not by a race).
  constexpr int kFrames = 24;
  TempDir dir;
  const std::string clip = noise_y4m(dir, kFrames);
  auto record = [&](const std::string& name, const std::string& extra) {
    const std::string out = dir.file(name);
    auto r = run_command(shell_quote(test::cli()) + " record -o " + shell_quote(out) + " --source file:" +
                         shell_quote(clip) + " --fps 240 --codec h265 --preset slow" + extra);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const int64_t dropped = test::summary_dropped(r.err);
    EXPECT_GE(dropped, 0) << "no summary line: " << r.err;
    // Every frame offered is in the file or counted as dropped.
    EXPECT_EQ(camrec::testing::ffprobe_packet_count(out, "v") + dropped, kFrames) << r.err;
    return dropped;
  };
  EXPECT_GT(record("default.mp4", ""), 0) << "the slow encoder kept up: nothing tells a deep queue apart";
  EXPECT_EQ(record("deep.mp4", " --queue-frames 24"), 0);
}

}  // namespace
}  // namespace camrec::recorder
