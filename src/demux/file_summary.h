// SPDX-License-Identifier: LGPL-2.1-or-later
// What a file holds as one JSON object: the schema of `camrec info --json`, shared by the CLI
// and the Python module's camrec.info() so both always say the same thing.
#pragma once

#include <string>

#include "camrec/demuxer.h"

namespace camrec::demux {

/// JSON object describing an opened file: file, size, layout, fragments, mfra, truncated,
/// duration_ms, creation_time/modification_time (UTC, ISO 8601; when the file has them),
/// brands and one object per track (id, type, codec, sample_entry, timescale,
/// width/height or sample_rate/channels, start, duration (presented_duration), samples,
/// key_frames, descriptions), and undeclared_tracks (ids, track_fragments_skipped,
/// samples_skipped, bytes_skipped) when fragments of tracks the moov does not declare were
/// skipped.
/// `demuxer` must have been scan()ned so the counts cover every fragment.
std::string file_summary_json(const std::string& path, const Demuxer& demuxer);

/// Opens `path`, scans it and returns file_summary_json(). Errors: the demuxer's (not_found,
/// malformed, io, ...).
Result<std::string> file_summary_json(const std::string& path);

/// "2026-12-06T16:39:09Z" for a Unix time in seconds.
std::string utc_time_string(int64_t unix_seconds);

/// What a track presents, in its timescale: its edit list's duration when there is one
/// (the priming of AAC and Opus left out), else what its samples last.
uint64_t presented_duration(const TrackInfo& track);

/// Milliseconds the file lasts, like ffprobe: what mehd (fragmented) or mvhd declares, else
/// from the movie's start to the end of its longest track; rounded to nearest.
uint64_t movie_duration_ms(const FileLayout& layout, const std::vector<TrackInfo>& tracks);

}  // namespace camrec::demux
