// SPDX-License-Identifier: LGPL-2.1-or-later
// Sources as they are and audio that just works, run as a user runs them: real Y4M and WAV
// files made by ffmpeg, recorded by the camrec process, and read back by ffprobe/ffmpeg
// (size, rate, duration, bitrate, stream start times, the decoded tone's frequency).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
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

/// `frames` frames of ffmpeg's `lavfi` video `source` (e.g. "testsrc=size=320x240:rate=25") as
/// Y4M, after the filters `vf` ("" for none).
std::string make_y4m(const testing::TempDir& dir, const std::string& name, const std::string& source, int frames,
                     const std::string& vf = "") {
  const std::string path = dir.file(name);
  ffmpeg("-f lavfi -i " + source + (vf.empty() ? "" : " -vf " + vf) + " -frames:v " + std::to_string(frames) +
         " -pix_fmt yuv420p " + shell_quote(path));
  return path;
}

/// The first decoded picture's luma, one byte per pixel, row after row.
std::vector<uint8_t> first_luma(const std::string& path) {
  auto r = testing::run_command("ffmpeg -nostdin -v error -i " + shell_quote(path) +
                                " -frames:v 1 -f rawvideo -pix_fmt gray -");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::vector<uint8_t>(r.out.begin(), r.out.end());
}

// A Y4M file used to be stretched to 1280x720 and timed at --fps's default 30.
TEST(CliVideoSource, AY4mFileKeepsItsOwnSizeAndRate) {
  testing::TempDir dir;
  const std::string y4m = make_y4m(dir, "clip.y4m", "testsrc=size=320x240:rate=25", 75);
  const std::string out = dir.file("own.mp4");
  auto r = camrec_cli("record -q --fast --source file:" + shell_quote(y4m) + " -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "width"), "320");
  EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "height"), "240");
  EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "r_frame_rate"), "25/1");
  EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "avg_frame_rate"), "25/1");
  EXPECT_NEAR(stream_number(out, "v", "duration"), 3.0, 1e-6);
  EXPECT_EQ(testing::ffprobe_packet_count(out, "v"), 75);
}

// --fps for a Y4M file retimes every frame (none dropped or repeated), --size scales it.
TEST(CliVideoSource, FpsAndSizeOverrideTheFile) {
  testing::TempDir dir;
  const std::string y4m = make_y4m(dir, "clip.y4m", "testsrc=size=320x240:rate=25", 75);
  const std::string out = dir.file("ten.mp4");
  auto r = camrec_cli("record -q --fast --fps 10 --size 640x480 --source file:" + shell_quote(y4m) + " -o " +
                      shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "width"), "640");
  EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "height"), "480");
  EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "r_frame_rate"), "10/1");
  EXPECT_NEAR(stream_number(out, "v", "duration"), 7.5, 1e-6);
  EXPECT_EQ(testing::ffprobe_packet_count(out, "v"), 75);
}

// Another shape than the file's: the whole picture, centred, black bars on the other sides
// (never stretched, never cropped). A white 320x240 (4:3) picture in 640x240 leaves 160
// columns of black on each side; in 320x480, 120 rows above and below.
TEST(CliVideoSource, AnotherAspectRatioIsLetterboxed) {
  testing::TempDir dir;
  const std::string y4m = make_y4m(dir, "white.y4m", "color=c=white:size=320x240:rate=25", 5);
  struct Case {
    uint32_t w, h;
    uint32_t x0, y0, pw, ph;  // where the picture should be
  };
  for (const Case& c : std::vector<Case>{{640, 240, 160, 0, 320, 240}, {320, 480, 0, 120, 320, 240}, {320, 240, 0, 0, 320, 240}}) {
    const std::string size = std::to_string(c.w) + "x" + std::to_string(c.h);
    const std::string out = dir.file(size + ".mp4");
    auto r = camrec_cli("record -q --fast --size " + size + " --source file:" + shell_quote(y4m) + " -o " + shell_quote(out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::vector<uint8_t> y = first_luma(out);
    ASSERT_EQ(y.size(), size_t{c.w} * c.h) << size;
    int wrong = 0;
    std::string first;
    // Two pixels of slack at each edge of the picture: the encoder blurs a hard edge.
    for (uint32_t row = 0; row < c.h; ++row) {
      for (uint32_t col = 0; col < c.w; ++col) {
        const bool inside = col >= c.x0 && col < c.x0 + c.pw && row >= c.y0 && row < c.y0 + c.ph;
        const bool near_edge = (col + 2 >= c.x0 && col <= c.x0 + 1) || (col + 2 >= c.x0 + c.pw && col <= c.x0 + c.pw + 1) ||
                               (row + 2 >= c.y0 && row <= c.y0 + 1) || (row + 2 >= c.y0 + c.ph && row <= c.y0 + c.ph + 1);
        if (near_edge && (c.x0 || c.y0)) continue;
        const int v = y[size_t{row} * c.w + col];
        const bool ok = inside ? v > 200 : v < 40;
        if (!ok && wrong++ == 0) first = std::to_string(col) + "," + std::to_string(row) + " = " + std::to_string(v);
      }
    }
    EXPECT_EQ(wrong, 0) << size << ": first wrong pixel " << first;
  }
}

/// Mean Y, U and V of the first picture of `path` (decoded by ffmpeg as yuv420p at w x h).
std::array<double, 3> mean_yuv(const std::string& path, uint32_t w, uint32_t h) {
  auto r = testing::run_command("ffmpeg -nostdin -v error -i " + shell_quote(path) +
                                " -frames:v 1 -f rawvideo -pix_fmt yuv420p -");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const size_t luma = size_t{w} * h, chroma = luma / 4;
  if (r.out.size() != luma + 2 * chroma) {
    ADD_FAILURE() << path << " decodes to " << r.out.size() << " bytes, not a " << w << "x" << h << " picture";
    return {};
  }
  std::array<double, 3> sum{};
  for (size_t i = 0; i < r.out.size(); ++i) {
    const int plane = i < luma ? 0 : i < luma + chroma ? 1 : 2;
    sum[plane] += static_cast<uint8_t>(r.out[i]);
  }
  return {sum[0] / double(luma), sum[1] / double(chroma), sum[2] / double(chroma)};
}

// A Y4M file is I420: at its own size the encoder reads the file's frames as they are, scaled
// they are converted; with either codec, every plane must come out where it went in (a U/V
// swap or an I420 picture read as NV12 changes the colour).
TEST(CliVideoSource, AY4mFileKeepsItsColoursWithEitherCodecAtAnySize) {
  testing::TempDir dir;
  const std::string y4m = make_y4m(dir, "colour.y4m", "color=c=0x3060C0:size=320x240:rate=25", 5);
  const std::array<double, 3> want = mean_yuv(y4m, 320, 240);
  ASSERT_GT(std::abs(want[1] - want[2]), 40) << "U and V must differ for a swap to show";
  for (const std::string codec : {"h264", "h265"}) {
    for (auto [w, h] : std::vector<std::pair<uint32_t, uint32_t>>{{320, 240}, {160, 120}}) {
      const std::string size = std::to_string(w) + "x" + std::to_string(h);
      SCOPED_TRACE(codec + " " + size);
      const std::string out = dir.file(codec + size + ".mp4");
      auto r = camrec_cli("record -q --fast --codec " + codec + " --size " + size + " --source file:" +
                          shell_quote(y4m) + " -o " + shell_quote(out));
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const std::array<double, 3> got = mean_yuv(out, w, h);
      for (int p = 0; p < 3; ++p) EXPECT_NEAR(got[p], want[p], 3.0) << "plane " << p;
    }
  }
}

// The encoder's bit budget per frame follows the rate recorded: a 10 fps file used to be
// encoded for 30 fps and came out at a third of --bitrate. Noisy pictures so that the
// encoder has to spend what it is given.
TEST(CliVideoSource, TheBitrateTargetsTheRateRecorded) {
  testing::TempDir dir;
  const std::string y4m = make_y4m(dir, "noise.y4m", "testsrc2=size=640x360:rate=10", 40, "noise=alls=60:allf=t+u");
  for (const std::string bitrate : {"4000", "1000"}) {
    const std::string out = dir.file(bitrate + ".mp4");
    auto r = camrec_cli("record -q --fast --bitrate " + bitrate + " --source file:" + shell_quote(y4m) + " -o " +
                        shell_quote(out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "r_frame_rate"), "10/1");
    const double kbps = stream_number(out, "v", "bit_rate") / 1000;
    EXPECT_NEAR(kbps, std::stod(bitrate), 0.2 * std::stod(bitrate)) << "--bitrate " << bitrate;
  }
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

/// The first audio stream of `path` decoded by ffmpeg to mono 16-bit PCM at its own rate.
std::vector<int16_t> decoded_mono(const std::string& path) {
  auto r = testing::run_command("ffmpeg -nostdin -v error -i " + shell_quote(path) + " -map 0:a:0 -ac 1 -f s16le -");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<int16_t> pcm(r.out.size() / 2);
  for (size_t i = 0; i < pcm.size(); ++i)
    pcm[i] = static_cast<int16_t>(static_cast<uint8_t>(r.out[2 * i]) | (static_cast<uint8_t>(r.out[2 * i + 1]) << 8));
  return pcm;
}

/// The frequency of a steady tone from its rising zero crossings over the middle half of
/// `pcm` (the ends may hold an encoder's ramp).
double tone_hz(const std::vector<int16_t>& pcm, int rate) {
  const size_t from = pcm.size() / 4, to = pcm.size() * 3 / 4;
  size_t first = 0, last = 0, crossings = 0;
  for (size_t i = from + 1; i < to; ++i) {
    if (pcm[i - 1] < 0 && pcm[i] >= 0) {
      if (crossings++ == 0) first = i;
      last = i;
    }
  }
  if (crossings < 2) return 0;
  return double(crossings - 1) * rate / double(last - first);
}

struct ConversionCase {
  std::string what;
  int wav_rate, wav_channels;
  std::string args;
  std::string codec_name;
  int rate, channels;
  double frame_s;  ///< One coded frame: the duration's tolerance.
};

// Any WAV goes into any codec: converted (libswresample) to --audio-rate/--audio-channels,
// or to the codec's format when they are not given. The file holds the codec's format, the
// decoded sound lasts as long as the recording, to within one audio frame, and a 440 Hz
// tone is still 440 Hz.
TEST(CliAudioConversion, AnyWavIsConvertedToWhatTheCodecTakes) {
  testing::TempDir dir;
  for (const ConversionCase& c : std::vector<ConversionCase>{
           {"48 kHz into 8 kHz G.711 as asked", 48000, 1, "--audio g711u --audio-rate 8000", "pcm_mulaw", 8000, 1, 0.040},
           {"44.1 kHz stereo into G.711 as it must", 44100, 2, "--audio g711a", "pcm_alaw", 8000, 1, 0.040},
           {"44.1 kHz into Opus at 48 kHz", 44100, 1, "--audio opus", "opus", 48000, 1, 0.020},
           {"44.1 kHz stereo into mono 24 kHz Opus as asked", 44100, 2, "--audio opus --audio-rate 24000 --audio-channels 1",
            "opus", 48000, 1, 0.020},  // Opus decodes at 48 kHz whatever it was fed
           {"16 kHz mono into stereo AAC as asked", 16000, 1, "--audio aac --audio-channels 2", "aac", 16000, 2, 1024.0 / 16000},
           {"96 kHz into AAC at 48 kHz", 96000, 2, "--audio aac", "aac", 48000, 2, 1024.0 / 48000},
       }) {
    SCOPED_TRACE(c.what);
    const std::string wav = make_wav(dir, "in.wav", c.wav_rate, c.wav_channels, 2.0);
    const std::string out = dir.file("out.mp4");
    auto r = camrec_cli("record -y --progress none --fast --size 160x120 --duration 2 " + c.args + " --audio-source wav:" +
                        shell_quote(wav) + " -o " + shell_quote(out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("audio source " + std::to_string(c.wav_rate) + " Hz x" + std::to_string(c.wav_channels) +
                         " converted to"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(testing::ffprobe_stream_value(out, "a", "codec_name"), c.codec_name);
    EXPECT_EQ(testing::ffprobe_stream_value(out, "a", "sample_rate"), std::to_string(c.rate));
    EXPECT_EQ(testing::ffprobe_stream_value(out, "a", "channels"), std::to_string(c.channels));
    const std::vector<int16_t> pcm = decoded_mono(out);
    EXPECT_NEAR(double(pcm.size()) / c.rate, 2.0, c.frame_s);
    EXPECT_NEAR(tone_hz(pcm, c.rate), 440.0, 440.0 * 0.01);
  }
}

// A WAV the codec takes as it is is recorded as it is: no conversion, nothing said.
TEST(CliAudioConversion, AWavTheCodecTakesIsKeptAsItIs) {
  testing::TempDir dir;
  const std::string wav = make_wav(dir, "in.wav", 44100, 2, 1.0);
  const std::string out = dir.file("out.mp4");
  auto r = camrec_cli("record --progress none --fast --size 160x120 --duration 1 --audio aac --audio-source wav:" +
                      shell_quote(wav) + " -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("converted"), std::string::npos) << r.err;
  EXPECT_EQ(testing::ffprobe_stream_value(out, "a", "sample_rate"), "44100");
  EXPECT_EQ(testing::ffprobe_stream_value(out, "a", "channels"), "2");
  EXPECT_NEAR(tone_hz(decoded_mono(out), 44100), 440.0, 440.0 * 0.01);
}

// What the codec cannot take is refused when asked for (exit 64, nothing written), with
// what it does take; never silently replaced.
TEST(CliAudioConversion, AFormatTheCodecCannotTakeIsRefusedWhenAskedFor) {
  testing::TempDir dir;
  const std::string wav = make_wav(dir, "in.wav", 44100, 2, 1.0);
  const std::string out = dir.file("out.mp4");
  struct Case {
    std::string args, says;
  };
  for (const Case& c : std::vector<Case>{{"--audio g711u --audio-rate 44100", "G.711 is 8000 Hz only"},
                                         {"--audio g711a --audio-channels 2", "G.711 is mono"},
                                         {"--audio opus --audio-rate 44100", "Opus takes 8000, 12000, 16000, 24000 or 48000"},
                                         {"--audio aac --audio-rate 96000", "--audio-rate '96000'"}}) {
    auto r = camrec_cli("record --fast --duration 1 " + c.args + " --audio-source wav:" + shell_quote(wav) + " -o " +
                        shell_quote(out));
    EXPECT_EQ(r.exit_code, 64) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args;
  }
}

}  // namespace
}  // namespace camrec
