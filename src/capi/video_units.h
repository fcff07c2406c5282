// SPDX-License-Identifier: LGPL-2.1-or-later
// What kd_mp4_write_frame does with the parameter sets of a video track, so the K230
// encoder's flow works however a program hands them over: the HEADER pack glued to the
// first I frame (the seed), or written on its own at any time. A unit of parameter sets
// alone is absorbed when it repeats the ones in use, and kept for the next key frame when
// it brings new ones.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "camrec/status.h"
#include "codec/annexb.h"

namespace camrec::capi {

/// The front of one Annex B unit up to its first slice NAL unit.
struct UnitHead {
  bool has_slice = false;  ///< A VCL NAL unit was found.
  bool is_key = false;     ///< The first slice is an H.264 IDR or an H.265 IRAP.
  /// The parameter sets before the first slice, each with a 4-byte start code.
  std::vector<uint8_t> parameter_sets;
};

/// Reads `annexb` NAL unit by NAL unit up to the first slice (only the headers: the slices'
/// bytes are not scanned). Data that is not Annex B gives an empty head (has_slice false,
/// no parameter sets): the muxer then judges it.
UnitHead read_unit_head(codec::VideoCodec codec, std::span<const uint8_t> annexb);

/// The parameter sets of one video track as the program hands them over. Not thread-safe.
class ParameterSetKeeper {
 public:
  /// What to do with one unit.
  struct Decision {
    bool absorb = false;  ///< Parameter sets only: nothing to write, the call succeeds.
    /// Bytes to write in front of the unit (new parameter sets for this key frame).
    std::span<const uint8_t> prefix;
  };

  /// Decides for a unit whose head is `head`. Call written() once the unit was written.
  Decision decide(const UnitHead& head);
  /// The unit decided on last was written: its parameter sets (or the prefix) are in use.
  void written(const UnitHead& head);

 private:
  std::vector<uint8_t> in_use_;   // the parameter sets of the last key frame written
  std::vector<uint8_t> pending_;  // new ones, waiting for a key frame
};

}  // namespace camrec::capi
