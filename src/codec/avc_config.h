// SPDX-License-Identifier: LGPL-2.1-or-later
// AVCDecoderConfigurationRecord, the payload of an 'avcC' box (ISO/IEC 14496-15 5.3.3.1),
// and the RFC 6381 codec string of an AVC track ("avc1.64001f").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "camrec/status.h"
#include "codec/annexb.h"

namespace camrec::codec {

/// AVCDecoderConfigurationRecord, fields under the names of 14496-15 5.3.3.1.1. Parameter sets are NAL units as in the stream (header
/// byte included, emulation prevention bytes kept).
struct AvcDecoderConfig {
  uint8_t configuration_version = 1;
  uint8_t avc_profile_indication = 0;  ///< profile_idc of the SPS.
  uint8_t profile_compatibility = 0;   ///< The SPS byte holding the constraint_set flags.
  uint8_t avc_level_indication = 0;    ///< level_idc of the SPS.
  uint8_t length_size_minus_one = 3;   ///< Sample NAL length fields are this + 1 bytes.
  std::vector<std::vector<uint8_t>> sequence_parameter_sets;
  std::vector<std::vector<uint8_t>> picture_parameter_sets;
  /// The High-profile tail (profile_idc 100, 110, 122, 144) is present.
  bool has_high_profile_extension = false;
  uint8_t chroma_format = 1;  ///< chroma_format_idc.
  uint8_t bit_depth_luma_minus8 = 0;
  uint8_t bit_depth_chroma_minus8 = 0;
  std::vector<std::vector<uint8_t>> sequence_parameter_set_ext;  ///< SPS extension NAL units (type 13).
  bool operator==(const AvcDecoderConfig&) const = default;
};

/// True for the profiles whose record carries the chroma/bit-depth tail (14496-15 5.3.3.1.2).
constexpr bool avc_profile_has_config_extension(uint8_t profile_idc) {
  return profile_idc == 100 || profile_idc == 110 || profile_idc == 122 || profile_idc == 144;
}

/// Builds the record from SPS and PPS NAL units (and SPS extensions, type 13). Profile,
/// compatibility and level come from the first SPS, chroma format and bit depths from its
/// parsed fields. Errors: invalid_argument (no SPS or no PPS, more than 31 SPS or 255 PPS,
/// a NAL unit of the wrong type or longer than 65535 bytes), and the SPS parse errors.
Result<AvcDecoderConfig> build_avc_config(std::span<const NalView> sps, std::span<const NalView> pps,
                                          std::span<const NalView> sps_ext = {});

/// The record's bytes (the 'avcC' box payload). The config must hold at most 31 SPS, 255
/// PPS and 255 SPS extensions of at most 65535 bytes each, as build_avc_config() ensures.
std::vector<uint8_t> serialize_avc_config(const AvcDecoderConfig& config);

/// Parses an 'avcC' payload, bounded by `data`. A High-profile record without its tail (as
/// some old writers produce) parses with has_high_profile_extension = false. Errors:
/// malformed (truncated, counts past the end, a parameter set of the wrong NAL type),
/// unsupported (configurationVersion other than 1).
Result<AvcDecoderConfig> parse_avc_config(std::span<const uint8_t> data);

/// RFC 6381 codec string "avc1.PPCCLL" (lower-case hex of profile, compatibility, level);
/// `sample_entry` is the 4CC to put in front ("avc1" or "avc3").
std::string avc_codec_string(const AvcDecoderConfig& config, const char* sample_entry = "avc1");

}  // namespace camrec::codec
