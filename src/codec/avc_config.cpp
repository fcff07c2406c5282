// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/avc_config.h"

#include <cstdio>

#include "codec/h264.h"
#include "io/byte_reader.h"
#include "io/byte_writer.h"

namespace camrec::codec {
namespace {

Status check_nals(std::span<const NalView> nals, uint8_t type, const char* what) {
  for (auto nal : nals) {
    if (nal.empty()) return make_error(Errc::invalid_argument, std::string("empty ") + what + " NAL unit");
    if (h264_nal_type(nal[0]) != type)
      return make_error(Errc::invalid_argument, std::string("avcC: ") + what + " list holds NAL type " +
                                                    std::to_string(h264_nal_type(nal[0])));
    if (nal.size() > 0xFFFF)
      return make_error(Errc::invalid_argument, std::string("avcC: ") + what + " of " + std::to_string(nal.size()) +
                                                    " bytes does not fit a 16-bit length");
  }
  return Status::ok();
}

std::vector<std::vector<uint8_t>> copy_nals(std::span<const NalView> nals) {
  std::vector<std::vector<uint8_t>> out;
  for (auto nal : nals) out.emplace_back(nal.begin(), nal.end());
  return out;
}

void write_nals(io::ByteWriter& w, const std::vector<std::vector<uint8_t>>& nals) {
  for (const auto& nal : nals) {
    w.u16(static_cast<uint16_t>(nal.size()));
    w.bytes(nal);
  }
}

void read_nals(io::ByteReader& r, size_t count, uint8_t type, const char* what,
               std::vector<std::vector<uint8_t>>& out) {
  if (!r.check_count(count, 2, what)) return;
  for (size_t i = 0; i < count && r.ok(); ++i) {
    uint16_t len = r.u16();
    auto bytes = r.bytes(len);
    if (r.failed()) return;
    if (len == 0 || h264_nal_type(bytes[0]) != type) {
      r.fail(Errc::malformed, std::string(what) + " " + std::to_string(i) + " is not a NAL unit of type " +
                                  std::to_string(type));
      return;
    }
    out.emplace_back(bytes.begin(), bytes.end());
  }
}

}  // namespace

Result<AvcDecoderConfig> build_avc_config(std::span<const NalView> sps, std::span<const NalView> pps,
                                          std::span<const NalView> sps_ext) {
  if (sps.empty()) return make_error(Errc::invalid_argument, "avcC needs at least one SPS");
  if (pps.empty()) return make_error(Errc::invalid_argument, "avcC needs at least one PPS");
  if (sps.size() > 31) return make_error(Errc::invalid_argument, "avcC holds at most 31 SPS");
  if (pps.size() > 255 || sps_ext.size() > 255)
    return make_error(Errc::invalid_argument, "avcC holds at most 255 PPS and 255 SPS extensions");
  CAMREC_RETURN_IF_ERROR(check_nals(sps, 7, "SPS"));
  CAMREC_RETURN_IF_ERROR(check_nals(pps, 8, "PPS"));
  CAMREC_RETURN_IF_ERROR(check_nals(sps_ext, 13, "SPS extension"));
  CAMREC_ASSIGN_OR_RETURN(H264Sps parsed, parse_h264_sps(sps[0]));
  AvcDecoderConfig c;
  c.avc_profile_indication = parsed.profile_idc;
  c.profile_compatibility = parsed.constraint_flags;
  c.avc_level_indication = parsed.level_idc;
  c.sequence_parameter_sets = copy_nals(sps);
  c.picture_parameter_sets = copy_nals(pps);
  c.has_high_profile_extension = avc_profile_has_config_extension(parsed.profile_idc);
  if (c.has_high_profile_extension) {
    c.chroma_format = static_cast<uint8_t>(parsed.chroma_format_idc);
    c.bit_depth_luma_minus8 = static_cast<uint8_t>(parsed.bit_depth_luma - 8);
    c.bit_depth_chroma_minus8 = static_cast<uint8_t>(parsed.bit_depth_chroma - 8);
    c.sequence_parameter_set_ext = copy_nals(sps_ext);
  }
  return c;
}

std::vector<uint8_t> serialize_avc_config(const AvcDecoderConfig& c) {
  io::ByteWriter w;
  w.u8(c.configuration_version);
  w.u8(c.avc_profile_indication);
  w.u8(c.profile_compatibility);
  w.u8(c.avc_level_indication);
  w.u8(static_cast<uint8_t>(0xFC | (c.length_size_minus_one & 3)));
  w.u8(static_cast<uint8_t>(0xE0 | (c.sequence_parameter_sets.size() & 0x1F)));
  write_nals(w, c.sequence_parameter_sets);
  w.u8(static_cast<uint8_t>(c.picture_parameter_sets.size()));
  write_nals(w, c.picture_parameter_sets);
  if (c.has_high_profile_extension) {
    w.u8(static_cast<uint8_t>(0xFC | (c.chroma_format & 3)));
    w.u8(static_cast<uint8_t>(0xF8 | (c.bit_depth_luma_minus8 & 7)));
    w.u8(static_cast<uint8_t>(0xF8 | (c.bit_depth_chroma_minus8 & 7)));
    w.u8(static_cast<uint8_t>(c.sequence_parameter_set_ext.size()));
    write_nals(w, c.sequence_parameter_set_ext);
  }
  return std::move(w.buffer());
}

Result<AvcDecoderConfig> parse_avc_config(std::span<const uint8_t> data) {
  io::ByteReader r(data);
  AvcDecoderConfig c;
  c.configuration_version = r.u8();
  if (r.ok() && c.configuration_version != 1)
    return make_error(Errc::unsupported, "avcC configurationVersion " + std::to_string(c.configuration_version));
  c.avc_profile_indication = r.u8();
  c.profile_compatibility = r.u8();
  c.avc_level_indication = r.u8();
  c.length_size_minus_one = r.u8() & 3;
  size_t num_sps = r.u8() & 0x1F;
  read_nals(r, num_sps, 7, "SPS", c.sequence_parameter_sets);
  size_t num_pps = r.u8();
  read_nals(r, num_pps, 8, "PPS", c.picture_parameter_sets);
  if (r.ok() && c.length_size_minus_one == 2)
    r.fail(Errc::malformed, "avcC lengthSizeMinusOne is 2 (3-byte lengths are not allowed)");
  if (r.ok() && avc_profile_has_config_extension(c.avc_profile_indication) && r.remaining() >= 4) {
    c.has_high_profile_extension = true;
    c.chroma_format = r.u8() & 3;
    c.bit_depth_luma_minus8 = r.u8() & 7;
    c.bit_depth_chroma_minus8 = r.u8() & 7;
    size_t num_ext = r.u8();
    read_nals(r, num_ext, 13, "SPS extension", c.sequence_parameter_set_ext);
  }
  if (r.failed()) return r.status().with_context("avcC");
  return c;
}

std::string avc_codec_string(const AvcDecoderConfig& c, const char* sample_entry) {
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%02x%02x%02x", c.avc_profile_indication, c.profile_compatibility,
                c.avc_level_indication);
  return std::string(sample_entry) + buf;
}

}  // namespace camrec::codec
