// SPDX-License-Identifier: LGPL-2.1-or-later
// Closing a recording. The order of the writes is what keeps the file playable at every
// instant of the close; docs/file-layout.md walks through the states.
#include <cstdio>

#include "box/file_boxes.h"
#include "io/source.h"
#include "mux/movie_builder.h"
#include "mux/muxer_impl.h"

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
  io::ByteWriter duration;
  duration.u64(mux::movie_duration_ms(header_tracks()));
  Status patched = sink->write_at(mehd_offset, duration.span());
  if (!patched.is_ok()) return fail_output(patched.with_context("writing the duration"), sink->size());
  if (options.write_mfra) {
    box::MovieFragmentRandomAccessBox mfra;
    for (auto* t : header_tracks()) {
      box::TrackFragmentRandomAccessBox tfra;
      tfra.version = 1;
      tfra.track_ID = t->track_id;
      tfra.entries = std::move(t->random_access);
      mfra.tfras.push_back(std::move(tfra));
    }
    mfra.mfro.size = static_cast<uint32_t>(box::box_size(mfra));
    io::ByteWriter w;
    box::write_box(w, mfra);
    uint64_t before = sink->size();
    Status s = sink->append(w.span());
    if (!s.is_ok()) return fail_output(s.with_context("writing mfra"), before);
  }
  if (options.fsync != FsyncPolicy::never) {
    ++stats.syncs;
    CAMREC_RETURN_IF_ERROR(sink->sync());
  }
  return Status::ok();
}

Status Muxer::Impl::finish_regular() {
  // State A (recording): ftyp, free(16), moov(mvex), moof+mdat... : a fragmented MP4.
  auto in_header = header_tracks();
  box::MovieBox moov = mux::make_final_moov(in_header);
  io::ByteWriter w;
  box::write_box(w, moov);
  const uint64_t moov_offset = sink->size();

  // State B: the complete moov is appended after the last fragment. Readers of the
  // fragmented file skip a second moov, so the file is still the fragmented MP4 of state A.
  Status s = sink->append(w.span());
  if (!s.is_ok()) return fail_output(s.with_context("writing the final moov"), moov_offset);
  if (options.on_step) options.on_step("final-moov-written");
  // The moov must be on disk before the header that makes it the one readers use.
  ++stats.syncs;
  s = sink->sync();
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
  if (options.faststart) return rewrite_faststart(moov, moov_offset);
  return Status::ok();
}

Status Muxer::Impl::rewrite_faststart(const box::MovieBox& final_moov, uint64_t media_end) {
  if (path.empty())
    return make_error(Errc::invalid_argument, "faststart needs a muxer created from a file path");
  // ftyp, moov, mdat: the media moves by the moov's size. The original file stays complete
  // until rename() replaces it with the rewritten one, so a crash leaves one or the other.
  box::MovieBox moov = final_moov;
  uint64_t moov_size = box::box_size(moov);
  mux::shift_chunk_offsets(moov, moov_size);
  uint64_t grown = box::box_size(moov);
  if (grown != moov_size) {  // stco became co64: shift once more by the growth
    moov = final_moov;
    mux::shift_chunk_offsets(moov, grown);
  }
  CAMREC_ASSIGN_OR_RETURN(auto source, io::FileSource::open(path));
  const std::string tmp = path + ".faststart.tmp";
  CAMREC_ASSIGN_OR_RETURN(auto out, io::FileSink::open(tmp));
  io::ByteWriter head;
  box::write_box(head, mux::make_ftyp(options, header_tracks()));
  box::write_box(head, moov);
  Status s = out->append(head.span());
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
