// SPDX-License-Identifier: LGPL-2.1-or-later
// The MP4 muxer: tracks in, a crash-safe MP4 file out.
//
// Two layouts (K230 `fmp4_flag`):
//  - Layout::regular (fmp4_flag = 0): while recording the file is a valid fragmented MP4; at
//    close it becomes a regular MP4 in place ("hybrid" MP4: the full moov is appended and a
//    16-byte placeholder after ftyp becomes an mdat header spanning every fragment). No media
//    byte moves; at every instant, including inside close(), the file is playable. The states
//    are documented in docs/file-layout.md.
//  - Layout::fragmented (fmp4_flag = 1): ftyp + moov(mvex) + moof/mdat fragments + mfra.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "camrec/status.h"
#include "camrec/time.h"

namespace camrec {

namespace io {
class Sink;
}

/// Codecs a track can carry.
enum class Codec { h264, h265, g711_alaw, g711_ulaw, aac, opus };

/// "h264", "g711u", ...
const char* codec_name(Codec codec);

enum class Layout {
  regular,     ///< Hybrid: fragmented while recording, regular MP4 after close().
  fragmented,  ///< Fragmented MP4 (ISO BMFF 8.8), playable while being written.
};

/// When the muxer asks the kernel to put written data on stable storage.
enum class FsyncPolicy {
  never,           ///< Leave it to the kernel's write-back (fastest; a power cut may lose ~30 s).
  every_fragment,  ///< fdatasync after every fragment (loses at most the open fragment).
  interval,        ///< fdatasync when `fsync_interval_us` has passed since the last one.
};

/// MuxerOptions::creation_time_us / modification_time_us: the wall clock when the first
/// packet arrives (a recording's first frame).
inline constexpr int64_t kTimeAtFirstPacket = INT64_MIN;
/// ...: no time (the fields hold 0, which readers take as unknown).
inline constexpr int64_t kTimeUnknown = INT64_MIN + 1;

struct MuxerOptions {
  Layout layout = Layout::regular;
  /// Fragments are cut at the first video key frame at or after this much media; 0 cuts at
  /// every key frame (as K230 does). Audio-only files are cut by duration alone (1 s when 0).
  int64_t fragment_duration_us = 0;
  /// A fragment is cut even without a key frame once it holds this much media, so a crash
  /// loses at most this much whatever the GOP length. 0 disables the bound.
  int64_t max_fragment_duration_us = 1'000'000;
  /// Regular layout only: at close, rewrite the file with the moov in front (costs a copy of
  /// the whole file; the original stays intact until the rewritten file replaces it).
  bool faststart = false;
  /// Fragmented layout only: CMAF-style brands ('cmfc', 'iso6') for browsers' Media Source
  /// Extensions.
  bool cmaf = false;
  FsyncPolicy fsync = FsyncPolicy::never;
  int64_t fsync_interval_us = 1'000'000;
  /// create_file (and each segment file): replace an existing file. false fails with
  /// Errc::already_exists instead, so a recording is never lost to a reused name.
  bool overwrite = true;
  /// Fragmented layout: write a 'mfra' random access index at close.
  bool write_mfra = true;
  /// How long (media time of the first video track) the muxer waits for every video track's
  /// first key frame before writing the file header without the tracks still silent.
  int64_t max_header_wait_us = 5'000'000;
  /// Upper bound of media bytes buffered for one fragment; a fragment is cut when reached.
  uint64_t max_fragment_bytes = 64u << 20;
  /// Packet time 0 is the file's time 0 (remux: the input file's presentation timeline, so
  /// packets presented before 0, AAC/Opus priming or leading pictures, are kept behind the
  /// edit list). False: the first packet's presentation time is the file's time 0, and a
  /// track's packets presented before it are dropped (counted in samples_dropped).
  bool zero_origin = false;
  /// Bytes kept free after the file header, where the header is rewritten when a track
  /// gains a sample description after it was written (new parameter sets: docs/file-layout.md).
  /// Each change takes the header's size again; 0 refuses such changes once the header is out.
  uint32_t header_reserve_bytes = 8192;
  /// Creation and modification time written in mvhd, tkhd and mdhd (14496-12 8.2.2), in
  /// microseconds since the Unix epoch, UTC (whole seconds are kept), or kTimeAtFirstPacket
  /// or kTimeUnknown. A remux passes the input's times on.
  int64_t creation_time_us = kTimeAtFirstPacket;
  int64_t modification_time_us = kTimeAtFirstPacket;
  /// Called between the steps of close() ("final-moov-written", "final-moov-synced",
  /// "header-written") and after each fragment ("fragment-written"): for progress reports,
  /// and for tests that stop the process at those instants.
  std::function<void(const char* step)> on_step;
};

struct VideoTrackConfig {
  Codec codec = Codec::h264;     ///< h264 or h265.
  uint32_t width = 0;            ///< Display size; 0 = take the coded size from the SPS.
  uint32_t height = 0;
  Timescale timescale = 90'000;  ///< Track timescale; 0 = 90 kHz.
  /// Keep one sample description ('avc3'/'hev1' from the start) and carry the parameter sets
  /// in-band in every key frame, so new parameter sets mid-stream need no new description
  /// and the header written first stays right (a live stream whose init segment went out).
  /// False: a change adds a sample description and rewrites the header (docs/file-layout.md).
  bool parameter_sets_in_band = false;
};

struct AudioTrackConfig {
  Codec codec = Codec::g711_ulaw;  ///< g711_alaw, g711_ulaw, aac, opus.
  uint32_t sample_rate = 8'000;    ///< Hz (Opus: the input rate; the track runs at 48 kHz).
  uint32_t channels = 1;
  Timescale timescale = 0;         ///< 0 = the sample rate (48 kHz for Opus).
  /// AAC: AudioSpecificConfig (empty when the packets are ADTS: taken from the first header).
  /// Opus: empty, or an OpusHead (RFC 7845 5.1) to take pre-skip and mapping from.
  std::vector<uint8_t> codec_config;
  /// AAC: samples at the start of the stream that are the encoder's delay, not sound (1024
  /// for FFmpeg's encoder), at `sample_rate`. The edit list's media_time skips them, so
  /// the first captured sample plays at the first packet's time. Other codecs: must be 0
  /// (Opus takes its pre-skip from the OpusHead).
  uint32_t priming_samples = 0;
};

/// One access unit (video) or one audio packet.
struct Packet {
  /// Video: an Annex B access unit (start codes; parameter sets may precede the first slice).
  /// Audio: G.711 bytes, one AAC frame (raw or ADTS) or one Opus packet.
  /// Borrowed for the duration of the call only.
  std::span<const uint8_t> data;
  int64_t pts = 0;                    ///< Presentation time in `timescale` units.
  int64_t dts = 0;                    ///< Decode time; equal to pts when there are no B-frames.
  Timescale timescale = kMicroseconds;
  /// Duration in `timescale` units, when the caller knows it; 0 = derived from the next
  /// packet's dts (the last packet gets the previous duration).
  int64_t duration = 0;
};

struct MuxerStats {
  uint64_t samples_written = 0;
  uint64_t fragments_written = 0;
  uint64_t bytes_written = 0;         ///< Bytes the file holds (after close: its size).
  uint64_t samples_dropped = 0;       ///< Before a track's first key frame, or RASL after a starting CRA.
  uint64_t syncs = 0;                 ///< fdatasync calls.
};

struct MuxerInternals;

/// What a recorder writes packets to: one MP4 file (Muxer) or a series of segment files
/// (SegmentWriter).
class MediaWriter {
 public:
  virtual ~MediaWriter() = default;
  /// Adds a track; only before the first packet. Returns its index (0, 1, ...).
  virtual Result<uint32_t> add_video_track(const VideoTrackConfig& config) = 0;
  virtual Result<uint32_t> add_audio_track(const AudioTrackConfig& config) = 0;
  /// Writes one packet to `track`.
  virtual Status write(uint32_t track, const Packet& packet) = 0;
  /// Finishes the output. Idempotent.
  virtual Status close() = 0;
  virtual MuxerStats stats() const = 0;
};

/// Writes one MP4 file. Thread-safe: tracks may be written from different threads (calls
/// are serialized inside). Every error is returned; after an output error (disk full, file
/// too large) the file on disk stays valid with every fragment written before it.
class Muxer final : public MediaWriter {
 public:
  /// Creates a muxer writing to `sink` (owned). A forward-only sink (io::Sink::seekable()
  /// false: a pipe, standard output) takes the fragmented layout only; its bytes are then
  /// written strictly in order (no mehd, no header reserve, a change of parameter sets after
  /// the header refused), and the regular layout fails with Errc::unsupported.
  static Result<std::unique_ptr<Muxer>> create(std::unique_ptr<io::Sink> sink, MuxerOptions options = {});
  /// Creates the file at `path` (an existing one is replaced only when options.overwrite).
  /// Fails with Errc::busy while another writer holds `path` (its recording is untouched).
  static Result<std::unique_ptr<Muxer>> create_file(const std::string& path, MuxerOptions options = {});
  ~Muxer() override;

  /// Adds a track; only before the first sample is written. Returns its index (0, 1, ...).
  Result<uint32_t> add_video_track(const VideoTrackConfig& config) override;
  Result<uint32_t> add_audio_track(const AudioTrackConfig& config) override;

  /// Writes one packet to `track`. Decode times must increase within a track. The first
  /// video packet must be a key frame with its parameter sets. A key frame whose parameter
  /// sets differ from the current ones starts a new sample description.
  Status write(uint32_t track, const Packet& packet) override;

  /// Video: parameter sets (Annex B VPS/SPS/PPS NAL units only, as a K230 encoder's HEADER
  /// pack) that apply from the track's next key frame on. Errors: invalid_argument for an
  /// audio track or other NAL units; the track is unchanged then.
  Status write_parameter_sets(uint32_t track, std::span<const uint8_t> annexb);

  /// Finishes the file (regular layout: turns it into a regular MP4). Idempotent.
  Status close() override;

  MuxerStats stats() const override;

  struct Impl;

 private:
  friend struct MuxerInternals;  // the library's internal write path (src/mux/parsed_write.h)
  explicit Muxer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace camrec
