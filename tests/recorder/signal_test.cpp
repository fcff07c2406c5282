// SPDX-License-Identifier: LGPL-2.1-or-later
// SIGINT / SIGTERM stop a running `camrec record` cleanly: exit 0, and the file is a closed
// regular MP4 (moov after the media, no fragments at the top level) with every frame
// captured up to the signal, in order, none missing.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "capture/test_pattern.h"
#include "recorder_test_util.h"

namespace camrec::recorder {
namespace {

using camrec::testing::TempDir;
using camrec::testing::run_command;
using camrec::testing::shell_quote;

/// Frame numbers drawn by the test pattern in each decoded frame of `path` (-1: unreadable);
/// one per coded frame (ffmpeg would otherwise repeat frames over the gaps drops leave).
std::vector<int64_t> pattern_numbers(const std::string& path, uint32_t w, uint32_t h, std::string& err) {
  TempDir dir;
  auto r = run_command("ffmpeg -nostdin -v error -xerror -i " + shell_quote(path) +
                       " -map 0:v:0 -fps_mode passthrough -f rawvideo -pix_fmt gray " +
                       shell_quote(dir.file("v.gray")));
  if (r.exit_code != 0) {
    err = r.err;
    return {};
  }
  auto bytes = camrec::testing::read_file(dir.file("v.gray"));
  std::vector<int64_t> numbers;
  const size_t frame = size_t{w} * h;
  for (size_t off = 0; off + frame <= bytes.size(); off += frame) {
    auto n = media::read_pattern_number(bytes.data() + off, w, w, h, 0);
    numbers.push_back(n ? static_cast<int64_t>(*n) : -1);
  }
  return numbers;
}

class SignalStopTest : public ::testing::TestWithParam<int> {};

TEST_P(SignalStopTest, StopsCleanlyWithTheFramesUpToTheSignal) {
  TempDir dir;
  const std::string out = dir.file("sig.mp4");
  const std::string log = dir.file("log");
  test::Child child;
  const auto t0 = std::chrono::steady_clock::now();
  test::spawn(child, {test::cli(), "record", "-o", out, "--duration", "30", "--size", "320x240", "--audio", "g711u"},
              log);
  ASSERT_GT(child.pid, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const double signal_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(kill(child.pid, GetParam()), 0);
  int code = -1;
  ASSERT_TRUE(child.wait_for(10'000, code)) << "camrec did not stop within 10 s of the signal";
  auto log_bytes = camrec::testing::read_file(log);
  const std::string err(log_bytes.begin(), log_bytes.end());
  EXPECT_EQ(code, 0) << err;
  EXPECT_NE(err.find("stopped by signal"), std::string::npos) << err;

  EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");
  auto boxes = test::top_level_boxes(out);
  ASSERT_GE(boxes.size(), 3u);
  EXPECT_EQ(boxes.front().type, "ftyp");
  EXPECT_EQ(boxes.back().type, "moov") << test::top_level_types(out);
  EXPECT_EQ(boxes.back().offset + boxes.back().size, std::filesystem::file_size(out)) << "nothing after moov";
  for (const auto& b : boxes) {
    EXPECT_NE(b.type, "moof") << test::top_level_types(out);
    EXPECT_NE(b.type, "mfra");
  }
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "a", "codec_name"), "pcm_mulaw");

  std::string derr;
  auto numbers = pattern_numbers(out, 320, 240, derr);
  ASSERT_FALSE(numbers.empty()) << derr;
  // Every frame captured from the start up to the stop, in order; a frame missing only where
  // the summary counts a drop (a loaded machine may stall the encoder).
  const int64_t dropped = test::summary_dropped(err);
  ASSERT_GE(dropped, 0) << err;
  EXPECT_LE(dropped, 5) << err;
  EXPECT_EQ(numbers.front(), 0);
  int64_t missing = 0;
  for (size_t i = 1; i < numbers.size(); ++i) {
    ASSERT_GT(numbers[i], numbers[i - 1]) << "frame " << i;
    missing += numbers[i] - numbers[i - 1] - 1;
  }
  EXPECT_LE(missing, dropped);
  // Frames up to the signal (less the encoder's start-up), none after the stop: 30 per second.
  const double captured = static_cast<double>(numbers.back() + 1);
  EXPECT_LE(captured, signal_s * 30 + 3) << signal_s << " s to the signal";
  EXPECT_GE(captured, (signal_s - 1.0) * 30) << signal_s << " s to the signal";
  EXPECT_EQ(camrec::testing::ffprobe_packet_count(out, "v"), static_cast<int>(numbers.size()));
}

INSTANTIATE_TEST_SUITE_P(Signals, SignalStopTest, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& p) { return p.param == SIGINT ? "Sigint" : "Sigterm"; });

}  // namespace
}  // namespace camrec::recorder
