// SPDX-License-Identifier: LGPL-2.1-or-later
#include "edit/copy.h"

#include <memory>
#include <optional>

#include "codec/access_unit.h"
#include "codec/annexb.h"
#include "codec/opus.h"
#include "demux/demuxer_internals.h"
#include "mux/parsed_write.h"

namespace camrec::edit {

namespace {

/// A video track copied raw: its samples split by their NAL lengths and parsed here once.
struct RawVideo {
  explicit RawVideo(codec::VideoCodec vc, const std::vector<std::vector<std::vector<uint8_t>>>* c)
      : config(c), parser(vc) {}
  const std::vector<std::vector<std::vector<uint8_t>>>* config;  ///< Per description (demuxer's).
  codec::AccessUnitParser parser;
  codec::AccessUnit au;
  std::vector<codec::NalView> nals;
};

/// Writes the raw sample `data` of `s` to track `out` of `muxer`: what the Annex B path
/// writes for it (to_annexb, then the muxer's split and parse), without the copies and the
/// scan. The description's parameter sets go in front of a key frame, as that path puts
/// them, so the parser sees the same NAL units in the same order.
Status write_raw(RawVideo& r, const DemuxedSample& s, std::span<const uint8_t> data, const Packet& packet,
                 MediaWriter& muxer, uint32_t out, io::FileSource& file) {
  r.nals.clear();
  if (s.sync && s.description >= 1 && s.description <= r.config->size())
    for (const auto& nal : (*r.config)[s.description - 1]) r.nals.emplace_back(nal);
  codec::LengthPrefixedReader reader(data, 4);
  while (true) {
    CAMREC_ASSIGN_OR_RETURN(auto nal, reader.next());
    if (!nal) break;
    // Trailing zero bytes are no part of a NAL unit once written as Annex B (7.4.1; the
    // muxer's split drops them): a foreign file's padded NAL unit loses them here too.
    size_t n = nal->size();
    while (n > 0 && (*nal)[n - 1] == 0) --n;
    if (n == 0)
      return make_error(Errc::malformed, "empty NAL unit at byte " + std::to_string(reader.position() - nal->size()) +
                                             " of the sample");
    r.nals.push_back(nal->first(n));
  }
  // The bytes just read are the file's only if it was not cut short under the mapping.
  CAMREC_RETURN_IF_ERROR(file.check());
  // An empty sample: the muxer refuses the empty packet as it does on the Annex B path.
  if (r.nals.empty()) return muxer.write(out, packet);
  CAMREC_RETURN_IF_ERROR(r.parser.parse_nals(r.nals, r.au, nullptr));
  const mux::ParsedVideo video{r.nals, r.au.is_key, &r.parser.parameter_sets(),
                               r.au.droppable && r.parser.seen_key_frame()};
  return MuxerInternals::write_parsed(muxer, out, packet, video);
}

}  // namespace

Result<CopyReport> copy_samples(Demuxer& demuxer, MediaWriter& muxer, const CopyOptions& options) {
  CopyReport report;
  std::vector<std::optional<uint32_t>> map;
  // Ticks added to a track's times: the muxer takes an Opus packet's time as that of its
  // first sample after the pre-skip (as camrec's encoder stamps them), the demuxer gives
  // the presentation time with the pre-skip edit applied (the first packet at -pre_skip).
  std::vector<int64_t> shift;
  std::vector<std::unique_ptr<RawVideo>> raw;
  io::FileSource* mapped = MuxerInternals::takes_parsed(muxer) ? DemuxerInternals::mapped_file(demuxer) : nullptr;
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
      const auto index = static_cast<uint32_t>(map.size());
      if (const auto* config = mapped ? DemuxerInternals::config_nals(demuxer, index) : nullptr) {
        raw.resize(index + 1);
        raw[index] = std::make_unique<RawVideo>(
            vt.codec == Codec::h264 ? codec::VideoCodec::h264 : codec::VideoCodec::h265, config);
        DemuxerInternals::read_raw(demuxer, index);
        ++report.tracks_raw;
      }
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
    RawVideo* r = s.track < raw.size() ? raw[s.track].get() : nullptr;
    const std::span<const uint8_t> data = r ? DemuxerInternals::raw_sample(demuxer) : std::span<const uint8_t>(s.data);
    Packet p{data, s.pts + shift[s.track], s.dts + shift[s.track], t.timescale, s.duration};
    Status written = r ? write_raw(*r, s, data, p, muxer, *map[s.track], *mapped) : muxer.write(*map[s.track], p);
    // A write from the mapping fails (EFAULT) when the input was cut short under it: that
    // is a refused input, and the error says so.
    if (!written.is_ok() && mapped) CAMREC_RETURN_IF_ERROR(mapped->check());
    CAMREC_RETURN_IF_ERROR(written.with_context("sample at byte " + std::to_string(s.offset)));
    // Pages well behind the samples read are handed back: the mapped file does not grow
    // the resident size. (Samples are read in decode order, about in file order.)
    if (mapped) mapped->release_before(s.offset);
    ++report.samples;
  }
  return report;
}

}  // namespace camrec::edit
