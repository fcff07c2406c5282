// SPDX-License-Identifier: LGPL-2.1-or-later
// The remux's way out of the demuxer: a mapped input's video samples handed as they are
// (views of the mapping, length-prefixed), with the NAL units of their sample
// descriptions, instead of being read, copied and rewritten as Annex B.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "camrec/demuxer.h"
#include "io/source.h"

namespace camrec {

struct DemuxerInternals {
  /// The input file when the demuxer reads a mapped io::FileSource, else null.
  static io::FileSource* mapped_file(Demuxer& demuxer);
  /// For video track `track` (index into tracks()) of a demuxer opened with
  /// DemuxOptions::annexb: the NAL units of each sample description's avcC/hvcC record
  /// (1-based description - 1), in the order the Annex B output puts them in front of a key
  /// frame. Null when the samples cannot be taken raw: not video, not mapped, or a NAL
  /// length size other than 4.
  static const std::vector<std::vector<std::vector<uint8_t>>>* config_nals(Demuxer& demuxer, uint32_t track);
  /// From now on next() hands the samples of `track` (config_nals() not null) as views of
  /// the mapping: DemuxedSample::data stays empty and raw_sample() gives the bytes, valid
  /// as long as the demuxer.
  static void read_raw(Demuxer& demuxer, uint32_t track);
  /// The last sample next() returned of a raw track.
  static std::span<const uint8_t> raw_sample(const Demuxer& demuxer);
};

}  // namespace camrec
