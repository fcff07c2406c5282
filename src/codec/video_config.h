// SPDX-License-Identifier: LGPL-2.1-or-later
// The parameter sets of a video stream as one comparable value, and what a muxer derives
// from them: the decoder configuration record ('avcC' / 'hvcC' payload), the codec string
// and the picture format. A muxer keeps the VideoParameterSets of its current sample
// description; when an access unit brings parameter sets that change the value, the stream
// needs a new sample description.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "camrec/status.h"
#include "codec/annexb.h"
#include "codec/avc_config.h"
#include "codec/hevc_config.h"

namespace camrec::codec {

/// The active VPS/SPS/PPS NAL units of a stream (as in the stream: header included,
/// emulation prevention bytes kept), in order of first appearance; one per id.
struct VideoParameterSets {
  VideoCodec codec = VideoCodec::h264;
  std::vector<std::vector<uint8_t>> vps;  ///< H.265 only.
  std::vector<std::vector<uint8_t>> sps;
  std::vector<std::vector<uint8_t>> pps;

  /// Same codec and byte-identical parameter sets in the same order.
  bool operator==(const VideoParameterSets&) const = default;
  /// True when there is an SPS and a PPS (and a VPS for H.265).
  bool complete() const { return !sps.empty() && !pps.empty() && (codec == VideoCodec::h264 || !vps.empty()); }
  /// No parameter set at all.
  bool empty() const { return vps.empty() && sps.empty() && pps.empty(); }
};

/// True for the parameter set NAL types of `codec` (H.264 SPS/PPS; H.265 VPS/SPS/PPS).
bool is_parameter_set(VideoCodec codec, NalView nal);

/// Adds a parameter set, replacing the one of the same kind and id (parsed from the NAL
/// unit). Returns true when `sets` changed (a new id, or other bytes for an existing id).
/// Errors: invalid_argument (not a parameter set of sets.codec), the parse errors of the
/// parameter set (an unparsable one is never stored).
Result<bool> add_parameter_set(VideoParameterSets& sets, NalView nal);

/// The decoder configuration record for the sets: an 'avcC' payload for H.264, an 'hvcC'
/// payload (array_completeness 1, for 'hvc1') for H.265. Errors: invalid_argument when the
/// sets are not complete(), and the record builders' errors. `in_band`: the samples carry
/// parameter sets too ('hev1': array_completeness 0).
Result<std::vector<uint8_t>> build_decoder_config(const VideoParameterSets& sets, bool in_band = false);

/// RFC 6381 / 14496-15 Annex E codec string ("avc1.64001f", "hvc1.1.6.L93.B0").
/// Errors as build_decoder_config().
Result<std::string> codec_string(const VideoParameterSets& sets);

/// What a muxer writes into the track and sample entry, from the first SPS.
struct VideoFormat {
  uint32_t width = 0;   ///< Display width in pixels (after cropping).
  uint32_t height = 0;  ///< Display height in pixels (after cropping).
  uint16_t sar_width = 0;   ///< Sample aspect ratio; 0 when the stream does not say.
  uint16_t sar_height = 0;
  uint32_t bit_depth_luma = 8;
  uint32_t chroma_format_idc = 1;
  uint8_t profile_idc = 0;
  uint8_t level_idc = 0;
  /// Pictures a decoder may hold back for reordering (0: output order = decode order).
  uint32_t reorder_depth = 0;
  /// Picture rate from the VUI timing info as frames per second = rate_num / rate_den;
  /// both 0 when the stream does not say. H.264: time_scale / (2 * num_units_in_tick).
  uint32_t rate_num = 0;
  uint32_t rate_den = 0;
  /// The VUI's video signal type (E.2.1): ISO/IEC 23091-2 code points for an 'nclx' colr,
  /// present only when video_signal_type_present_flag is set.
  bool signal_type_present = false;
  uint8_t colour_primaries = 2;  ///< 2 = unspecified.
  uint8_t transfer_characteristics = 2;
  uint8_t matrix_coefficients = 2;
  bool full_range = false;
  bool operator==(const VideoFormat&) const = default;
};

/// Picture format of the first SPS. Errors: invalid_argument (no SPS), parse errors.
Result<VideoFormat> describe_video(const VideoParameterSets& sets);

}  // namespace camrec::codec
