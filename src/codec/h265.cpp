// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/h265.h"

#include <algorithm>
#include <string>

namespace camrec::codec {
namespace {

constexpr uint16_t kSarTable[17][2] = {{0, 0},   {1, 1},   {12, 11}, {10, 11}, {16, 11}, {40, 33},
                                       {24, 11}, {20, 11}, {32, 11}, {80, 33}, {18, 11}, {15, 11},
                                       {64, 33}, {160, 99}, {4, 3},  {3, 2},   {2, 1}};

// Checks the 2-byte header and returns the RBSP after it.
Status rbsp_of(NalView nal, uint8_t expected, const char* what, std::vector<uint8_t>& rbsp,
               size_t max_bytes = SIZE_MAX) {
  if (nal.size() < 2) return make_error(Errc::malformed, std::string("H.265 ") + what + ": NAL unit shorter than its header");
  if (nal[0] & 0x80) return make_error(Errc::malformed, std::string("H.265 ") + what + ": forbidden_zero_bit is set");
  uint8_t type = h265_nal_type(nal[0]);
  if (type != expected)
    return make_error(Errc::invalid_argument, std::string("expected an H.265 ") + what + " (type " +
                                                  std::to_string(expected) + "), got NAL type " + std::to_string(type));
  if ((nal[1] & 0x07) == 0)
    return make_error(Errc::malformed, std::string("H.265 ") + what + ": nuh_temporal_id_plus1 is 0");
  ebsp_to_rbsp(nal.subspan(2), rbsp, max_bytes);
  return Status::ok();
}

uint8_t layer_id(NalView nal) { return static_cast<uint8_t>(((nal[0] & 1) << 5) | (nal[1] >> 3)); }

Status finish(const BitReader& br, const char* what) {
  if (br.ok()) return Status::ok();
  return br.status().with_context(std::string("H.265 ") + what);
}

// A short-term reference picture set after derivation (7.4.8): delta POCs, negative then
// positive, each list ordered by distance from the current picture.
struct StRps {
  std::vector<int32_t> s0, s1;
  std::vector<bool> used0, used1;
  size_t num_delta_pocs() const { return s0.size() + s1.size(); }
};

void st_ref_pic_set(BitReader& br, uint32_t idx, std::vector<StRps>& sets) {
  StRps rps;
  bool predicted = idx != 0 && br.flag();  // inter_ref_pic_set_prediction_flag
  if (predicted) {
    // In an SPS delta_idx_minus1 is absent: the reference is the previous set.
    const StRps& ref = sets[idx - 1];
    bool sign = br.flag();
    uint32_t abs_delta = br.ue_max(32767, "abs_delta_rps_minus1") + 1;
    int32_t delta_rps = sign ? -static_cast<int32_t>(abs_delta) : static_cast<int32_t>(abs_delta);
    size_t n = ref.num_delta_pocs();
    std::vector<bool> used(n + 1), use_delta(n + 1, true);
    for (size_t j = 0; j <= n && br.ok(); ++j) {
      used[j] = br.flag();
      if (!used[j]) use_delta[j] = br.flag();
    }
    size_t neg = ref.s0.size(), pos = ref.s1.size();
    for (size_t j = pos; j-- > 0;) {
      int32_t d = ref.s1[j] + delta_rps;
      if (d < 0 && use_delta[neg + j]) rps.s0.push_back(d), rps.used0.push_back(used[neg + j]);
    }
    if (delta_rps < 0 && use_delta[n]) rps.s0.push_back(delta_rps), rps.used0.push_back(used[n]);
    for (size_t j = 0; j < neg; ++j) {
      int32_t d = ref.s0[j] + delta_rps;
      if (d < 0 && use_delta[j]) rps.s0.push_back(d), rps.used0.push_back(used[j]);
    }
    for (size_t j = neg; j-- > 0;) {
      int32_t d = ref.s0[j] + delta_rps;
      if (d > 0 && use_delta[j]) rps.s1.push_back(d), rps.used1.push_back(used[j]);
    }
    if (delta_rps > 0 && use_delta[n]) rps.s1.push_back(delta_rps), rps.used1.push_back(used[n]);
    for (size_t j = 0; j < pos; ++j) {
      int32_t d = ref.s1[j] + delta_rps;
      if (d > 0 && use_delta[neg + j]) rps.s1.push_back(d), rps.used1.push_back(used[neg + j]);
    }
    if (rps.num_delta_pocs() > 16) br.fail(Errc::malformed, "predicted short-term RPS has more than 16 pictures");
  } else {
    uint32_t neg = br.ue_max(16, "num_negative_pics");
    uint32_t pos = br.ue_max(16 - neg, "num_positive_pics");
    int32_t poc = 0;
    for (uint32_t i = 0; i < neg && br.ok(); ++i) {
      poc -= static_cast<int32_t>(br.ue_max(32767, "delta_poc_s0_minus1") + 1);
      rps.s0.push_back(poc);
      rps.used0.push_back(br.flag());
    }
    poc = 0;
    for (uint32_t i = 0; i < pos && br.ok(); ++i) {
      poc += static_cast<int32_t>(br.ue_max(32767, "delta_poc_s1_minus1") + 1);
      rps.s1.push_back(poc);
      rps.used1.push_back(br.flag());
    }
  }
  sets.push_back(std::move(rps));
}

void scaling_list_data(BitReader& br) {
  for (int size_id = 0; size_id < 4; ++size_id) {
    for (int matrix_id = 0; matrix_id < 6 && br.ok(); matrix_id += size_id == 3 ? 3 : 1) {
      if (!br.flag()) {
        br.ue_max(static_cast<uint32_t>(matrix_id) / (size_id == 3 ? 3 : 1), "scaling_list_pred_matrix_id_delta");
      } else {
        int coef_num = std::min(64, 1 << (4 + (size_id << 1)));
        if (size_id > 1) br.se();  // scaling_list_dc_coef_minus8
        for (int i = 0; i < coef_num && br.ok(); ++i) br.se();  // scaling_list_delta_coef
      }
    }
  }
}

void sub_layer_hrd_parameters(BitReader& br, uint32_t cpb_cnt, bool sub_pic) {
  for (uint32_t i = 0; i < cpb_cnt && br.ok(); ++i) {
    br.ue();  // bit_rate_value_minus1
    br.ue();  // cpb_size_value_minus1
    if (sub_pic) {
      br.ue();  // cpb_size_du_value_minus1
      br.ue();  // bit_rate_du_value_minus1
    }
    br.skip(1);  // cbr_flag
  }
}

void hrd_parameters(BitReader& br, bool common_inf_present, uint32_t max_sub_layers_minus1) {
  bool nal = false, vcl = false, sub_pic = false;
  if (common_inf_present) {
    nal = br.flag();
    vcl = br.flag();
    if (nal || vcl) {
      sub_pic = br.flag();
      if (sub_pic) br.skip(8 + 5 + 1 + 5);
      br.skip(4 + 4);  // bit_rate_scale, cpb_size_scale
      if (sub_pic) br.skip(4);
      br.skip(5 + 5 + 5);
    }
  }
  for (uint32_t i = 0; i <= max_sub_layers_minus1 && br.ok(); ++i) {
    bool fixed_general = br.flag();
    bool fixed_within_cvs = fixed_general || br.flag();
    bool low_delay = false;
    if (fixed_within_cvs) br.ue_max(2047, "elemental_duration_in_tc_minus1");
    else low_delay = br.flag();
    uint32_t cpb_cnt = 1;
    if (!low_delay) cpb_cnt = br.ue_max(31, "cpb_cnt_minus1") + 1;
    if (nal) sub_layer_hrd_parameters(br, cpb_cnt, sub_pic);
    if (vcl) sub_layer_hrd_parameters(br, cpb_cnt, sub_pic);
  }
}

void vui_parameters(BitReader& br, uint32_t max_sub_layers_minus1, H265Vui& v) {
  if (br.flag()) {  // aspect_ratio_info_present_flag
    uint32_t idc = br.u(8);
    if (idc == 255) {
      v.sar_width = static_cast<uint16_t>(br.u(16));
      v.sar_height = static_cast<uint16_t>(br.u(16));
    } else if (idc < 17) {
      v.sar_width = kSarTable[idc][0];
      v.sar_height = kSarTable[idc][1];
    }
  }
  if (br.flag()) br.skip(1);  // overscan_info_present_flag, overscan_appropriate_flag
  v.video_signal_type_present_flag = br.flag();
  if (v.video_signal_type_present_flag) {
    br.skip(3);  // video_format
    v.video_full_range_flag = br.flag();
    if (br.flag()) {
      v.colour_primaries = static_cast<uint8_t>(br.u(8));
      v.transfer_characteristics = static_cast<uint8_t>(br.u(8));
      v.matrix_coeffs = static_cast<uint8_t>(br.u(8));
    }
  }
  if (br.flag()) {  // chroma_loc_info_present_flag
    br.ue_max(5, "chroma_sample_loc_type_top_field");
    br.ue_max(5, "chroma_sample_loc_type_bottom_field");
  }
  br.skip(1);  // neutral_chroma_indication_flag
  v.field_seq_flag = br.flag();
  br.skip(1);  // frame_field_info_present_flag
  if (br.flag()) {  // default_display_window_flag
    for (int i = 0; i < 4; ++i) br.ue();
  }
  v.vui_timing_info_present_flag = br.flag();
  if (v.vui_timing_info_present_flag) {
    v.vui_num_units_in_tick = br.u(32);
    v.vui_time_scale = br.u(32);
    if (br.flag()) br.ue();  // vui_poc_proportional_to_timing_flag, vui_num_ticks_poc_diff_one_minus1
    v.vui_hrd_parameters_present_flag = br.flag();
    if (v.vui_hrd_parameters_present_flag) hrd_parameters(br, true, max_sub_layers_minus1);
  }
  v.bitstream_restriction_flag = br.flag();
  if (v.bitstream_restriction_flag) {
    br.skip(3);  // tiles_fixed_structure, motion_vectors_over_pic_boundaries, restricted_ref_pic_lists
    v.min_spatial_segmentation_idc = br.ue_max(4095, "min_spatial_segmentation_idc");
    br.ue();  // max_bytes_per_pic_denom
    br.ue();  // max_bits_per_min_cu_denom
    br.ue();  // log2_max_mv_length_horizontal
    br.ue();  // log2_max_mv_length_vertical
  }
}

}  // namespace

void parse_h265_profile_tier_level(BitReader& br, uint32_t max_sub_layers_minus1, H265ProfileTierLevel& p) {
  p.general_profile_space = static_cast<uint8_t>(br.u(2));
  p.general_tier_flag = br.flag();
  p.general_profile_idc = static_cast<uint8_t>(br.u(5));
  p.general_profile_compatibility_flags = br.u(32);
  uint64_t hi = br.u(32);
  p.general_constraint_indicator_flags = (hi << 16) | br.u(16);
  p.general_level_idc = static_cast<uint8_t>(br.u(8));
  bool profile_present[8] = {}, level_present[8] = {};
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = br.flag();
    level_present[i] = br.flag();
  }
  if (max_sub_layers_minus1 > 0) br.skip(2 * (8 - uint64_t{max_sub_layers_minus1}));  // reserved_zero_2bits
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) br.skip(88);
    if (level_present[i]) br.skip(8);
  }
}

uint32_t H265Sps::pic_size_in_ctbs() const {
  uint32_t log2_ctb = log2_min_luma_coding_block_size + log2_diff_max_min_luma_coding_block_size;
  uint32_t ctb = 1u << log2_ctb;
  uint32_t w = (pic_width_in_luma_samples + ctb - 1) >> log2_ctb;
  uint32_t h = (pic_height_in_luma_samples + ctb - 1) >> log2_ctb;
  return w * h;
}

Result<H265Vps> parse_h265_vps(NalView nal) {
  std::vector<uint8_t> rbsp;
  CAMREC_RETURN_IF_ERROR(rbsp_of(nal, 32, "VPS", rbsp));
  BitReader br(rbsp);
  H265Vps v;
  v.vps_video_parameter_set_id = br.u(4);
  br.skip(2);  // vps_base_layer_internal_flag, vps_base_layer_available_flag
  v.vps_max_layers = br.u(6) + 1;
  uint32_t max_sub_layers_minus1 = br.u(3);
  if (br.ok() && max_sub_layers_minus1 > 6) br.fail(Errc::malformed, "vps_max_sub_layers_minus1 > 6");
  v.vps_max_sub_layers = max_sub_layers_minus1 + 1;
  v.vps_temporal_id_nesting_flag = br.flag();
  if (br.u(16) != 0xFFFF && br.ok()) br.fail(Errc::malformed, "vps_reserved_0xffff_16bits is not 0xffff");
  parse_h265_profile_tier_level(br, max_sub_layers_minus1, v.profile_tier_level);
  bool ordering_info = br.flag();
  for (uint32_t i = ordering_info ? 0 : max_sub_layers_minus1; i <= max_sub_layers_minus1 && br.ok(); ++i) {
    br.ue_max(15, "vps_max_dec_pic_buffering_minus1");
    br.ue_max(15, "vps_max_num_reorder_pics");
    br.ue();  // vps_max_latency_increase_plus1
  }
  uint32_t max_layer_id = br.u(6);
  uint32_t num_layer_sets = br.ue_max(1023, "vps_num_layer_sets_minus1") + 1;
  br.skip(uint64_t{num_layer_sets - 1} * (max_layer_id + 1));  // layer_id_included_flag
  v.vps_timing_info_present_flag = br.flag();
  if (v.vps_timing_info_present_flag) {
    v.vps_num_units_in_tick = br.u(32);
    v.vps_time_scale = br.u(32);
  }
  CAMREC_RETURN_IF_ERROR(finish(br, "VPS"));
  return v;
}

Result<H265Sps> parse_h265_sps(NalView nal) {
  std::vector<uint8_t> rbsp;
  CAMREC_RETURN_IF_ERROR(rbsp_of(nal, 33, "SPS", rbsp));
  if (layer_id(nal) != 0) return make_error(Errc::unsupported, "H.265 SPS with nuh_layer_id > 0 (multi-layer)");
  BitReader br(rbsp);
  H265Sps s;
  s.sps_video_parameter_set_id = br.u(4);
  uint32_t max_sub_layers_minus1 = br.u(3);
  if (br.ok() && max_sub_layers_minus1 > 6) br.fail(Errc::malformed, "sps_max_sub_layers_minus1 > 6");
  s.sps_max_sub_layers = max_sub_layers_minus1 + 1;
  s.sps_temporal_id_nesting_flag = br.flag();
  parse_h265_profile_tier_level(br, max_sub_layers_minus1, s.profile_tier_level);
  s.sps_seq_parameter_set_id = br.ue_max(15, "sps_seq_parameter_set_id");
  s.chroma_format_idc = br.ue_max(3, "chroma_format_idc");
  if (s.chroma_format_idc == 3) s.separate_colour_plane_flag = br.flag();
  s.pic_width_in_luma_samples = br.ue_max(32768, "pic_width_in_luma_samples");
  s.pic_height_in_luma_samples = br.ue_max(32768, "pic_height_in_luma_samples");
  if (br.flag()) {  // conformance_window_flag
    s.conf_win_left_offset = br.ue();
    s.conf_win_right_offset = br.ue();
    s.conf_win_top_offset = br.ue();
    s.conf_win_bottom_offset = br.ue();
  }
  s.bit_depth_luma = br.ue_max(8, "bit_depth_luma_minus8") + 8;
  s.bit_depth_chroma = br.ue_max(8, "bit_depth_chroma_minus8") + 8;
  s.log2_max_pic_order_cnt_lsb = br.ue_max(12, "log2_max_pic_order_cnt_lsb_minus4") + 4;
  bool ordering_info = br.flag();
  for (uint32_t i = ordering_info ? 0 : max_sub_layers_minus1; i <= max_sub_layers_minus1 && br.ok(); ++i) {
    s.sps_max_dec_pic_buffering[i] = br.ue_max(15, "sps_max_dec_pic_buffering_minus1") + 1;
    s.sps_max_num_reorder_pics[i] = br.ue_max(s.sps_max_dec_pic_buffering[i] - 1, "sps_max_num_reorder_pics");
    s.sps_max_latency_increase_plus1[i] = br.ue();
  }
  // 7.4.3.2.1: absent lower sub-layers take the values of the highest one.
  if (!ordering_info) {
    for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
      s.sps_max_dec_pic_buffering[i] = s.sps_max_dec_pic_buffering[max_sub_layers_minus1];
      s.sps_max_num_reorder_pics[i] = s.sps_max_num_reorder_pics[max_sub_layers_minus1];
      s.sps_max_latency_increase_plus1[i] = s.sps_max_latency_increase_plus1[max_sub_layers_minus1];
    }
  }
  s.log2_min_luma_coding_block_size = br.ue_max(3, "log2_min_luma_coding_block_size_minus3") + 3;
  s.log2_diff_max_min_luma_coding_block_size = br.ue_max(3, "log2_diff_max_min_luma_coding_block_size");
  br.ue_max(3, "log2_min_luma_transform_block_size_minus2");
  br.ue_max(3, "log2_diff_max_min_luma_transform_block_size");
  br.ue_max(4, "max_transform_hierarchy_depth_inter");
  br.ue_max(4, "max_transform_hierarchy_depth_intra");
  if (br.flag() && br.flag()) scaling_list_data(br);  // scaling_list_enabled, sps_scaling_list_data_present
  br.skip(2);  // amp_enabled_flag, sample_adaptive_offset_enabled_flag
  if (br.flag()) {  // pcm_enabled_flag
    br.skip(8);     // pcm_sample_bit_depth_luma_minus1, _chroma_minus1
    br.ue();        // log2_min_pcm_luma_coding_block_size_minus3
    br.ue();        // log2_diff_max_min_pcm_luma_coding_block_size
    br.skip(1);     // pcm_loop_filter_disabled_flag
  }
  s.num_short_term_ref_pic_sets = br.ue_max(64, "num_short_term_ref_pic_sets");
  std::vector<StRps> sets;
  for (uint32_t i = 0; i < s.num_short_term_ref_pic_sets && br.ok(); ++i) st_ref_pic_set(br, i, sets);
  s.long_term_ref_pics_present_flag = br.flag();
  if (s.long_term_ref_pics_present_flag) {
    s.num_long_term_ref_pics_sps = br.ue_max(32, "num_long_term_ref_pics_sps");
    for (uint32_t i = 0; i < s.num_long_term_ref_pics_sps && br.ok(); ++i) {
      br.skip(s.log2_max_pic_order_cnt_lsb);  // lt_ref_pic_poc_lsb_sps
      br.skip(1);                             // used_by_curr_pic_lt_sps_flag
    }
  }
  s.sps_temporal_mvp_enabled_flag = br.flag();
  s.strong_intra_smoothing_enabled_flag = br.flag();
  s.vui_parameters_present_flag = br.flag();
  if (s.vui_parameters_present_flag) vui_parameters(br, max_sub_layers_minus1, s.vui);
  CAMREC_RETURN_IF_ERROR(finish(br, "SPS"));

  uint32_t min_cb = 1u << s.log2_min_luma_coding_block_size;
  if (s.pic_width_in_luma_samples == 0 || s.pic_height_in_luma_samples == 0 ||
      s.pic_width_in_luma_samples % min_cb != 0 || s.pic_height_in_luma_samples % min_cb != 0)
    return make_error(Errc::malformed, "H.265 SPS: picture size " + std::to_string(s.pic_width_in_luma_samples) + "x" +
                                           std::to_string(s.pic_height_in_luma_samples) +
                                           " is not a non-zero multiple of MinCbSizeY " + std::to_string(min_cb));
  if (s.log2_min_luma_coding_block_size + s.log2_diff_max_min_luma_coding_block_size > 6)
    return make_error(Errc::malformed, "H.265 SPS: CTB size larger than 64");
  // Table 6-1: SubWidthC / SubHeightC; ChromaArrayType 0 counts in luma samples.
  uint32_t cat = s.separate_colour_plane_flag ? 0 : s.chroma_format_idc;
  uint32_t sub_w = (cat == 1 || cat == 2) ? 2 : 1;
  uint32_t sub_h = cat == 1 ? 2 : 1;
  uint64_t crop_w = uint64_t{sub_w} * (uint64_t{s.conf_win_left_offset} + s.conf_win_right_offset);
  uint64_t crop_h = uint64_t{sub_h} * (uint64_t{s.conf_win_top_offset} + s.conf_win_bottom_offset);
  if (crop_w >= s.pic_width_in_luma_samples || crop_h >= s.pic_height_in_luma_samples)
    return make_error(Errc::malformed, "H.265 SPS: conformance window removes the whole picture");
  s.width = s.pic_width_in_luma_samples - static_cast<uint32_t>(crop_w);
  s.height = s.pic_height_in_luma_samples - static_cast<uint32_t>(crop_h);
  return s;
}

Result<H265Pps> parse_h265_pps(NalView nal) {
  std::vector<uint8_t> rbsp;
  CAMREC_RETURN_IF_ERROR(rbsp_of(nal, 34, "PPS", rbsp));
  BitReader br(rbsp);
  H265Pps p;
  p.pps_pic_parameter_set_id = br.ue_max(63, "pps_pic_parameter_set_id");
  p.pps_seq_parameter_set_id = br.ue_max(15, "pps_seq_parameter_set_id");
  p.dependent_slice_segments_enabled_flag = br.flag();
  p.output_flag_present_flag = br.flag();
  p.num_extra_slice_header_bits = br.u(3);
  p.sign_data_hiding_enabled_flag = br.flag();
  p.cabac_init_present_flag = br.flag();
  p.num_ref_idx_l0_default_active = br.ue_max(14, "num_ref_idx_l0_default_active_minus1") + 1;
  p.num_ref_idx_l1_default_active = br.ue_max(14, "num_ref_idx_l1_default_active_minus1") + 1;
  p.init_qp = br.se() + 26;
  p.constrained_intra_pred_flag = br.flag();
  p.transform_skip_enabled_flag = br.flag();
  p.cu_qp_delta_enabled_flag = br.flag();
  if (p.cu_qp_delta_enabled_flag) br.ue_max(3, "diff_cu_qp_delta_depth");
  br.se();     // pps_cb_qp_offset
  br.se();     // pps_cr_qp_offset
  br.skip(1);  // pps_slice_chroma_qp_offsets_present_flag
  p.weighted_pred_flag = br.flag();
  p.weighted_bipred_flag = br.flag();
  p.transquant_bypass_enabled_flag = br.flag();
  p.tiles_enabled_flag = br.flag();
  p.entropy_coding_sync_enabled_flag = br.flag();
  CAMREC_RETURN_IF_ERROR(finish(br, "PPS"));
  if (p.init_qp < -38 || p.init_qp > 51) return make_error(Errc::malformed, "H.265 PPS: init_qp_minus26 out of range");
  return p;
}

Status H265ParameterSets::add_vps(NalView nal) {
  CAMREC_ASSIGN_OR_RETURN(auto vps, parse_h265_vps(nal));
  uint32_t id = vps.vps_video_parameter_set_id;
  vps_[id] = vps;
  return Status::ok();
}

Status H265ParameterSets::add_sps(NalView nal) {
  CAMREC_ASSIGN_OR_RETURN(auto sps, parse_h265_sps(nal));
  uint32_t id = sps.sps_seq_parameter_set_id;
  sps_[id] = sps;
  return Status::ok();
}

Status H265ParameterSets::add_pps(NalView nal) {
  CAMREC_ASSIGN_OR_RETURN(auto pps, parse_h265_pps(nal));
  uint32_t id = pps.pps_pic_parameter_set_id;
  pps_[id] = pps;
  return Status::ok();
}

Result<H265SliceHeader> parse_h265_slice_header(NalView nal, const H265ParameterSets& sets) {
  if (nal.size() < 2) return make_error(Errc::malformed, "H.265 slice: NAL unit shorter than its header");
  if (nal[0] & 0x80) return make_error(Errc::malformed, "H.265 slice: forbidden_zero_bit is set");
  H265SliceHeader h;
  h.nal_unit_type = h265_nal_type(nal[0]);
  if (!h265_is_vcl(h.nal_unit_type))
    return make_error(Errc::invalid_argument, "H.265 NAL type " + std::to_string(h.nal_unit_type) + " is not a slice");
  h.nuh_layer_id = layer_id(nal);
  if (h.nuh_layer_id != 0) return make_error(Errc::unsupported, "H.265 slice with nuh_layer_id > 0 (multi-layer)");
  if ((nal[1] & 0x07) == 0) return make_error(Errc::malformed, "H.265 slice: nuh_temporal_id_plus1 is 0");
  h.temporal_id = static_cast<uint8_t>((nal[1] & 0x07) - 1);
  uint8_t rbsp[64];  // on the stack: no allocation per slice
  BitReader br(std::span<const uint8_t>(rbsp, ebsp_to_rbsp(nal.subspan(2), std::span<uint8_t>(rbsp))));
  h.first_slice_segment_in_pic_flag = br.flag();
  if (h265_is_irap(h.nal_unit_type)) h.no_output_of_prior_pics_flag = br.flag();
  h.slice_pic_parameter_set_id = br.ue_max(63, "slice_pic_parameter_set_id");
  CAMREC_RETURN_IF_ERROR(finish(br, "slice header"));
  const H265Pps* pps = sets.pps(h.slice_pic_parameter_set_id);
  if (!pps)
    return make_error(Errc::malformed, "H.265 slice refers to PPS " + std::to_string(h.slice_pic_parameter_set_id) +
                                           ", which has not been seen");
  const H265Sps* sps = sets.sps(pps->pps_seq_parameter_set_id);
  if (!sps)
    return make_error(Errc::malformed, "H.265 PPS " + std::to_string(pps->pps_pic_parameter_set_id) + " refers to SPS " +
                                           std::to_string(pps->pps_seq_parameter_set_id) + ", which has not been seen");
  if (!h.first_slice_segment_in_pic_flag) {
    if (pps->dependent_slice_segments_enabled_flag) h.dependent_slice_segment_flag = br.flag();
    uint32_t ctbs = sps->pic_size_in_ctbs();
    int bits = 0;
    while ((uint64_t{1} << bits) < ctbs) ++bits;
    h.slice_segment_address = br.u(bits);
    if (br.ok() && h.slice_segment_address >= ctbs) br.fail(Errc::malformed, "slice_segment_address out of range");
  }
  if (!h.dependent_slice_segment_flag) {
    br.skip(pps->num_extra_slice_header_bits);  // slice_reserved_flag[]
    h.slice_type = br.ue_max(2, "slice_type");
    if (pps->output_flag_present_flag) h.pic_output_flag = br.flag();
    if (sps->separate_colour_plane_flag) h.colour_plane_id = br.u(2);
    if (!h265_is_idr(h.nal_unit_type)) h.slice_pic_order_cnt_lsb = br.u(static_cast<int>(sps->log2_max_pic_order_cnt_lsb));
  }
  CAMREC_RETURN_IF_ERROR(finish(br, "slice header"));
  return h;
}

Result<H265Poc> H265PocCalculator::compute(const H265SliceHeader& slice, const H265Sps& sps) {
  const uint8_t type = slice.nal_unit_type;
  const bool irap = h265_is_irap(type);
  if (!started_ && !irap)
    return make_error(Errc::malformed, "H.265 POC: the first picture is not an IRAP picture");
  H265Poc out;
  bool no_rasl_output = false;
  if (irap) {
    // 8.1.3: IDR and BLA always; a CRA when it is the first picture or follows an EOS.
    no_rasl_output = h265_is_idr(type) || h265_is_bla(type) || !started_ || after_eos_;
    irap_no_rasl_output_ = no_rasl_output;
  }
  started_ = true;
  after_eos_ = false;
  const int64_t max_lsb = int64_t{1} << sps.log2_max_pic_order_cnt_lsb;
  const int64_t lsb = slice.slice_pic_order_cnt_lsb;
  int64_t msb = 0;
  if (!(irap && no_rasl_output)) {
    int64_t prev_lsb = prev_tid0_poc_ & (max_lsb - 1);
    int64_t prev_msb = prev_tid0_poc_ - prev_lsb;
    msb = prev_msb;
    if (lsb < prev_lsb && prev_lsb - lsb >= max_lsb / 2) msb = prev_msb + max_lsb;
    else if (lsb > prev_lsb && lsb - prev_lsb > max_lsb / 2) msb = prev_msb - max_lsb;
  }
  int64_t poc = msb + lsb;
  if (poc < INT32_MIN || poc > INT32_MAX) return make_error(Errc::malformed, "H.265 POC does not fit 32 bits");
  if (slice.temporal_id == 0 && !h265_is_rasl(type) && !h265_is_radl(type) && !h265_is_sub_layer_non_ref(type))
    prev_tid0_poc_ = poc;
  out.pic_order_cnt = static_cast<int32_t>(poc);
  out.resets_order = irap && no_rasl_output;
  out.droppable = h265_is_rasl(type) && irap_no_rasl_output_;
  out.output = !out.droppable && slice.pic_output_flag;
  return out;
}

}  // namespace camrec::codec
