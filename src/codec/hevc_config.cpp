// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/hevc_config.h"

#include <algorithm>
#include <cstdio>

#include "codec/h265.h"
#include "io/byte_reader.h"
#include "io/byte_writer.h"

namespace camrec::codec {
namespace {

Status add_array(std::span<const NalView> nals, uint8_t type, const char* what, bool complete,
                 std::vector<HevcNalArray>& arrays) {
  if (nals.empty()) return Status::ok();
  if (nals.size() > 0xFFFF) return make_error(Errc::invalid_argument, std::string("hvcC: too many ") + what);
  HevcNalArray a;
  a.array_completeness = complete;
  a.nal_unit_type = type;
  for (auto nal : nals) {
    if (nal.size() < 2 || h265_nal_type(nal[0]) != type)
      return make_error(Errc::invalid_argument, std::string("hvcC: ") + what + " list holds a NAL unit of type " +
                                                    (nal.empty() ? std::string("?") : std::to_string(h265_nal_type(nal[0]))));
    if (nal.size() > 0xFFFF)
      return make_error(Errc::invalid_argument, std::string("hvcC: ") + what + " of " + std::to_string(nal.size()) +
                                                    " bytes does not fit a 16-bit length");
    a.nal_units.emplace_back(nal.begin(), nal.end());
  }
  arrays.push_back(std::move(a));
  return Status::ok();
}

}  // namespace

Result<HevcDecoderConfig> build_hevc_config(std::span<const NalView> vps, std::span<const NalView> sps,
                                            std::span<const NalView> pps, std::span<const NalView> sei,
                                            bool array_completeness) {
  if (vps.empty() || sps.empty() || pps.empty())
    return make_error(Errc::invalid_argument, "hvcC needs at least one VPS, SPS and PPS");
  HevcDecoderConfig c;
  CAMREC_RETURN_IF_ERROR(add_array(vps, 32, "VPS", array_completeness, c.arrays));
  CAMREC_RETURN_IF_ERROR(add_array(sps, 33, "SPS", array_completeness, c.arrays));
  CAMREC_RETURN_IF_ERROR(add_array(pps, 34, "PPS", array_completeness, c.arrays));
  CAMREC_RETURN_IF_ERROR(add_array(sei, 39, "prefix SEI", array_completeness, c.arrays));
  CAMREC_ASSIGN_OR_RETURN(H265Vps v, parse_h265_vps(vps[0]));
  CAMREC_ASSIGN_OR_RETURN(H265Sps s, parse_h265_sps(sps[0]));
  CAMREC_ASSIGN_OR_RETURN(H265Pps p, parse_h265_pps(pps[0]));
  const H265ProfileTierLevel& ptl = s.profile_tier_level;
  c.general_profile_space = ptl.general_profile_space;
  c.general_tier_flag = ptl.general_tier_flag;
  c.general_profile_idc = ptl.general_profile_idc;
  c.general_profile_compatibility_flags = ptl.general_profile_compatibility_flags;
  c.general_constraint_indicator_flags = ptl.general_constraint_indicator_flags;
  c.general_level_idc = ptl.general_level_idc;
  c.min_spatial_segmentation_idc =
      s.vui_parameters_present_flag && s.vui.bitstream_restriction_flag ? static_cast<uint16_t>(s.vui.min_spatial_segmentation_idc) : 0;
  if (c.min_spatial_segmentation_idc == 0) c.parallelism_type = 0;
  else if (p.entropy_coding_sync_enabled_flag && p.tiles_enabled_flag) c.parallelism_type = 0;
  else if (p.entropy_coding_sync_enabled_flag) c.parallelism_type = 3;
  else if (p.tiles_enabled_flag) c.parallelism_type = 2;
  else c.parallelism_type = 1;
  c.chroma_format_idc = static_cast<uint8_t>(s.chroma_format_idc);
  c.bit_depth_luma_minus8 = static_cast<uint8_t>(s.bit_depth_luma - 8);
  c.bit_depth_chroma_minus8 = static_cast<uint8_t>(s.bit_depth_chroma - 8);
  c.num_temporal_layers = static_cast<uint8_t>(std::max(v.vps_max_sub_layers, s.sps_max_sub_layers));
  c.temporal_id_nested = s.sps_temporal_id_nesting_flag;
  return c;
}

std::vector<uint8_t> serialize_hevc_config(const HevcDecoderConfig& c) {
  io::ByteWriter w;
  w.u8(c.configuration_version);
  w.u8(static_cast<uint8_t>((c.general_profile_space << 6) | (c.general_tier_flag ? 0x20 : 0) |
                            (c.general_profile_idc & 0x1F)));
  w.u32(c.general_profile_compatibility_flags);
  w.u32(static_cast<uint32_t>(c.general_constraint_indicator_flags >> 16));
  w.u16(static_cast<uint16_t>(c.general_constraint_indicator_flags));
  w.u8(c.general_level_idc);
  w.u16(static_cast<uint16_t>(0xF000 | (c.min_spatial_segmentation_idc & 0x0FFF)));
  w.u8(static_cast<uint8_t>(0xFC | (c.parallelism_type & 3)));
  w.u8(static_cast<uint8_t>(0xFC | (c.chroma_format_idc & 3)));
  w.u8(static_cast<uint8_t>(0xF8 | (c.bit_depth_luma_minus8 & 7)));
  w.u8(static_cast<uint8_t>(0xF8 | (c.bit_depth_chroma_minus8 & 7)));
  w.u16(c.avg_frame_rate);
  w.u8(static_cast<uint8_t>(((c.constant_frame_rate & 3) << 6) | ((c.num_temporal_layers & 7) << 3) |
                            (c.temporal_id_nested ? 4 : 0) | (c.length_size_minus_one & 3)));
  w.u8(static_cast<uint8_t>(c.arrays.size()));
  for (const auto& a : c.arrays) {
    w.u8(static_cast<uint8_t>((a.array_completeness ? 0x80 : 0) | (a.nal_unit_type & 0x3F)));
    w.u16(static_cast<uint16_t>(a.nal_units.size()));
    for (const auto& nal : a.nal_units) {
      w.u16(static_cast<uint16_t>(nal.size()));
      w.bytes(nal);
    }
  }
  return std::move(w.buffer());
}

Result<HevcDecoderConfig> parse_hevc_config(std::span<const uint8_t> data) {
  io::ByteReader r(data);
  HevcDecoderConfig c;
  c.configuration_version = r.u8();
  if (r.ok() && c.configuration_version != 1)
    return make_error(Errc::unsupported, "hvcC configurationVersion " + std::to_string(c.configuration_version));
  uint8_t b = r.u8();
  c.general_profile_space = b >> 6;
  c.general_tier_flag = (b & 0x20) != 0;
  c.general_profile_idc = b & 0x1F;
  c.general_profile_compatibility_flags = r.u32();
  uint64_t hi = r.u32();
  c.general_constraint_indicator_flags = (hi << 16) | r.u16();
  c.general_level_idc = r.u8();
  c.min_spatial_segmentation_idc = r.u16() & 0x0FFF;
  c.parallelism_type = r.u8() & 3;
  c.chroma_format_idc = r.u8() & 3;
  c.bit_depth_luma_minus8 = r.u8() & 7;
  c.bit_depth_chroma_minus8 = r.u8() & 7;
  c.avg_frame_rate = r.u16();
  b = r.u8();
  c.constant_frame_rate = b >> 6;
  c.num_temporal_layers = (b >> 3) & 7;
  c.temporal_id_nested = (b & 4) != 0;
  c.length_size_minus_one = b & 3;
  if (r.ok() && c.length_size_minus_one == 2)
    r.fail(Errc::malformed, "hvcC lengthSizeMinusOne is 2 (3-byte lengths are not allowed)");
  size_t num_arrays = r.u8();
  // Each array needs at least 3 bytes (type byte and count).
  r.check_count(num_arrays, 3, "numOfArrays");
  for (size_t i = 0; i < num_arrays && r.ok(); ++i) {
    HevcNalArray a;
    b = r.u8();
    a.array_completeness = (b & 0x80) != 0;
    a.nal_unit_type = b & 0x3F;
    size_t n = r.u16();
    if (!r.check_count(n, 2, "numNalus")) break;
    for (size_t j = 0; j < n && r.ok(); ++j) {
      uint16_t len = r.u16();
      auto bytes = r.bytes(len);
      if (r.failed()) break;
      if (len < 2 || h265_nal_type(bytes[0]) != a.nal_unit_type) {
        r.fail(Errc::malformed, "NAL unit " + std::to_string(j) + " of the type-" + std::to_string(a.nal_unit_type) +
                                    " array has another type or no header");
        break;
      }
      a.nal_units.emplace_back(bytes.begin(), bytes.end());
    }
    c.arrays.push_back(std::move(a));
  }
  if (r.failed()) return r.status().with_context("hvcC");
  return c;
}

std::string hevc_codec_string(const HevcDecoderConfig& c, const char* sample_entry) {
  static const char* const kSpace[4] = {"", "A", "B", "C"};
  // E.3: the compatibility flags in reverse bit order, so flag[j] becomes bit j.
  uint32_t flags = c.general_profile_compatibility_flags;
  uint32_t reversed = 0;
  for (int i = 0; i < 32; ++i) reversed |= ((flags >> i) & 1u) << (31 - i);
  char buf[96];
  int n = std::snprintf(buf, sizeof buf, ".%s%u.%X.%c%u", kSpace[c.general_profile_space & 3], c.general_profile_idc,
                        reversed, c.general_tier_flag ? 'H' : 'L', c.general_level_idc);
  std::string out = std::string(sample_entry) + std::string(buf, static_cast<size_t>(n));
  uint8_t bytes[6];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(c.general_constraint_indicator_flags >> (40 - 8 * i));
  int last = 5;
  while (last >= 0 && bytes[last] == 0) --last;
  for (int i = 0; i <= last; ++i) {
    std::snprintf(buf, sizeof buf, ".%X", bytes[i]);
    out += buf;
  }
  return out;
}

}  // namespace camrec::codec
