// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/fragment_reader.h"

#include <algorithm>
#include <bit>
#include <string>

#include "box/fourcc.h"
#include "box/fragment_boxes.h"

namespace camrec::mux {

namespace {

using box::fourcc;

/// Largest moof read back (the muxer's fragments hold at most a few thousand samples).
constexpr uint64_t kMaxMoofBytes = 64 << 20;
/// Least bytes read at a fragment. A read is sized from the moof before (a fragment of 30
/// frames and 50 audio packets has a moof of about 800 bytes), so that the moof and the mdat
/// header after it come in one read and little else is copied: the media between the moofs
/// is not read.
constexpr size_t kMinRead = 512;

uint64_t load_be64(const uint8_t* p) { return (uint64_t{load_be32(p)} << 32) | load_be32(p + 4); }

/// Built only when the moof is bad: the message names where it lies.
Status fragment_error(Errc code, uint64_t moof_at, const std::string& what) {
  return make_error(code, "moof at byte " + std::to_string(moof_at) + ": " + what);
}

/// A child box inside a parsed box: its type and body (after the header).
struct Child {
  box::FourCC type = 0;
  const uint8_t* body = nullptr;
  size_t size = 0;
};

/// Calls `f(child)` for each box in [p, end); a box that does not fit is an error.
template <class F>
Status for_each_child(const uint8_t* p, const uint8_t* end, const F& f, uint64_t moof_at) {
  while (p < end) {
    const size_t left = static_cast<size_t>(end - p);
    if (left < 8) return fragment_error(Errc::malformed, moof_at, std::to_string(left) + " bytes left after the last box");
    uint64_t size = load_be32(p);
    size_t header = 8;
    if (size == 1) {
      if (left < 16) return fragment_error(Errc::malformed, moof_at, "a box header is cut off");
      size = load_be64(p + 8);
      header = 16;
    }
    if (size < header || size > left)
      return fragment_error(Errc::malformed, moof_at, "a box of " + std::to_string(size) + " bytes in " +
                                             std::to_string(left) + " bytes");
    CAMREC_RETURN_IF_ERROR(f(Child{load_be32(p + 4), p + header, static_cast<size_t>(size) - header}));
    p += size;
  }
  return Status::ok();
}

/// Reads the 32-bit fields of a full box body in order, checking each fits.
struct FieldReader {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;
  uint32_t u32() {
    if (end - p < 4) {
      ok = false;
      return 0;
    }
    const uint32_t v = load_be32(p);
    p += 4;
    return v;
  }
  uint64_t u64() {
    const uint64_t hi = u32();
    return (hi << 32) | u32();
  }
};

Status parse_tfhd(const Child& c, TrafView& traf, uint64_t moof_at) {
  using H = box::TrackFragmentHeaderBox;
  FieldReader r{c.body, c.body + c.size};
  const uint32_t version_flags = r.u32();
  if (r.ok && version_flags >> 24 != 0)
    return fragment_error(Errc::unsupported, moof_at, "tfhd version " + std::to_string(version_flags >> 24));
  traf.tfhd_flags = version_flags & 0xffffff;
  traf.track_ID = r.u32();
  if (traf.tfhd_flags & H::kBaseDataOffsetPresent) traf.base_data_offset = r.u64();
  if (traf.tfhd_flags & H::kSampleDescriptionIndexPresent) traf.sample_description_index = r.u32();
  if (traf.tfhd_flags & H::kDefaultSampleDurationPresent) traf.default_sample_duration = r.u32();
  if (traf.tfhd_flags & H::kDefaultSampleSizePresent) traf.default_sample_size = r.u32();
  if (traf.tfhd_flags & H::kDefaultSampleFlagsPresent) traf.default_sample_flags = r.u32();
  if (!r.ok) return fragment_error(Errc::malformed, moof_at, "tfhd of " + std::to_string(c.size + 8) + " bytes is cut off");
  return Status::ok();
}

Status parse_tfdt(const Child& c, TrafView& traf, uint64_t moof_at) {
  FieldReader r{c.body, c.body + c.size};
  const uint32_t version = r.u32() >> 24;
  if (r.ok && version > 1) return fragment_error(Errc::unsupported, moof_at, "tfdt version " + std::to_string(version));
  traf.base_media_decode_time = version == 1 ? r.u64() : r.u32();
  if (!r.ok) return fragment_error(Errc::malformed, moof_at, "tfdt of " + std::to_string(c.size + 8) + " bytes is cut off");
  traf.has_tfdt = true;
  return Status::ok();
}

Status parse_trun(const Child& c, RunView& run, uint64_t moof_at) {
  using T = box::TrackRunBox;
  FieldReader r{c.body, c.body + c.size};
  const uint32_t version_flags = r.u32();
  run.version = static_cast<uint8_t>(version_flags >> 24);
  if (r.ok && run.version > 1) return fragment_error(Errc::unsupported, moof_at, "trun version " + std::to_string(run.version));
  run.flags = version_flags & 0xffffff;
  run.sample_count = r.u32();
  if (run.flags & T::kDataOffsetPresent) run.data_offset = static_cast<int32_t>(r.u32());
  if (run.flags & T::kFirstSampleFlagsPresent) run.first_sample_flags = r.u32();
  if (!r.ok) return fragment_error(Errc::malformed, moof_at, "trun of " + std::to_string(c.size + 8) + " bytes is cut off");
  int8_t at = 0;
  auto place = [&](uint32_t flag, int8_t& field) {
    if (run.flags & flag) {
      field = at;
      at += 4;
    }
  };
  place(T::kSampleDurationPresent, run.duration_at);
  place(T::kSampleSizePresent, run.size_at);
  place(T::kSampleFlagsPresent, run.flags_at);
  place(T::kSampleCompositionTimeOffsetPresent, run.composition_offset_at);
  run.entry_bytes = static_cast<uint32_t>(at);
  run.entries = r.p;
  if (uint64_t{run.sample_count} * run.entry_bytes > static_cast<uint64_t>(r.end - r.p))
    return fragment_error(Errc::malformed, moof_at, "trun of " + std::to_string(c.size + 8) + " bytes cannot hold its " +
                                           std::to_string(run.sample_count) + " samples");
  return Status::ok();
}

Status parse_traf(const Child& c, FragmentView& out, uint64_t moof_at) {
  TrafView traf;
  traf.first_run = out.runs.size();
  bool has_tfhd = false;
  CAMREC_RETURN_IF_ERROR(for_each_child(
      c.body, c.body + c.size,
      [&](const Child& child) -> Status {
        if (child.type == fourcc("tfhd")) {
          if (has_tfhd) return fragment_error(Errc::malformed, moof_at, "a traf with two tfhd");
          has_tfhd = true;
          return parse_tfhd(child, traf, moof_at);
        }
        if (child.type == fourcc("tfdt")) return parse_tfdt(child, traf, moof_at);
        if (child.type == fourcc("trun")) {
          out.runs.emplace_back();
          return parse_trun(child, out.runs.back(), moof_at);
        }
        return Status::ok();  // sgpd, sbgp, sdtp, ...: nothing the index needs
      },
      moof_at));
  if (!has_tfhd) return fragment_error(Errc::malformed, moof_at, "a traf without tfhd");
  traf.run_count = out.runs.size() - traf.first_run;
  out.trafs.push_back(traf);
  return Status::ok();
}

}  // namespace

Status parse_fragment(std::span<const uint8_t> bytes, uint64_t offset, FragmentView& out) {
  out.offset = offset;
  out.trafs.clear();
  out.runs.clear();
  const uint64_t moof_at = offset;
  if (bytes.size() < 8) return fragment_error(Errc::malformed, moof_at, "cut off");
  const size_t header = load_be32(bytes.data()) == 1 ? 16 : 8;
  if (bytes.size() < header) return fragment_error(Errc::malformed, moof_at, "cut off");
  return for_each_child(
      bytes.data() + header, bytes.data() + bytes.size(),
      [&](const Child& child) { return child.type == fourcc("traf") ? parse_traf(child, out, moof_at) : Status::ok(); },
      moof_at);
}

namespace {

/// The bytes of the file read last, and the reads that refill them.
class Window {
 public:
  Window(io::Sink& sink, uint64_t end) : sink_(sink), end_(end) {}

  /// [at, at + n) of the file (n <= end - at), read if not held; a read takes at least
  /// `read_bytes_` bytes (up to the end) so that what follows often comes with it.
  Result<const uint8_t*> get(uint64_t at, size_t n) {
    if (at >= start_ && at + n <= start_ + held_) return buffer_.data() + (at - start_);
    const size_t want = static_cast<size_t>(std::min<uint64_t>(std::max(n, read_bytes_), end_ - at));
    if (buffer_.size() < want) buffer_.resize(want);
    held_ = 0;
    CAMREC_RETURN_IF_ERROR(sink_.read_at(at, std::span<uint8_t>(buffer_.data(), want)));
    start_ = at;
    held_ = want;
    return buffer_.data();
  }
  void set_read_bytes(size_t n) { read_bytes_ = std::max(kMinRead, n); }

 private:
  io::Sink& sink_;
  uint64_t end_;
  std::vector<uint8_t> buffer_;
  uint64_t start_ = 0;
  size_t held_ = 0;
  size_t read_bytes_ = kMinRead;
};

}  // namespace

Status walk_fragments(io::Sink& sink, uint64_t begin, uint64_t end,
                      const std::function<Status(const FragmentView&)>& on_moof) {
  Window window(sink, end);
  FragmentView view;
  for (uint64_t pos = begin; pos < end;) {
    if (end - pos < 8) return make_error(Errc::malformed, "fragments end inside a box header at byte " + std::to_string(pos));
    const size_t header_bytes = static_cast<size_t>(std::min<uint64_t>(16, end - pos));
    CAMREC_ASSIGN_OR_RETURN(const uint8_t* head, window.get(pos, header_bytes));
    uint64_t size = load_be32(head);
    if (size == 1) {
      if (header_bytes < 16) return make_error(Errc::malformed, "fragments end inside a box header at byte " + std::to_string(pos));
      size = load_be64(head + 8);
    }
    if (size < 8 || size > end - pos)
      return make_error(Errc::malformed, "box of " + std::to_string(size) + " bytes at byte " + std::to_string(pos) +
                                             " does not fit the fragments");
    if (load_be32(head + 4) == fourcc("moof")) {
      if (size > kMaxMoofBytes)
        return make_error(Errc::limit_exceeded, "moof of " + std::to_string(size) + " bytes at byte " + std::to_string(pos));
      // The moof and the next box's header (the mdat's) in one read.
      const size_t n = static_cast<size_t>(std::min<uint64_t>(size + 16, end - pos));
      CAMREC_ASSIGN_OR_RETURN(const uint8_t* moof, window.get(pos, n));
      CAMREC_RETURN_IF_ERROR(parse_fragment(std::span<const uint8_t>(moof, static_cast<size_t>(size)), pos, view));
      CAMREC_RETURN_IF_ERROR(on_moof(view));
      // The next moof is likely about as large: read that much, a margin and its mdat header.
      window.set_read_bytes(static_cast<size_t>(size + size / 4 + 16));
    }
    pos += size;
  }
  return Status::ok();
}

}  // namespace camrec::mux
