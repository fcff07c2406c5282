// SPDX-License-Identifier: LGPL-2.1-or-later
// Closing a recording. The order of the writes is what keeps the file playable at every
// instant of the close; docs/file-layout.md walks through the states.
#include <cstdio>

#include "box/file_boxes.h"
#include "io/source.h"
#include "mux/fragment_reader.h"
#include "mux/movie_builder.h"
#include "mux/muxer_impl.h"
#include "mux/streamed_tables.h"

namespace camrec {

using mux::Track;

namespace {

/// Default duration of a lone video sample when nothing tells it (1/30 s).
constexpr int64_t kDefaultFrameUs = 33'333;

}  // namespace

void Muxer::Impl::settle_last_durations() {
  for (auto& t : tracks) {
    if (t->pending.empty() || t->pending.back().duration != 0) continue;
    uint32_t d = t->duration_hint ? t->duration_hint : t->last_duration;
    if (d == 0) d = static_cast<uint32_t>(std::max<int64_t>(1, rescale(kDefaultFrameUs, kMicroseconds, t->timescale())));
    t->pending.back().duration = d;
    t->last_duration = d;
  }
}

Status Muxer::Impl::close() {
  if (closed) return failed;
  closed = true;
  Status result;
  if (failed.is_ok()) {
    settle_last_durations();
    if (!header_written) result = write_header();
    if (result.is_ok()) result = flush_fragment(true);
    if (result.is_ok()) {
      result = options.layout == Layout::fragmented ? finish_fragmented() : finish_regular();
    }
  } else if (options.layout == Layout::regular && header_written) {
    // After an output error the fragments already written are complete: try to make them a
    // regular file anyway (truncating the torn tail freed some space); if even that fails
    // the file stays a valid fragmented MP4.
    settle_last_durations();
    Status s = finish_regular();
    (void)s;
    result = failed;
  } else {
    result = failed;
  }
  Status c = sink->close();
  if (result.is_ok() && !c.is_ok()) result = c;
  stats.bytes_written = sink->size();
  if (!result.is_ok() && failed.is_ok()) failed = result;
  return result;
}

Status Muxer::Impl::finish_fragmented() {
  if (!forward_only) {
    io::ByteWriter duration;
    duration.u64(mux::movie_duration_ms(header_tracks()));
    Status patched = sink->write_at(mehd_offset, duration.span());
    if (!patched.is_ok()) return fail_output(patched.with_context("writing the duration"), sink->size());
  }
  if (options.write_mfra && sink->can_read_back()) {
    const uint64_t before = sink->size();
    Status s = write_mfra(before);
    if (!s.is_ok()) return fail_output(s.with_context("writing mfra"), before);
  }
  if (options.fsync != FsyncPolicy::never) {
    ++stats.syncs;
    CAMREC_RETURN_IF_ERROR(sink->sync());
  }
  return Status::ok();
}

Status Muxer::Impl::write_mfra(uint64_t at) {
  // One tfra entry per fragment that starts with a sync sample, per track: too many to keep
  // over a day (86 400 fragments), so they are counted while recording and written here
  // from the moofs read back, like the regular layout's tables.
  constexpr uint32_t kEntryBytes = 16 + 3;  // version 1: 64-bit time and offset, 1-byte numbers
  auto in_header = header_tracks();
  box::MovieFragmentRandomAccessBox mfra;
  uint64_t entry_bytes = 0;
  for (auto* t : in_header) {
    box::TrackFragmentRandomAccessBox tfra;
    tfra.version = 1;
    tfra.track_ID = t->track_id;
    mfra.tfras.push_back(std::move(tfra));
    entry_bytes += t->random_access_points * kEntryBytes;
  }
  const uint64_t size = box::box_size(mfra) + entry_bytes;
  if (size > UINT32_MAX) return make_error(Errc::limit_exceeded, "mfra larger than 4 GiB");
  mfra.mfro.size = static_cast<uint32_t>(size);
  CAMREC_ASSIGN_OR_RETURN(mux::GrownBox grown,
                          mux::grow_tables(box::serialize_box(mfra), [&](size_t owner, box::FourCC) {
                            return std::optional<std::pair<uint64_t, uint32_t>>(
                                std::pair{in_header[owner]->random_access_points, kEntryBytes});
                          }));
  mux::GappedWriter writer(*sink, at, grown);
  CAMREC_RETURN_IF_ERROR(writer.write_template());
  // The gap of each track's tfra, and the track of each track_ID (looked up per traf).
  std::vector<size_t> gap_of(in_header.size());
  for (size_t g = 0; g < grown.gaps.size(); ++g) gap_of[grown.gaps[g].owner] = g;
  CAMREC_RETURN_IF_ERROR(mux::walk_fragments(*sink, fragments_begin, at, [&](const mux::FragmentView& moof) {
    for (size_t r = 0; r < moof.trafs.size(); ++r) {
      const auto& traf = moof.trafs[r];
      size_t k = 0;
      while (k < in_header.size() && in_header[k]->track_id != traf.track_ID) ++k;
      if (k == in_header.size() || traf.run_count == 0) continue;
      const mux::RunView& trun = moof.runs[traf.first_run];
      if (trun.sample_count == 0) continue;
      const uint8_t* first = trun.entry(0);
      uint32_t flags = in_header[k]->is_video() ? box::sample_flags::kDelta : 0;
      if (traf.tfhd_flags & box::TrackFragmentHeaderBox::kDefaultSampleFlagsPresent) flags = traf.default_sample_flags;
      if (trun.flags_at >= 0) flags = mux::load_be32(first + trun.flags_at);
      else if (trun.flags & box::TrackRunBox::kFirstSampleFlagsPresent) flags = trun.first_sample_flags;
      if (flags & box::sample_flags::kNonSync) continue;
      // tfra time is the sync sample's presentation time (8.8.10).
      int64_t time = traf.has_tfdt ? static_cast<int64_t>(traf.base_media_decode_time) : 0;
      if (trun.composition_offset_at >= 0) time += mux::RunView::composition_offset(first, trun.composition_offset_at);
      uint8_t entry[kEntryBytes];
      for (int i = 0; i < 8; ++i) entry[i] = static_cast<uint8_t>(static_cast<uint64_t>(time) >> (56 - 8 * i));
      for (int i = 0; i < 8; ++i) entry[8 + i] = static_cast<uint8_t>(moof.offset >> (56 - 8 * i));
      entry[16] = static_cast<uint8_t>(r + 1);  // traf, trun and sample numbers
      entry[17] = 1;
      entry[18] = 1;
      writer.put(gap_of[k], entry, kEntryBytes);
    }
    return Status::ok();
  }));
  return writer.finish();
}

Status Muxer::Impl::finish_regular() {
  // State A (recording): ftyp, free(16), moov(mvex), moof+mdat... : a fragmented MP4.
  const uint64_t moov_offset = sink->size();
  // The null device keeps nothing to index: the output stays the fragmented file it was.
  if (!sink->can_read_back()) return Status::ok();

  // State B: the complete moov is appended after the last fragment, its tables streamed
  // from the fragments read back (typed 'free' until every byte is in place). Readers of
  // the fragmented file skip a second moov, so the file is still the fragmented MP4 of
  // state A.
  auto moov_size = write_final_moov(*sink, moov_offset, 0, moov_offset);
  if (!moov_size) return fail_output(moov_size.error().with_context("writing the final moov"), moov_offset);
  if (options.on_step) options.on_step("final-moov-written");
  // The moov must be on disk before the header that makes it the one readers use.
  ++stats.syncs;
  Status s = sink->sync();
  if (!s.is_ok()) return fail_output(s.with_context("syncing the final moov"), moov_offset);
  if (options.on_step) options.on_step("final-moov-synced");

  // State C: one 16-byte write turns the placeholder into an mdat header spanning the init
  // moov and every fragment; what is left is ftyp, mdat, moov: a regular MP4. 16 bytes in one
  // sector are written atomically by the disk, so no torn state lies between B and C.
  io::ByteWriter header;
  box::write_mdat_header(header, moov_offset - placeholder_offset - 16, /*force_large=*/true);
  s = sink->write_at(placeholder_offset, header.span());
  if (!s.is_ok()) return fail_output(s.with_context("writing the mdat header"), moov_offset);
  if (options.on_step) options.on_step("header-written");
  if (options.fsync != FsyncPolicy::never) {
    ++stats.syncs;
    CAMREC_RETURN_IF_ERROR(sink->sync());
  }
  if (options.faststart) return rewrite_faststart(moov_offset);
  return Status::ok();
}

namespace {

/// Writes one track's table entries into their gaps of the grown moov, big-endian, the
/// chunk offsets shifted; tables the moov leaves out (stss of an all-sync track, ctts
/// without offsets, the sizes when all are equal) drop what they are handed.
class TableEntriesOutput final : public mux::SampleTableOutput {
 public:
  TableEntriesOutput(mux::GappedWriter& writer, const mux::GrownBox& moov, size_t owner, uint64_t shift)
      : writer_(writer), shift_(shift) {
    for (size_t i = 0; i < moov.gaps.size(); ++i) {
      const auto& g = moov.gaps[i];
      if (g.owner != owner) continue;
      const int gap = static_cast<int>(i);
      if (g.type == box::fourcc("stts")) stts_ = gap;
      else if (g.type == box::fourcc("ctts")) ctts_ = gap;
      else if (g.type == box::fourcc("stss")) stss_ = gap;
      else if (g.type == box::fourcc("stsc")) stsc_ = gap;
      else if (g.type == box::fourcc("stsz")) stsz_ = gap;
      else if (g.type == box::fourcc("stco")) stco_ = gap;
      else if (g.type == box::fourcc("co64")) co64_ = gap;
    }
  }

  void sample_sizes(uint32_t size, uint64_t n) override {
    for (uint64_t i = 0; i < n && stsz_ >= 0; ++i) put(stsz_, {size});
  }
  void time_to_sample(const box::TimeToSampleBox::Entry& e) override { put(stts_, {e.sample_count, e.sample_delta}); }
  void composition_offset(const box::CompositionOffsetBox::Entry& e) override {
    put(ctts_, {e.sample_count, static_cast<uint32_t>(e.sample_offset)});
  }
  void sync_sample(uint32_t number) override { put(stss_, {number}); }
  void sample_to_chunk(const box::SampleToChunkBox::Entry& e) override {
    put(stsc_, {e.first_chunk, e.samples_per_chunk, e.sample_description_index});
  }
  void chunk_offset(uint64_t offset) override {
    const uint64_t o = offset + shift_;
    if (co64_ >= 0) put(co64_, {static_cast<uint32_t>(o >> 32), static_cast<uint32_t>(o)});
    else put(stco_, {static_cast<uint32_t>(o)});
  }

 private:
  void put(int gap, std::initializer_list<uint32_t> values) {
    if (gap < 0) return;
    uint8_t b[16];
    size_t n = 0;
    for (uint32_t v : values)
      for (int i = 0; i < 4; ++i) b[n++] = static_cast<uint8_t>(v >> (24 - 8 * i));
    writer_.put(static_cast<size_t>(gap), b, n);
  }

  mux::GappedWriter& writer_;
  uint64_t shift_;
  int stts_ = -1, ctts_ = -1, stss_ = -1, stsc_ = -1, stsz_ = -1, stco_ = -1, co64_ = -1;
};

}  // namespace

Result<uint64_t> Muxer::Impl::write_final_moov(io::Sink& out, uint64_t at, uint64_t chunk_offset_shift,
                                               uint64_t fragments_end) {
  auto in_header = header_tracks();
  std::vector<mux::SampleTableShape> shapes;
  for (auto* t : in_header) shapes.push_back(t->index.shape());
  box::MovieBox moov = mux::make_final_moov(in_header, chunk_offset_shift);
  mux::stamp_times(moov, times);
  CAMREC_ASSIGN_OR_RETURN(
      mux::GrownBox grown,
      mux::grow_tables(box::serialize_box(moov), [&](size_t owner, box::FourCC type) {
        return owner < shapes.size() ? mux::table_entries(shapes[owner], type, chunk_offset_shift) : std::nullopt;
      }));
  mux::GappedWriter writer(out, at, grown);
  CAMREC_RETURN_IF_ERROR(writer.write_template());

  // The same index code that counted the samples while recording now runs over the
  // fragments read back, writing the entries: the counts it gave are the sizes just laid out.
  std::vector<std::unique_ptr<TableEntriesOutput>> outputs;
  std::vector<mux::SampleIndex> indexes;
  outputs.reserve(in_header.size());
  indexes.reserve(in_header.size());
  for (size_t k = 0; k < in_header.size(); ++k) {
    outputs.push_back(std::make_unique<TableEntriesOutput>(writer, grown, k, chunk_offset_shift));
    indexes.emplace_back(outputs.back().get());
  }
  CAMREC_RETURN_IF_ERROR(
      mux::walk_fragments(*sink, fragments_begin, fragments_end, [&](const mux::FragmentView& moof) {
        for (const auto& traf : moof.trafs) {
          size_t k = 0;
          while (k < in_header.size() && in_header[k]->track_id != traf.track_ID) ++k;
          if (k == in_header.size())
            return make_error(Errc::internal, "moof at byte " + std::to_string(moof.offset) + " has track " +
                                                  std::to_string(traf.track_ID) + ", not in the header");
          feed_index(indexes[k], *in_header[k], moof, traf);
        }
        return Status::ok();
      }));
  for (size_t k = 0; k < in_header.size(); ++k) {
    indexes[k].finish();
    if (indexes[k].shape() != shapes[k])
      return make_error(Errc::internal, "the fragments read back hold other samples than track " +
                                            std::to_string(in_header[k]->track_id) + " was given");
  }
  CAMREC_RETURN_IF_ERROR(writer.finish());
  return grown.size;
}

void Muxer::Impl::feed_index(mux::SampleIndex& index, const mux::Track& t, const mux::FragmentView& moof,
                             const mux::TrafView& traf) {
  // What write_fragment() gave the index, from what it wrote: a chunk per run (per packet
  // for G.711), the sample flags as make_moof() sets them over trex's defaults.
  using box::TrackFragmentHeaderBox;
  using box::TrackRunBox;
  const uint32_t tfhd_flags = traf.tfhd_flags;
  const uint32_t description =
      tfhd_flags & TrackFragmentHeaderBox::kSampleDescriptionIndexPresent ? traf.sample_description_index : 1;
  const uint32_t default_flags = tfhd_flags & TrackFragmentHeaderBox::kDefaultSampleFlagsPresent
                                     ? traf.default_sample_flags
                                     : (t.is_video() ? box::sample_flags::kDelta : 0);
  const uint32_t default_duration =
      tfhd_flags & TrackFragmentHeaderBox::kDefaultSampleDurationPresent ? traf.default_sample_duration : 0;
  const uint32_t default_size =
      tfhd_flags & TrackFragmentHeaderBox::kDefaultSampleSizePresent ? traf.default_sample_size : 0;
  const uint64_t base = tfhd_flags & TrackFragmentHeaderBox::kBaseDataOffsetPresent ? traf.base_data_offset : moof.offset;
  const uint32_t frame_bytes = t.input->pcm_frame_bytes();
  for (const mux::RunView& trun : moof.runs_of(traf)) {
    uint64_t at = base + static_cast<uint64_t>(static_cast<int64_t>(trun.data_offset));
    if (!frame_bytes) index.begin_chunk(at, description);
    const uint8_t* e = trun.entries;
    for (uint32_t i = 0; i < trun.sample_count; ++i, e += trun.entry_bytes) {
      const uint32_t size = trun.size_at >= 0 ? mux::load_be32(e + trun.size_at) : default_size;
      const uint32_t duration = trun.duration_at >= 0 ? mux::load_be32(e + trun.duration_at) : default_duration;
      if (frame_bytes) {
        index.add_pcm_chunk(at, description, size / frame_bytes, frame_bytes, duration);
        at += size;
        continue;
      }
      uint32_t flags = default_flags;
      if (trun.flags_at >= 0) flags = mux::load_be32(e + trun.flags_at);
      else if (i == 0 && (trun.flags & TrackRunBox::kFirstSampleFlagsPresent)) flags = trun.first_sample_flags;
      const int32_t offset =
          trun.composition_offset_at >= 0 ? mux::RunView::composition_offset(e, trun.composition_offset_at) : 0;
      index.add_sample(size, duration, offset, !(flags & box::sample_flags::kNonSync));
    }
  }
}

Status Muxer::Impl::rewrite_faststart(uint64_t media_end) {
  if (path.empty())
    return make_error(Errc::invalid_argument, "faststart needs a muxer created from a file path");
  // ftyp, moov, mdat: the media moves by the moov's size (once more if that size turns the
  // chunk offsets to co64). The original file stays complete until rename() replaces it
  // with the rewritten one, so a crash leaves one or the other.
  io::ByteWriter head;
  box::write_box(head, mux::make_ftyp(options, header_tracks()));
  auto final_moov_size = [this](uint64_t shift) {
    auto in_header = header_tracks();
    box::MovieBox moov = mux::make_final_moov(in_header, shift);
    mux::stamp_times(moov, times);  // as write_final_moov: the times may widen the headers
    uint64_t size = box::box_size(moov);
    for (auto* t : in_header) {
      const auto shape = t->index.shape();
      for (box::FourCC type : {box::fourcc("stts"), box::fourcc("ctts"), box::fourcc("stss"), box::fourcc("stsc"),
                               box::fourcc("stsz"), box::fourcc("stco"), box::fourcc("co64")})
        if (auto e = mux::table_entries(shape, type, shift)) size += e->first * e->second;
    }
    return size;
  };
  uint64_t moov_size = final_moov_size(0);
  for (uint64_t grown = final_moov_size(moov_size); grown != moov_size; grown = final_moov_size(moov_size))
    moov_size = grown;
  CAMREC_ASSIGN_OR_RETURN(auto source, io::FileSource::open(path));
  const std::string tmp = path + ".faststart.tmp";
  CAMREC_ASSIGN_OR_RETURN(auto out, io::FileSink::open(tmp));
  Status s = out->append(head.span());
  if (s.is_ok()) {
    auto written = write_final_moov(*out, head.size(), moov_size, media_end);
    if (!written) s = written.error();
    else if (*written != moov_size) s = make_error(Errc::internal, "faststart: the moov came out another size");
  }
  std::vector<uint8_t> buffer(4 << 20);
  for (uint64_t pos = placeholder_offset; s.is_ok() && pos < media_end;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), media_end - pos));
    s = source->read_at(pos, std::span<uint8_t>(buffer.data(), n));
    if (s.is_ok()) s = out->append(std::span<const uint8_t>(buffer.data(), n));
    pos += n;
  }
  if (s.is_ok()) s = out->sync();
  if (s.is_ok()) s = out->close();
  if (!s.is_ok()) {
    std::remove(tmp.c_str());
    return s.with_context("faststart rewrite (the regular file is intact)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return make_error(Errc::io, "faststart: cannot replace '" + path + "'");
  }
  return Status::ok();
}

}  // namespace camrec
