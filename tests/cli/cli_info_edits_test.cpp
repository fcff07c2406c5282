// SPDX-License-Identifier: LGPL-2.1-or-later
// `camrec info` names each track's edit by what it is: the composition delay of B-frames,
// an audio encoder's priming, the start offset of a cut, or a presentation delay (an empty
// edit), in ffmpeg's files and in camrec's remux of them (both layouts).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;

testing::CommandResult camrec_cli(const std::string& args) {
  return testing::run_command(std::string(CAMREC_CLI) + " " + args);
}

const std::string kSource = "-f lavfi -i testsrc2=size=160x120:rate=30 -f lavfi -i sine=f=440:r=48000 -t 3 ";

/// ffmpeg's 3 s H.264 (2 B-frames, 15360 ticks/s) with AAC (1024 samples of priming).
std::string bframes_aac() { return testing::cached_ffmpeg(kSource + "-c:v libx264 -bf 2 -g 30 -c:a aac", ".mp4"); }

struct Expected {
  std::string video;  ///< What info says of the video's edit ("" = no edit).
  std::string audio;
  std::string video_kind, audio_kind;  ///< edit_kind in --json.
};

/// Checks `path`'s info lines and JSON, and the same of its remux in both layouts.
void expect_edits(const std::string& path, const Expected& want) {
  testing::TempDir dir;
  for (const char* layout : {"input", "", " --fmp4"}) {
    SCOPED_TRACE(layout);
    std::string file = path;
    if (std::string(layout) != "input") {
      file = dir.file(*layout ? "f.mp4" : "r.mp4");
      auto r = camrec_cli("remux -q " + shell_quote(path) + " " + shell_quote(file) + layout);
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    auto info = camrec_cli("info " + shell_quote(file));
    ASSERT_EQ(info.exit_code, 0) << info.err;
    const auto video_line = info.out.substr(info.out.find("track 1:"));
    const auto audio_line = info.out.find("track 2:") == std::string::npos ? "" : info.out.substr(info.out.find("track 2:"));
    if (want.video.empty()) {
      EXPECT_EQ(video_line.substr(0, video_line.find('\n')).find("edit skips"), std::string::npos) << info.out;
    } else {
      EXPECT_NE(video_line.substr(0, video_line.find('\n')).find(want.video), std::string::npos) << info.out;
    }
    if (!want.audio.empty()) EXPECT_NE(audio_line.find(want.audio), std::string::npos) << info.out;
    EXPECT_EQ(info.out.find("B-frame delay)"), std::string::npos) << "the old label: " << info.out;
    auto json = camrec_cli("info --json " + shell_quote(file));
    ASSERT_EQ(json.exit_code, 0) << json.err;
    const auto second = json.out.find("\"id\":2");
    EXPECT_NE(json.out.substr(0, second).find("\"edit_kind\":\"" + want.video_kind + "\""), std::string::npos)
        << json.out;
    if (!want.audio_kind.empty() && second != std::string::npos) {
      EXPECT_NE(json.out.substr(second).find("\"edit_kind\":\"" + want.audio_kind + "\""), std::string::npos)
          << json.out;
    }
  }
}

TEST(InfoEdits, BFramesAndAacPriming) {
  const std::string in = bframes_aac();
  ASSERT_FALSE(in.empty());
  expect_edits(in, {"edit skips the first 0.067 s (1024 ticks: B-frame composition delay)",
                    "edit skips the first 0.021 s (1024 ticks: priming)", "b_frame_delay", "priming"});
}

TEST(InfoEdits, ACutIsAStartOffsetNotABFrameDelay) {
  // ffmpeg -ss 1.5 -c copy starts at the key frame at 1 s and hides the 0.5 s before the
  // cut, plus the B-frame composition delay; the audio edit hides priming and the cut.
  const std::string bframes = bframes_aac();
  ASSERT_FALSE(bframes.empty());
  const std::string cut = testing::cached_ffmpeg("-ss 1.5 -i " + shell_quote(bframes) + " -c copy", ".mp4");
  ASSERT_FALSE(cut.empty());
  expect_edits(cut, {"edit skips the first 0.567 s (8704 ticks: start offset of a cut, 0.067 s of it B-frame "
                     "composition delay)",
                     "edit skips the first 0.583 s (27968 ticks: start offset of a cut, priming included)", "cut_start",
                     "cut_start"});
  // Without B-frames the whole skip is the cut's; Opus says its pre-skip, so the priming
  // part of the audio's skip is known.
  const std::string opus = testing::cached_ffmpeg(kSource + "-c:v libx264 -bf 0 -g 30 -c:a libopus", ".mp4");
  ASSERT_FALSE(opus.empty());
  expect_edits(opus, {"", "edit skips the first 0.006 s (312 ticks: priming)", "none", "priming"});
  const std::string opus_cut = testing::cached_ffmpeg("-ss 1.5 -i " + shell_quote(opus) + " -c copy", ".mp4");
  ASSERT_FALSE(opus_cut.empty());
  expect_edits(opus_cut, {"edit skips the first 0.500 s (7680 ticks: start offset of a cut)",
                          "edit skips the first 0.526 s (25272 ticks: start offset of a cut, 0.006 s of it priming)",
                          "cut_start", "cut_start"});
}

TEST(InfoEdits, AnEmptyEditIsAPresentationDelay) {
  // Video from 0.5 s on (ffmpeg writes an empty edit), audio from 0.
  const std::string in = testing::cached_ffmpeg(
      "-f lavfi -i sine=f=440:r=48000:d=2 -f lavfi -i testsrc2=size=320x240:rate=30:d=1.5,setpts=PTS+0.5/TB "
      "-map 1:v -map 0:a -c:v libx264 -bf 0 -g 30 -c:a aac -copyts",
      ".mp4");
  ASSERT_FALSE(in.empty());
  auto info = camrec_cli("info " + shell_quote(in));
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("30.000 fps, starts at 0.500 s (presentation delay: an empty edit)\n"), std::string::npos)
      << info.out;
  auto json = camrec_cli("info --json " + shell_quote(in));
  EXPECT_NE(json.out.find("\"edit_kind\":\"none\",\"edit_delay\":7680"), std::string::npos) << json.out;
}

}  // namespace
}  // namespace camrec
