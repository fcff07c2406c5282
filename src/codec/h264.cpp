// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/h264.h"

#include <algorithm>
#include <string>

namespace camrec::codec {
namespace {

constexpr uint16_t kSarTable[17][2] = {{0, 0},   {1, 1},   {12, 11}, {10, 11}, {16, 11}, {40, 33},
                                       {24, 11}, {20, 11}, {32, 11}, {80, 33}, {18, 11}, {15, 11},
                                       {64, 33}, {160, 99}, {4, 3},  {3, 2},   {2, 1}};

bool has_high_profile_fields(uint8_t profile_idc) {
  switch (profile_idc) {
    case 100: case 110: case 122: case 244: case 44: case 83:
    case 86: case 118: case 128: case 138: case 139: case 134: case 135:
      return true;
    default:
      return false;
  }
}

// Header-checked RBSP of a NAL unit; `expected` is the nal_unit_type it must have.
Status rbsp_of(NalView nal, uint8_t expected, const char* what, std::vector<uint8_t>& rbsp,
               size_t max_bytes = SIZE_MAX) {
  if (nal.empty()) return make_error(Errc::malformed, std::string("empty ") + what + " NAL unit");
  if (nal[0] & 0x80) return make_error(Errc::malformed, std::string(what) + ": forbidden_zero_bit is set");
  if (h264_nal_type(nal[0]) != expected)
    return make_error(Errc::invalid_argument, std::string("expected an H.264 ") + what + " (type " +
                                                  std::to_string(expected) + "), got NAL type " +
                                                  std::to_string(h264_nal_type(nal[0])));
  ebsp_to_rbsp(nal.subspan(1), rbsp, max_bytes);
  return Status::ok();
}

Status finish(const BitReader& br, const char* what) {
  if (br.ok()) return Status::ok();
  return br.status().with_context(std::string("H.264 ") + what);
}

void scaling_list(BitReader& br, int size) {
  int last = 8, next = 8;
  for (int j = 0; j < size && br.ok(); ++j) {
    if (next != 0) {
      int32_t delta = br.se();
      if (delta < -128 || delta > 127) br.fail(Errc::malformed, "delta_scale out of range");
      next = (last + delta + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
}

void hrd_parameters(BitReader& br) {
  uint32_t cpb_cnt = br.ue_max(31, "cpb_cnt_minus1") + 1;
  br.skip(8);  // bit_rate_scale, cpb_size_scale
  for (uint32_t i = 0; i < cpb_cnt && br.ok(); ++i) {
    br.ue();  // bit_rate_value_minus1
    br.ue();  // cpb_size_value_minus1
    br.skip(1);  // cbr_flag
  }
  br.skip(20);  // four 5-bit delay lengths
}

void vui_parameters(BitReader& br, H264Vui& v) {
  v.aspect_ratio_info_present_flag = br.flag();
  if (v.aspect_ratio_info_present_flag) {
    v.aspect_ratio_idc = static_cast<uint8_t>(br.u(8));
    if (v.aspect_ratio_idc == 255) {
      v.sar_width = static_cast<uint16_t>(br.u(16));
      v.sar_height = static_cast<uint16_t>(br.u(16));
    } else if (v.aspect_ratio_idc < 17) {
      v.sar_width = kSarTable[v.aspect_ratio_idc][0];
      v.sar_height = kSarTable[v.aspect_ratio_idc][1];
    }
  }
  if (br.flag()) br.skip(1);  // overscan_info_present_flag, overscan_appropriate_flag
  v.video_signal_type_present_flag = br.flag();
  if (v.video_signal_type_present_flag) {
    v.video_format = static_cast<uint8_t>(br.u(3));
    v.video_full_range_flag = br.flag();
    if (br.flag()) {
      v.colour_primaries = static_cast<uint8_t>(br.u(8));
      v.transfer_characteristics = static_cast<uint8_t>(br.u(8));
      v.matrix_coefficients = static_cast<uint8_t>(br.u(8));
    }
  }
  if (br.flag()) {  // chroma_loc_info_present_flag
    br.ue_max(5, "chroma_sample_loc_type_top_field");
    br.ue_max(5, "chroma_sample_loc_type_bottom_field");
  }
  v.timing_info_present_flag = br.flag();
  if (v.timing_info_present_flag) {
    v.num_units_in_tick = br.u(32);
    v.time_scale = br.u(32);
    v.fixed_frame_rate_flag = br.flag();
  }
  v.nal_hrd_parameters_present_flag = br.flag();
  if (v.nal_hrd_parameters_present_flag) hrd_parameters(br);
  v.vcl_hrd_parameters_present_flag = br.flag();
  if (v.vcl_hrd_parameters_present_flag) hrd_parameters(br);
  if (v.nal_hrd_parameters_present_flag || v.vcl_hrd_parameters_present_flag) br.skip(1);  // low_delay_hrd_flag
  v.pic_struct_present_flag = br.flag();
  v.bitstream_restriction_flag = br.flag();
  if (v.bitstream_restriction_flag) {
    br.skip(1);  // motion_vectors_over_pic_boundaries_flag
    br.ue();     // max_bytes_per_pic_denom
    br.ue();     // max_bits_per_mb_denom
    br.ue();     // log2_max_mv_length_horizontal
    br.ue();     // log2_max_mv_length_vertical
    v.max_num_reorder_frames = br.ue_max(16, "max_num_reorder_frames");
    v.max_dec_frame_buffering = br.ue_max(16, "max_dec_frame_buffering");
  }
}

// MaxDpbMbs of Table A-1.
uint32_t max_dpb_mbs(uint8_t level_idc, bool constraint_set3) {
  switch (level_idc) {
    case 9: return 396;
    case 10: return 396;
    case 11: return constraint_set3 ? 396 : 900;
    case 12: case 13: case 20: return 2376;
    case 21: return 4752;
    case 22: case 30: return 8100;
    case 31: return 18000;
    case 32: return 20480;
    case 40: case 41: return 32768;
    case 42: return 34816;
    case 50: return 110400;
    case 51: case 52: return 184320;
    default: return 696320;  // 6, 6.1, 6.2 and anything newer
  }
}

}  // namespace

uint32_t H264Sps::reorder_depth() const {
  if (vui_parameters_present_flag && vui.bitstream_restriction_flag) return vui.max_num_reorder_frames;
  bool intra_profile = profile_idc == 44 || ((profile_idc == 86 || profile_idc == 100 || profile_idc == 110 ||
                                              profile_idc == 122 || profile_idc == 244) &&
                                             (constraint_flags & 0x10));
  if (intra_profile) return 0;
  uint64_t frame_mbs = uint64_t{pic_width_in_mbs} * pic_height_in_map_units * (frame_mbs_only_flag ? 1 : 2);
  if (frame_mbs == 0) return 16;
  uint64_t dpb = max_dpb_mbs(level_idc, (constraint_flags & 0x10) != 0) / frame_mbs;
  return static_cast<uint32_t>(dpb > 16 ? 16 : dpb);
}

Result<H264Sps> parse_h264_sps(NalView nal) {
  std::vector<uint8_t> rbsp;
  CAMREC_RETURN_IF_ERROR(rbsp_of(nal, 7, "SPS", rbsp));
  BitReader br(rbsp);
  H264Sps s;
  s.profile_idc = static_cast<uint8_t>(br.u(8));
  s.constraint_flags = static_cast<uint8_t>(br.u(8));
  s.level_idc = static_cast<uint8_t>(br.u(8));
  s.seq_parameter_set_id = br.ue_max(31, "seq_parameter_set_id");
  if (has_high_profile_fields(s.profile_idc)) {
    s.chroma_format_idc = br.ue_max(3, "chroma_format_idc");
    if (s.chroma_format_idc == 3) s.separate_colour_plane_flag = br.flag();
    s.bit_depth_luma = br.ue_max(6, "bit_depth_luma_minus8") + 8;
    s.bit_depth_chroma = br.ue_max(6, "bit_depth_chroma_minus8") + 8;
    br.skip(1);  // qpprime_y_zero_transform_bypass_flag
    s.seq_scaling_matrix_present_flag = br.flag();
    if (s.seq_scaling_matrix_present_flag) {
      int lists = s.chroma_format_idc != 3 ? 8 : 12;
      for (int i = 0; i < lists && br.ok(); ++i) {
        if (br.flag()) scaling_list(br, i < 6 ? 16 : 64);
      }
    }
  }
  s.log2_max_frame_num = br.ue_max(12, "log2_max_frame_num_minus4") + 4;
  s.pic_order_cnt_type = br.ue_max(2, "pic_order_cnt_type");
  if (s.pic_order_cnt_type == 0) {
    s.log2_max_pic_order_cnt_lsb = br.ue_max(12, "log2_max_pic_order_cnt_lsb_minus4") + 4;
  } else if (s.pic_order_cnt_type == 1) {
    s.delta_pic_order_always_zero_flag = br.flag();
    s.offset_for_non_ref_pic = br.se();
    s.offset_for_top_to_bottom_field = br.se();
    uint32_t n = br.ue_max(255, "num_ref_frames_in_pic_order_cnt_cycle");
    for (uint32_t i = 0; i < n && br.ok(); ++i) s.offset_for_ref_frame.push_back(br.se());
  }
  s.max_num_ref_frames = br.ue_max(16, "max_num_ref_frames");
  s.gaps_in_frame_num_value_allowed_flag = br.flag();
  // 8192 macroblocks per side is far past any level limit (level 6.2: 139264 MBs per frame).
  s.pic_width_in_mbs = br.ue_max(8191, "pic_width_in_mbs_minus1") + 1;
  s.pic_height_in_map_units = br.ue_max(8191, "pic_height_in_map_units_minus1") + 1;
  s.frame_mbs_only_flag = br.flag();
  if (!s.frame_mbs_only_flag) s.mb_adaptive_frame_field_flag = br.flag();
  s.direct_8x8_inference_flag = br.flag();
  s.frame_cropping_flag = br.flag();
  if (s.frame_cropping_flag) {
    s.frame_crop_left_offset = br.ue();
    s.frame_crop_right_offset = br.ue();
    s.frame_crop_top_offset = br.ue();
    s.frame_crop_bottom_offset = br.ue();
  }
  s.vui_parameters_present_flag = br.flag();
  if (s.vui_parameters_present_flag) vui_parameters(br, s.vui);
  CAMREC_RETURN_IF_ERROR(finish(br, "SPS"));

  // 7.4.2.1.1: crop units depend on chroma subsampling and field coding.
  uint32_t frame_height_mul = s.frame_mbs_only_flag ? 1 : 2;
  s.coded_width = s.pic_width_in_mbs * 16;
  s.coded_height = s.pic_height_in_map_units * 16 * frame_height_mul;
  uint32_t cat = s.chroma_array_type();
  uint32_t crop_x = cat == 0 ? 1 : (cat == 3 ? 1 : 2);
  uint32_t crop_y = (cat == 0 ? 1 : (cat == 1 ? 2 : 1)) * frame_height_mul;
  uint64_t crop_w = uint64_t{crop_x} * (uint64_t{s.frame_crop_left_offset} + s.frame_crop_right_offset);
  uint64_t crop_h = uint64_t{crop_y} * (uint64_t{s.frame_crop_top_offset} + s.frame_crop_bottom_offset);
  if (crop_w >= s.coded_width || crop_h >= s.coded_height)
    return make_error(Errc::malformed, "H.264 SPS: cropping window (" + std::to_string(crop_w) + "x" +
                                           std::to_string(crop_h) + ") removes the whole " +
                                           std::to_string(s.coded_width) + "x" + std::to_string(s.coded_height) +
                                           " picture");
  s.width = s.coded_width - static_cast<uint32_t>(crop_w);
  s.height = s.coded_height - static_cast<uint32_t>(crop_h);
  return s;
}

Result<H264Pps> parse_h264_pps(NalView nal) {
  std::vector<uint8_t> rbsp;
  CAMREC_RETURN_IF_ERROR(rbsp_of(nal, 8, "PPS", rbsp));
  BitReader br(rbsp);
  H264Pps p;
  p.pic_parameter_set_id = br.ue_max(255, "pic_parameter_set_id");
  p.seq_parameter_set_id = br.ue_max(31, "seq_parameter_set_id");
  p.entropy_coding_mode_flag = br.flag();
  p.bottom_field_pic_order_in_frame_present_flag = br.flag();
  p.num_slice_groups = br.ue_max(7, "num_slice_groups_minus1") + 1;
  if (p.num_slice_groups > 1) {
    uint32_t map_type = br.ue_max(6, "slice_group_map_type");
    if (map_type == 0) {
      for (uint32_t i = 0; i < p.num_slice_groups && br.ok(); ++i) br.ue();  // run_length_minus1
    } else if (map_type == 2) {
      for (uint32_t i = 0; i + 1 < p.num_slice_groups && br.ok(); ++i) {
        br.ue();  // top_left
        br.ue();  // bottom_right
      }
    } else if (map_type >= 3 && map_type <= 5) {
      br.skip(1);  // slice_group_change_direction_flag
      br.ue();     // slice_group_change_rate_minus1
    } else if (map_type == 6) {
      uint32_t units = br.ue_max(139264, "pic_size_in_map_units_minus1") + 1;
      int bits = 0;
      while ((1u << bits) < p.num_slice_groups) ++bits;
      br.skip(uint64_t{units} * static_cast<uint64_t>(bits));  // slice_group_id[]
    }
  }
  p.num_ref_idx_l0_default_active = br.ue_max(31, "num_ref_idx_l0_default_active_minus1") + 1;
  p.num_ref_idx_l1_default_active = br.ue_max(31, "num_ref_idx_l1_default_active_minus1") + 1;
  p.weighted_pred_flag = br.flag();
  p.weighted_bipred_idc = br.u(2);
  p.pic_init_qp = br.se() + 26;
  br.se();  // pic_init_qs_minus26
  p.chroma_qp_index_offset = br.se();
  p.deblocking_filter_control_present_flag = br.flag();
  p.constrained_intra_pred_flag = br.flag();
  p.redundant_pic_cnt_present_flag = br.flag();
  if (br.ok() && br.more_rbsp_data()) p.transform_8x8_mode_flag = br.flag();
  CAMREC_RETURN_IF_ERROR(finish(br, "PPS"));
  if (p.weighted_bipred_idc == 3) return make_error(Errc::malformed, "H.264 PPS: weighted_bipred_idc is 3");
  if (p.pic_init_qp < 0 || p.pic_init_qp > 51)
    return make_error(Errc::malformed, "H.264 PPS: pic_init_qp_minus26 out of range");
  return p;
}

Status H264ParameterSets::add_sps(NalView nal) {
  CAMREC_ASSIGN_OR_RETURN(auto sps, parse_h264_sps(nal));
  uint32_t id = sps.seq_parameter_set_id;
  sps_[id] = std::move(sps);
  return Status::ok();
}

Status H264ParameterSets::add_pps(NalView nal) {
  CAMREC_ASSIGN_OR_RETURN(auto pps, parse_h264_pps(nal));
  uint32_t id = pps.pic_parameter_set_id;
  pps_[id] = pps;
  return Status::ok();
}

/// The slice header parse with at most `max_rbsp` bytes of the NAL unit unescaped.
static Result<H264SliceHeader> parse_h264_slice_header_prefix(NalView nal, const H264ParameterSets& sets,
                                                              size_t max_rbsp);

Result<H264SliceHeader> parse_h264_slice_header(NalView nal, const H264ParameterSets& sets) {
  if (nal.empty()) return make_error(Errc::malformed, "empty H.264 slice NAL unit");
  if (nal[0] & 0x80) return make_error(Errc::malformed, "H.264 slice: forbidden_zero_bit is set");
  uint8_t type = h264_nal_type(nal[0]);
  if (type == 20 || type == 21)
    return make_error(Errc::unsupported, "H.264 MVC/SVC slice extension (NAL type " + std::to_string(type) + ")");
  if (!h264_has_slice_header(type))
    return make_error(Errc::invalid_argument, "H.264 NAL type " + std::to_string(type) + " has no slice header");
  // The header fits in a few hundred bytes even with long reordering and weight tables;
  // most fit in 64, so try that first and unescape more only when it is not enough.
  if (nal.size() > 65) {
    auto quick = parse_h264_slice_header_prefix(nal, sets, 64);
    if (quick) return quick;
  }
  return parse_h264_slice_header_prefix(nal, sets, 1024);
}

static Result<H264SliceHeader> parse_h264_slice_header_prefix(NalView nal, const H264ParameterSets& sets,
                                                              size_t max_rbsp) {
  const uint8_t type = h264_nal_type(nal[0]);
  uint8_t rbsp[1024];  // on the stack: no allocation per slice
  const size_t rbsp_size = ebsp_to_rbsp(nal.subspan(1), std::span<uint8_t>(rbsp, std::min(max_rbsp, sizeof rbsp)));
  BitReader br(std::span<const uint8_t>(rbsp, rbsp_size));
  H264SliceHeader h;
  h.nal_unit_type = type;
  h.nal_ref_idc = static_cast<uint8_t>((nal[0] >> 5) & 3);
  h.first_mb_in_slice = br.ue_max(139263, "first_mb_in_slice");
  h.slice_type = br.ue_max(9, "slice_type");
  h.pic_parameter_set_id = br.ue_max(255, "pic_parameter_set_id");
  CAMREC_RETURN_IF_ERROR(finish(br, "slice header"));
  const H264Pps* pps = sets.pps(h.pic_parameter_set_id);
  if (!pps)
    return make_error(Errc::malformed, "H.264 slice refers to PPS " + std::to_string(h.pic_parameter_set_id) +
                                           ", which has not been seen");
  const H264Sps* sps = sets.sps(pps->seq_parameter_set_id);
  if (!sps)
    return make_error(Errc::malformed, "H.264 PPS " + std::to_string(pps->pic_parameter_set_id) + " refers to SPS " +
                                           std::to_string(pps->seq_parameter_set_id) + ", which has not been seen");
  if (sps->separate_colour_plane_flag) h.colour_plane_id = br.u(2);
  h.frame_num = br.u(static_cast<int>(sps->log2_max_frame_num));
  if (!sps->frame_mbs_only_flag) {
    h.field_pic_flag = br.flag();
    if (h.field_pic_flag) h.bottom_field_flag = br.flag();
  }
  if (h.is_idr()) h.idr_pic_id = br.ue_max(65535, "idr_pic_id");
  bool frame_with_bottom = pps->bottom_field_pic_order_in_frame_present_flag && !h.field_pic_flag;
  if (sps->pic_order_cnt_type == 0) {
    h.pic_order_cnt_lsb = br.u(static_cast<int>(sps->log2_max_pic_order_cnt_lsb));
    if (frame_with_bottom) h.delta_pic_order_cnt_bottom = br.se();
  }
  if (sps->pic_order_cnt_type == 1 && !sps->delta_pic_order_always_zero_flag) {
    h.delta_pic_order_cnt[0] = br.se();
    if (frame_with_bottom) h.delta_pic_order_cnt[1] = br.se();
  }
  if (pps->redundant_pic_cnt_present_flag) h.redundant_pic_cnt = br.ue_max(127, "redundant_pic_cnt");
  uint32_t cls = h.slice_class();
  bool is_b = cls == 1, is_p = cls == 0 || cls == 3;
  if (is_b) br.skip(1);  // direct_spatial_mv_pred_flag
  uint32_t num_l0 = pps->num_ref_idx_l0_default_active, num_l1 = pps->num_ref_idx_l1_default_active;
  if (is_p || is_b) {
    if (br.flag()) {  // num_ref_idx_active_override_flag
      num_l0 = br.ue_max(31, "num_ref_idx_l0_active_minus1") + 1;
      if (is_b) num_l1 = br.ue_max(31, "num_ref_idx_l1_active_minus1") + 1;
    }
  }
  // ref_pic_list_modification() (7.3.3.1); each list ends with modification_of_pic_nums_idc 3.
  for (int list = 0; list < (is_b ? 2 : (is_p ? 1 : 0)); ++list) {
    if (!br.flag()) continue;
    for (int n = 0;; ++n) {
      uint32_t idc = br.ue_max(5, "modification_of_pic_nums_idc");
      if (br.failed() || idc == 3) break;
      if (n > 64) {
        br.fail(Errc::malformed, "ref_pic_list_modification does not end");
        break;
      }
      br.ue();  // abs_diff_pic_num_minus1, long_term_pic_num or abs_diff_view_idx_minus1
    }
  }
  // pred_weight_table() (7.3.3.2).
  if ((pps->weighted_pred_flag && is_p) || (pps->weighted_bipred_idc == 1 && is_b)) {
    br.ue_max(7, "luma_log2_weight_denom");
    bool chroma = sps->chroma_array_type() != 0;
    if (chroma) br.ue_max(7, "chroma_log2_weight_denom");
    for (int list = 0; list < (is_b ? 2 : 1); ++list) {
      uint32_t n = list == 0 ? num_l0 : num_l1;
      for (uint32_t i = 0; i < n && br.ok(); ++i) {
        if (br.flag()) {
          br.se();
          br.se();
        }
        if (chroma && br.flag()) {
          for (int j = 0; j < 4; ++j) br.se();
        }
      }
    }
  }
  // dec_ref_pic_marking() (7.3.3.3).
  if (h.nal_ref_idc != 0) {
    if (h.is_idr()) {
      h.no_output_of_prior_pics_flag = br.flag();
      h.long_term_reference_flag = br.flag();
    } else if (br.flag()) {  // adaptive_ref_pic_marking_mode_flag
      for (int n = 0;; ++n) {
        uint32_t op = br.ue_max(6, "memory_management_control_operation");
        if (br.failed() || op == 0) break;
        if (n > 100) {
          br.fail(Errc::malformed, "dec_ref_pic_marking does not end");
          break;
        }
        if (op == 5) h.memory_management_control_operation_5 = true;
        if (op == 1 || op == 3) br.ue();  // difference_of_pic_nums_minus1
        if (op == 2) br.ue();             // long_term_pic_num
        if (op == 3 || op == 6) br.ue();  // long_term_frame_idx
        if (op == 4) br.ue();             // max_long_term_frame_idx_plus1
      }
    }
  }
  CAMREC_RETURN_IF_ERROR(finish(br, "slice header"));
  return h;
}

Result<H264Poc> H264PocCalculator::compute(const H264SliceHeader& slice, const H264Sps& sps) {
  if (!started_ && !slice.is_idr())
    return make_error(Errc::malformed, "H.264 POC: the first picture is not an IDR picture");
  started_ = true;
  H264Poc out;
  const int64_t max_frame_num = int64_t{1} << sps.log2_max_frame_num;
  int64_t top = 0, bottom = 0;
  int64_t frame_num_offset = 0;
  if (sps.pic_order_cnt_type == 0) {
    // 8.2.1.1
    if (slice.is_idr()) {
      prev_poc_msb_ = 0;
      prev_poc_lsb_ = 0;
    }
    const int64_t max_lsb = int64_t{1} << sps.log2_max_pic_order_cnt_lsb;
    const int64_t lsb = slice.pic_order_cnt_lsb;
    int64_t msb = prev_poc_msb_;
    if (lsb < prev_poc_lsb_ && prev_poc_lsb_ - lsb >= max_lsb / 2) msb = prev_poc_msb_ + max_lsb;
    else if (lsb > prev_poc_lsb_ && lsb - prev_poc_lsb_ > max_lsb / 2) msb = prev_poc_msb_ - max_lsb;
    if (!slice.bottom_field_flag) top = msb + lsb;
    if (!slice.field_pic_flag) bottom = top + slice.delta_pic_order_cnt_bottom;
    else if (slice.bottom_field_flag) bottom = msb + lsb;
    if (slice.is_reference()) {
      prev_poc_msb_ = msb;
      prev_poc_lsb_ = lsb;
    }
  } else {
    // 8.2.1.2 / 8.2.1.3: FrameNumOffset.
    int64_t prev_offset = prev_had_mmco5_ ? 0 : prev_frame_num_offset_;
    if (slice.is_idr()) frame_num_offset = 0;
    else if (prev_frame_num_ > slice.frame_num) frame_num_offset = prev_offset + max_frame_num;
    else frame_num_offset = prev_offset;
    if (sps.pic_order_cnt_type == 1) {
      const int64_t cycle = static_cast<int64_t>(sps.offset_for_ref_frame.size());
      int64_t abs_frame_num = cycle != 0 ? frame_num_offset + slice.frame_num : 0;
      if (!slice.is_reference() && abs_frame_num > 0) --abs_frame_num;
      int64_t expected = 0;
      if (abs_frame_num > 0) {
        int64_t delta_per_cycle = 0;
        for (int32_t o : sps.offset_for_ref_frame) delta_per_cycle += o;
        int64_t cycle_cnt = (abs_frame_num - 1) / cycle;
        int64_t in_cycle = (abs_frame_num - 1) % cycle;
        expected = cycle_cnt * delta_per_cycle;
        for (int64_t i = 0; i <= in_cycle; ++i) expected += sps.offset_for_ref_frame[static_cast<size_t>(i)];
      }
      if (!slice.is_reference()) expected += sps.offset_for_non_ref_pic;
      if (!slice.field_pic_flag) {
        top = expected + slice.delta_pic_order_cnt[0];
        bottom = top + sps.offset_for_top_to_bottom_field + slice.delta_pic_order_cnt[1];
      } else if (!slice.bottom_field_flag) {
        top = expected + slice.delta_pic_order_cnt[0];
      } else {
        bottom = expected + sps.offset_for_top_to_bottom_field + slice.delta_pic_order_cnt[0];
      }
    } else {
      int64_t temp = 0;
      if (!slice.is_idr()) temp = 2 * (frame_num_offset + slice.frame_num) - (slice.is_reference() ? 0 : 1);
      top = bottom = temp;
    }
  }
  int64_t poc = !slice.field_pic_flag ? std::min(top, bottom) : (slice.bottom_field_flag ? bottom : top);
  bool mmco5 = slice.memory_management_control_operation_5;
  if (mmco5) {
    // 8.2.1: after decoding an MMCO-5 picture its POC becomes relative to itself.
    top -= poc;
    bottom -= poc;
    poc = 0;
    if (sps.pic_order_cnt_type == 0) {
      prev_poc_msb_ = 0;
      prev_poc_lsb_ = slice.bottom_field_flag ? 0 : top;
    }
  }
  prev_frame_num_offset_ = frame_num_offset;
  prev_frame_num_ = mmco5 ? 0 : slice.frame_num;
  prev_had_mmco5_ = mmco5;
  if (top < INT32_MIN || top > INT32_MAX || bottom < INT32_MIN || bottom > INT32_MAX)
    return make_error(Errc::malformed, "H.264 POC does not fit 32 bits");
  out.top_field_order_cnt = static_cast<int32_t>(top);
  out.bottom_field_order_cnt = static_cast<int32_t>(bottom);
  out.pic_order_cnt = static_cast<int32_t>(poc);
  out.resets_order = slice.is_idr() || mmco5;
  return out;
}

}  // namespace camrec::codec
