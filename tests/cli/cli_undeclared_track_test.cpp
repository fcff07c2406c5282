// SPDX-License-Identifier: LGPL-2.1-or-later
// A K230-style fragmented MP4 whose fragments carry trafs of a track its moov does not
// declare (the audio of K230's fMP4 muxer): remux, extract, info and recover work on the
// declared video, bit-exact, and each says once what it skipped.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "testing/k230_fragments.h"
#include "testing/probe_util.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::CommandResult;
using testing::shell_quote;

CommandResult camrec_cli(const std::string& args) { return testing::run_command(std::string(CAMREC_CLI) + " " + args); }

/// Lines of `text` that contain `what`.
int count_lines_with(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

class UndeclaredTrack : public ::testing::Test {
 protected:
  void SetUp() override {
    k230_ = testing::make_k230_fragmented(dir_.path().string());
    ASSERT_FALSE(k230_.path.empty());
    // What the warning must say: every audio traf and sample of the file, counted once.
    warning_ = "warning: skipped " + std::to_string(k230_.audio_fragments) + " track fragments (" +
               std::to_string(k230_.audio_samples) + " samples, ";
  }
  /// The MD5 of each video packet, as ffprobe reads them.
  static std::vector<std::string> video_packet_md5s(const std::string& path) {
    std::vector<std::string> out;
    for (const auto& p : testing::ffprobe_packets(path, "v:0", true)) out.push_back(p.md5);
    return out;
  }
  testing::TempDir dir_;
  testing::K230FragmentedFile k230_;
  std::string warning_;
};

TEST_F(UndeclaredTrack, RemuxKeepsTheVideoBitExactInBothLayouts) {
  const auto want_packets = video_packet_md5s(k230_.complete);
  ASSERT_EQ(want_packets.size(), static_cast<size_t>(k230_.video_frames));
  std::string err;
  const auto want_frames = testing::video_frame_md5s(k230_.complete, &err);
  ASSERT_EQ(want_frames.size(), static_cast<size_t>(k230_.video_frames)) << err;
  for (const char* layout : {"", " --fmp4"}) {
    SCOPED_TRACE(*layout ? "fragmented" : "regular");
    const std::string out = dir_.file(*layout ? "out_f.mp4" : "out_r.mp4");
    auto r = camrec_cli("remux " + shell_quote(k230_.path) + " " + shell_quote(out) + layout);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(count_lines_with(r.err, "warning:"), 1) << r.err;
    EXPECT_NE(r.err.find(warning_), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("of track 2, which the moov does not declare"), std::string::npos) << r.err;
    auto streams = testing::ffprobe_streams(out);
    ASSERT_EQ(streams.size(), 1u);
    EXPECT_EQ(streams[0].codec_type, "video");
    EXPECT_EQ(video_packet_md5s(out), want_packets) << "every video sample, bit-exact";
    EXPECT_EQ(testing::video_frame_md5s(out, &err), want_frames) << "ffmpeg -xerror decodes every frame: " << err;
    EXPECT_EQ(testing::ffprobe_warnings(out), "");
  }
}

TEST_F(UndeclaredTrack, ExtractWritesTheVideoTrack) {
  auto want = camrec_cli("extract -o " + shell_quote(dir_.file("want")) + " " + shell_quote(k230_.complete));
  ASSERT_EQ(want.exit_code, 0) << want.err;
  auto r = camrec_cli("extract -o " + shell_quote(dir_.file("got")) + " " + shell_quote(k230_.path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, dir_.file("got") + ".track1.h264\n");
  EXPECT_EQ(count_lines_with(r.err, "warning:"), 1) << r.err;
  EXPECT_NE(r.err.find(warning_), std::string::npos) << r.err;
  const auto bytes = testing::read_file(dir_.file("got.track1.h264"));
  ASSERT_FALSE(bytes.empty());
  EXPECT_TRUE(bytes == testing::read_file(dir_.file("want.track1.h264"))) << "the elementary stream differs";
}

TEST_F(UndeclaredTrack, InfoShowsTheDeclaredTrackAndWarnsOnce) {
  auto r = camrec_cli("info " + shell_quote(k230_.path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("fragmented MP4, 1 track,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(std::to_string(k230_.video_frames) + " frames"), std::string::npos) << r.out;
  EXPECT_EQ(count_lines_with(r.err, "warning:"), 1) << r.err;
  EXPECT_NE(r.err.find(warning_), std::string::npos) << r.err;
  auto json = camrec_cli("info --json " + shell_quote(k230_.path));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"undeclared_tracks\":{\"ids\":[2],\"track_fragments_skipped\":" +
                          std::to_string(k230_.audio_fragments) +
                          ",\"samples_skipped\":" + std::to_string(k230_.audio_samples)),
            std::string::npos)
      << json.out;
}

TEST_F(UndeclaredTrack, RecoverSaysWhatTheFileHoldsAndLeavesItAlone) {
  const auto before = testing::read_file(k230_.path);
  auto r = camrec_cli("recover " + shell_quote(k230_.path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string frames = std::to_string(k230_.video_frames);
  EXPECT_NE(r.out.find("already complete, nothing to repair; " + frames + " samples (" + frames + " video frames)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1 track: track 1 video 'avc1' " + frames + " frames"), std::string::npos) << r.out;
  EXPECT_EQ(count_lines_with(r.err, "warning:"), 1) << r.err;
  EXPECT_NE(r.err.find(warning_), std::string::npos) << r.err;
  EXPECT_TRUE(testing::read_file(k230_.path) == before) << "a complete file is left as it is";
}

TEST_F(UndeclaredTrack, RecoverOfACompleteFileCountsEveryTrack) {
  // The same recording with both tracks declared: nothing to repair, and every track told.
  const auto before = testing::read_file(k230_.complete);
  auto r = camrec_cli("recover " + shell_quote(k230_.complete));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string frames = std::to_string(k230_.video_frames);
  EXPECT_NE(r.out.find("already complete, nothing to repair; "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(" + frames + " video frames)"), std::string::npos) << r.out;
  // A fragmented file lists G.711 one sample per packet written.
  EXPECT_NE(r.out.find("2 tracks: track 1 video 'avc1' " + frames + " frames, track 2 audio 'ulaw' " +
                       std::to_string(k230_.audio_samples) + " samples"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(testing::read_file(k230_.complete) == before);
}

TEST(CliRecover, ACompleteFileThatDoesNotReadIsAnErrorNotZeroSamples) {
  // Whole top-level boxes, but a sample table no reader can use: recover has nothing to
  // repair and must not report an empty file as complete.
  const std::string bad = std::string(CAMREC_SOURCE_DIR) + "/tests/data/corrupt/stsz_count_huge.mp4";
  testing::TempDir dir;
  const std::string copy = dir.file("bad.mp4");
  ASSERT_TRUE(testing::write_file(copy, testing::read_file(bad)));
  auto r = camrec_cli("recover " + shell_quote(copy));
  EXPECT_EQ(r.exit_code, 65) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("needs no repair (its boxes are whole), but it does not read"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("entry_sizes count 4294967295"), std::string::npos) << r.err;
  EXPECT_TRUE(testing::read_file(copy) == testing::read_file(bad)) << "the file is left as it was";
}

}  // namespace
}  // namespace camrec
