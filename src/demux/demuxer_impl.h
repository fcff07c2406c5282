// SPDX-License-Identifier: LGPL-2.1-or-later
// Internals of camrec::Demuxer.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "box/boxes.h"
#include "camrec/demuxer.h"
#include "demux/table_cursor.h"
#include "io/source.h"

namespace camrec {

struct Muxer;

struct DemuxTrack {
  TrackInfo info;
  box::TrackBox trak;
  std::optional<box::TrackExtendsBox> trex;
  demux::TableCursor cursor;        ///< Samples listed in the moov.
  int64_t pts_shift = 0;            ///< Added to decode/composition times (edit list).
  int64_t fragment_time = 0;        ///< Decode time after the last fragment sample seen.
  bool fragment_time_known = false;
  /// Annex B output: start code + parameter sets, per sample description (1-based - 1).
  std::vector<std::vector<uint8_t>> annexb_headers;
  /// The NAL units of each description's avcC/hvcC record that annexb_headers holds, in
  /// the same order (what goes in front of a key frame).
  std::vector<std::vector<std::vector<uint8_t>>> config_nals;
  /// NAL length size of the (last) description's record.
  int nal_length_size = 4;
  bool mixed_length_sizes = false;  ///< The descriptions' records give different sizes.
  bool header_unsplittable = false;  ///< An annexb_headers entry is no valid Annex B.
  /// next() hands this track's samples as views of the mapped file (raw_view), not data.
  bool raw = false;
};

struct Demuxer::Impl {
  std::unique_ptr<io::Source> source;
  DemuxOptions options;
  FileLayout layout;
  std::vector<TrackInfo> infos;     ///< Public copy of tracks[i].info.
  std::vector<DemuxTrack> tracks;
  std::optional<box::MovieBox> moov;
  std::vector<uint64_t> moof_offsets;

  // Reading position.
  bool moov_samples_done = false;
  size_t next_moof = 0;
  std::deque<demux::SampleRef> queue;  ///< Samples of the current fragment, in decode order.
  /// The last sample of a raw track (DemuxTrack::raw): a view of the mapped file.
  std::span<const uint8_t> raw_view;
  UndeclaredTracks undeclared;
  /// Fragments before this offset have been counted into `undeclared` (they are read again
  /// after rewind() and scan(), always in file order).
  uint64_t undeclared_counted_until = 0;

  Status open();
  Status scan_top_level();
  Status load_tracks();
  Status load_fragment(uint64_t offset);
  /// Walks a traf of a track the moov does not declare without reading it: returns where
  /// its data ends, and counts it into `undeclared` when `count`.
  Result<uint64_t> skip_undeclared(const box::TrackFragmentBox& traf, uint64_t base, bool count);
  bool next_moov_sample(demux::SampleRef& out);
  Status read_sample(const demux::SampleRef& ref, DemuxedSample& out);
  void rewind();
};

/// Builds the Annex B prefix (start codes + parameter sets) and config_nals of each video
/// description and reads the NAL length size, from the avcC/hvcC records.
Status prepare_annexb(DemuxTrack& track);
/// Rewrites a length-prefixed video sample as Annex B, with `header` in front of key frames.
Status to_annexb(const DemuxTrack& track, const std::vector<uint8_t>& sample, bool key, uint32_t description,
                 std::vector<uint8_t>& out);
/// Fills codec_string, width/height, sample rate and channels from the sample description.
void describe_track(DemuxTrack& track);

}  // namespace camrec
