// SPDX-License-Identifier: LGPL-2.1-or-later
#include "box/fragment_boxes.h"

#include <algorithm>

namespace camrec::box {

namespace {

// Bytes minus one needed for `v` (0..3).
uint8_t length_size(uint32_t v) {
  if (v <= 0xff) return 0;
  if (v <= 0xffff) return 1;
  if (v <= 0xffffff) return 2;
  return 3;
}

}  // namespace

void TrackFragmentRandomAccessBox::fit_length_sizes() {
  length_size_of_traf_num = length_size_of_trun_num = length_size_of_sample_num = 0;
  for (const Entry& e : entries) {
    length_size_of_traf_num = std::max(length_size_of_traf_num, length_size(e.traf_number));
    length_size_of_trun_num = std::max(length_size_of_trun_num, length_size(e.trun_number));
    length_size_of_sample_num = std::max(length_size_of_sample_num, length_size(e.sample_number));
  }
}

}  // namespace camrec::box
