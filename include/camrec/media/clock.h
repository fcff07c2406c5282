// SPDX-License-Identifier: LGPL-2.1-or-later
// The one capture clock that stamps every video frame and audio chunk, so audio and video
// share a time base. Injected everywhere time is read or waited on, so tests can run on a
// manual clock and get the same timestamps every run.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace camrec::media {

/// A monotonic time source in microseconds. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Current time in µs; never decreases. The epoch is unspecified (only differences matter).
  virtual int64_t now_us() const = 0;
  /// Blocks until now_us() >= `deadline_us` or `cancel` (may be null) becomes true. Returns
  /// true when the deadline was reached, false when cancelled. Waits in short slices so a
  /// cancel is seen within ~20 ms.
  virtual bool sleep_until_us(int64_t deadline_us, const std::atomic<bool>* cancel) = 0;
};

/// CLOCK_MONOTONIC in µs: the real capture clock (also the clock V4L2 and ALSA stamp with).
class SteadyClock final : public Clock {
 public:
  int64_t now_us() const override;
  bool sleep_until_us(int64_t deadline_us, const std::atomic<bool>* cancel) override;
};

/// The process-wide steady clock; lives for the whole program.
SteadyClock& steady_clock();

/// A clock that moves only when told: set()/advance() by the test, or sleep_until_us(),
/// which jumps straight to the deadline (so paced sources run instantly and
/// deterministically). Counts the sleeps so tests can tell paced from unpaced operation.
class ManualClock final : public Clock {
 public:
  /// Starts at `start_us`.
  explicit ManualClock(int64_t start_us = 0) : now_(start_us) {}
  int64_t now_us() const override { return now_.load(); }
  /// Jumps to max(now, deadline) unless `cancel` is already set; counts one sleep when the
  /// deadline lies in the future.
  bool sleep_until_us(int64_t deadline_us, const std::atomic<bool>* cancel) override;
  /// Sets the time; a value below the current time is ignored (the clock is monotonic).
  void set_us(int64_t t);
  /// Moves the time forward by `delta_us` (>= 0).
  void advance_us(int64_t delta_us);
  /// Number of sleep_until_us() calls whose deadline was in the future.
  uint64_t sleep_count() const { return sleeps_.load(); }

 private:
  std::atomic<int64_t> now_;
  std::atomic<uint64_t> sleeps_{0};
};

}  // namespace camrec::media
