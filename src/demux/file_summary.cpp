// SPDX-License-Identifier: LGPL-2.1-or-later
#include "demux/file_summary.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "box/inspect.h"
#include "codec/opus.h"

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

namespace {

/// Ticks of `track` as seconds with 3 decimals.
std::string seconds_of(int64_t ticks, Timescale timescale) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", timescale ? static_cast<double>(ticks) / timescale : 0.0);
  return buf;
}

/// The encoder priming an audio track's edit may hide, in its timescale; 0 when it has none
/// (G.711). Opus says its pre-skip; AAC does not say, and encoders prime 1024 (ffmpeg,
/// FAAC), 2048 (fdk-aac) or 2112 (Apple) samples: up to 2112 is taken as priming.
int64_t priming_ticks(const TrackInfo& t) {
  if (t.sample_entry == "Opus") {
    auto head = codec::parse_dops(t.decoder_config);
    return head ? rescale(head->pre_skip, 48'000, t.timescale) : 0;
  }
  if (t.sample_entry == "mp4a" && t.sample_rate) return rescale(2112, t.sample_rate, t.timescale);
  return 0;
}

}  // namespace

EditKind edit_kind(const TrackInfo& t) {
  if (t.media_skip <= 0) return EditKind::none;
  // What the edit hides of the media itself: media before the first sample is nothing.
  const int64_t hidden = t.media_skip - t.first_composition;
  if (hidden < 0) return EditKind::before_media;
  if (t.video) return hidden == 0 && t.first_composition > 0 ? EditKind::b_frame_delay : EditKind::cut_start;
  if (t.audio && hidden > 0 && hidden <= priming_ticks(t)) return EditKind::priming;
  return EditKind::cut_start;
}

const char* edit_kind_name(EditKind kind) {
  switch (kind) {
    case EditKind::b_frame_delay: return "b_frame_delay";
    case EditKind::priming: return "priming";
    case EditKind::cut_start: return "cut_start";
    case EditKind::before_media: return "before_media";
    case EditKind::none: break;
  }
  return "none";
}

std::string edit_explanation(const TrackInfo& t) {
  const EditKind kind = edit_kind(t);
  if (kind == EditKind::none) return "";
  std::string out = std::to_string(t.media_skip) + " ticks: ";
  switch (kind) {
    case EditKind::b_frame_delay: return out + "B-frame composition delay";
    case EditKind::priming: return out + "priming";
    case EditKind::before_media:
      return out + "the media starts later, at " + seconds_of(t.first_composition, t.timescale) + " s";
    case EditKind::cut_start:
      out += "start offset of a cut";
      if (t.video && t.first_composition > 0)
        out += ", " + seconds_of(t.first_composition, t.timescale) + " s of it B-frame composition delay";
      else if (t.audio && priming_ticks(t) > 0)
        out += t.sample_entry == "Opus" ? ", " + seconds_of(priming_ticks(t), t.timescale) + " s of it priming"
                                        : ", priming included";
      return out;
    case EditKind::none: break;
  }
  return "";
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
    j.string("edit_kind", edit_kind_name(edit_kind(t)));
    j.number("edit_delay", t.edit_delay);
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
