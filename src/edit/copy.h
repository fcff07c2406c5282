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
  /// Video tracks whose samples went to the muxer as they are: split by their NAL lengths,
  /// parsed once, written from the mapped input (see copy_samples()).
  uint32_t tracks_raw = 0;
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
///
/// When the demuxer reads a mapped file (io::FileSource opened with map) and `muxer` is a
/// Muxer, an H.264/H.265 track with 4-byte NAL lengths is not converted to Annex B and back:
/// each sample is split by its length fields, parsed once (with its description's parameter
/// sets in front of a key frame, as the Annex B path puts them) and handed to the muxer's
/// internal path, which writes the payloads from the mapping. The file written is the same
/// either way. The demuxer must then outlive the muxer's close().
Result<CopyReport> copy_samples(Demuxer& demuxer, MediaWriter& muxer, const CopyOptions& options = {});

}  // namespace camrec::edit
