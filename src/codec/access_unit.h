// SPDX-License-Identifier: LGPL-2.1-or-later
// From one Annex B access unit (as an encoder hands it over: parameter sets, AUD and SEI
// possibly in front of the slices) to what an MP4 sample needs: the length-prefixed payload
// without parameter sets and AUDs, the parameter sets it carried, whether it is a key frame,
// and, with the stateful AccessUnitParser, its picture order count and whether a muxer must
// drop it (H.265 RASL pictures that cannot be decoded).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "camrec/status.h"
#include "codec/annexb.h"
#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/video_config.h"

namespace camrec::codec {

/// Where a picture goes in presentation order.
struct PictureOrder {
  int32_t poc = 0;  ///< Picture order count within its ordering period.
  /// Starts a new ordering period: every earlier picture is presented before this one
  /// (H.264 IDR / MMCO 5, H.265 IRAP with NoRaslOutputFlag).
  bool resets_order = false;
  bool operator==(const PictureOrder&) const = default;
};

/// One access unit, ready to become an MP4 sample. Reused across calls: parsing clears it
/// but keeps the buffers' capacity.
struct AccessUnit {
  VideoCodec codec = VideoCodec::h264;  ///< The codec it was parsed as.
  /// The NAL units with 4-byte big-endian lengths; parameter sets and access unit
  /// delimiters removed, SEI, end of sequence/stream and filler data kept.
  std::vector<uint8_t> sample;
  /// Parameter set NAL units found in the access unit, in stream order (copies).
  std::vector<std::vector<uint8_t>> parameter_sets;
  uint8_t nal_unit_type = 0;  ///< Type of the first slice NAL unit.
  bool is_key = false;        ///< H.264 IDR or H.265 IRAP (types 16..23): a sync sample.
  bool is_rasl = false;       ///< H.265 RASL_N / RASL_R picture.
  bool has_end_of_sequence = false;  ///< Holds an end of sequence NAL unit.
  /// Stateful parser only: presentation order, absent before the first key frame.
  std::optional<PictureOrder> order;
  /// Stateful parser only: the picture cannot be decoded and should not be written: an
  /// H.265 RASL picture of an IRAP with NoRaslOutputFlag, or any picture before the
  /// stream's first key frame.
  bool droppable = false;
  /// Stateful parser only: the parameter sets of the stream changed with this access unit
  /// (see AccessUnitParser::parameter_sets()).
  bool parameter_sets_changed = false;

  /// Resets every field; keeps the vectors' capacity.
  void clear();
};

/// Whether an MP4 sample keeps this NAL unit: parameter sets (they go into the sample entry)
/// and access unit delimiters are left out, everything else stays. `nal` is not empty.
inline bool stays_in_sample(VideoCodec codec, NalView nal) {
  if (codec == VideoCodec::h264) {
    const uint8_t type = nal[0] & 0x1F;
    return type < 7 || type > 9;
  }
  const uint8_t type = (nal[0] >> 1) & 0x3F;
  return type < 32 || type > 35;
}

/// Parses one Annex B access unit without stream state. Errors (malformed): empty input,
/// bytes before the first start code, a NAL unit of 0 bytes or shorter than its header, a
/// set forbidden_zero_bit, nuh_temporal_id_plus1 of 0, no slice NAL unit, slices of
/// different NAL unit types. `out` is valid only when the call succeeds.
Status parse_access_unit(VideoCodec codec, std::span<const uint8_t> annexb, AccessUnit& out);
/// As above for an access unit already split into NAL units (e.g. by AccessUnitSplitter);
/// the length-prefixed sample is appended to `sample` (null: not built).
Status parse_access_unit_nals(VideoCodec codec, std::span<const NalView> nals, AccessUnit& out,
                              std::vector<uint8_t>* sample);
inline Status parse_access_unit_nals(VideoCodec codec, std::span<const NalView> nals, AccessUnit& out) {
  return parse_access_unit_nals(codec, nals, out, &out.sample);
}

/// Parses the access units of one stream in decoding order, keeping the parameter sets and
/// the POC state between them. One per stream; not thread-safe.
class AccessUnitParser {
 public:
  /// A parser for one stream of `codec`.
  explicit AccessUnitParser(VideoCodec codec);

  /// Parses one Annex B access unit into `out` (errors as parse_access_unit(), plus the
  /// parameter set and slice header parse errors; a key frame whose SPS or PPS has not been
  /// seen is malformed). Pictures before the first key frame are returned droppable with
  /// no order and are not parsed further.
  Status parse(std::span<const uint8_t> annexb, AccessUnit& out) { return parse(annexb, out, &out.sample); }
  /// As above, appending the sample to `sample` instead of out.sample (the muxer builds it
  /// straight into its fragment buffer; null builds none). On error `sample` may have
  /// grown: the caller cuts it back.
  Status parse(std::span<const uint8_t> annexb, AccessUnit& out, std::vector<uint8_t>* sample);
  /// As above for an access unit already split into NAL units.
  Status parse_nals(std::span<const NalView> nals, AccessUnit& out) { return parse_nals(nals, out, &out.sample); }
  Status parse_nals(std::span<const NalView> nals, AccessUnit& out, std::vector<uint8_t>* sample);

  /// The stream's parameter sets after the last parsed access unit.
  const VideoParameterSets& parameter_sets() const { return sets_; }
  /// True once a key frame has been parsed.
  bool seen_key_frame() const { return seen_key_; }
  /// Forgets all stream state (parameter sets, POC).
  void reset();

 private:
  Status order_h264(std::span<const NalView> nals, AccessUnit& out);
  Status order_h265(std::span<const NalView> nals, AccessUnit& out);

  VideoCodec codec_;
  VideoParameterSets sets_;
  H264ParameterSets h264_sets_;
  H265ParameterSets h265_sets_;
  H264PocCalculator h264_poc_;
  H265PocCalculator h265_poc_;
  bool seen_key_ = false;
  std::vector<NalView> scratch_;
};

/// Presentation index (0-based) of each picture, given in decoding order: pictures are
/// ordered by period (a new one at each resets_order) and by POC within a period; equal
/// POCs keep decoding order. Leave out the droppable pictures before calling.
std::vector<uint32_t> presentation_order(std::span<const PictureOrder> pictures);

}  // namespace camrec::codec
