// SPDX-License-Identifier: LGPL-2.1-or-later
// Rewriting the header of a file being recorded when a track gains a sample description
// (new parameter sets after the header went out). The new moov is written into the free
// box kept after the header, and three small writes swap it in; docs/file-layout.md walks
// through the states, each of which a reader opens.
#include "box/file_boxes.h"
#include "mux/movie_builder.h"
#include "mux/muxer_impl.h"

namespace camrec {

Status Muxer::Impl::update_header() {
  if (forward_only)
    return make_error(Errc::unsupported,
                      "the stream's parameter sets changed after the header went out, and a stream cannot go back "
                      "to rewrite it: start a new stream, or record to a file");
  auto in_header = header_tracks();
  box::MovieBox moov = mux::make_init_moov(in_header, options.cmaf);
  mux::stamp_times(moov, times);
  io::ByteWriter staged;
  box::write_box(staged, moov);
  const uint64_t moov_size = staged.size();
  // The reserve becomes free(8) | new moov | free(rest): the rest needs a header too.
  if (reserve_size < moov_size + 16)
    return make_error(Errc::limit_exceeded,
                      "the stream's parameter sets changed and the file header has no room left for another "
                      "sample description (" + std::to_string(reserve_size) + " bytes free, " +
                          std::to_string(moov_size + 16) + " needed); start a new file, or record with a larger "
                          "header reserve");
  const uint64_t new_moov = reserve_offset + 8;
  const uint64_t rest = reserve_size - 8 - moov_size;
  static constexpr uint8_t kFree[4] = {'f', 'r', 'e', 'e'};
  static constexpr uint8_t kMoov[4] = {'m', 'o', 'o', 'v'};
  auto fail = [this](const Status& s) {
    // Every state below is a playable file: keep it as it is and refuse what follows.
    failed = s.with_context("rewriting the header for new parameter sets");
    return failed;
  };

  // 1. The new moov, typed 'free', and the header of the free box after it, inside the
  //    reserve's payload: readers still skip the whole reserve.
  std::copy(kFree, kFree + 4, staged.buffer().begin() + 4);
  staged.u32(static_cast<uint32_t>(rest));
  staged.bytes(kFree);
  Status s = sink->write_at(new_moov, staged.span());
  if (s.is_ok()) {
    ++stats.syncs;
    s = sink->sync();  // on disk before anything points at it
  }
  if (!s.is_ok()) return fail(s);
  // 2. The reserve shrinks to its 8-byte header: the staged box and the rest become visible,
  //    both typed 'free'.
  io::ByteWriter size;
  size.u32(8);
  s = sink->write_at(reserve_offset, size.span());
  if (!s.is_ok()) return fail(s);
  // 3. The staged box becomes a second moov; readers keep using the first.
  s = sink->write_at(new_moov + 4, kMoov);
  if (!s.is_ok()) return fail(s);
  if (options.on_step) options.on_step("header-moov-added");
  // 4. The old moov becomes free: the new one is the file's header.
  s = sink->write_at(header_moov_offset + 4, kFree);
  if (!s.is_ok()) return fail(s);
  if (options.on_step) options.on_step("header-updated");

  header_moov_offset = new_moov;
  mehd_offset = new_moov + mux::mehd_duration_offset(moov);
  reserve_offset = new_moov + moov_size;
  reserve_size = rest;
  for (auto* t : in_header) t->header_descriptions = t->input->description_count();
  return Status::ok();
}

}  // namespace camrec
