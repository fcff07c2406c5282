// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capi/video_units.h"

#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/video_config.h"

namespace camrec::capi {

UnitHead read_unit_head(codec::VideoCodec codec, std::span<const uint8_t> annexb) {
  UnitHead head;
  if (!codec::looks_like_annexb(annexb)) return head;
  std::optional<size_t> at = codec::find_start_code(annexb, 0);
  while (at) {
    const size_t begin = *at + 1;
    std::optional<size_t> next = codec::find_start_code(annexb, begin);
    size_t end = next ? *next - 2 : annexb.size();
    // trailing_zero_8bits and the leading zero of a 4-byte start code are not NAL bytes.
    while (end > begin && annexb[end - 1] == 0) --end;
    const codec::NalView nal = annexb.subspan(begin, end - begin);
    at = next;
    if (nal.empty()) continue;
    bool slice = false, key = false;
    if (codec == codec::VideoCodec::h264) {
      const uint8_t type = codec::h264_nal_type(nal[0]);
      slice = type >= 1 && type <= 5;
      key = type == 5;
    } else if (nal.size() >= 2) {
      const uint8_t type = codec::h265_nal_type(nal[0]);
      slice = codec::h265_is_vcl(type);
      key = codec::h265_is_irap(type);
    }
    if (slice) {
      head.has_slice = true;
      head.is_key = key;
      break;
    }
    if (codec::is_parameter_set(codec, nal)) {
      head.parameter_sets.insert(head.parameter_sets.end(), {0, 0, 0, 1});
      head.parameter_sets.insert(head.parameter_sets.end(), nal.begin(), nal.end());
    }
  }
  return head;
}

ParameterSetKeeper::Decision ParameterSetKeeper::decide(const UnitHead& head) {
  Decision d;
  if (!head.has_slice && !head.parameter_sets.empty()) {
    d.absorb = true;
    // The same sets again (a HEADER pack before every IDR) change nothing; new ones wait
    // for the key frame that needs them, and a return to the sets in use cancels them.
    if (head.parameter_sets == in_use_) pending_.clear();
    else pending_ = head.parameter_sets;
    return d;
  }
  if (head.has_slice && head.is_key && head.parameter_sets.empty() && !pending_.empty()) d.prefix = pending_;
  return d;
}

void ParameterSetKeeper::written(const UnitHead& head) {
  if (!head.has_slice || !head.is_key) return;
  if (!head.parameter_sets.empty()) {
    in_use_ = head.parameter_sets;
    pending_.clear();
  } else if (!pending_.empty()) {
    in_use_ = std::move(pending_);
    pending_.clear();
  }
}

}  // namespace camrec::capi
