// SPDX-License-Identifier: LGPL-2.1-or-later
#include "edit/copy.h"

#include <optional>

#include "codec/opus.h"

namespace camrec::edit {

Result<CopyReport> copy_samples(Demuxer& demuxer, MediaWriter& muxer, const CopyOptions& options) {
  CopyReport report;
  std::vector<std::optional<uint32_t>> map;
  // Ticks added to a track's times: the muxer takes an Opus packet's time as that of its
  // first sample after the pre-skip (as camrec's encoder stamps them), the demuxer gives
  // the presentation time with the pre-skip edit applied (the first packet at -pre_skip).
  std::vector<int64_t> shift;
  for (const auto& t : demuxer.tracks()) {
    std::optional<uint32_t> out;
    int64_t track_shift = 0;
    const std::string& e = t.sample_entry;
    // New parameter sets of the same codec become new descriptions of the output track;
    // another codec cannot share one track.
    for (const auto& other : t.sample_entries) {
      const bool same = other == e || (e.rfind("avc", 0) == 0 && other.rfind("avc", 0) == 0) ||
                        ((e == "hvc1" || e == "hev1") && (other == "hvc1" || other == "hev1"));
      if (!same)
        return make_error(Errc::unsupported, "track " + std::to_string(t.track_id) + " changes codec from '" + e +
                                                 "' to '" + other + "': camrec writes one codec per track; split the "
                                                 "input where the codec changes");
    }
    if (options.skip_empty_tracks && t.sample_count == 0) {
      report.skipped_tracks.push_back("track " + std::to_string(t.track_id) + " (no sample)");
    } else if (t.video && (e == "avc1" || e == "avc3" || e == "hvc1" || e == "hev1")) {
      VideoTrackConfig vt;
      vt.codec = e[0] == 'a' ? Codec::h264 : Codec::h265;
      vt.timescale = t.timescale;
      CAMREC_ASSIGN_OR_RETURN(out, muxer.add_video_track(vt));
    } else if (t.audio && (e == "ulaw" || e == "alaw" || e == "mp4a" || e == "Opus")) {
      AudioTrackConfig at;
      at.codec = e == "ulaw" ? Codec::g711_ulaw : e == "alaw" ? Codec::g711_alaw : e == "mp4a" ? Codec::aac : Codec::opus;
      at.sample_rate = t.sample_rate;
      at.channels = t.channels;
      at.timescale = t.timescale;
      if (at.codec == Codec::aac) at.codec_config = t.decoder_config;
      if (at.codec == Codec::opus) {
        CAMREC_ASSIGN_OR_RETURN(auto head, codec::parse_dops(t.decoder_config));
        at.codec_config = codec::serialize_opus_head(head);
        track_shift = rescale(head.pre_skip, 48'000, t.timescale);
      }
      CAMREC_ASSIGN_OR_RETURN(out, muxer.add_audio_track(at));
    } else {
      report.skipped_tracks.push_back("track " + std::to_string(t.track_id) + " ('" + e + "')");
    }
    if (out) ++report.tracks_copied;
    map.push_back(out);
    shift.push_back(track_shift);
  }
  DemuxedSample s;
  while (true) {
    CAMREC_ASSIGN_OR_RETURN(bool more, demuxer.next(s));
    if (!more) break;
    if (!map[s.track]) continue;
    const auto& t = demuxer.tracks()[s.track];
    Packet p{s.data, s.pts + shift[s.track], s.dts + shift[s.track], t.timescale, s.duration};
    CAMREC_RETURN_IF_ERROR(muxer.write(*map[s.track], p).with_context("sample at byte " + std::to_string(s.offset)));
    ++report.samples;
  }
  return report;
}

}  // namespace camrec::edit
