// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/beep_schedule.h"

namespace camrec::media {

namespace {

// Index of the last instant at or before t_rel, or -1 when t_rel precedes the first.
int64_t last_instant_index(const BeepSchedule& s, int64_t t_rel) {
  if (t_rel < s.first_us) return -1;
  if (s.period_us <= 0) return 0;
  return (t_rel - s.first_us) / s.period_us;
}

int64_t instant(const BeepSchedule& s, int64_t k) { return s.first_us + k * s.period_us; }

}  // namespace

bool beep_in_interval(const BeepSchedule& s, int64_t from_rel, int64_t to_rel) {
  if (!s.enabled || to_rel <= from_rel) return false;
  int64_t k = last_instant_index(s, to_rel);
  return k >= 0 && instant(s, k) > from_rel;
}

bool beep_active(const BeepSchedule& s, int64_t t_rel, int64_t* since_us) {
  if (!s.enabled) return false;
  int64_t k = last_instant_index(s, t_rel);
  if (k < 0) return false;
  int64_t since = t_rel - instant(s, k);
  if (since >= s.duration_us) return false;
  if (since_us != nullptr) *since_us = since;
  return true;
}

}  // namespace camrec::media
