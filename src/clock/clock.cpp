// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/clock.h"

#include <time.h>

#include <algorithm>
#include <thread>

namespace camrec::media {

namespace {
constexpr int64_t kSliceUs = 20'000;
}  // namespace

int64_t SteadyClock::now_us() const {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

bool SteadyClock::sleep_until_us(int64_t deadline_us, const std::atomic<bool>* cancel) {
  for (;;) {
    if (cancel != nullptr && cancel->load()) return false;
    int64_t now = now_us();
    if (now >= deadline_us) return true;
    int64_t step = std::min(deadline_us - now, kSliceUs);
    std::this_thread::sleep_for(std::chrono::microseconds(step));
  }
}

SteadyClock& steady_clock() {
  static SteadyClock clock;
  return clock;
}

bool ManualClock::sleep_until_us(int64_t deadline_us, const std::atomic<bool>* cancel) {
  if (cancel != nullptr && cancel->load()) return false;
  if (deadline_us > now_.load()) {
    sleeps_.fetch_add(1);
    set_us(deadline_us);
  }
  return true;
}

void ManualClock::set_us(int64_t t) {
  int64_t cur = now_.load();
  while (t > cur && !now_.compare_exchange_weak(cur, t)) {
  }
}

void ManualClock::advance_us(int64_t delta_us) {
  if (delta_us > 0) now_.fetch_add(delta_us);
}

}  // namespace camrec::media
