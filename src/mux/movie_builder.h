// SPDX-License-Identifier: LGPL-2.1-or-later
// Builds the file-level boxes of a recording from the tracks' state: ftyp, the init moov
// (empty sample tables + mvex), the final moov (full tables), moof and mfra.
#pragma once

#include <cstdint>
#include <vector>

#include "box/file_boxes.h"
#include "box/fragment_boxes.h"
#include "box/movie_boxes.h"
#include "mux/track.h"

namespace camrec::mux {

/// Timescale of mvhd, tkhd and edit lists (durations there need no more than 1 ms).
inline constexpr Timescale kMovieTimescale = 1000;

/// Creation and modification time of a file, in seconds since 1904-01-01 UTC (the MP4
/// epoch, 14496-12 8.2.2.3); 0 = unknown.
struct MovieTimes {
  uint64_t creation = 0;
  uint64_t modification = 0;
};

/// Seconds since 1904 for a Unix time in microseconds (0 before 1904).
uint64_t mp4_time_from_unix_us(int64_t unix_us);

/// Writes `times` into mvhd and every trak's tkhd and mdhd (version 1 where they pass 32 bits).
void stamp_times(box::MovieBox& moov, const MovieTimes& times);

box::FileTypeBox make_ftyp(const MuxerOptions& options, const std::vector<Track*>& tracks);

/// The moov written at the start: every track in the header with its sample description,
/// empty sample tables and a trex in mvex (ISO BMFF 8.8.1), so readers treat the file as
/// fragmented while it grows. `cmaf` adds what CMAF expects in a sample entry ('pasp').
/// `with_mehd`: an mehd whose duration close() fills in (not for a forward-only output).
box::MovieBox make_init_moov(const std::vector<Track*>& tracks, bool cmaf = false, bool with_mehd = true);

/// Offset, from the start of `init_moov`, of its mehd fragment_duration field (64-bit).
uint64_t mehd_duration_offset(const box::MovieBox& init_moov);

/// Length of the recording in kMovieTimescale units: the end of the latest track.
uint64_t movie_duration_ms(const std::vector<Track*>& tracks);

/// The moov written at close, no mvex, with its sample tables shaped by the tracks' indexes
/// but without entries (empty_sample_table(); the close streams the entries in, see
/// streamed_tables.h). `chunk_offset_shift` is added to every chunk offset (it chooses
/// between stco and co64).
box::MovieBox make_final_moov(const std::vector<Track*>& tracks, uint64_t chunk_offset_shift = 0);

/// One traf's worth of samples for make_moof().
struct FragmentRun {
  Track* track = nullptr;
  size_t count = 0;  ///< The first `count` pending samples.
};

/// The moof for `runs`, with trun data offsets relative to the moof start (default-base-is-moof)
/// assuming the mdat header of `mdat_header_size` bytes follows it and the runs' data is laid
/// out in order.
box::MovieFragmentBox make_moof(uint32_t sequence_number, const std::vector<FragmentRun>& runs,
                                uint32_t mdat_header_size);

}  // namespace camrec::mux
