// SPDX-License-Identifier: LGPL-2.1-or-later
// Internals of camrec::Muxer, shared by muxer.cpp (recording) and finalize.cpp (close).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "camrec/muxer.h"
#include "io/sink.h"
#include "mux/fragment_reader.h"
#include "mux/movie_builder.h"
#include "mux/track.h"

namespace camrec {

struct Muxer::Impl {
  MuxerOptions options;
  std::unique_ptr<io::Sink> sink;
  std::string path;  ///< Empty unless created from a path (needed by faststart).
  std::vector<std::unique_ptr<mux::Track>> tracks;
  std::mutex mutex;

  /// The sink cannot seek (a pipe): every byte goes out once, in order. No header reserve,
  /// no mehd to fill in at close, moofs written typed 'moof' at once.
  bool forward_only = false;
  bool header_written = false;
  bool closed = false;
  Status failed;                 ///< First output error; the file is left valid before it.
  uint64_t placeholder_offset = 0;  ///< Regular layout: where the 16-byte free box is.
  uint64_t mehd_offset = 0;      ///< File offset of the init moov's mehd duration field.
  uint64_t written_end_ms = 0;   ///< End of the latest sample written in a fragment (kMovieTimescale).
  uint64_t header_moov_offset = 0;  ///< File offset of the moov readers use while recording.
  uint64_t fragments_begin = 0;  ///< File offset of the first fragment (the end of the header).
  uint64_t reserve_offset = 0;   ///< File offset of the free box the header may be rewritten in...
  uint64_t reserve_size = 0;     ///< ...and its size (0: none left).
  uint32_t sequence_number = 0;
  bool origin_set = false;
  int64_t origin = 0;            ///< Presentation time all tracks are relative to...
  Timescale origin_timescale = 1;  ///< ...in this timescale.
  int64_t last_sync_us = 0;      ///< For FsyncPolicy::interval: media time of the last sync.
  mux::MovieTimes times;         ///< Written in mvhd, tkhd and mdhd; set at the first packet.
  MuxerStats stats;

  /// `parsed`: the access unit split and parsed by the caller (write_parsed()); null for
  /// the public path, where the track's input parses packet.data itself.
  Status write(uint32_t track_index, const Packet& packet, const mux::ParsedVideo* parsed = nullptr);
  Status close();

  // Recording (muxer.cpp).
  /// Fills `times` from the options (the wall clock now for kTimeAtFirstPacket).
  void set_times();
  mux::Track* lead_track();
  bool should_cut(mux::Track& t, bool sync, int64_t decode_time);
  Status write_header();
  /// Rewrites the file header with every track's sample descriptions (header_update.cpp).
  Status update_header();
  Status flush_fragment(bool everything);
  /// Writes one fragment (moof + mdat) of the first samples of `runs`; `end_us` grows to
  /// the end of the latest sample written.
  Status write_fragment(const std::vector<mux::FragmentRun>& runs, int64_t& end_us);
  Status maybe_sync(int64_t media_time_us);
  /// Records an output error: cuts the file back to `good_size` so it ends on a whole box.
  Status fail_output(const Status& error, uint64_t good_size);
  std::vector<mux::Track*> header_tracks();
  /// The decode time a sample is written at: the packet's, or `frame_duration` (the previous
  /// packet's duration) after the previous sample when the packet is within a capture
  /// jitter of that (constant-rate sources).
  static int64_t smoothed_decode_time(const mux::Track& t, int64_t input_decode_time, uint32_t frame_duration);

  // Closing (finalize.cpp).
  void settle_last_durations();
  Status finish_fragmented();
  Status finish_regular();
  /// Appends the mfra at `at` (the end of the fragments), its entries from the moofs read back.
  Status write_mfra(uint64_t at);
  /// Writes the final moov at `at` in `out`, its sample tables streamed from the fragments
  /// in [fragments_begin, fragments_end) of the file, every chunk offset moved by
  /// `chunk_offset_shift`; returns its size. Holds nothing per sample.
  Result<uint64_t> write_final_moov(io::Sink& out, uint64_t at, uint64_t chunk_offset_shift, uint64_t fragments_end);
  /// Gives `index` the samples of `traf` (of `moof`, read back), as write_fragment() gave
  /// them while recording.
  static void feed_index(mux::SampleIndex& index, const mux::Track& t, const mux::FragmentView& moof,
                         const mux::TrafView& traf);
  Status rewrite_faststart(uint64_t media_end);
};

}  // namespace camrec
