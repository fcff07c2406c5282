// SPDX-License-Identifier: LGPL-2.1-or-later
// What a file holds as one JSON object: the schema of `camrec info --json`, shared by the CLI
// and the Python module's camrec.info() so both always say the same thing.
#pragma once

#include <string>

#include "camrec/demuxer.h"

namespace camrec::demux {

/// JSON object describing an opened file: file, size, layout, fragments, mfra, truncated,
/// duration_ms, brands and one object per track (id, type, codec, sample_entry, timescale,
/// width/height or sample_rate/channels, start, duration, samples, key_frames, descriptions).
/// `demuxer` must have been scan()ned so the counts cover every fragment.
std::string file_summary_json(const std::string& path, const Demuxer& demuxer);

/// Opens `path`, scans it and returns file_summary_json(). Errors: the demuxer's (not_found,
/// malformed, io, ...).
Result<std::string> file_summary_json(const std::string& path);

/// Milliseconds from the movie's start to the end of its longest track (edit list delays
/// included), rounded to nearest.
uint64_t movie_duration_ms(const std::vector<TrackInfo>& tracks);

}  // namespace camrec::demux
