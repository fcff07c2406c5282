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
/// key_frames, descriptions, edit_media_time, edit_kind (edit_kind_name), edit_delay), and
/// undeclared_tracks (ids, track_fragments_skipped,
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

/// What a track's edit list does, named by its cause. The edit's media_time (TrackInfo::
/// media_skip) hides the media before it: the composition delay of a video with B-frames
/// (media_time = the first picture's composition time), an audio encoder's priming (AAC's
/// encoder delay, Opus' pre-skip), or more: the start offset of a cut (ffmpeg -ss -c copy
/// starts at the key frame before the cut and hides the pictures up to it). Empty edits
/// delay the whole track instead (TrackInfo::edit_delay).
enum class EditKind {
  none,            ///< No media_time past 0.
  b_frame_delay,   ///< Video: media_time is the first picture's composition time.
  priming,         ///< Audio: media_time within the encoder's priming.
  cut_start,       ///< More hidden than a delay or priming explains: where a cut starts.
  before_media,    ///< media_time before the first sample's composition time.
};
/// `track` must have been scan()ned (first_composition).
EditKind edit_kind(const TrackInfo& track);
/// "b_frame_delay", "priming", "cut_start", "before_media" or "none".
const char* edit_kind_name(EditKind kind);
/// What the edit of `track` skips, for people: "1024 ticks: priming", "8704 ticks: start
/// offset of a cut, 0.067 s of it B-frame composition delay", ...; "" for EditKind::none.
std::string edit_explanation(const TrackInfo& track);

/// Milliseconds the file lasts, like ffprobe: what mehd (fragmented) or mvhd declares, else
/// from the movie's start to the end of its longest track; rounded to nearest.
uint64_t movie_duration_ms(const FileLayout& layout, const std::vector<TrackInfo>& tracks);

}  // namespace camrec::demux
