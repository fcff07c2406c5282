// SPDX-License-Identifier: LGPL-2.1-or-later
// H.264 / AVC syntax the recorder needs (ITU-T H.264 (08/2021)): sequence and picture
// parameter sets (7.3.2.1, 7.3.2.2, VUI E.1), the slice header up to dec_ref_pic_marking
// (7.3.3) and picture order count (8.2.1) so a remuxer can order a raw stream with B-frames.
//
// Parsers take one NAL unit as it appears in the stream (header byte included, emulation
// prevention bytes still in) and never read past it. Values are the spec's syntax elements
// under the spec's names; derived values (cropped size, bit depth) are spelled out.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "camrec/status.h"
#include "codec/annexb.h"

namespace camrec::codec {

/// nal_unit_type values (H.264 Table 7-1).
enum class H264NalType : uint8_t {
  slice = 1,
  slice_data_a = 2,
  slice_data_b = 3,
  slice_data_c = 4,
  idr = 5,
  sei = 6,
  sps = 7,
  pps = 8,
  aud = 9,
  end_of_sequence = 10,
  end_of_stream = 11,
  filler = 12,
  sps_extension = 13,
  prefix = 14,
  subset_sps = 15,
};

/// nal_unit_type of an H.264 NAL header byte.
constexpr uint8_t h264_nal_type(uint8_t header) { return header & 0x1F; }
/// True for the types that carry a slice header (1, 2, 5).
constexpr bool h264_has_slice_header(uint8_t type) { return type == 1 || type == 2 || type == 5; }

/// VUI parameters (E.1.1), under the spec's names; fields not listed are skipped.
struct H264Vui {
  bool aspect_ratio_info_present_flag = false;
  uint8_t aspect_ratio_idc = 0;
  uint16_t sar_width = 0;   ///< Sample aspect ratio from Table E-1 or explicit (0 = unspecified).
  uint16_t sar_height = 0;
  bool video_signal_type_present_flag = false;
  uint8_t video_format = 5;
  bool video_full_range_flag = false;
  uint8_t colour_primaries = 2;
  uint8_t transfer_characteristics = 2;
  uint8_t matrix_coefficients = 2;
  bool timing_info_present_flag = false;
  uint32_t num_units_in_tick = 0;  ///< Frame rate = time_scale / (2 * num_units_in_tick).
  uint32_t time_scale = 0;
  bool fixed_frame_rate_flag = false;
  bool nal_hrd_parameters_present_flag = false;
  bool vcl_hrd_parameters_present_flag = false;
  bool pic_struct_present_flag = false;
  bool bitstream_restriction_flag = false;
  uint32_t max_num_reorder_frames = 0;   ///< Valid when bitstream_restriction_flag.
  uint32_t max_dec_frame_buffering = 0;  ///< Valid when bitstream_restriction_flag.
  bool operator==(const H264Vui&) const = default;
};

/// seq_parameter_set_rbsp() (7.3.2.1.1). Fields carry the syntax elements' spec names and
/// decoded values; a field named without a `_minus1`/`_minus4`/`_minus8` suffix holds the
/// incremented value.
struct H264Sps {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;  ///< constraint_set0..5_flag + reserved bits, as the byte.
  uint8_t level_idc = 0;
  uint32_t seq_parameter_set_id = 0;
  uint32_t chroma_format_idc = 1;  ///< 0 mono, 1 4:2:0, 2 4:2:2, 3 4:4:4.
  bool separate_colour_plane_flag = false;
  uint32_t bit_depth_luma = 8;    ///< bit_depth_luma_minus8 + 8.
  uint32_t bit_depth_chroma = 8;  ///< bit_depth_chroma_minus8 + 8.
  bool seq_scaling_matrix_present_flag = false;
  uint32_t log2_max_frame_num = 4;  ///< log2_max_frame_num_minus4 + 4.
  uint32_t pic_order_cnt_type = 0;
  uint32_t log2_max_pic_order_cnt_lsb = 4;  ///< Type 0 only: minus4 + 4.
  bool delta_pic_order_always_zero_flag = false;  ///< Type 1 fields follow.
  int32_t offset_for_non_ref_pic = 0;
  int32_t offset_for_top_to_bottom_field = 0;
  std::vector<int32_t> offset_for_ref_frame;  ///< num_ref_frames_in_pic_order_cnt_cycle entries.
  uint32_t max_num_ref_frames = 0;
  bool gaps_in_frame_num_value_allowed_flag = false;
  uint32_t pic_width_in_mbs = 0;         ///< pic_width_in_mbs_minus1 + 1.
  uint32_t pic_height_in_map_units = 0;  ///< pic_height_in_map_units_minus1 + 1.
  bool frame_mbs_only_flag = true;
  bool mb_adaptive_frame_field_flag = false;
  bool direct_8x8_inference_flag = false;
  bool frame_cropping_flag = false;
  uint32_t frame_crop_left_offset = 0;
  uint32_t frame_crop_right_offset = 0;
  uint32_t frame_crop_top_offset = 0;
  uint32_t frame_crop_bottom_offset = 0;
  bool vui_parameters_present_flag = false;
  H264Vui vui;

  uint32_t coded_width = 0;   ///< Luma samples before cropping.
  uint32_t coded_height = 0;  ///< Frame height in luma samples before cropping.
  uint32_t width = 0;         ///< Display width after the cropping rectangle.
  uint32_t height = 0;        ///< Display height after the cropping rectangle.

  /// ChromaArrayType (7.4.2.1.1): 0 when separate_colour_plane_flag, else chroma_format_idc.
  uint32_t chroma_array_type() const { return separate_colour_plane_flag ? 0 : chroma_format_idc; }
  /// Frames the decoder may hold back for reordering: max_num_reorder_frames from the VUI,
  /// else the spec's inference (E.2.1): 0 for intra profiles, MaxDpbFrames otherwise.
  uint32_t reorder_depth() const;
  bool operator==(const H264Sps&) const = default;
};

/// pic_parameter_set_rbsp() (7.3.2.2) up to the fields a slice header depends on, under the
/// spec's names (values without the `_minus1`/`_minus26` offsets).
struct H264Pps {
  uint32_t pic_parameter_set_id = 0;
  uint32_t seq_parameter_set_id = 0;
  bool entropy_coding_mode_flag = false;  ///< CABAC when set.
  bool bottom_field_pic_order_in_frame_present_flag = false;
  uint32_t num_slice_groups = 1;  ///< num_slice_groups_minus1 + 1.
  uint32_t num_ref_idx_l0_default_active = 1;  ///< minus1 + 1.
  uint32_t num_ref_idx_l1_default_active = 1;  ///< minus1 + 1.
  bool weighted_pred_flag = false;
  uint32_t weighted_bipred_idc = 0;
  int32_t pic_init_qp = 26;  ///< pic_init_qp_minus26 + 26.
  int32_t chroma_qp_index_offset = 0;
  bool deblocking_filter_control_present_flag = false;
  bool constrained_intra_pred_flag = false;
  bool redundant_pic_cnt_present_flag = false;
  bool transform_8x8_mode_flag = false;  ///< From the High-profile tail, false when absent.
  bool operator==(const H264Pps&) const = default;
};

/// Parses an SPS NAL unit (type 7). Errors: malformed (truncated, values out of the spec's
/// range), invalid_argument (not an SPS).
Result<H264Sps> parse_h264_sps(NalView nal);
/// Parses a PPS NAL unit (type 8); errors as parse_h264_sps().
Result<H264Pps> parse_h264_pps(NalView nal);

/// The SPS and PPS seen so far in a stream, by id; a new one with the same id replaces the
/// old (7.4.1.2.1). Not thread-safe.
class H264ParameterSets {
 public:
  /// Parses and stores an SPS NAL unit.
  Status add_sps(NalView nal);
  /// Parses and stores a PPS NAL unit.
  Status add_pps(NalView nal);
  /// The SPS with that id, or nullptr.
  const H264Sps* sps(uint32_t id) const { return id < sps_.size() && sps_[id] ? &*sps_[id] : nullptr; }
  /// The PPS with that id, or nullptr.
  const H264Pps* pps(uint32_t id) const { return id < pps_.size() && pps_[id] ? &*pps_[id] : nullptr; }

 private:
  std::array<std::optional<H264Sps>, 32> sps_;
  std::array<std::optional<H264Pps>, 256> pps_;
};

/// slice_header() (7.3.3) through dec_ref_pic_marking(), under the spec's names, plus the
/// NAL header fields; later fields are not read.
struct H264SliceHeader {
  uint8_t nal_unit_type = 0;
  uint8_t nal_ref_idc = 0;
  uint32_t first_mb_in_slice = 0;
  uint32_t slice_type = 0;  ///< 0..9; slice_type % 5: 0 P, 1 B, 2 I, 3 SP, 4 SI.
  uint32_t pic_parameter_set_id = 0;
  uint32_t colour_plane_id = 0;
  uint32_t frame_num = 0;
  bool field_pic_flag = false;
  bool bottom_field_flag = false;
  uint32_t idr_pic_id = 0;
  uint32_t pic_order_cnt_lsb = 0;
  int32_t delta_pic_order_cnt_bottom = 0;
  std::array<int32_t, 2> delta_pic_order_cnt{};
  uint32_t redundant_pic_cnt = 0;
  bool no_output_of_prior_pics_flag = false;  ///< IDR only.
  bool long_term_reference_flag = false;      ///< IDR only.
  bool memory_management_control_operation_5 = false;  ///< Any MMCO equal to 5 in this slice.

  /// IdrPicFlag: an IDR picture (NAL type 5), a key frame.
  bool is_idr() const { return nal_unit_type == 5; }
  /// nal_ref_idc != 0: the picture is used for reference.
  bool is_reference() const { return nal_ref_idc != 0; }
  /// The slice type's class (slice_type % 5: 0 P, 1 B, 2 I, 3 SP, 4 SI).
  uint32_t slice_class() const { return slice_type % 5; }
  bool operator==(const H264SliceHeader&) const = default;
};

/// Parses the slice header of a slice NAL unit (types 1, 2, 5), looking up its PPS and SPS
/// in `sets`. Errors: malformed (truncated, out-of-range values, PPS or SPS not yet seen),
/// invalid_argument (not a slice), unsupported (MVC/SVC extension slices).
Result<H264SliceHeader> parse_h264_slice_header(NalView nal, const H264ParameterSets& sets);

/// Picture order count of one picture (8.2.1).
struct H264Poc {
  int32_t top_field_order_cnt = 0;
  int32_t bottom_field_order_cnt = 0;
  /// PicOrderCnt(CurrPic): Min(top, bottom) for a frame, the field's own count for a field.
  /// After a memory_management_control_operation 5 this is the value after the reset (0
  /// for a frame), as the decoding process leaves it.
  int32_t pic_order_cnt = 0;
  /// True for IDR and MMCO-5 pictures: output order restarts; every earlier picture is
  /// presented before this one.
  bool resets_order = false;
};

/// Runs the POC decoding process (8.2.1, types 0, 1 and 2) over the pictures of one stream
/// in decoding order. Feed the first slice of each picture. Not thread-safe.
class H264PocCalculator {
 public:
  /// POC of the picture whose first slice header is `slice`, coded with `sps`. Errors:
  /// malformed when the first picture is not an IDR (no reference to count from).
  Result<H264Poc> compute(const H264SliceHeader& slice, const H264Sps& sps);
  /// Forgets the stream (for a new stream).
  void reset() { *this = H264PocCalculator(); }

 private:
  bool started_ = false;
  int64_t prev_poc_msb_ = 0;     // type 0: of the previous reference picture
  int64_t prev_poc_lsb_ = 0;
  int64_t prev_frame_num_offset_ = 0;  // types 1, 2: of the previous picture
  uint32_t prev_frame_num_ = 0;
  bool prev_had_mmco5_ = false;
};

}  // namespace camrec::codec
