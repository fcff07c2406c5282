// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace camrec::media {
namespace {

TEST(ManualClockTest, MovesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.now_us(), 1000);
  clock.advance_us(500);
  EXPECT_EQ(clock.now_us(), 1500);
  clock.set_us(1200);  // backwards is ignored
  EXPECT_EQ(clock.now_us(), 1500);
  clock.set_us(2000);
  EXPECT_EQ(clock.now_us(), 2000);
}

TEST(ManualClockTest, SleepJumpsToTheDeadlineAndCounts) {
  ManualClock clock(0);
  EXPECT_TRUE(clock.sleep_until_us(33'333, nullptr));
  EXPECT_EQ(clock.now_us(), 33'333);
  EXPECT_EQ(clock.sleep_count(), 1u);
  EXPECT_TRUE(clock.sleep_until_us(10, nullptr));  // already past: no sleep
  EXPECT_EQ(clock.now_us(), 33'333);
  EXPECT_EQ(clock.sleep_count(), 1u);
}

TEST(ManualClockTest, CancelledSleepDoesNotMoveTime) {
  ManualClock clock(0);
  std::atomic<bool> cancel{true};
  EXPECT_FALSE(clock.sleep_until_us(1'000'000, &cancel));
  EXPECT_EQ(clock.now_us(), 0);
}

TEST(SteadyClockTest, IsMonotonicAndSleeps) {
  SteadyClock& clock = steady_clock();
  int64_t a = clock.now_us();
  EXPECT_TRUE(clock.sleep_until_us(a + 30'000, nullptr));
  int64_t b = clock.now_us();
  EXPECT_GE(b - a, 30'000);
  EXPECT_LT(b - a, 1'000'000);
}

TEST(SteadyClockTest, CancelEndsALongSleepQuickly) {
  SteadyClock& clock = steady_clock();
  std::atomic<bool> cancel{false};
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    cancel.store(true);
  });
  int64_t a = clock.now_us();
  EXPECT_FALSE(clock.sleep_until_us(a + 10'000'000, &cancel));
  EXPECT_LT(clock.now_us() - a, 1'000'000);
  t.join();
}

}  // namespace
}  // namespace camrec::media
