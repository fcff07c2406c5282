// SPDX-License-Identifier: LGPL-2.1-or-later
// Sources as they are and audio that just works, run as a user runs them: real Y4M and WAV
// files made by ffmpeg, recorded by the camrec process, and read back by ffprobe/ffmpeg
// (size, rate, duration, bitrate, stream start times, the decoded tone's frequency).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "testing/probe_util.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;

testing::CommandResult camrec_cli(const std::string& args) { return testing::run_command(std::string(CAMREC_CLI) + " " + args); }

/// Runs ffmpeg with `args` (output included); fails the test when it fails.
void ffmpeg(const std::string& args) {
  auto r = testing::run_command("ffmpeg -nostdin -y -v error " + args);
  ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.err;
}

/// A sine of `hz` lasting `seconds`, as 16-bit PCM WAV at `rate` with `channels`.
std::string make_wav(const testing::TempDir& dir, const std::string& name, int rate, int channels, double seconds,
                     int hz = 440) {
  const std::string path = dir.file(name);
  ffmpeg("-f lavfi -i sine=frequency=" + std::to_string(hz) + ":sample_rate=" + std::to_string(rate) +
         ":duration=" + std::to_string(seconds) + " -ac " + std::to_string(channels) + " -c:a pcm_s16le " +
         shell_quote(path));
  return path;
}

/// A stream entry of ffprobe as a number (NaN when absent).
double stream_number(const std::string& path, const std::string& type, const std::string& key) {
  const std::string v = testing::ffprobe_stream_value(path, type, key);
  if (v.empty() || v == "N/A") return std::nan("");
  return std::stod(v);
}

struct AudioCase {
  std::string codec;
  double frame_s;  ///< One coded audio frame at the rate recorded.
};

// --fast used to start the audio one audio frame late (its first packet began a moment
// before the first video frame and was dropped whole) and, for AAC, to end early (the last
// partial frame was never flushed). Now both streams start together and end together, to
// within one audio frame.
TEST(CliAudioSync, FastModeKeepsAWavAlignedWithTheVideo) {
  testing::TempDir dir;
  const std::string wav = make_wav(dir, "tone.wav", 8000, 1, 2.0);
  for (const AudioCase& c : std::vector<AudioCase>{{"g711u", 0.040}, {"opus", 0.020}, {"aac", 1024.0 / 8000}}) {
    const std::string out = dir.file(c.codec + ".mp4");
    auto r = camrec_cli("record -q --fast --size 320x240 --duration 2 --audio " + c.codec + " --audio-source wav:" +
                        shell_quote(wav) + " -o " + shell_quote(out));
    ASSERT_EQ(r.exit_code, 0) << c.codec << "\n" << r.err;
    const double v_start = stream_number(out, "v", "start_time");
    const double v_end = v_start + stream_number(out, "v", "duration");
    const double a_start = stream_number(out, "a", "start_time");
    const double a_end = a_start + stream_number(out, "a", "duration");
    EXPECT_NEAR(v_end - v_start, 2.0, 1e-6) << c.codec;
    EXPECT_GE(a_start, v_start) << c.codec;
    EXPECT_LT(a_start - v_start, c.frame_s) << c.codec << ": the audio starts late";
    EXPECT_LT(std::abs(a_end - v_end), c.frame_s) << c.codec << ": audio ends at " << a_end << ", video at " << v_end;
  }
}

}  // namespace
}  // namespace camrec
