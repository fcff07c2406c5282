// SPDX-License-Identifier: LGPL-2.1-or-later
#include "demux/demuxer_internals.h"

#include "demux/demuxer_impl.h"

namespace camrec {

io::FileSource* DemuxerInternals::mapped_file(Demuxer& demuxer) {
  auto* file = dynamic_cast<io::FileSource*>(demuxer.impl_->source.get());
  return file && !file->mapped().empty() ? file : nullptr;
}

const std::vector<std::vector<std::vector<uint8_t>>>* DemuxerInternals::config_nals(Demuxer& demuxer,
                                                                                       uint32_t track) {
  auto& d = *demuxer.impl_;
  if (track >= d.tracks.size() || !mapped_file(demuxer)) return nullptr;
  const DemuxTrack& t = d.tracks[track];
  // Built by prepare_annexb() for every visual description of a video track.
  if (!t.info.video || !d.options.annexb || t.config_nals.empty() || t.mixed_length_sizes || t.header_unsplittable || t.nal_length_size != 4)
    return nullptr;
  return &t.config_nals;
}

void DemuxerInternals::read_raw(Demuxer& demuxer, uint32_t track) { demuxer.impl_->tracks[track].raw = true; }

std::span<const uint8_t> DemuxerInternals::raw_sample(const Demuxer& demuxer) { return demuxer.impl_->raw_view; }

}  // namespace camrec
