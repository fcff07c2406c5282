// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capture/test_pattern.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "camrec/media/clock.h"
#include "testing/test_util.h"

namespace camrec::media {
namespace {

Frame make(PixelFormat f, uint32_t w, uint32_t h) {
  auto r = Frame::allocate(f, w, h);
  EXPECT_TRUE(r.has_value());
  return std::move(r).value();
}

TEST(BeepScheduleTest, IntervalsAndActiveWindows) {
  BeepSchedule s;  // instants at 1 s, 2 s, ...
  EXPECT_FALSE(beep_in_interval(s, 0, 999'999));
  EXPECT_TRUE(beep_in_interval(s, 999'999, 1'000'000));
  EXPECT_FALSE(beep_in_interval(s, 1'000'000, 1'033'333));
  EXPECT_TRUE(beep_in_interval(s, 1'990'000, 2'020'000));
  EXPECT_FALSE(beep_active(s, 999'999));
  int64_t since = -1;
  EXPECT_TRUE(beep_active(s, 1'000'000, &since));
  EXPECT_EQ(since, 0);
  EXPECT_TRUE(beep_active(s, 2'099'999, &since));
  EXPECT_EQ(since, 99'999);
  EXPECT_FALSE(beep_active(s, 2'100'000));
  s.period_us = 0;  // a single instant
  EXPECT_FALSE(beep_in_interval(s, 1'500'000, 2'000'000));
  s.enabled = false;
  EXPECT_FALSE(beep_active(s, 1'000'000));
}

TEST(TestPatternTest, DigitsReadBackOnEveryFormatAndSize) {
  for (auto [w, h] : {std::pair<uint32_t, uint32_t>{64, 64}, {320, 240}, {1280, 720}}) {
    for (PixelFormat fmt : {PixelFormat::nv12, PixelFormat::i420, PixelFormat::gray8}) {
      Frame f = make(fmt, w, h);
      ASSERT_TRUE(draw_test_pattern(f, 12345678, 90'123, false).is_ok());
      auto n = read_pattern_number(f.plane(0), f.stride(0), w, h, 0);
      auto t = read_pattern_number(f.plane(0), f.stride(0), w, h, 1);
      ASSERT_TRUE(n.has_value()) << w << "x" << h << " " << n.status().to_string();
      ASSERT_TRUE(t.has_value());
      EXPECT_EQ(*n, 12345678u);
      EXPECT_EQ(*t, 90'123u);
    }
  }
}

TEST(TestPatternTest, EachDigitIsDistinct) {
  Frame f = make(PixelFormat::gray8, 320, 240);
  for (uint64_t v : {0ull, 1ull, 23456789ull, 98765432ull, 11111111ull, 100000000ull + 42}) {
    ASSERT_TRUE(draw_test_pattern(f, v, 0, false).is_ok());
    auto n = read_pattern_number(f.plane(0), f.stride(0), 320, 240, 0);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(*n, v % 100'000'000);
  }
}

TEST(TestPatternTest, FlashIsWhiteBelowTheDigits) {
  Frame f = make(PixelFormat::nv12, 320, 240);
  PatternLayout l = pattern_layout(320, 240);
  const uint8_t* below = f.plane(0) + size_t{l.box_bottom} * f.stride(0);
  const uint32_t rows = 240 - l.box_bottom;
  ASSERT_TRUE(draw_test_pattern(f, 30, 1000, true).is_ok());
  EXPECT_GE(mean_luma(below, f.stride(0), 320, rows), 230u);
  EXPECT_EQ(*read_pattern_number(f.plane(0), f.stride(0), 320, 240, 0), 30u);
  ASSERT_TRUE(draw_test_pattern(f, 31, 1033, false).is_ok());
  EXPECT_LE(mean_luma(below, f.stride(0), 320, rows), 120u);
}

// Luma rows below the digits, where the scene is.
double mean_abs_diff(const Frame& a, const Frame& b, uint32_t top) {
  uint64_t sum = 0, n = 0;
  for (uint32_t r = top; r < a.height(); ++r) {
    for (uint32_t x = 0; x < a.width(); ++x, ++n) {
      sum += static_cast<uint64_t>(std::abs(a.plane(0)[r * a.stride(0) + x] - b.plane(0)[r * b.stride(0) + x]));
    }
  }
  return static_cast<double>(sum) / static_cast<double>(n);
}

TEST(TestPatternTest, SceneHasColourDetailAndMotion) {
  Frame a = make(PixelFormat::nv12, 640, 360), b = make(PixelFormat::nv12, 640, 360);
  const uint32_t top = pattern_layout(640, 360).box_bottom;
  ASSERT_TRUE(draw_test_pattern(a, 10, 0, false).is_ok());
  ASSERT_TRUE(draw_test_pattern(b, 11, 0, false).is_ok());
  // Motion: the camera pans and the discs move, so most of the picture changes.
  EXPECT_GT(mean_abs_diff(a, b, top), 8.0);
  // Fine detail: neighbouring pixels differ (a flat ramp scores under 1).
  uint64_t gradient = 0, n = 0;
  for (uint32_t r = top; r < 360; ++r) {
    for (uint32_t x = 1; x < 640; ++x, ++n) {
      gradient += static_cast<uint64_t>(std::abs(a.plane(0)[r * 640 + x] - a.plane(0)[r * 640 + x - 1]));
    }
  }
  EXPECT_GT(static_cast<double>(gradient) / static_cast<double>(n), 6.0);
  // Colour: the chroma spreads well away from grey.
  uint32_t far_from_grey = 0;
  for (uint32_t i = 0; i < 320 * 180 * 2; ++i) far_from_grey += std::abs(a.plane(1)[i] - 128) > 20;
  EXPECT_GT(far_from_grey, 320u * 180u * 2u / 10u);
}

TEST(TestPatternTest, PanIsTwoPixelsPerFrame) {
  Frame a = make(PixelFormat::gray8, 320, 240), b = make(PixelFormat::gray8, 320, 240);
  ASSERT_TRUE(draw_test_pattern(a, 3, 0, false).is_ok());
  ASSERT_TRUE(draw_test_pattern(b, 4, 0, false).is_ok());
  // The bottom rows (gravel) are clear of the discs: frame 4 is frame 3 moved 2 px left.
  for (uint32_t r = 236; r < 240; ++r) {
    EXPECT_EQ(std::memcmp(b.plane(0) + r * 320, a.plane(0) + r * 320 + 2, 318), 0) << "row " << r;
  }
}

TEST(TestPatternTest, NoiseIsBoundedDeterministicAndOptional) {
  Frame clean = make(PixelFormat::nv12, 320, 240), noisy = make(PixelFormat::nv12, 320, 240),
        again = make(PixelFormat::nv12, 320, 240);
  ASSERT_TRUE(draw_test_pattern(clean, 5, 0, false, 0).is_ok());
  ASSERT_TRUE(draw_test_pattern(noisy, 5, 0, false, 3).is_ok());
  ASSERT_TRUE(draw_test_pattern(again, 5, 0, false, 3).is_ok());
  const uint32_t top = pattern_layout(320, 240).box_bottom;
  uint32_t changed = 0;
  for (uint32_t i = top * 320; i < 320 * 240; ++i) {
    const int d = std::abs(noisy.plane(0)[i] - clean.plane(0)[i]);
    EXPECT_LE(d, 3);
    changed += d != 0;
  }
  EXPECT_GT(changed, (240 - top) * 320 / 2);
  EXPECT_EQ(std::memcmp(noisy.plane(0), again.plane(0), 320 * 240), 0);
  // The digits stay clean and readable.
  EXPECT_EQ(*read_pattern_number(noisy.plane(0), 320, 320, 240, 0), 5u);
}

// The default source fed to the default encoder settings (make run's recording: 1280x720
// H.264, CBR 4000 kbit/s) spends its bitrate as a camera picture does. The white page the
// pattern used to be came out near 100 kbit/s.
TEST(TestPatternTest, A4MbpsEncodeLandsNearItsTarget) {
  camrec::testing::TempDir dir;
  const std::string path = dir.file("clip.mp4");
  auto r = camrec::testing::run_command(std::string(CAMREC_CLI) + " record -o " + camrec::testing::shell_quote(path) +
                                        " --frames 90 --size 1280x720 --codec h264 --bitrate 4000 --fast -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string rate = camrec::testing::ffprobe_stream_value(path, "v", "bit_rate");
  ASSERT_FALSE(rate.empty());
  const double kbps = std::stod(rate) / 1000.0;
  EXPECT_GT(kbps, 4000 * 0.8);
  EXPECT_LT(kbps, 4000 * 1.2);
}

TEST(TestPatternTest, RgbIsRejectedAndUnreadableIsReported) {
  Frame rgb = make(PixelFormat::rgb888, 64, 64);
  EXPECT_EQ(draw_test_pattern(rgb, 1, 1, false).code(), Errc::invalid_argument);
  Frame blank = make(PixelFormat::gray8, 320, 240);
  std::memset(blank.plane(0), 128, 320 * 240);
  for (int i = 0; i < 320 * 240; i += 7) blank.plane(0)[i] = 255;
  EXPECT_EQ(read_pattern_number(blank.plane(0), 320, 320, 240, 0).status().code(),
            Errc::malformed);
}

SourceOptions small(bool paced) {
  SourceOptions o;
  o.width = 320;
  o.height = 240;
  o.paced = paced;
  return o;
}

TEST(TestPatternSourceTest, PacedModeSleepsUntilEachFrameTime) {
  ManualClock clock(5'000'000);
  auto src = make_test_pattern_source(small(true), clock);
  ASSERT_TRUE(src.has_value());
  ASSERT_TRUE((*src)->start().is_ok());
  for (uint64_t n = 0; n < 10; ++n) {
    auto f = (*src)->next_frame();
    ASSERT_TRUE(f.has_value());
    const int64_t expect = 5'000'000 + static_cast<int64_t>((n * 1'000'000 + 15) / 30);
    EXPECT_EQ((*f)->pts_us, expect);
    EXPECT_EQ((*f)->sequence, n);
    EXPECT_EQ(clock.now_us(), expect);  // delivered when the clock reached its time
  }
  EXPECT_EQ(clock.sleep_count(), 9u);  // frame 0 is due at start
}

TEST(TestPatternSourceTest, AsFastModeKeepsTimestampsApart) {
  ManualClock clock(5'000'000);
  auto src = make_test_pattern_source(small(false), clock);
  ASSERT_TRUE(src.has_value());
  ASSERT_TRUE((*src)->start().is_ok());
  for (uint64_t n = 0; n < 10; ++n) {
    auto f = (*src)->next_frame();
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ((*f)->pts_us, 5'000'000 + static_cast<int64_t>((n * 1'000'000 + 15) / 30));
  }
  EXPECT_EQ(clock.now_us(), 5'000'000);
  EXPECT_EQ(clock.sleep_count(), 0u);
}

TEST(TestPatternSourceTest, RealTimePacing) {
  SourceOptions o = small(true);
  o.fps_num = 50;
  auto src = make_test_pattern_source(o, steady_clock());
  ASSERT_TRUE(src.has_value());
  ASSERT_TRUE((*src)->start().is_ok());
  const int64_t t0 = steady_clock().now_us();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE((*src)->next_frame().has_value());
  EXPECT_GE(steady_clock().now_us() - t0, 100'000 - 1000);  // 5 frame intervals of 20 ms
}

TEST(TestPatternSourceTest, FlashesOnBeepInstantsAndShowsTime) {
  ManualClock clock(0);
  SourceOptions o = small(false);
  o.max_frames = 95;
  auto src = make_test_pattern_source(o, clock);
  ASSERT_TRUE(src.has_value());
  ASSERT_TRUE((*src)->start().is_ok());
  PatternLayout l = pattern_layout(320, 240);
  std::vector<uint64_t> flashes;
  for (;;) {
    auto f = (*src)->next_frame();
    if (!f) {
      EXPECT_EQ(f.status().code(), Errc::end_of_stream);
      break;
    }
    const Frame& fr = **f;
    const uint8_t* below = fr.plane(0) + size_t{l.box_bottom} * fr.stride(0);
    if (mean_luma(below, fr.stride(0), 320, 240 - l.box_bottom) > 200) flashes.push_back(fr.sequence);
    EXPECT_EQ(*read_pattern_number(fr.plane(0), fr.stride(0), 320, 240, 0), fr.sequence);
    EXPECT_EQ(static_cast<int64_t>(*read_pattern_number(fr.plane(0), fr.stride(0), 320, 240, 1)),
              fr.pts_us / 1000);
  }
  EXPECT_EQ(flashes, (std::vector<uint64_t>{30, 60, 90}));
}

TEST(TestPatternSourceTest, NtscRateFlashesOnTheFirstFrameAfterEachInstant) {
  ManualClock clock(0);
  SourceOptions o = small(false);
  o.fps_num = 30000;
  o.fps_den = 1001;
  o.max_frames = 70;
  auto src = make_test_pattern_source(o, clock);
  ASSERT_TRUE(src.has_value());
  ASSERT_TRUE((*src)->start().is_ok());
  PatternLayout l = pattern_layout(320, 240);
  std::vector<uint64_t> flashes;
  while (auto f = (*src)->next_frame()) {
    const Frame& fr = **f;
    const uint8_t* below = fr.plane(0) + size_t{l.box_bottom} * fr.stride(0);
    if (mean_luma(below, fr.stride(0), 320, 240 - l.box_bottom) > 200) flashes.push_back(fr.sequence);
  }
  // Frame 30 is at 1.001 s, the first at or after 1 s; frame 60 at 2.002 s.
  EXPECT_EQ(flashes, (std::vector<uint64_t>{30, 60}));
}

TEST(TestPatternSourceTest, RejectsBadOptions) {
  ManualClock clock;
  SourceOptions o = small(false);
  o.width = 321;
  EXPECT_EQ(make_test_pattern_source(o, clock).status().code(), Errc::invalid_argument);
  o = small(false);
  o.fps_num = 0;
  EXPECT_EQ(make_test_pattern_source(o, clock).status().code(), Errc::invalid_argument);
  o = small(false);
  o.beeps.period_us = -1;
  EXPECT_EQ(make_test_pattern_source(o, clock).status().code(), Errc::invalid_argument);
}

TEST(TestPatternSourceTest, InterruptEndsAPacedWait) {
  SourceOptions o = small(true);
  o.fps_num = 1;  // one frame per second
  auto src = make_test_pattern_source(o, steady_clock());
  ASSERT_TRUE(src.has_value());
  ASSERT_TRUE((*src)->start().is_ok());
  ASSERT_TRUE((*src)->next_frame().has_value());
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (*src)->interrupt();
  });
  const int64_t t0 = steady_clock().now_us();
  EXPECT_EQ((*src)->next_frame().status().code(), Errc::end_of_stream);
  EXPECT_LT(steady_clock().now_us() - t0, 500'000);
  t.join();
}

}  // namespace
}  // namespace camrec::media
