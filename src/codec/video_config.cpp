// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/video_config.h"

#include <algorithm>

#include "codec/h264.h"
#include "codec/h265.h"

namespace camrec::codec {
namespace {

std::vector<NalView> views(const std::vector<std::vector<uint8_t>>& nals) {
  return {nals.begin(), nals.end()};
}

// Replaces the entry with the same id or appends; true when the list changed.
template <typename IdOf>
Result<bool> put(std::vector<std::vector<uint8_t>>& list, NalView nal, IdOf id_of) {
  CAMREC_ASSIGN_OR_RETURN(uint32_t id, id_of(NalView(nal)));
  for (auto& existing : list) {
    auto existing_id = id_of(NalView(existing));
    if (existing_id.has_value() && *existing_id == id) {
      if (existing.size() == nal.size() && std::equal(nal.begin(), nal.end(), existing.begin())) return false;
      existing.assign(nal.begin(), nal.end());
      return true;
    }
  }
  list.emplace_back(nal.begin(), nal.end());
  return true;
}

}  // namespace

bool is_parameter_set(VideoCodec codec, NalView nal) {
  if (nal.empty()) return false;
  if (codec == VideoCodec::h264) {
    uint8_t t = h264_nal_type(nal[0]);
    return t == 7 || t == 8;
  }
  uint8_t t = h265_nal_type(nal[0]);
  return t >= 32 && t <= 34;
}

Result<bool> add_parameter_set(VideoParameterSets& sets, NalView nal) {
  if (!is_parameter_set(sets.codec, nal))
    return make_error(Errc::invalid_argument, std::string("not a ") + codec_name(sets.codec) + " parameter set");
  if (sets.codec == VideoCodec::h264) {
    if (h264_nal_type(nal[0]) == 7)
      return put(sets.sps, nal, [](NalView n) -> Result<uint32_t> {
        CAMREC_ASSIGN_OR_RETURN(auto s, parse_h264_sps(n));
        return s.seq_parameter_set_id;
      });
    return put(sets.pps, nal, [](NalView n) -> Result<uint32_t> {
      CAMREC_ASSIGN_OR_RETURN(auto p, parse_h264_pps(n));
      return p.pic_parameter_set_id;
    });
  }
  switch (h265_nal_type(nal[0])) {
    case 32:
      return put(sets.vps, nal, [](NalView n) -> Result<uint32_t> {
        CAMREC_ASSIGN_OR_RETURN(auto v, parse_h265_vps(n));
        return v.vps_video_parameter_set_id;
      });
    case 33:
      return put(sets.sps, nal, [](NalView n) -> Result<uint32_t> {
        CAMREC_ASSIGN_OR_RETURN(auto s, parse_h265_sps(n));
        return s.sps_seq_parameter_set_id;
      });
    default:
      return put(sets.pps, nal, [](NalView n) -> Result<uint32_t> {
        CAMREC_ASSIGN_OR_RETURN(auto p, parse_h265_pps(n));
        return p.pps_pic_parameter_set_id;
      });
  }
}

Result<std::vector<uint8_t>> build_decoder_config(const VideoParameterSets& sets, bool in_band) {
  if (!sets.complete())
    return make_error(Errc::invalid_argument, std::string("incomplete ") + codec_name(sets.codec) +
                                                  " parameter sets (" + std::to_string(sets.vps.size()) + " VPS, " +
                                                  std::to_string(sets.sps.size()) + " SPS, " +
                                                  std::to_string(sets.pps.size()) + " PPS)");
  if (sets.codec == VideoCodec::h264) {
    CAMREC_ASSIGN_OR_RETURN(auto c, build_avc_config(views(sets.sps), views(sets.pps)));
    return serialize_avc_config(c);
  }
  CAMREC_ASSIGN_OR_RETURN(auto c, build_hevc_config(views(sets.vps), views(sets.sps), views(sets.pps), {}, !in_band));
  return serialize_hevc_config(c);
}

Result<std::string> codec_string(const VideoParameterSets& sets) {
  if (!sets.complete()) return make_error(Errc::invalid_argument, "incomplete parameter sets");
  if (sets.codec == VideoCodec::h264) {
    CAMREC_ASSIGN_OR_RETURN(auto c, build_avc_config(views(sets.sps), views(sets.pps)));
    return avc_codec_string(c);
  }
  CAMREC_ASSIGN_OR_RETURN(auto c, build_hevc_config(views(sets.vps), views(sets.sps), views(sets.pps)));
  return hevc_codec_string(c);
}

Result<VideoFormat> describe_video(const VideoParameterSets& sets) {
  if (sets.sps.empty()) return make_error(Errc::invalid_argument, "no SPS to describe the video");
  VideoFormat f;
  if (sets.codec == VideoCodec::h264) {
    CAMREC_ASSIGN_OR_RETURN(H264Sps s, parse_h264_sps(sets.sps[0]));
    f.width = s.width;
    f.height = s.height;
    f.sar_width = s.vui.sar_width;
    f.sar_height = s.vui.sar_height;
    f.bit_depth_luma = s.bit_depth_luma;
    f.chroma_format_idc = s.chroma_format_idc;
    f.profile_idc = s.profile_idc;
    f.level_idc = s.level_idc;
    f.reorder_depth = s.reorder_depth();
    f.signal_type_present = s.vui.video_signal_type_present_flag;
    f.colour_primaries = s.vui.colour_primaries;
    f.transfer_characteristics = s.vui.transfer_characteristics;
    f.matrix_coefficients = s.vui.matrix_coefficients;
    f.full_range = s.vui.video_full_range_flag;
    if (s.vui.timing_info_present_flag && s.vui.num_units_in_tick != 0 && s.vui.time_scale != 0) {
      f.rate_num = s.vui.time_scale;
      f.rate_den = 2 * s.vui.num_units_in_tick;
      if (f.rate_num % 2 == 0 && f.rate_den % 2 == 0) {
        f.rate_num /= 2;
        f.rate_den /= 2;
      }
    }
    return f;
  }
  CAMREC_ASSIGN_OR_RETURN(H265Sps s, parse_h265_sps(sets.sps[0]));
  f.width = s.width;
  f.height = s.height;
  f.sar_width = s.vui.sar_width;
  f.sar_height = s.vui.sar_height;
  f.bit_depth_luma = s.bit_depth_luma;
  f.chroma_format_idc = s.chroma_format_idc;
  f.profile_idc = s.profile_tier_level.general_profile_idc;
  f.level_idc = s.profile_tier_level.general_level_idc;
  f.reorder_depth = s.reorder_depth();
  f.signal_type_present = s.vui.video_signal_type_present_flag;
  f.colour_primaries = s.vui.colour_primaries;
  f.transfer_characteristics = s.vui.transfer_characteristics;
  f.matrix_coefficients = s.vui.matrix_coeffs;
  f.full_range = s.vui.video_full_range_flag;
  if (s.vui.vui_timing_info_present_flag && s.vui.vui_num_units_in_tick != 0 && s.vui.vui_time_scale != 0) {
    f.rate_num = s.vui.vui_time_scale;
    f.rate_den = s.vui.vui_num_units_in_tick;
  }
  return f;
}

}  // namespace camrec::codec
