// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/demuxer.h"

#include <algorithm>
#include <optional>

#include "camrec/checked.h"
#include "demux/demuxer_impl.h"

namespace camrec {

using box::fourcc;
using demux::SampleRef;

namespace {

/// Reads the box header at `offset` of the source (up to 16 bytes).
Result<box::BoxHeader> header_at(io::Source& src, uint64_t offset) {
  uint8_t bytes[16];
  uint64_t left = src.size() - offset;
  size_t n = static_cast<size_t>(std::min<uint64_t>(16, left));
  CAMREC_RETURN_IF_ERROR(src.read_at(offset, std::span<uint8_t>(bytes, n)));
  // Only a header is parsed here; the declared size is checked by the caller.
  io::ByteReader r(std::span<const uint8_t>(bytes, n), offset);
  box::BoxHeader h;
  h.offset = offset;
  uint32_t size32 = r.u32();
  h.type = r.u32();
  h.header_size = 8;
  if (size32 == 1) {
    h.size = r.u64();
    h.header_size = 16;
  } else if (size32 == 0) {
    h.size = left;
  } else {
    h.size = size32;
  }
  if (r.failed()) return make_error(Errc::malformed, "box header truncated at byte " + std::to_string(offset));
  if (h.size < h.header_size)
    return make_error(Errc::malformed, "box '" + box::fourcc_string(h.type) + "' at byte " +
                                           std::to_string(offset) + " has size " + std::to_string(h.size));
  return h;
}

bool less_in_time(const SampleRef& a, Timescale ta, const SampleRef& b, Timescale tb) {
  if (time_less(a.dts, ta, b.dts, tb)) return true;
  if (time_less(b.dts, tb, a.dts, ta)) return false;
  return a.track < b.track;
}

}  // namespace

Demuxer::Demuxer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Demuxer::~Demuxer() = default;

Result<std::unique_ptr<Demuxer>> Demuxer::open(const std::string& path, DemuxOptions options) {
  CAMREC_ASSIGN_OR_RETURN(auto source, io::FileSource::open(path));
  auto result = open(std::move(source), options);
  if (!result) return result.error().with_context(path);
  return result;
}

Result<std::unique_ptr<Demuxer>> Demuxer::open(std::unique_ptr<io::Source> source, DemuxOptions options) {
  if (!source) return make_error(Errc::invalid_argument, "no source");
  auto impl = std::make_unique<Impl>();
  impl->source = std::move(source);
  impl->options = options;
  CAMREC_RETURN_IF_ERROR(impl->open());
  return std::unique_ptr<Demuxer>(new Demuxer(std::move(impl)));
}

const std::vector<TrackInfo>& Demuxer::tracks() const { return impl_->infos; }
const FileLayout& Demuxer::layout() const { return impl_->layout; }
const UndeclaredTracks& Demuxer::undeclared() const { return impl_->undeclared; }

std::string Demuxer::warning() const {
  const UndeclaredTracks& u = impl_->undeclared;
  if (u.track_fragments == 0) return "";
  std::string ids;
  for (size_t i = 0; i < u.track_ids.size(); ++i)
    ids += (i == 0 ? "" : i + 1 == u.track_ids.size() ? " and " : ", ") + std::to_string(u.track_ids[i]);
  auto plural = [](uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  return "skipped " + plural(u.track_fragments, "track fragment", "track fragments") + " (" +
         plural(u.samples, "sample", "samples") + ", " + plural(u.bytes, "byte", "bytes") + ") of " +
         (u.track_ids.size() == 1 ? "track " : "tracks ") + ids +
         ", which the moov does not declare (no sample description to read them with; K230's fMP4 muxer writes "
         "such audio fragments)";
}

Status Demuxer::Impl::open() {
  layout.file_size = source->size();
  CAMREC_RETURN_IF_ERROR(scan_top_level());
  if (!moov) return make_error(Errc::malformed, "no 'moov' box: not a playable MP4 (camrec recover may salvage it)");
  // Fragments of undeclared tracks are skipped (see UndeclaredTracks); with no track
  // declared at all there is nothing left to read, and an empty copy would lose everything.
  if (moov->traks.empty() && !moof_offsets.empty())
    return make_error(Errc::malformed, "the moov declares no track, but " + std::to_string(moof_offsets.size()) +
                                           " movie fragment" + (moof_offsets.size() == 1 ? "" : "s") +
                                           " follow it: their samples cannot be read without a sample description");
  CAMREC_RETURN_IF_ERROR(load_tracks());
  layout.fragmented = !moof_offsets.empty();
  layout.fragments = moof_offsets.size();
  return Status::ok();
}

Status Demuxer::Impl::scan_top_level() {
  const uint64_t size = source->size();
  uint64_t pos = 0;
  bool first = true;
  while (pos + 8 <= size) {
    auto h = header_at(*source, pos);
    if (!h) {
      if (first) return h.error();
      layout.truncated = true;  // a torn box at the end: keep what came before it
      break;
    }
    if (first && h->type != fourcc("ftyp") && h->type != fourcc("moov") && h->type != fourcc("free") &&
        h->type != fourcc("mdat") && h->type != fourcc("wide") && h->type != fourcc("skip") &&
        h->type != fourcc("styp"))
      return make_error(Errc::malformed, "not an MP4 file: first box is '" + box::fourcc_string(h->type) + "'");
    first = false;
    bool fits = h->size <= size - pos;
    if (h->type == fourcc("ftyp") && fits && h->size <= 4096) {
      CAMREC_ASSIGN_OR_RETURN(auto bytes, source->read_vector(pos, h->size));
      auto ftyp = box::parse_box<box::FileTypeBox>(bytes, pos);
      if (ftyp) {
        layout.brands.push_back(box::fourcc_string(ftyp->major_brand));
        for (auto b : ftyp->compatible_brands) layout.brands.push_back(box::fourcc_string(b));
      }
    } else if (h->type == fourcc("moov") && fits && !moov) {
      // The first moov counts: a hybrid file interrupted inside close() has a second one
      // after its fragments that becomes valid only once its mdat header is written.
      if (h->size > options.max_moov_bytes)
        return make_error(Errc::limit_exceeded, "moov of " + std::to_string(h->size) + " bytes at byte " +
                                                    std::to_string(pos));
      CAMREC_ASSIGN_OR_RETURN(auto bytes, source->read_vector(pos, h->size));
      CAMREC_ASSIGN_OR_RETURN(auto parsed, box::parse_box<box::MovieBox>(bytes, pos));
      moov = std::move(parsed);
    } else if (h->type == fourcc("moof")) {
      if (!fits) {
        layout.truncated = true;
        break;
      }
      moof_offsets.push_back(pos);
    } else if (h->type == fourcc("mfra")) {
      layout.has_mfra = true;
    }
    if (!fits) {
      layout.truncated = true;
      break;
    }
    pos += h->size;
  }
  if (pos < size && pos + 8 > size) layout.truncated = true;
  return Status::ok();
}

Status Demuxer::Impl::load_tracks() {
  if (moov->traks.size() > options.max_tracks)
    return make_error(Errc::limit_exceeded, std::to_string(moov->traks.size()) + " tracks");
  tracks.reserve(moov->traks.size());
  for (auto& trak : moov->traks) {
    DemuxTrack t;
    t.trak = trak;
    t.info.track_id = trak.tkhd.track_ID;
    t.info.timescale = trak.mdia.mdhd.timescale;
    if (t.info.timescale == 0)
      return make_error(Errc::malformed, "track " + std::to_string(t.info.track_id) + " has timescale 0");
    auto handler = trak.mdia.hdlr.handler_type;
    t.info.video = handler == fourcc("vide");
    t.info.audio = handler == fourcc("soun");
    if (moov->mvex)
      for (auto& trex : moov->mvex->trex)
        if (trex.track_ID == t.info.track_id) t.trex = trex;
    tracks.push_back(std::move(t));
  }
  layout.movie_timescale = moov->mvhd.timescale;
  // MP4 times count seconds from 1904-01-01 (14496-12 8.2.2.3); 0 means "not set".
  constexpr int64_t kUnixEpochIn1904 = 2'082'844'800;
  auto unix_time = [](uint64_t mp4_time) -> std::optional<int64_t> {
    if (mp4_time == 0 || mp4_time > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(mp4_time) - kUnixEpochIn1904;
  };
  layout.creation_time = unix_time(moov->mvhd.creation_time);
  layout.modification_time = unix_time(moov->mvhd.modification_time);
  layout.movie_duration = moov->mvex && moov->mvex->mehd ? moov->mvex->mehd->fragment_duration : moov->mvhd.duration;
  for (uint32_t i = 0; i < tracks.size(); ++i) {
    auto& t = tracks[i];
    const auto& stbl = t.trak.mdia.minf.stbl;
    t.info.description_count =
        static_cast<uint32_t>(stbl.stsd.visual.size() + stbl.stsd.audio.size() + stbl.stsd.other.size());
    for (const auto& e : stbl.stsd.visual) t.info.sample_entries.push_back(box::fourcc_string(e.type));
    for (const auto& e : stbl.stsd.audio) t.info.sample_entries.push_back(box::fourcc_string(e.type));
    for (const auto& e : stbl.stsd.other) t.info.sample_entries.push_back(box::fourcc_string(e.type));
    describe_track(t);
    // QuickTime raw audio lists one sample per PCM frame with duration 1: read it a chunk at
    // a time, as players do.
    bool pcm_like = t.info.audio && stbl.stsz && stbl.stsz->sample_size != 0 && stbl.stts.entries.size() == 1 &&
                    stbl.stts.entries[0].sample_delta == 1;
    Status s = t.cursor.init(stbl, i, layout.file_size, std::max<uint32_t>(1, t.info.description_count), pcm_like);
    if (!s.is_ok()) return s.with_context("track " + std::to_string(t.info.track_id));
    t.info.sample_count = t.cursor.sample_count();
    t.info.duration = static_cast<uint64_t>(t.cursor.end_time());
    t.fragment_time = t.cursor.end_time();
    // Edit list: an empty edit delays the track; the first real edit's media_time is the
    // media instant shown first (8.6.6).
    if (t.trak.edts && t.trak.edts->elst) {
      Timescale movie_ts = moov->mvhd.timescale ? moov->mvhd.timescale : 1;
      // Summed in 128 bits and bounded: the durations and media_time are any 64-bit values
      // of the file, and the shift is later added to sample times of up to 2^62 ticks.
      constexpr int128 kMaxShift = int128{1} << 61;
      int128 shift = 0;
      int128 presented = 0;
      for (const auto& e : t.trak.edts->elst->entries)
        if (e.media_time != -1) presented += (static_cast<int128>(e.segment_duration) * t.info.timescale + movie_ts / 2) / movie_ts;
      if (presented <= kMaxShift) t.info.edit_duration = static_cast<uint64_t>(presented);
      for (const auto& e : t.trak.edts->elst->entries) {
        if (e.media_time == -1) {
          shift += (static_cast<int128>(e.segment_duration) * t.info.timescale + movie_ts / 2) / movie_ts;
          if (shift > kMaxShift) break;
          continue;
        }
        // The empty edits delay the track; media_time only says which media instant is
        // shown first (B-frames' first composition offset, AAC priming).
        if (shift <= kMaxShift) t.info.start = t.info.edit_delay = static_cast<int64_t>(shift);
        t.info.media_skip = e.media_time;
        shift -= e.media_time;
        break;
      }
      if (shift > kMaxShift || shift < -kMaxShift)
        return make_error(Errc::malformed, "track " + std::to_string(t.info.track_id) +
                                               ": edit list shifts the track by more than 2^61 ticks");
      t.pts_shift = static_cast<int64_t>(shift);
    }
    if (options.annexb && t.info.video) CAMREC_RETURN_IF_ERROR(prepare_annexb(t));
  }
  for (auto& t : tracks) infos.push_back(t.info);
  return Status::ok();
}

bool Demuxer::Impl::next_moov_sample(SampleRef& out) {
  // Pick the track whose next sample decodes first; a cursor is peeked by copying it.
  int best = -1;
  SampleRef best_ref;
  for (uint32_t i = 0; i < tracks.size(); ++i) {
    if (tracks[i].cursor.done()) continue;
    demux::TableCursor peek = tracks[i].cursor;
    SampleRef ref;
    if (!peek.next(ref)) continue;
    if (best < 0 || less_in_time(ref, tracks[i].info.timescale, best_ref, tracks[best].info.timescale)) {
      best = static_cast<int>(i);
      best_ref = ref;
    }
  }
  if (best < 0) return false;
  tracks[best].cursor.next(out);
  return true;
}

Result<bool> Demuxer::next(DemuxedSample& out) {
  auto& d = *impl_;
  SampleRef ref;
  bool have = false;
  if (!d.moov_samples_done) {
    have = d.next_moov_sample(ref);
    if (!have) d.moov_samples_done = true;
  }
  while (!have) {
    if (!d.queue.empty()) {
      ref = d.queue.front();
      d.queue.pop_front();
      have = true;
      break;
    }
    if (d.next_moof >= d.moof_offsets.size()) return false;
    CAMREC_RETURN_IF_ERROR(d.load_fragment(d.moof_offsets[d.next_moof++]));
  }
  CAMREC_RETURN_IF_ERROR(d.read_sample(ref, out));
  return true;
}

Status Demuxer::Impl::read_sample(const SampleRef& ref, DemuxedSample& out) {
  if (ref.size > options.max_sample_bytes)
    return make_error(Errc::limit_exceeded, "sample of " + std::to_string(ref.size) + " bytes at byte " +
                                                std::to_string(ref.offset));
  auto end = checked_add(ref.offset, ref.size);
  if (!end || *end > layout.file_size)
    return make_error(Errc::malformed, "sample at byte " + std::to_string(ref.offset) + " of " +
                                           std::to_string(ref.size) + " bytes passes the end of the file");
  const DemuxTrack& t = tracks[ref.track];
  out.track = ref.track;
  out.dts = ref.dts + t.pts_shift;
  out.pts = ref.dts + ref.composition_offset + t.pts_shift;
  out.duration = ref.duration;
  out.sync = ref.sync;
  out.description = ref.description;
  out.offset = ref.offset;
  if (t.raw) {
    // A view of the mapped file (bounds checked above against its size): no read, no copy.
    const auto* file = static_cast<const io::FileSource*>(source.get());
    out.data.clear();
    raw_view = file->mapped().subspan(static_cast<size_t>(ref.offset), static_cast<size_t>(ref.size));
    return Status::ok();
  }
  if (options.annexb && t.info.video) {
    std::vector<uint8_t> raw(static_cast<size_t>(ref.size));
    CAMREC_RETURN_IF_ERROR(source->read_at(ref.offset, raw));
    return to_annexb(t, raw, ref.sync, ref.description, out.data);
  }
  out.data.resize(static_cast<size_t>(ref.size));
  return source->read_at(ref.offset, out.data);
}

void Demuxer::Impl::rewind() {
  for (uint32_t i = 0; i < tracks.size(); ++i) {
    auto& t = tracks[i];
    demux::TableCursor fresh;
    const auto& stbl = t.trak.mdia.minf.stbl;
    bool pcm_like = t.info.audio && stbl.stsz && stbl.stsz->sample_size != 0 && stbl.stts.entries.size() == 1 &&
                    stbl.stts.entries[0].sample_delta == 1;
    (void)fresh.init(stbl, i, layout.file_size, std::max<uint32_t>(1, t.info.description_count), pcm_like);
    t.cursor = fresh;
    t.fragment_time = t.cursor.end_time();
    t.fragment_time_known = false;
  }
  moov_samples_done = false;
  next_moof = 0;
  queue.clear();
}

Status Demuxer::scan() {
  auto& d = *impl_;
  d.rewind();
  std::vector<uint64_t> counts(d.tracks.size(), 0), keys(d.tracks.size(), 0), durations(d.tracks.size(), 0);
  std::vector<std::optional<int64_t>> first_shown(d.tracks.size()), first_composed(d.tracks.size());
  auto count = [&](const SampleRef& r) {
    ++counts[r.track];
    keys[r.track] += r.sync;
    durations[r.track] += r.duration;
    const int64_t composed = r.dts + r.composition_offset;
    if (!first_composed[r.track] || composed < *first_composed[r.track]) first_composed[r.track] = composed;
    const int64_t pts = composed + d.tracks[r.track].pts_shift;
    if (!first_shown[r.track] || pts < *first_shown[r.track]) first_shown[r.track] = pts;
  };
  SampleRef ref;
  while (d.next_moov_sample(ref)) count(ref);
  d.moov_samples_done = true;
  for (size_t m = 0; m < d.moof_offsets.size(); ++m) {
    CAMREC_RETURN_IF_ERROR(d.load_fragment(d.moof_offsets[m]));
    for (auto& r : d.queue) count(r);
    d.queue.clear();
  }
  for (size_t i = 0; i < d.tracks.size(); ++i) {
    d.infos[i].sample_count = counts[i];
    d.infos[i].key_frames = keys[i];
    d.infos[i].duration = durations[i];
    // Samples the edit list hides (pre-skip, priming) do not move the start before the
    // edit's: the track is shown from the later of the two.
    if (first_shown[i]) d.infos[i].start = std::max(d.tracks[i].info.start, *first_shown[i]);
    if (first_composed[i]) d.infos[i].first_composition = *first_composed[i];
  }
  d.rewind();
  return Status::ok();
}

}  // namespace camrec
