// SPDX-License-Identifier: LGPL-2.1-or-later
// H.265 / HEVC syntax the recorder needs (ITU-T H.265 (08/2021)): VPS, SPS (with the
// short-term reference picture sets and long-term fields that precede the VUI), PPS, the
// slice segment header up to slice_pic_order_cnt_lsb (7.3.6.1) and picture order count
// (8.3.1), including which RASL pictures cannot be decoded and must be dropped.
//
// Parsers take one NAL unit as in the stream (2-byte header included, emulation prevention
// bytes still in) and never read past it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "camrec/status.h"
#include "codec/annexb.h"

namespace camrec::codec {

/// nal_unit_type values (H.265 Table 7-1).
enum class H265NalType : uint8_t {
  trail_n = 0, trail_r = 1, tsa_n = 2, tsa_r = 3, stsa_n = 4, stsa_r = 5,
  radl_n = 6, radl_r = 7, rasl_n = 8, rasl_r = 9,
  bla_w_lp = 16, bla_w_radl = 17, bla_n_lp = 18, idr_w_radl = 19, idr_n_lp = 20, cra = 21,
  vps = 32, sps = 33, pps = 34, aud = 35, eos = 36, eob = 37, fd = 38,
  sei_prefix = 39, sei_suffix = 40,
};

/// nal_unit_type of the first byte of an H.265 NAL header.
constexpr uint8_t h265_nal_type(uint8_t header0) { return (header0 >> 1) & 0x3F; }
/// True for VCL types 0..31.
constexpr bool h265_is_vcl(uint8_t type) { return type < 32; }
/// IRAP pictures (16..23): BLA, IDR, CRA and the reserved IRAP types. Key frames.
constexpr bool h265_is_irap(uint8_t type) { return type >= 16 && type <= 23; }
/// IDR_W_RADL or IDR_N_LP.
constexpr bool h265_is_idr(uint8_t type) { return type == 19 || type == 20; }
/// BLA_W_LP, BLA_W_RADL, BLA_N_LP.
constexpr bool h265_is_bla(uint8_t type) { return type >= 16 && type <= 18; }
/// RASL_N, RASL_R.
constexpr bool h265_is_rasl(uint8_t type) { return type == 8 || type == 9; }
/// RADL_N, RADL_R.
constexpr bool h265_is_radl(uint8_t type) { return type == 6 || type == 7; }
/// Sub-layer non-reference pictures (even types up to 14).
constexpr bool h265_is_sub_layer_non_ref(uint8_t type) { return type <= 14 && (type % 2) == 0; }

/// profile_tier_level() general part (7.3.3).
struct H265ProfileTierLevel {
  uint8_t general_profile_space = 0;
  bool general_tier_flag = false;
  uint8_t general_profile_idc = 0;
  uint32_t general_profile_compatibility_flags = 0;  ///< flag[j] is bit 31 - j, as coded.
  uint64_t general_constraint_indicator_flags = 0;   ///< 48 bits, progressive_source first (bit 47).
  uint8_t general_level_idc = 0;                     ///< 30 x the level number.
  bool operator==(const H265ProfileTierLevel&) const = default;
};

/// video_parameter_set_rbsp() (7.3.2.1) up to the timing information, under the spec's names.
struct H265Vps {
  uint32_t vps_video_parameter_set_id = 0;
  uint32_t vps_max_layers = 1;      ///< minus1 + 1.
  uint32_t vps_max_sub_layers = 1;  ///< minus1 + 1.
  bool vps_temporal_id_nesting_flag = false;
  H265ProfileTierLevel profile_tier_level;
  bool vps_timing_info_present_flag = false;
  uint32_t vps_num_units_in_tick = 0;
  uint32_t vps_time_scale = 0;
  bool operator==(const H265Vps&) const = default;
};

/// VUI parameters (E.2.1), under the spec's names; fields not listed are skipped.
struct H265Vui {
  uint16_t sar_width = 0;  ///< Sample aspect ratio (0 = unspecified).
  uint16_t sar_height = 0;
  bool video_signal_type_present_flag = false;
  bool video_full_range_flag = false;
  uint8_t colour_primaries = 2;
  uint8_t transfer_characteristics = 2;
  uint8_t matrix_coeffs = 2;
  bool field_seq_flag = false;
  bool vui_timing_info_present_flag = false;
  uint32_t vui_num_units_in_tick = 0;  ///< Picture rate = time_scale / num_units_in_tick.
  uint32_t vui_time_scale = 0;
  bool vui_hrd_parameters_present_flag = false;
  bool bitstream_restriction_flag = false;
  uint32_t min_spatial_segmentation_idc = 0;
  bool operator==(const H265Vui&) const = default;
};

/// seq_parameter_set_rbsp() (7.3.2.2) through the VUI, under the spec's names; a field named
/// without a `_minus1`/`_minus3`/`_minus4`/`_minus8` suffix holds the incremented value.
struct H265Sps {
  uint32_t sps_video_parameter_set_id = 0;
  uint32_t sps_max_sub_layers = 1;  ///< minus1 + 1.
  bool sps_temporal_id_nesting_flag = false;
  H265ProfileTierLevel profile_tier_level;
  uint32_t sps_seq_parameter_set_id = 0;
  uint32_t chroma_format_idc = 1;
  bool separate_colour_plane_flag = false;
  uint32_t pic_width_in_luma_samples = 0;
  uint32_t pic_height_in_luma_samples = 0;
  uint32_t conf_win_left_offset = 0;  ///< In chroma units (SubWidthC / SubHeightC).
  uint32_t conf_win_right_offset = 0;
  uint32_t conf_win_top_offset = 0;
  uint32_t conf_win_bottom_offset = 0;
  uint32_t bit_depth_luma = 8;    ///< bit_depth_luma_minus8 + 8.
  uint32_t bit_depth_chroma = 8;  ///< bit_depth_chroma_minus8 + 8.
  uint32_t log2_max_pic_order_cnt_lsb = 4;  ///< minus4 + 4.
  std::array<uint32_t, 7> sps_max_dec_pic_buffering{};  ///< minus1 + 1, per sub-layer.
  std::array<uint32_t, 7> sps_max_num_reorder_pics{};
  std::array<uint32_t, 7> sps_max_latency_increase_plus1{};
  uint32_t log2_min_luma_coding_block_size = 3;  ///< minus3 + 3.
  uint32_t log2_diff_max_min_luma_coding_block_size = 0;
  uint32_t num_short_term_ref_pic_sets = 0;
  bool long_term_ref_pics_present_flag = false;
  uint32_t num_long_term_ref_pics_sps = 0;
  bool sps_temporal_mvp_enabled_flag = false;
  bool strong_intra_smoothing_enabled_flag = false;
  bool vui_parameters_present_flag = false;
  H265Vui vui;

  uint32_t width = 0;   ///< Width after the conformance window.
  uint32_t height = 0;  ///< Height after the conformance window.

  /// Ctb count of a picture (PicSizeInCtbsY), for slice_segment_address.
  uint32_t pic_size_in_ctbs() const;
  /// sps_max_num_reorder_pics of the highest sub-layer.
  uint32_t reorder_depth() const { return sps_max_num_reorder_pics[sps_max_sub_layers - 1]; }
  /// sps_max_dec_pic_buffering of the highest sub-layer.
  uint32_t max_dec_pic_buffering() const { return sps_max_dec_pic_buffering[sps_max_sub_layers - 1]; }
  bool operator==(const H265Sps&) const = default;
};

/// pic_parameter_set_rbsp() (7.3.2.3) up to entropy_coding_sync_enabled_flag, under the
/// spec's names.
struct H265Pps {
  uint32_t pps_pic_parameter_set_id = 0;
  uint32_t pps_seq_parameter_set_id = 0;
  bool dependent_slice_segments_enabled_flag = false;
  bool output_flag_present_flag = false;
  uint32_t num_extra_slice_header_bits = 0;
  bool sign_data_hiding_enabled_flag = false;
  bool cabac_init_present_flag = false;
  uint32_t num_ref_idx_l0_default_active = 1;  ///< minus1 + 1.
  uint32_t num_ref_idx_l1_default_active = 1;  ///< minus1 + 1.
  int32_t init_qp = 26;                        ///< init_qp_minus26 + 26.
  bool constrained_intra_pred_flag = false;
  bool transform_skip_enabled_flag = false;
  bool cu_qp_delta_enabled_flag = false;
  bool weighted_pred_flag = false;
  bool weighted_bipred_flag = false;
  bool transquant_bypass_enabled_flag = false;
  bool tiles_enabled_flag = false;
  bool entropy_coding_sync_enabled_flag = false;
  bool operator==(const H265Pps&) const = default;
};

/// Parses a profile_tier_level(1, max_sub_layers_minus1) from a BitReader (sub-layer parts
/// are skipped). Errors stay in the reader.
void parse_h265_profile_tier_level(BitReader& br, uint32_t max_sub_layers_minus1, H265ProfileTierLevel& out);

/// Parses a VPS NAL unit (type 32). Errors: malformed (truncated, out of range),
/// invalid_argument (not a VPS).
Result<H265Vps> parse_h265_vps(NalView nal);
/// Parses an SPS NAL unit (type 33); errors as parse_h265_vps(), unsupported for
/// multi-layer SPS (nuh_layer_id > 0).
Result<H265Sps> parse_h265_sps(NalView nal);
/// Parses a PPS NAL unit (type 34); errors as parse_h265_vps().
Result<H265Pps> parse_h265_pps(NalView nal);

/// The VPS, SPS and PPS seen so far in a stream, by id; a new one with an id already seen
/// replaces the old. Not thread-safe.
class H265ParameterSets {
 public:
  /// Parses and stores a VPS NAL unit (parse errors as parse_h265_vps()).
  Status add_vps(NalView nal);
  /// Parses and stores an SPS NAL unit.
  Status add_sps(NalView nal);
  /// Parses and stores a PPS NAL unit.
  Status add_pps(NalView nal);
  /// The VPS with that id, or nullptr; valid until the next add_vps().
  const H265Vps* vps(uint32_t id) const { return id < vps_.size() && vps_[id] ? &*vps_[id] : nullptr; }
  /// The SPS with that id, or nullptr; valid until the next add_sps().
  const H265Sps* sps(uint32_t id) const { return id < sps_.size() && sps_[id] ? &*sps_[id] : nullptr; }
  /// The PPS with that id, or nullptr; valid until the next add_pps().
  const H265Pps* pps(uint32_t id) const { return id < pps_.size() && pps_[id] ? &*pps_[id] : nullptr; }

 private:
  std::array<std::optional<H265Vps>, 16> vps_;
  std::array<std::optional<H265Sps>, 16> sps_;
  std::array<std::optional<H265Pps>, 64> pps_;
};

/// slice_segment_header() (7.3.6.1) up to slice_pic_order_cnt_lsb, under the spec's names,
/// plus the NAL header fields.
struct H265SliceHeader {
  uint8_t nal_unit_type = 0;
  uint8_t nuh_layer_id = 0;
  uint8_t temporal_id = 0;  ///< nuh_temporal_id_plus1 - 1.
  bool first_slice_segment_in_pic_flag = false;
  bool no_output_of_prior_pics_flag = false;  ///< IRAP only.
  uint32_t slice_pic_parameter_set_id = 0;
  bool dependent_slice_segment_flag = false;
  uint32_t slice_segment_address = 0;
  uint32_t slice_type = 0;  ///< 0 B, 1 P, 2 I; only for independent slice segments.
  bool pic_output_flag = true;
  uint32_t colour_plane_id = 0;
  uint32_t slice_pic_order_cnt_lsb = 0;  ///< 0 for IDR pictures, which do not code it.
  bool operator==(const H265SliceHeader&) const = default;
};

/// Parses the slice segment header of a VCL NAL unit, looking up its PPS and SPS in `sets`.
/// Dependent slice segments stop after slice_segment_address (the rest is inherited).
/// Errors: malformed (truncated, out of range, PPS or SPS not yet seen), invalid_argument
/// (not a VCL NAL unit), unsupported (nuh_layer_id > 0).
Result<H265SliceHeader> parse_h265_slice_header(NalView nal, const H265ParameterSets& sets);

/// Picture order count and output status of one picture (8.3.1, 8.1.3).
struct H265Poc {
  int32_t pic_order_cnt = 0;  ///< PicOrderCntVal.
  /// IRAP with NoRaslOutputFlag = 1 (IDR, BLA, a CRA that starts the stream or follows an
  /// end of sequence): output order restarts, every earlier picture is presented first.
  bool resets_order = false;
  /// A RASL picture whose IRAP has NoRaslOutputFlag = 1: it references pictures the decoder
  /// never had, is not output (8.1.3) and should be dropped by a muxer.
  bool droppable = false;
  /// PicOutputFlag (8.1.3): false for droppable pictures and pic_output_flag = 0.
  bool output = true;
};

/// Runs the POC decoding process over the pictures of one stream in decoding order. Feed the
/// first slice segment of each picture, and call end_of_sequence() on each EOS NAL unit.
/// Not thread-safe.
class H265PocCalculator {
 public:
  /// POC of the picture whose first slice segment header is `slice`, coded with `sps`.
  /// Errors: malformed when the first picture is not an IRAP picture.
  Result<H265Poc> compute(const H265SliceHeader& slice, const H265Sps& sps);
  /// An end of sequence NAL unit was seen: the next picture gets NoRaslOutputFlag = 1.
  void end_of_sequence() { after_eos_ = true; }
  /// Forgets the stream.
  void reset() { *this = H265PocCalculator(); }

 private:
  bool started_ = false;
  bool after_eos_ = false;
  bool irap_no_rasl_output_ = false;  // of the latest IRAP, in decoding order
  int64_t prev_tid0_poc_ = 0;
};

}  // namespace camrec::codec
