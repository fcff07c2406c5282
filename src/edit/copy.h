// SPDX-License-Identifier: LGPL-2.1-or-later
// Copying the samples of one MP4 into a new one through camrec's muxer: the heart of
// `camrec remux` for MP4 input and of `camrec recover`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "camrec/demuxer.h"
#include "camrec/muxer.h"

namespace camrec::edit {

struct CopyReport {
  uint64_t samples = 0;
  uint32_t tracks_copied = 0;
  std::vector<std::string> skipped_tracks;  ///< "track 3 ('tx3g')": codecs the muxer does not write, empty tracks.
};

struct CopyOptions {
  /// Leave out the tracks without a sample (the demuxer must have been scan()ned): what
  /// recover keeps of a file cut before one track's first fragment.
  bool skip_empty_tracks = false;
};

/// Adds to `muxer` one track per track of `demuxer` that it can write, then copies every
/// sample in decode order. The demuxer must have been opened with DemuxOptions::annexb.
/// Stops at the first error (the muxer keeps what was written before it).
Result<CopyReport> copy_samples(Demuxer& demuxer, MediaWriter& muxer, const CopyOptions& options = {});

}  // namespace camrec::edit
