// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/sample_data.h"

#include <algorithm>
#include <limits>

namespace camrec::mux {

void SampleData::add_piece(const uint8_t* external, size_t n) {
  constexpr size_t kMaxPiece = std::numeric_limits<uint32_t>::max();
  bytes_ += n;
  while (n > 0) {
    // Owned bytes that follow owned bytes are one piece: a recording's fragment goes out as
    // one buffer per track, as it did before pieces existed.
    if (!external && !pieces_.empty() && !pieces_.back().external && pieces_.back().size < kMaxPiece) {
      size_t take = std::min(n, kMaxPiece - pieces_.back().size);
      pieces_.back().size += static_cast<uint32_t>(take);
      n -= take;
      continue;
    }
    size_t take = std::min(n, kMaxPiece);
    pieces_.push_back({external, static_cast<uint32_t>(take)});
    if (external) external += take;
    n -= take;
  }
}

void SampleData::commit_owned(size_t n) { add_piece(nullptr, n); }

void SampleData::append_owned(std::span<const uint8_t> bytes) {
  owned_.insert(owned_.end(), bytes.begin(), bytes.end());
  add_piece(nullptr, bytes.size());
}

void SampleData::append_external(std::span<const uint8_t> bytes) {
  if (!bytes.empty()) add_piece(bytes.data(), bytes.size());
}

SampleData::Mark SampleData::mark() const {
  return {owned_.size(), pieces_.size(), bytes_, pieces_.empty() ? 0 : pieces_.back().size};
}

void SampleData::rewind(const Mark& m) {
  owned_.resize(m.owned);
  pieces_.resize(m.pieces);
  if (!pieces_.empty()) pieces_.back().size = m.last_piece_size;
  bytes_ = m.bytes;
}

void SampleData::front(uint64_t n, std::vector<std::span<const uint8_t>>& out) const {
  const uint8_t* owned = owned_.data();
  for (const Piece& p : pieces_) {
    if (n == 0) break;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(n, p.size));
    const uint8_t* at = p.external ? p.external : owned;
    // Owned pieces are contiguous in owned_: a run of them could be one buffer, but an
    // owned piece only ever follows an external one (add_piece joins owned to owned).
    out.emplace_back(at, take);
    if (!p.external) owned += p.size;
    n -= take;
  }
}

void SampleData::drop_front(uint64_t n) {
  bytes_ -= std::min(n, bytes_);
  size_t whole = 0;
  size_t owned = 0;
  while (whole < pieces_.size() && n >= pieces_[whole].size) {
    n -= pieces_[whole].size;
    if (!pieces_[whole].external) owned += pieces_[whole].size;
    ++whole;
  }
  pieces_.erase(pieces_.begin(), pieces_.begin() + static_cast<std::ptrdiff_t>(whole));
  if (n > 0 && !pieces_.empty()) {
    // A piece split by the cut: its tail stays.
    Piece& p = pieces_.front();
    if (p.external) p.external += n;
    else owned += n;
    p.size -= static_cast<uint32_t>(n);
  }
  owned_.erase(owned_.begin(), owned_.begin() + static_cast<std::ptrdiff_t>(owned));
}

void SampleData::clear() {
  owned_.clear();
  pieces_.clear();
  bytes_ = 0;
}

}  // namespace camrec::mux
