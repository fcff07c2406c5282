// SPDX-License-Identifier: LGPL-2.1-or-later
// The MP4 demuxer: regular and fragmented MP4 (with or without mfra/sidx), as written by
// camrec, ffmpeg (mp4 and mov), GStreamer and K230, including files cut short by a crash.
// Everything a file can ask for is bounded; errors carry the byte offset and box path.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "camrec/status.h"
#include "camrec/time.h"

namespace camrec {

namespace io {
class Source;
}
struct DemuxerInternals;

/// What a track holds, as declared by the file.
struct TrackInfo {
  uint32_t track_id = 0;
  bool video = false;
  bool audio = false;
  std::string sample_entry;   ///< Sample entry type of the first description: "avc1", "hvc1", "ulaw", "mp4a", ...
  std::string codec_string;   ///< RFC 6381 codec string when known ("avc1.4d401f"), else the entry type.
  Timescale timescale = 0;
  uint32_t width = 0;         ///< Video: from the sample entry.
  uint32_t height = 0;
  uint32_t sample_rate = 0;   ///< Audio: from the sample entry.
  uint32_t channels = 0;
  uint32_t description_count = 0;  ///< Sample descriptions (stsd entries).
  std::vector<std::string> sample_entries;  ///< Type of every sample description, in stsd order.
  /// Presentation start in the track timescale: the empty edits of the edit list, i.e. how
  /// long after the movie's start the track begins (0 for most tracks). After scan(): the
  /// earliest presentation time of a sample (a fragmented track's first tfdt), as ffprobe
  /// reports a stream's start.
  int64_t start = 0;
  /// The media time the edit list shows first, in the track timescale: the samples before it
  /// are decoded but not presented (AAC/Opus priming, the first B-frame delay). 0 without an
  /// edit list.
  int64_t media_skip = 0;
  /// The empty edits of the edit list, in the track timescale: a presentation delay (how
  /// long after the movie's start the track is shown). 0 without an empty edit.
  int64_t edit_delay = 0;
  /// After scan(): the earliest composition time of a sample on the media timeline (the
  /// edit list not applied). Video with B-frames: the composition delay its first picture
  /// has (which an edit of that media_time takes away); 0 for most other tracks.
  int64_t first_composition = 0;
  /// Duration in the track timescale (sum of the sample durations found).
  uint64_t duration = 0;
  /// What the edit list presents of the media, in the track timescale (the pre-skip and
  /// padding of Opus, the priming of AAC left out); 0 when no edit list says.
  uint64_t edit_duration = 0;
  uint64_t sample_count = 0;
  uint64_t key_frames = 0;
  /// Decoder configuration of the first description: avcC / hvcC record, AAC
  /// AudioSpecificConfig, or dOps payload. Empty for G.711.
  std::vector<uint8_t> decoder_config;
};

/// One sample, in decode order across all tracks.
struct DemuxedSample {
  uint32_t track = 0;         ///< Index into Demuxer::tracks().
  int64_t dts = 0;            ///< Track timescale, edit list applied.
  int64_t pts = 0;            ///< Track timescale, edit list applied.
  uint32_t duration = 0;
  bool sync = false;
  uint32_t description = 1;   ///< 1-based sample description index.
  uint64_t offset = 0;        ///< File offset of the sample's bytes.
  std::vector<uint8_t> data;  ///< The sample (Annex B for video when asked for).
};

struct DemuxOptions {
  /// Convert video samples to Annex B with the parameter sets in front of every key frame
  /// (what the K230 demuxer returns).
  bool annexb = false;
  /// Safety limits on what a file may ask for.
  uint64_t max_moov_bytes = 512u << 20;
  uint64_t max_moof_bytes = 64u << 20;
  uint64_t max_sample_bytes = 64u << 20;
  uint32_t max_tracks = 64;
};

/// Summary of a file's top-level layout.
struct FileLayout {
  bool fragmented = false;      ///< Samples come from moof boxes.
  uint64_t fragments = 0;       ///< moof boxes found.
  bool has_mfra = false;
  bool truncated = false;       ///< The last box passes the end of the file.
  uint64_t file_size = 0;
  std::vector<std::string> brands;  ///< major brand first.
  /// Length of the presentation as the file declares it (mehd in a fragmented file, else
  /// mvhd), in `movie_timescale` units; 0 when the file does not say.
  uint64_t movie_duration = 0;
  Timescale movie_timescale = 0;
  /// mvhd creation and modification time, in seconds since the Unix epoch (UTC); empty when
  /// the field is 0 (the file does not say).
  std::optional<int64_t> creation_time;
  std::optional<int64_t> modification_time;
};

/// Track fragments (traf) of tracks the moov does not declare. K230's muxer can write an
/// audio traf for track 2 while its init moov declares only track 1 (the audio track was
/// added after the header was written): without a sample description nothing can read those
/// samples, so they are skipped and the declared tracks read as usual.
struct UndeclaredTracks {
  std::vector<uint32_t> track_ids;  ///< Ascending.
  uint64_t track_fragments = 0;     ///< trafs skipped.
  uint64_t samples = 0;             ///< Samples they list.
  uint64_t bytes = 0;               ///< Media bytes those samples take.
};

class Demuxer {
 public:
  static Result<std::unique_ptr<Demuxer>> open(const std::string& path, DemuxOptions options = {});
  static Result<std::unique_ptr<Demuxer>> open(std::unique_ptr<io::Source> source, DemuxOptions options = {});
  ~Demuxer();

  const std::vector<TrackInfo>& tracks() const;
  const FileLayout& layout() const;

  /// The next sample in decode order (ties: lower track index first). Returns false at the
  /// end. `out.data` is reused between calls.
  Result<bool> next(DemuxedSample& out);

  /// Decode the whole index to fill the per-track counts and durations of tracks() (for
  /// fragmented files they are only known after reading every fragment). Rewinds.
  Status scan();

  /// The fragments of undeclared tracks skipped so far: complete once next() returned false
  /// or after scan() (each fragment is counted once, however often it is read).
  const UndeclaredTracks& undeclared() const;
  /// One line for people saying what undeclared() skipped, "" when nothing was.
  std::string warning() const;

  struct Impl;

 private:
  friend struct DemuxerInternals;  // the library's internal read path (src/demux/demuxer_internals.h)
  explicit Demuxer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace camrec
