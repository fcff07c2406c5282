// SPDX-License-Identifier: LGPL-2.1-or-later
// The seed's three examples, built with the project: each writes (or reads back) a clean file.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "recorder_test_util.h"

namespace camrec::recorder {
namespace {

using camrec::testing::TempDir;
using camrec::testing::run_command;
using camrec::testing::shell_quote;

// The tutorial's program as it stands (examples/record_mp4.cpp follows it line for line): the
// HEADER glued to the first I frame, every later stream written as it comes, 200 frames
// counted after the first: 201 frames of 1280x720 H.264 Main in test.mp4.
TEST(ExamplesTest, TheSeedProgramRecordsAll201Frames) {
  TempDir dir;
  auto r = run_command("cd " + shell_quote(dir.path().string()) + " && " + shell_quote(test::built("example_record_mp4")));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("recording done: 200 frames after the first I frame"), std::string::npos) << r.out;
  const std::string out = dir.file("test.mp4");
  EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "codec_name"), "h264");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "profile"), "Main");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "width"), "1280");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "height"), "720");
  EXPECT_EQ(camrec::testing::ffprobe_packet_count(out, "v"), 201);
  std::string err;
  EXPECT_EQ(camrec::testing::video_frame_md5s(out, &err).size(), 201u) << err;
}

TEST(ExamplesTest, RecordMp4H264AndDemuxItBack) {
  TempDir dir;
  const std::string out = dir.file("record.mp4");
  auto r = run_command(shell_quote(test::built("example_record_mp4")) + " " + shell_quote(out) + " h264 0 29");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("recording done: 29 frames after the first I frame"), std::string::npos) << r.out;
  EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "codec_name"), "h264");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "profile"), "Main");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "width"), "1280");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "height"), "720");
  std::string err;
  EXPECT_EQ(camrec::testing::video_frame_md5s(out, &err).size(), 30u) << err;
  EXPECT_EQ(test::top_level_types(out).find("moof"), std::string::npos);

  const std::string es = dir.file("video.h264");
  auto d = run_command(shell_quote(test::built("example_mp4_demux")) + " " + shell_quote(out) + " " + shell_quote(es));
  ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
  EXPECT_NE(d.out.find("30 video frames, 0 audio frames"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("1280x720"), std::string::npos) << d.out;
  // The Annex B stream it wrote decodes on its own.
  auto md5s = camrec::testing::video_frame_md5s(es, &err);
  EXPECT_EQ(md5s.size(), 30u) << err;
  EXPECT_EQ(md5s, camrec::testing::video_frame_md5s(out)) << "the same pictures as the MP4";
}

TEST(ExamplesTest, RecordMp4H265Fragmented) {
  TempDir dir;
  const std::string out = dir.file("record.mp4");
  auto r = run_command(shell_quote(test::built("example_record_mp4")) + " " + shell_quote(out) + " h265 1 19");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "codec_name"), "hevc");
  std::string err;
  EXPECT_EQ(camrec::testing::video_frame_md5s(out, &err).size(), 20u) << err;
  EXPECT_NE(test::top_level_types(out).find("moof"), std::string::npos);

  const std::string es = dir.file("video.h265");
  auto d = run_command(shell_quote(test::built("example_mp4_demux")) + " " + shell_quote(out) + " " + shell_quote(es));
  ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
  EXPECT_NE(d.out.find("20 video frames"), std::string::npos) << d.out;
  EXPECT_EQ(camrec::testing::video_frame_md5s(es, &err).size(), 20u) << err;
}

TEST(ExamplesTest, Mp4ContainerWritesBothTracks) {
  TempDir dir;
  for (int fmp4 : {0, 1}) {
    SCOPED_TRACE(fmp4);
    const std::string out = dir.file("container" + std::to_string(fmp4) + ".mp4");
    auto r = run_command(shell_quote(test::built("example_mp4_container")) + " " + shell_quote(out) + " 30 " +
                         std::to_string(fmp4));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    // 30 Process calls, one frame each; Stop adds the frames the camera captured meanwhile,
    // still in the link or the encoder: how many depends on how fast this machine encodes,
    // so the bound is the camera's own count, read from the capture times (30 fps, one frame
    // every 33 333 us): every frame it took is in the file or counted as dropped, none twice.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(stop: 30 frames processed, (\d+) in)"))) << r.out;
    const int frames = std::stoi(m[1].str());
    EXPECT_GE(frames, 30);
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(frames dropped: (\d+), first capture (\d+) us, last (\d+) us)")))
        << r.out;
    const int dropped = std::stoi(m[1].str());
    const double span_us = std::stod(m[3].str()) - std::stod(m[2].str());
    const int captured_span = static_cast<int>(span_us * 30.0 / 1e6 + 0.5) + 1;  // first to last written
    EXPECT_LE(frames, captured_span) << "a frame written twice";
    EXPECT_GE(frames + dropped, captured_span) << "a frame lost without being counted";
    EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");
    EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "codec_name"), "hevc");
    EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "a", "codec_name"), "pcm_mulaw");
    EXPECT_EQ(camrec::testing::ffprobe_packet_count(out, "v"), frames);
    EXPECT_GT(camrec::testing::ffprobe_packet_count(out, "a"), 0);
    std::string err;
    EXPECT_EQ(camrec::testing::video_frame_md5s(out, &err).size(), static_cast<size_t>(frames)) << err;

    auto d = run_command(shell_quote(test::built("example_mp4_demux")) + " " + shell_quote(out));
    ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
    EXPECT_NE(d.out.find(std::to_string(frames) + " video frames"), std::string::npos) << d.out;
    EXPECT_NE(d.out.find("audio codec 3 8000 Hz 1 ch"), std::string::npos) << d.out;
  }
}

// kd_mp4_get_file_info gives the file's duration in ms, fragmented or not.
TEST(ExamplesTest, DemuxReportsTheDuration) {
  TempDir dir;
  for (int fmp4 : {0, 1}) {
    SCOPED_TRACE(fmp4);
    const std::string out = dir.file("d" + std::to_string(fmp4) + ".mp4");
    auto r = run_command(shell_quote(test::built("example_record_mp4")) + " " + shell_quote(out) + " h264 " +
                         std::to_string(fmp4) + " 14");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto span = test::stream_span(out, "v");
    ASSERT_TRUE(span.has_value());
    auto d = run_command(shell_quote(test::built("example_mp4_demux")) + " " + shell_quote(out));
    ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(d.out, m, std::regex(R"(duration (\d+) ms)"))) << d.out;
    EXPECT_NEAR(std::stod(m[1].str()), static_cast<double>(span->end_us()) / 1000.0, 1.0) << d.out;
  }
}

TEST(ExamplesTest, DemuxRefusesAMissingFile) {
  auto d = run_command(shell_quote(test::built("example_mp4_demux")) + " /nonexistent.mp4");
  EXPECT_NE(d.exit_code, 0);
  EXPECT_NE(d.err.find("kd_mp4_create"), std::string::npos) << d.err;
  auto usage = run_command(shell_quote(test::built("example_mp4_demux")));
  EXPECT_EQ(usage.exit_code, 64);
}

}  // namespace
}  // namespace camrec::recorder
