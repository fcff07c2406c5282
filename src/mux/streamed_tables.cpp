// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/streamed_tables.h"

#include <algorithm>
#include <string>

#include "box/archive.h"

namespace camrec::mux {

namespace {

using box::fourcc;


uint32_t get_u32(const std::vector<uint8_t>& b, uint64_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) | b[at + 3];
}

void put_u32(std::vector<uint8_t>& b, uint64_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

bool is_container(box::FourCC type) {
  return type == fourcc("moov") || type == fourcc("trak") || type == fourcc("mdia") || type == fourcc("minf") ||
         type == fourcc("stbl") || type == fourcc("mfra");
}

/// Offset of the entry count in a table box: after the header, version and flags (and,
/// for stsz, sample_size; for tfra, track_ID and the length sizes).
uint64_t count_field(box::FourCC type) {
  if (type == fourcc("stsz")) return 16;
  if (type == fourcc("tfra")) return 20;
  return 12;
}

bool is_table(box::FourCC type) {
  for (box::FourCC t : {fourcc("stts"), fourcc("ctts"), fourcc("stss"), fourcc("stsc"), fourcc("stsz"), fourcc("stco"),
                        fourcc("co64"), fourcc("tfra")})
    if (type == t) return true;
  return false;
}

struct Grower {
  std::vector<uint8_t>& bytes;
  const TableEntries& entries;
  std::vector<TableGap>& gaps;
  size_t owner = 0;
  bool owner_seen = false;

  /// Grows the boxes in [pos, end); returns the bytes added, or an error.
  Result<uint64_t> grow(uint64_t pos, uint64_t end) {
    uint64_t added = 0;
    while (pos + 8 <= end) {
      const uint64_t size = get_u32(bytes, pos);
      const box::FourCC type = get_u32(bytes, pos + 4);
      if (size < 8 || pos + size > end) return make_error(Errc::internal, "index template: bad box size");
      uint64_t extra = 0;
      if (type == fourcc("trak") || type == fourcc("tfra")) {
        // Each trak (moov) or tfra (mfra) is the next owner.
        if (owner_seen) ++owner;
        owner_seen = true;
      }
      if (is_container(type)) {
        CAMREC_ASSIGN_OR_RETURN(extra, grow(pos + 8, pos + size));
      } else if (is_table(type)) {
        if (auto e = entries(owner, type)) {
          extra = e->first * e->second;
          if (e->first > UINT32_MAX) return make_error(Errc::limit_exceeded, "more than 2^32 table entries");
          if (type != fourcc("stsz") || e->first > 0) put_u32(bytes, pos + count_field(type), static_cast<uint32_t>(e->first));
          gaps.push_back({pos + size, extra, owner, type});
        }
      }
      if (size + extra > UINT32_MAX) return make_error(Errc::limit_exceeded, "index box larger than 4 GiB");
      put_u32(bytes, pos, static_cast<uint32_t>(size + extra));
      added += extra;
      pos += size;
    }
    return added;
  }
};

}  // namespace

Result<GrownBox> grow_tables(std::vector<uint8_t> serialized, const TableEntries& entries) {
  GrownBox out;
  out.bytes = std::move(serialized);
  Grower g{out.bytes, entries, out.gaps};
  CAMREC_ASSIGN_OR_RETURN(uint64_t added, g.grow(0, out.bytes.size()));
  out.size = out.bytes.size() + added;
  return out;
}

GappedWriter::GappedWriter(io::Sink& sink, uint64_t base, const GrownBox& box)
    : sink_(sink), base_(base), box_(box), filled_(box.gaps.size(), 0), buffers_(box.gaps.size()) {
  uint64_t shift = 0;
  for (const auto& gap : box.gaps) {
    file_offsets_.push_back(base + gap.at + shift);
    shift += gap.bytes;
  }
}

Status GappedWriter::write_template() {
  // Typed 'free' until finish(): cut anywhere before, the file ends on a box readers skip.
  std::vector<uint8_t> head(box_.bytes.begin(), box_.bytes.begin() + std::min<size_t>(8, box_.bytes.size()));
  put_u32(head, 4, fourcc("free"));
  uint64_t from = 0;
  for (size_t i = 0; i <= box_.gaps.size() && error_.is_ok(); ++i) {
    const uint64_t to = i < box_.gaps.size() ? box_.gaps[i].at : box_.bytes.size();
    const uint64_t at = i == 0 ? base_ : file_offsets_[i - 1] + box_.gaps[i - 1].bytes;
    std::span<const uint8_t> piece(box_.bytes.data() + from, to - from);
    if (i == 0) {
      error_ = sink_.write_at(at, head);
      piece = piece.subspan(head.size());
      if (error_.is_ok() && !piece.empty()) error_ = sink_.write_at(at + head.size(), piece);
    } else if (!piece.empty()) {
      error_ = sink_.write_at(at, piece);
    }
    written_ += to - from;
    from = to;
  }
  return error_;
}

void GappedWriter::flush(size_t gap) {
  Buffer& b = buffers_[gap];
  if (b.used == 0) return;
  const uint64_t at = file_offsets_[gap] + filled_[gap] - b.used;
  // Entries past the gap are a bug in the counts; finish() reports it, nothing is written there.
  if (error_.is_ok() && filled_[gap] <= box_.gaps[gap].bytes) {
    error_ = sink_.write_at(at, std::span<const uint8_t>(b.bytes.get(), b.used));
    written_ += b.used;
  }
  b.used = 0;
}

Status GappedWriter::finish() {
  for (size_t i = 0; i < buffers_.size(); ++i) flush(i);
  CAMREC_RETURN_IF_ERROR(error_);
  for (size_t i = 0; i < box_.gaps.size(); ++i)
    if (filled_[i] != box_.gaps[i].bytes)
      return make_error(Errc::internal, "index table '" + box::fourcc_string(box_.gaps[i].type) + "' got " +
                                            std::to_string(filled_[i]) + " bytes, not the " +
                                            std::to_string(box_.gaps[i].bytes) + " its count gives");
  // Every byte is in place: the box becomes what it is.
  error_ = sink_.write_at(base_ + 4, std::span<const uint8_t>(box_.bytes.data() + 4, 4));
  written_ += 4;
  return error_;
}

}  // namespace camrec::mux
