// SPDX-License-Identifier: LGPL-2.1-or-later
// The instants at which test sources mark time: the test pattern flashes white and the tone
// source beeps, so an A/V sync check can compare the two in a recording.
#pragma once

#include <cstdint>

namespace camrec::media {

/// Beep instants origin + first + k * period (k = 0, 1, ...), all in µs on the capture clock.
struct BeepSchedule {
  /// Absolute clock time of t = 0; negative means "the source's start time". Give audio and
  /// video sources the same origin to line their marks up.
  int64_t origin_us = -1;
  /// First instant after the origin (>= 0).
  int64_t first_us = 1'000'000;
  /// Distance between instants (> 0), or 0 for a single instant.
  int64_t period_us = 1'000'000;
  /// How long an audio beep lasts (video flashes last one frame).
  int64_t duration_us = 100'000;
  /// False disables all marks.
  bool enabled = true;
};

/// True when an instant b of `s` satisfies from_rel < b <= to_rel (times relative to the
/// origin). A frame flashes when an instant falls in (previous frame, this frame].
bool beep_in_interval(const BeepSchedule& s, int64_t from_rel, int64_t to_rel);

/// True when relative time `t_rel` lies in [b, b + duration) for some instant b. When true and
/// `since_us` is not null, stores t_rel - b.
bool beep_active(const BeepSchedule& s, int64_t t_rel, int64_t* since_us = nullptr);

}  // namespace camrec::media
