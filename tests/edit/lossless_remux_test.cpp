// SPDX-License-Identifier: LGPL-2.1-or-later
// `camrec remux` of MP4 files other muxers wrote (ffmpeg with AAC priming and its edit list,
// Opus with its pre-skip, B-frames, G.711 in a QuickTime movie, GStreamer's mp4mux), in both
// layouts: every packet of every track is kept, and ffmpeg decodes the output's video and
// audio to exactly what it decodes from the input.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "camrec/demuxer.h"

#include "testing/probe_util.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;

struct ForeignInput {
  std::string name;
  std::string maker;  ///< "ffmpeg" or "gstreamer"
  std::string args;   ///< ffmpeg arguments, or a gst-launch pipeline ending in "filesink location="
  std::string ext;
};

const std::vector<ForeignInput>& inputs() {
  static const std::string video = "-f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i sine=f=440:r=";
  static const std::vector<ForeignInput> list = {
      {"h264_aac", "ffmpeg", video + "44100 -t 2 -c:v libx264 -bf 0 -g 30 -c:a aac -b:a 64k", ".mp4"},
      {"h264_bframes_aac", "ffmpeg", video + "48000 -t 2 -c:v libx264 -profile:v high -bf 3 -g 30 -c:a aac -b:a 64k",
       ".mp4"},
      {"h264_opus", "ffmpeg", video + "48000 -t 2 -c:v libx264 -bf 0 -g 30 -c:a libopus -b:a 64k", ".mp4"},
      {"h265_aac", "ffmpeg",
       video + "48000 -t 2 -c:v libx265 -tag:v hvc1 -x265-params keyint=30:bframes=2:log-level=error -c:a aac", ".mp4"},
      {"h264_ulaw_mov", "ffmpeg", video + "8000 -t 2 -c:v libx264 -bf 0 -g 30 -c:a pcm_mulaw", ".mov"},
      {"audio_first_aac", "ffmpeg",
       // Video from 0.5 s on (an empty edit), audio from 0.
       "-f lavfi -i sine=f=440:r=48000:d=2 -f lavfi -i testsrc2=size=320x240:rate=30:d=1.5,setpts=PTS+0.5/TB "
       "-map 1:v -map 0:a -c:v libx264 -bf 0 -g 30 -c:a aac -copyts",
       ".mp4"},
  };
  return list;
}

/// The first audio track of `path` decoded by ffmpeg to signed 16-bit PCM.
std::vector<uint8_t> decoded_pcm(const std::string& path) {
  testing::TempDir dir;
  auto r = testing::run_command("ffmpeg -nostdin -v error -i " + shell_quote(path) + " -map 0:a:0 -f s16le " +
                                shell_quote(dir.file("pcm")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return testing::read_file(dir.file("pcm"));
}

/// The input file, made once per build tree.
std::string input_path(const ForeignInput& in) { return testing::cached_ffmpeg(in.args, in.ext); }

struct Case {
  std::string input;
  bool fragmented;
};

class LosslessRemuxTest : public ::testing::TestWithParam<Case> {};

TEST_P(LosslessRemuxTest, EveryPacketKeptAndDecodedEqual) {
  const ForeignInput* in = nullptr;
  for (const auto& i : inputs())
    if (i.name == GetParam().input) in = &i;
  ASSERT_NE(in, nullptr);
  const std::string source = input_path(*in);
  ASSERT_FALSE(source.empty()) << "ffmpeg could not make " << in->name;

  testing::TempDir dir;
  const std::string out = dir.file("out.mp4");
  auto r = testing::run_command(std::string(CAMREC_CLI) + " remux " + shell_quote(source) + " " + shell_quote(out) +
                                (GetParam().fragmented ? " --fmp4" : ""));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  for (const char* type : {"v", "a"})
    EXPECT_EQ(testing::ffprobe_packet_count(out, type), testing::ffprobe_packet_count(source, type))
        << type << " packets of " << in->name;

  std::string err;
  auto want_video = testing::video_frame_md5s(source, &err);
  ASSERT_FALSE(want_video.empty()) << err;
  EXPECT_EQ(testing::video_frame_md5s(out, &err), want_video) << err;

  auto want_audio = testing::decoded_audio_md5(source, "", &err);
  ASSERT_FALSE(want_audio.empty()) << err;
  auto got_audio = testing::decoded_audio_md5(out, "", &err);
  if (!GetParam().fragmented || got_audio == want_audio) {
    EXPECT_EQ(got_audio, want_audio) << err;
  } else {
    // ffmpeg applies no edit list to a fragmented file (its own `-c copy` to fragmented MP4
    // decodes the same): it decodes the priming the edit skips, then exactly the input's PCM.
    auto demuxer = Demuxer::open(out);
    ASSERT_TRUE(demuxer.has_value());
    const TrackInfo* audio = nullptr;
    for (const auto& t : (*demuxer)->tracks())
      if (t.audio) audio = &t;
    ASSERT_NE(audio, nullptr);
    const auto in_pcm = decoded_pcm(source), out_pcm = decoded_pcm(out);
    const size_t skipped = static_cast<size_t>(audio->media_skip) * audio->channels * 2;
    ASSERT_GT(skipped, 0u) << "the fragmented output decodes differently without an edit to explain it";
    ASSERT_EQ(out_pcm.size(), in_pcm.size() + skipped);
    EXPECT_TRUE(std::equal(in_pcm.begin(), in_pcm.end(), out_pcm.begin() + static_cast<ptrdiff_t>(skipped)));
  }
  EXPECT_EQ(testing::ffprobe_warnings(out), "");
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const auto& i : inputs())
    for (bool fragmented : {false, true}) out.push_back({i.name, fragmented});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Inputs, LosslessRemuxTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& case_info) {
                           return case_info.param.input + (case_info.param.fragmented ? "_fmp4" : "_regular");
                         });

TEST(LosslessRemux, InfoShowsThePrimingEdit) {
  const std::string source = input_path(inputs()[0]);
  ASSERT_FALSE(source.empty());
  testing::TempDir dir;
  const std::string out = dir.file("out.mp4");
  auto r = testing::run_command(std::string(CAMREC_CLI) + " remux " + shell_quote(source) + " " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto info = testing::run_command(std::string(CAMREC_CLI) + " info " + shell_quote(out));
  ASSERT_EQ(info.exit_code, 0) << info.err;
  // ffmpeg's AAC encoder primes 1024 samples; the edit list skips them.
  EXPECT_NE(info.out.find("edit skips the first 0.023 s (1024 ticks: priming)"), std::string::npos) << info.out;
  auto json = testing::run_command(std::string(CAMREC_CLI) + " info --json " + shell_quote(out));
  EXPECT_NE(json.out.find("\"edit_media_time\":1024"), std::string::npos) << json.out;
}

TEST(LosslessRemux, GStreamerMadeFile) {
  if (!testing::have_tool("gst-launch-1.0")) GTEST_SKIP() << "gst-launch-1.0 is not installed";
  // GStreamer's mp4mux writes H.264 with B-frames and AAC (taken from an ffmpeg-made file,
  // as a camera pipeline would pass encoded streams on).
  const std::string made_by_ffmpeg = testing::cached_ffmpeg(
      "-f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i sine=f=440:r=48000 -t 2 -c:v libx264 -profile:v high "
      "-bf 2 -g 30 -c:a aac",
      ".mp4");
  ASSERT_FALSE(made_by_ffmpeg.empty());
  testing::TempDir dir;
  const std::string source = dir.file("gst.mp4");
  auto made = testing::run_command("gst-launch-1.0 -q filesrc location=" + shell_quote(made_by_ffmpeg) +
                                   " ! qtdemux name=d d.video_0 ! queue ! h264parse ! mp4mux name=m ! filesink location=" +
                                   shell_quote(source) + " d.audio_0 ! queue ! aacparse ! m.");
  ASSERT_EQ(made.exit_code, 0) << made.err << made.out;
  std::string err;
  const auto want_video = testing::video_frame_md5s(source, &err);
  ASSERT_EQ(want_video.size(), 60u) << err;
  const auto want_audio = testing::decoded_audio_md5(source, "", &err);
  ASSERT_FALSE(want_audio.empty()) << err;
  for (bool fragmented : {false, true}) {
    SCOPED_TRACE(fragmented ? "fragmented" : "regular");
    const std::string out = dir.file(fragmented ? "out_f.mp4" : "out_r.mp4");
    auto r = testing::run_command(std::string(CAMREC_CLI) + " remux " + shell_quote(source) + " " + shell_quote(out) +
                                  (fragmented ? " --fmp4" : ""));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* type : {"v", "a"})
      EXPECT_EQ(testing::ffprobe_packet_count(out, type), testing::ffprobe_packet_count(source, type)) << type;
    EXPECT_EQ(testing::video_frame_md5s(out, &err), want_video) << err;
    EXPECT_EQ(testing::decoded_audio_md5(out, "", &err), want_audio) << err;
  }
}

}  // namespace
}  // namespace camrec
