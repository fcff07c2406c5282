// SPDX-License-Identifier: LGPL-2.1-or-later
// HEVCDecoderConfigurationRecord, the payload of an 'hvcC' box (ISO/IEC 14496-15 8.3.3.1),
// and the codec string of an HEVC track (14496-15 Annex E.3, "hvc1.1.6.L93.B0").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "camrec/status.h"
#include "codec/annexb.h"

namespace camrec::codec {

/// One NAL unit array of the record: all NAL units of one type.
struct HevcNalArray {
  /// 1: every NAL unit of this type is here, none in the samples (required for 'hvc1').
  bool array_completeness = true;
  uint8_t nal_unit_type = 0;
  std::vector<std::vector<uint8_t>> nal_units;  ///< As in the stream (2-byte header, EPB kept).
  bool operator==(const HevcNalArray&) const = default;
};

/// HEVCDecoderConfigurationRecord, fields under the names of 14496-15 8.3.3.1.1.
struct HevcDecoderConfig {
  uint8_t configuration_version = 1;
  uint8_t general_profile_space = 0;
  bool general_tier_flag = false;
  uint8_t general_profile_idc = 0;
  uint32_t general_profile_compatibility_flags = 0;  ///< As coded: flag[j] is bit 31 - j.
  uint64_t general_constraint_indicator_flags = 0;   ///< 48 bits.
  uint8_t general_level_idc = 0;
  uint16_t min_spatial_segmentation_idc = 0;  ///< 12 bits.
  uint8_t parallelism_type = 0;  ///< 0 unknown/mixed, 1 slices, 2 tiles, 3 wavefront.
  uint8_t chroma_format_idc = 1;
  uint8_t bit_depth_luma_minus8 = 0;
  uint8_t bit_depth_chroma_minus8 = 0;
  uint16_t avg_frame_rate = 0;    ///< Frames per 256 s; 0 = unspecified.
  uint8_t constant_frame_rate = 0;
  uint8_t num_temporal_layers = 1;
  bool temporal_id_nested = false;
  uint8_t length_size_minus_one = 3;
  std::vector<HevcNalArray> arrays;
  bool operator==(const HevcDecoderConfig&) const = default;
};

/// Builds the record from VPS, SPS and PPS NAL units, plus optional prefix SEI NAL units that
/// apply to the whole stream. Profile/tier/level, compatibility and constraint flags come
/// from the first SPS's profile_tier_level; min_spatial_segmentation_idc from its VUI (0 when
/// absent); parallelismType from the first PPS (0 when min_spatial_segmentation_idc is 0,
/// as 14496-15 8.3.3.1.2 requires); numTemporalLayers the larger of the VPS's and SPS's
/// max_sub_layers; temporalIdNested from the SPS; avgFrameRate and constantFrameRate 0;
/// lengthSizeMinusOne 3. Arrays in the order VPS, SPS, PPS, SEI, each with
/// `array_completeness`. Errors: invalid_argument (a list empty or of the wrong NAL type, a
/// NAL unit longer than 65535 bytes), and the VPS/SPS/PPS parse errors.
Result<HevcDecoderConfig> build_hevc_config(std::span<const NalView> vps, std::span<const NalView> sps,
                                            std::span<const NalView> pps, std::span<const NalView> sei = {},
                                            bool array_completeness = true);

/// The record's bytes (the 'hvcC' box payload). Arrays must hold at most 65535 NAL units of
/// at most 65535 bytes, and there must be at most 255 arrays, as build_hevc_config() ensures.
std::vector<uint8_t> serialize_hevc_config(const HevcDecoderConfig& config);

/// Parses an 'hvcC' payload, bounded by `data`. Errors: malformed (truncated, counts past
/// the end, lengthSizeMinusOne 2, a NAL unit whose type differs from its array's),
/// unsupported (configurationVersion other than 1).
Result<HevcDecoderConfig> parse_hevc_config(std::span<const uint8_t> data);

/// Codec string per 14496-15 E.3: "<entry>.<space><profile>.<compat>.<L|H><level>[.<cc>...]":
/// profile space as "", "A", "B" or "C"; profile_idc in decimal; the 32 compatibility flags
/// bit-reversed in hex without leading zeros; tier and level_idc in decimal; then the six
/// constraint bytes in hex, trailing zero bytes omitted. `sample_entry` is "hvc1" or "hev1".
std::string hevc_codec_string(const HevcDecoderConfig& config, const char* sample_entry = "hvc1");

}  // namespace camrec::codec
