// SPDX-License-Identifier: LGPL-2.1-or-later
// The command line as a user types it, run as a real process: numbers read whole and
// range-checked (exit 64 before any file is written), every default in --help, options
// that mean what they say (--fragment-duration vs --max-fragment-duration, --duration 0),
// "did you mean" for typos, `camrec help [COMMAND]`, `--version`, and the same exit code for
// the same bad option in every command.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "testing/probe_util.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;

testing::CommandResult camrec_cli(const std::string& args) { return testing::run_command(std::string(CAMREC_CLI) + " " + args); }

TEST(CliNumbers, MalformedOrOutOfRangeNumbersAreUsageErrorsBeforeAnyFile) {
  testing::TempDir dir;
  const std::string out = dir.file("n.mp4");
  struct Case {
    std::string args;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"--duration 1e300", "--duration '1e300'"},
           {"--duration inf", "--duration 'inf'"},
           {"--duration nan", "--duration 'nan'"},
           {"--duration 0", "--duration '0'"},
           {"--duration -1", "--duration '-1'"},
           {"--frames 0", "--frames '0'"},
           {"--frames -1", "--frames '-1'"},
           {"--frames 10x", "--frames '10x'"},
           {"--size 320x240junk", "--size '320x240junk'"},
           {"--size 321x240", "even sides"},
           {"--size 0x0", "--size '0x0'"},
           {"--fps 30abc", "--fps '30abc'"},
           {"--fps 1/1000000", "--fps '1/1000000'"},
           {"--fps 0", "--fps '0'"},
           {"--fps 1e3", "--fps '1e3'"},
           {"--bitrate 4000k", "--bitrate '4000k'"},
           {"--gop 0", "--gop '0'"},
           {"--audio opus --audio-rate 44100", "Opus takes"},
           {"--audio g711u --audio-rate 16000", "G.711 is 8000 Hz only"},
           {"--audio g711u --audio-channels 2", "G.711 is mono"},
           {"--audio aac --audio-rate 44000", "AAC takes 8000, 11025"},
           {"--audio aac --audio-channels 3", "--audio-channels '3'"},
           {"--audio mp3", "none, g711u, g711a, opus or aac"},
           {"--audio-rate 8000", "--audio-rate and --audio-channels need"},
           {"--duration 2 --frames 10", "exclude each other"},
           {"--fragment-duration 1e9", "--fragment-duration '1e9'"},
           {"--segment-duration 10 --keep 0", "--keep '0'"},
           {"--progress sometimes", "--progress 'sometimes'"},
       }) {
    auto r = camrec_cli("record --fast -o " + shell_quote(out) + " " + c.args);
    EXPECT_EQ(r.exit_code, 64) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find("hint: camrec help record"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args << " wrote a file";
  }
}

TEST(CliNumbers, AWidthTheEncoderAlignsIsAnnounced) {
  testing::TempDir dir;
  const std::string out = dir.file("w.mp4");
  auto r = camrec_cli("record --fast --frames 3 --size 1000x720 -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("recording 1008x720"), std::string::npos) << r.err;
  EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "width"), "1008");
}

TEST(CliNumbers, TheSameBadOptionGivesTheSameExitCodeEverywhere) {
  testing::TempDir dir;
  const std::string h264 = dir.file("a.h264");
  ASSERT_TRUE(testing::make_stream(h264, "160x120", 10, 30, "-c:v libx264 -g 10"));
  for (const std::string option : {"--segment-size 20K", "--segment-duration 0", "--fragment-duration x",
                                   "--fsync sometimes", "--fps 30abc"}) {
    auto rec = camrec_cli("record --fast --frames 5 -o " + shell_quote(dir.file("r.mp4")) + " " + option);
    auto rem = camrec_cli("remux " + shell_quote(h264) + " " + shell_quote(dir.file("m.mp4")) + " " + option);
    EXPECT_EQ(rec.exit_code, 64) << option << "\n" << rec.err;
    EXPECT_EQ(rem.exit_code, 64) << option << "\n" << rem.err;
  }
  auto rec = camrec_cli("recover " + shell_quote(h264) + " --fps 30abc");
  EXPECT_EQ(rec.exit_code, 64) << rec.err;
}

TEST(CliOptions, EveryDefaultIsInHelp) {
  auto r = camrec_cli("record --help");
  ASSERT_EQ(r.exit_code, 0);
  for (const std::string text : {"default test.mp4", "default 200", "default 1280x720", "default 30)",
                                 "default h264", "default 4000", "default fragment", "max-fragment-duration",
                                 "default 1)", "default auto", "default veryfast", "default testpattern"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
  // --fmp4 and --faststart shown as exclusive.
  EXPECT_NE(r.out.find("Excludes: --fmp4"), std::string::npos) << r.out;
  r = camrec_cli("remux --help");
  EXPECT_NE(r.out.find("default never"), std::string::npos) << r.out;
}

TEST(CliOptions, FragmentDurationRaisesTheDefaultBoundOrIsRefused) {
  testing::TempDir dir;
  const std::string out = dir.file("f.mp4");
  // 4 s at 30 fps, a key frame every 2 s, 2 s fragments: 2 fragments (not 4 of 1 s).
  auto r = camrec_cli("record --fast -q --fmp4 --frames 120 --size 160x120 --gop 60 --fragment-duration 2 -o " +
                      shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto info = camrec_cli("info " + shell_quote(out));
  EXPECT_NE(info.out.find("fragments: 2 "), std::string::npos) << info.out;
  r = camrec_cli("record --fast -q --fmp4 --frames 120 --fragment-duration 2 --max-fragment-duration 1 -o " +
                 shell_quote(dir.file("g.mp4")));
  EXPECT_EQ(r.exit_code, 64) << r.err;
  EXPECT_NE(r.err.find("raise --max-fragment-duration"), std::string::npos) << r.err;
}

TEST(CliTypos, DidYouMean) {
  struct Case {
    std::string args;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"recrod", "did you mean 'record'?"},
           {"inof x.mp4", "did you mean 'info'?"},
           {"--verison", "did you mean '--version'?"},
           {"record --frame 10", "did you mean '--frames'?"},
           {"remux a.h264 b.mp4 --fragment-duratoin 2", "did you mean '--fragment-duration'?"},
           {"info --jsno x.mp4", "did you mean '--json'?"},
           {"help recrod", "did you mean 'record'?"},
       }) {
    auto r = camrec_cli(c.args);
    EXPECT_EQ(r.exit_code, 64) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << "\n" << r.err;
  }
  auto r = camrec_cli("frobnicate");
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_EQ(r.err.find("did you mean"), std::string::npos) << "nothing is close: " << r.err;
}

TEST(CliTypos, HelpAndVersion) {
  auto r = camrec_cli("help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"record", "remux", "info", "extract", "recover", "devices"})
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  r = camrec_cli("help record");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--frames"), std::string::npos) << r.out;
  r = camrec_cli("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("camrec 0."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x264 core"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("libopus"), std::string::npos) << r.out;
}

TEST(CliDevices, ListsCamerasAndCaptureDevicesOrSaysThereAreNone) {
  auto r = camrec_cli("devices");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Cameras"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Audio capture devices"), std::string::npos) << r.out;
  const bool any_camera = r.out.find("/dev/video") != std::string::npos;
  if (!any_camera) {
    EXPECT_NE(r.out.find("--source testpattern records without one"), std::string::npos) << r.out;
  }
}

TEST(CliSegments, UnknownPatternFieldsAreRefusedAndClosedSegmentsListed) {
  testing::TempDir dir;
  auto r = camrec_cli("record --fast --frames 30 --segment-duration 1 -o " + shell_quote(dir.file("p-{idx}.mp4")));
  EXPECT_EQ(r.exit_code, 64) << r.err;
  EXPECT_NE(r.err.find("unknown field {idx}"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  r = camrec_cli("record --fast --frames 90 --size 160x120 --gop 15 --segment-duration 1 --progress plain -o " +
                 shell_quote(dir.file("p-{index}.mp4")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 0; i < 3; ++i) {
    const std::string path = dir.file("p-" + std::to_string(i) + ".mp4");
    EXPECT_NE(r.err.find("segment " + path + " closed: 1.00 s"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("wrote " + path + ": 1.00 s"), std::string::npos) << r.err;
  }
  // info reads them all at once.
  auto info = camrec_cli("info " + shell_quote(dir.file("p-0.mp4")) + " " + shell_quote(dir.file("p-1.mp4")) + " " +
                         shell_quote(dir.file("p-2.mp4")));
  EXPECT_EQ(info.exit_code, 0) << info.err;
  for (int i = 0; i < 3; ++i) EXPECT_NE(info.out.find("p-" + std::to_string(i) + ".mp4: regular MP4"), std::string::npos) << info.out;
}

TEST(CliProgress, JsonLinesWithTargetAndFiles) {
  testing::TempDir dir;
  const std::string out = dir.file("j.mp4");
  auto r = camrec_cli("record --frames 45 --size 160x120 --progress json -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("{\"event\":\"progress\",\"frames\":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"percent\":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"eta_ms\":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("{\"event\":\"done\",\"frames\":45,"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"files\":[{\"path\":\"" + out + "\",\"duration_ms\":1500,"), std::string::npos) << r.err;
  // The plain line: target, percentage, ETA and a bitrate from the first second on.
  r = camrec_cli("record --duration 2 --size 160x120 --progress plain -o " + shell_quote(dir.file("p.mp4")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("% of 2.0 s  ETA "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(" 0 kb/s  dropped 0  0.00 MB  1."), std::string::npos) << "bitrate from encoded bytes: " << r.err;
}

TEST(CliPixelFormat, ValuesAreCheckedBeforeTheCameraIsOpened) {
  testing::TempDir dir;
  const std::string out = dir.file("px.mp4");
  struct Case {
    std::string args;
    int code;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           // Only a camera has pixel formats to choose from.
           {"--pixel-format MJPG", 64, "it needs --source v4l2:DEVICE"},
           {"--source file:clip.y4m --pixel-format NV12", 64, "it needs --source v4l2:DEVICE"},
           // A name camrec does not capture: refused before any device is touched.
           {"--source v4l2:/dev/video0 --pixel-format RGB3", 64, "camrec captures NV12, YUYV or MJPG"},
           {"--source v4l2:/dev/video0 --pixel-format ''", 64, "camrec captures NV12, YUYV or MJPG"},
           // A good name goes on to the device: missing, or not a camera.
           {"--source v4l2:/dev/camrec-no-such-video --pixel-format yuyv", 66, "no video device at"},
           {"--source v4l2:/dev/null --pixel-format MJPG", 65, "/dev/null is not a V4L2 device"},
       }) {
    auto r = camrec_cli("record --frames 5 --size 160x120 -o " + shell_quote(out) + " " + c.args);
    EXPECT_EQ(r.exit_code, c.code) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find("hint:"), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args << ": no file for a refused command line";
  }
  // `camrec devices` names the option the formats it lists are for.
  auto devices = camrec_cli("devices");
  EXPECT_EQ(devices.exit_code, 0) << devices.err;
  EXPECT_NE(devices.out.find("--pixel-format FOURCC"), std::string::npos) << devices.out;
}

}  // namespace
}  // namespace camrec
