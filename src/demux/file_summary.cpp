// SPDX-License-Identifier: LGPL-2.1-or-later
#include "demux/file_summary.h"

#include <algorithm>
#include <ctime>

#include "box/inspect.h"

namespace camrec::demux {

uint64_t presented_duration(const TrackInfo& track) { return track.edit_duration ? track.edit_duration : track.duration; }

uint64_t movie_duration_ms(const FileLayout& layout, const std::vector<TrackInfo>& tracks) {
  if (layout.movie_duration && layout.movie_timescale && layout.movie_duration <= (uint64_t{1} << 62))
    return static_cast<uint64_t>(rescale(static_cast<int64_t>(layout.movie_duration), layout.movie_timescale, kMilliseconds));
  int64_t ms = 0;
  for (const auto& t : tracks)
    if (t.timescale)
      ms = std::max(ms, rescale(t.start + static_cast<int64_t>(presented_duration(t)), t.timescale, kMilliseconds));
  return static_cast<uint64_t>(ms);
}

std::string utc_time_string(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm = {};
  char buf[64];
  if (::gmtime_r(&t, &tm) == nullptr || std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return std::to_string(unix_seconds) + " s after 1970";
  return buf;
}

std::string file_summary_json(const std::string& path, const Demuxer& demuxer) {
  const auto& layout = demuxer.layout();
  const auto& tracks = demuxer.tracks();
  box::JsonWriter j;
  j.begin_object();
  j.string("file", path);
  j.number("size", layout.file_size);
  j.string("layout", layout.fragmented ? "fragmented" : "regular");
  j.number("fragments", layout.fragments);
  j.boolean("mfra", layout.has_mfra);
  j.boolean("truncated", layout.truncated);
  j.number("duration_ms", movie_duration_ms(layout, tracks));
  if (layout.creation_time) j.string("creation_time", utc_time_string(*layout.creation_time));
  if (layout.modification_time) j.string("modification_time", utc_time_string(*layout.modification_time));
  j.begin_array("brands");
  for (const auto& b : layout.brands) j.string(nullptr, b);
  j.end_array();
  j.begin_array("tracks");
  for (const auto& t : tracks) {
    j.begin_object();
    j.number("id", uint64_t{t.track_id});
    j.string("type", t.video ? "video" : t.audio ? "audio" : "other");
    j.string("codec", t.codec_string);
    j.string("sample_entry", t.sample_entry);
    j.number("timescale", uint64_t{t.timescale});
    if (t.video) {
      j.number("width", uint64_t{t.width});
      j.number("height", uint64_t{t.height});
    }
    if (t.audio) {
      j.number("sample_rate", uint64_t{t.sample_rate});
      j.number("channels", uint64_t{t.channels});
    }
    j.number("start", t.start);
    j.number("edit_media_time", t.media_skip);
    j.number("duration", presented_duration(t));
    j.number("samples", t.sample_count);
    j.number("key_frames", t.key_frames);
    j.number("descriptions", uint64_t{t.description_count});
    j.end_object();
  }
  j.end_array();
  // Fragments of tracks the moov does not declare, skipped (Demuxer::undeclared()).
  const UndeclaredTracks& u = demuxer.undeclared();
  if (u.track_fragments) {
    j.begin_object("undeclared_tracks");
    j.begin_array("ids");
    for (uint32_t id : u.track_ids) j.number(nullptr, uint64_t{id});
    j.end_array();
    j.number("track_fragments_skipped", u.track_fragments);
    j.number("samples_skipped", u.samples);
    j.number("bytes_skipped", u.bytes);
    j.end_object();
  }
  j.end_object();
  return j.text();
}

Result<std::string> file_summary_json(const std::string& path) {
  CAMREC_ASSIGN_OR_RETURN(auto demuxer, Demuxer::open(path));
  CAMREC_RETURN_IF_ERROR(demuxer->scan());
  return file_summary_json(path, *demuxer);
}

}  // namespace camrec::demux
