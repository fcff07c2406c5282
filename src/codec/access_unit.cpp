// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/access_unit.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace camrec::codec {
namespace {

Status nal_error(size_t index, const std::string& what) {
  return make_error(Errc::malformed, "NAL unit " + std::to_string(index) + " of the access unit: " + what);
}

}  // namespace

void AccessUnit::clear() {
  sample.clear();
  parameter_sets.clear();
  nal_unit_type = 0;
  is_key = false;
  is_rasl = false;
  has_end_of_sequence = false;
  order.reset();
  droppable = false;
  parameter_sets_changed = false;
}

Status parse_access_unit(VideoCodec codec, std::span<const uint8_t> annexb, AccessUnit& out) {
  if (annexb.empty()) return make_error(Errc::malformed, "empty access unit");
  std::vector<NalView> nals;
  CAMREC_RETURN_IF_ERROR(split_annexb(annexb, nals).with_context("access unit"));
  return parse_access_unit_nals(codec, nals, out, &out.sample);
}

Status parse_access_unit_nals(VideoCodec codec, std::span<const NalView> nals, AccessUnit& out,
                              std::vector<uint8_t>* sample) {
  out.clear();
  out.codec = codec;
  if (nals.empty()) return make_error(Errc::malformed, "empty access unit");
  const size_t header = codec == VideoCodec::h264 ? 1 : 2;
  bool have_slice = false;
  const size_t sample_start = sample ? sample->size() : 0;
  if (sample) sample->reserve(sample_start + length_prefixed_size(nals));
  for (size_t i = 0; i < nals.size(); ++i) {
    NalView nal = nals[i];
    if (nal.empty()) return nal_error(i, "0 bytes");
    if (nal[0] & 0x80) return nal_error(i, "forbidden_zero_bit is set");
    if (nal.size() < header) return nal_error(i, "shorter than the 2-byte H.265 NAL header");
    bool slice = false;
    uint8_t type = 0;
    if (codec == VideoCodec::h264) {
      type = h264_nal_type(nal[0]);
      if (type == 0) return nal_error(i, "nal_unit_type 0 is unspecified");
      slice = type >= 1 && type <= 5;
      if (type == 10) out.has_end_of_sequence = true;
    } else {
      type = h265_nal_type(nal[0]);
      if ((nal[1] & 0x07) == 0) return nal_error(i, "nuh_temporal_id_plus1 is 0");
      slice = h265_is_vcl(type);
      if (type == 36) out.has_end_of_sequence = true;
    }
    // The slice header starts right after the NAL header: a slice without it is truncated.
    if (slice && nal.size() <= header) return nal_error(i, "slice NAL unit has no slice header");
    if (slice) {
      if (!have_slice) {
        out.nal_unit_type = type;
        have_slice = true;
      } else if (codec == VideoCodec::h264 ? ((type == 5) != (out.nal_unit_type == 5)) : type != out.nal_unit_type) {
        return nal_error(i, "slice NAL type " + std::to_string(type) + " differs from the picture's first slice (" +
                                std::to_string(out.nal_unit_type) + ")");
      }
    }
    if (is_parameter_set(codec, nal)) out.parameter_sets.emplace_back(nal.begin(), nal.end());
    if (sample && stays_in_sample(codec, nal)) append_length_prefixed(nal, *sample);
  }
  if (!have_slice) {
    if (sample) sample->resize(sample_start);
    return make_error(Errc::malformed, "access unit has no slice NAL unit");
  }
  if (codec == VideoCodec::h264) {
    out.is_key = out.nal_unit_type == 5;
  } else {
    out.is_key = h265_is_irap(out.nal_unit_type);
    out.is_rasl = h265_is_rasl(out.nal_unit_type);
  }
  return Status::ok();
}

AccessUnitParser::AccessUnitParser(VideoCodec codec) : codec_(codec) { sets_.codec = codec; }

void AccessUnitParser::reset() { *this = AccessUnitParser(codec_); }

Status AccessUnitParser::parse(std::span<const uint8_t> annexb, AccessUnit& out, std::vector<uint8_t>* sample) {
  if (annexb.empty()) {
    out.clear();
    return make_error(Errc::malformed, "empty access unit");
  }
  CAMREC_RETURN_IF_ERROR(split_annexb(annexb, scratch_).with_context("access unit"));
  std::vector<NalView> nals;
  nals.swap(scratch_);
  Status st = parse_nals(nals, out, sample);
  nals.swap(scratch_);
  return st;
}

Status AccessUnitParser::parse_nals(std::span<const NalView> nals, AccessUnit& out, std::vector<uint8_t>* sample) {
  CAMREC_RETURN_IF_ERROR(parse_access_unit_nals(codec_, nals, out, sample));
  for (auto nal : nals) {
    if (!is_parameter_set(codec_, nal)) continue;
    if (codec_ == VideoCodec::h264) {
      if (h264_nal_type(nal[0]) == 7) CAMREC_RETURN_IF_ERROR(h264_sets_.add_sps(nal));
      else CAMREC_RETURN_IF_ERROR(h264_sets_.add_pps(nal));
    } else {
      uint8_t t = h265_nal_type(nal[0]);
      if (t == 32) CAMREC_RETURN_IF_ERROR(h265_sets_.add_vps(nal));
      else if (t == 33) CAMREC_RETURN_IF_ERROR(h265_sets_.add_sps(nal));
      else CAMREC_RETURN_IF_ERROR(h265_sets_.add_pps(nal));
    }
    CAMREC_ASSIGN_OR_RETURN(bool changed, add_parameter_set(sets_, nal));
    out.parameter_sets_changed = out.parameter_sets_changed || changed;
  }
  if (!seen_key_ && !out.is_key) {
    out.droppable = true;
    return Status::ok();
  }
  seen_key_ = true;
  return codec_ == VideoCodec::h264 ? order_h264(nals, out) : order_h265(nals, out);
}

Status AccessUnitParser::order_h264(std::span<const NalView> nals, AccessUnit& out) {
  for (auto nal : nals) {
    if (!h264_has_slice_header(h264_nal_type(nal[0]))) continue;
    CAMREC_ASSIGN_OR_RETURN(H264SliceHeader slice, parse_h264_slice_header(nal, h264_sets_));
    // The slice parser found both, so these lookups succeed.
    const H264Sps* sps = h264_sets_.sps(h264_sets_.pps(slice.pic_parameter_set_id)->seq_parameter_set_id);
    CAMREC_ASSIGN_OR_RETURN(H264Poc poc, h264_poc_.compute(slice, *sps));
    out.order = PictureOrder{poc.pic_order_cnt, poc.resets_order};
    return Status::ok();
  }
  // Only data partitions B/C: no slice header to order by.
  return make_error(Errc::malformed, "H.264 access unit has no slice header (only data partitions B/C)");
}

Status AccessUnitParser::order_h265(std::span<const NalView> nals, AccessUnit& out) {
  bool ordered = false;
  for (auto nal : nals) {
    uint8_t type = h265_nal_type(nal[0]);
    if (!ordered && h265_is_vcl(type)) {
      CAMREC_ASSIGN_OR_RETURN(H265SliceHeader slice, parse_h265_slice_header(nal, h265_sets_));
      if (!slice.first_slice_segment_in_pic_flag)
        return make_error(Errc::malformed, "H.265 access unit does not start with the picture's first slice segment");
      const H265Sps* sps = h265_sets_.sps(h265_sets_.pps(slice.slice_pic_parameter_set_id)->pps_seq_parameter_set_id);
      CAMREC_ASSIGN_OR_RETURN(H265Poc poc, h265_poc_.compute(slice, *sps));
      out.order = PictureOrder{poc.pic_order_cnt, poc.resets_order};
      out.droppable = poc.droppable;
      ordered = true;
    } else if (type == 36) {
      h265_poc_.end_of_sequence();
    }
  }
  return Status::ok();
}

std::vector<uint32_t> presentation_order(std::span<const PictureOrder> pictures) {
  std::vector<uint32_t> out(pictures.size());
  size_t begin = 0;
  while (begin < pictures.size()) {
    size_t end = begin + 1;
    while (end < pictures.size() && !pictures[end].resets_order) ++end;
    std::vector<size_t> idx(end - begin);
    std::iota(idx.begin(), idx.end(), begin);
    std::stable_sort(idx.begin(), idx.end(),
                     [&](size_t a, size_t b) { return pictures[a].poc < pictures[b].poc; });
    for (size_t rank = 0; rank < idx.size(); ++rank) out[idx[rank]] = static_cast<uint32_t>(begin + rank);
    begin = end;
  }
  return out;
}

}  // namespace camrec::codec
