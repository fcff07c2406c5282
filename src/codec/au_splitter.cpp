// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/au_splitter.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace camrec::codec {

AccessUnitSplitter::AccessUnitSplitter(VideoCodec codec, AccessUnitSplitterOptions options)
    : codec_(codec), options_(options) {}

std::span<uint8_t> AccessUnitSplitter::prepare(size_t n) {
  if (attached_) return {};
  if (cap_ - end_ < n) {
    compact();
    if (cap_ - end_ < n) {
      size_t want = std::max({cap_ * 2, end_ + n, size_t{1} << 16});
      auto bigger = std::make_unique_for_overwrite<uint8_t[]>(want);
      if (end_ > 0) std::memcpy(bigger.get(), storage_.get(), end_);
      storage_ = std::move(bigger);
      buf_ = storage_.get();
      cap_ = want;
    }
  }
  return {storage_.get() + end_, cap_ - end_};
}

void AccessUnitSplitter::commit(size_t n) { end_ += std::min(n, cap_ - end_); }

void AccessUnitSplitter::attach(std::span<const uint8_t> whole) {
  if (attached_ || end_ > 0 || finished_) return;
  attached_ = true;
  buf_ = whole.data();
  cap_ = end_ = whole.size();
  finished_ = true;
}

void AccessUnitSplitter::feed(std::span<const uint8_t> data) {
  if (data.empty() || attached_) return;
  auto room = prepare(data.size());
  std::memcpy(room.data(), data.data(), data.size());
  commit(data.size());
}

void AccessUnitSplitter::finish() { finished_ = true; }

void AccessUnitSplitter::compact() {
  // Everything before the access unit being assembled has been handed out already; before
  // the first start code, everything before consumed_ is known to be leading zeros.
  size_t keep = au_start_ != npos ? au_start_ : consumed_;
  // Move only when that frees at least half the buffer, so each byte moves O(1) times.
  if (keep == 0 || keep < cap_ / 2) return;
  std::memmove(storage_.get(), storage_.get() + keep, end_ - keep);
  end_ -= keep;
  base_ += keep;
  scan_ = scan_ > keep ? scan_ - keep : 0;
  consumed_ = consumed_ > keep ? consumed_ - keep : 0;
  if (au_start_ != npos) au_start_ -= keep;
  if (nal_start_ != npos) nal_start_ -= keep;
  if (nal_code_ != npos) nal_code_ -= keep;
  for (auto& nal : nals_) {
    nal.begin -= keep;
    nal.end -= keep;
  }
  for (auto& code : codes_) code -= keep;
}

Status AccessUnitSplitter::fail(Errc code, const std::string& message) {
  if (status_.is_ok()) status_ = Status(code, std::string(codec_name(codec_)) + " stream: " + message);
  return status_;
}

Result<AccessUnitSplitter::Kind> AccessUnitSplitter::classify(size_t begin, size_t end, bool complete) const {
  const uint8_t* p = buf_ + begin;
  size_t size = end - begin;
  uint64_t at = base_ + begin;
  if (p[0] & 0x80)
    return make_error(Errc::malformed, std::string(codec_name(codec_)) + " stream: forbidden_zero_bit set in the NAL unit at byte " +
                                           std::to_string(at));
  if (codec_ == VideoCodec::h264) {
    uint8_t type = p[0] & 0x1F;
    if (type == 1 || type == 2 || type == 5) {
      if (size < 2 && complete)
        return make_error(Errc::malformed, "H.264 stream: slice NAL unit at byte " + std::to_string(at) + " has no slice header");
      // first_mb_in_slice is ue(v): it is 0 exactly when its first bit is 1.
      return (p[1] & 0x80) ? Kind::vcl_first : Kind::vcl;
    }
    if (type == 3 || type == 4) return Kind::vcl;
    if ((type >= 6 && type <= 9) || (type >= 14 && type <= 18)) return Kind::prefix;
    return Kind::other;
  }
  if (size < 2)
    return make_error(Errc::malformed, "H.265 stream: NAL unit at byte " + std::to_string(at) + " is shorter than its header");
  uint8_t type = (p[0] >> 1) & 0x3F;
  uint8_t layer = static_cast<uint8_t>(((p[0] & 1) << 5) | (p[1] >> 3));
  if (layer != 0) return Kind::other;
  if (type < 32) {
    if (size < 3 && complete)
      return make_error(Errc::malformed, "H.265 stream: slice NAL unit at byte " + std::to_string(at) + " has no slice header");
    return (p[2] & 0x80) ? Kind::vcl_first : Kind::vcl;
  }
  if ((type >= 32 && type <= 35) || type == 39 || (type >= 41 && type <= 44) || (type >= 48 && type <= 55))
    return Kind::prefix;
  return Kind::other;
}

AccessUnitView AccessUnitSplitter::emit(size_t end, size_t nal_count, size_t next_au) {
  views_.clear();
  for (size_t i = 0; i < nal_count; ++i)
    views_.emplace_back(buf_ + nals_[i].begin, nals_[i].end - nals_[i].begin);
  AccessUnitView view;
  view.bytes = {buf_ + au_start_, end - au_start_};
  view.nals = views_;
  view.stream_offset = base_ + au_start_;
  view.has_vcl = au_has_vcl_;
  nals_.erase(nals_.begin(), nals_.begin() + static_cast<ptrdiff_t>(nal_count));
  codes_.erase(codes_.begin(), codes_.begin() + static_cast<ptrdiff_t>(nal_count));
  au_start_ = next_au;
  consumed_ = next_au == npos ? end_ : next_au;
  ++count_;
  return view;
}

Result<std::optional<AccessUnitView>> AccessUnitSplitter::next() {
  if (!status_.is_ok()) return status_;
  const size_t need = codec_ == VideoCodec::h264 ? 2 : 3;
  // Applies what a classified NAL unit means for the boundary. `index` is its position in
  // the access unit (== nals_.size() while it is still open). Returns an access unit when
  // this NAL unit ends the previous one.
  auto act = [&](Kind kind, size_t index, size_t code) -> std::optional<AccessUnitView> {
    switch (kind) {
      case Kind::prefix:
        if (au_has_vcl_ && candidate_ == npos) candidate_ = index;
        return std::nullopt;
      case Kind::vcl:
        candidate_ = npos;
        au_has_vcl_ = true;
        return std::nullopt;
      case Kind::vcl_first: {
        if (!au_has_vcl_) {
          au_has_vcl_ = true;
          candidate_ = npos;
          return std::nullopt;
        }
        size_t k = candidate_ != npos ? candidate_ : index;
        size_t next_au = k < codes_.size() ? codes_[k] : code;
        AccessUnitView view = emit(nals_[k - 1].end, k, next_au);
        au_has_vcl_ = true;  // the new access unit holds this slice
        candidate_ = npos;
        return view;
      }
      case Kind::other:
        return std::nullopt;
    }
    return std::nullopt;
  };

  while (true) {
    // The byte after the header decides first-slice-ness; if it is 00 it may belong to the
    // next start code instead, so such a NAL unit is judged only once it is complete.
    if (nal_start_ != npos && !nal_classified_ && end_ - nal_start_ >= need && buf_[nal_start_ + need - 1] != 0) {
      auto kind = classify(nal_start_, end_, false);
      if (!kind) return fail(kind.error().code(), kind.error().message());
      nal_classified_ = true;
      if (auto view = act(*kind, nals_.size(), nal_code_)) return std::optional<AccessUnitView>(*view);
    }
    size_t from = scan_;
    auto hit = find_start_code({buf_, end_}, from);
    if (hit) {
      size_t p = *hit;
      scan_ = p + 1;
      size_t floor = nal_start_ != npos ? nal_start_ : consumed_;
      size_t zero_begin = p - 2;
      while (zero_begin > floor && buf_[zero_begin - 1] == 0) --zero_begin;
      size_t code = std::max(zero_begin, p >= 3 ? p - 3 : 0);
      if (nal_start_ == npos) {
        if (started_) return fail(Errc::wrong_state, "data after the end of the stream");
        if (zero_begin > consumed_) {
          // Report the first non-zero byte, as the no-start-code path below does: the error
          // must not depend on how the input was chunked (buf_[zero_begin - 1] != 0 stops it).
          size_t bad = consumed_;
          while (buf_[bad] == 0) ++bad;
          return fail(Errc::malformed, "non-zero bytes before the first start code at byte " + std::to_string(base_ + bad));
        }
        started_ = true;
        au_start_ = code;
        nal_start_ = p + 1;
        nal_code_ = code;
        nal_classified_ = false;
        continue;
      }
      size_t nal_end = zero_begin;
      if (nal_end == nal_start_)
        return fail(Errc::malformed, "empty NAL unit at byte " + std::to_string(base_ + nal_start_));
      nals_.push_back({nal_start_, nal_end});
      codes_.push_back(nal_code_);
      bool was_classified = nal_classified_;
      nal_start_ = p + 1;
      nal_code_ = code;
      nal_classified_ = false;
      if (!was_classified) {
        // Shorter than the bytes classification wants: judge it now that it is complete.
        auto kind = classify(nals_.back().begin, nal_end, true);
        if (!kind) return fail(kind.error().code(), kind.error().message());
        if (auto view = act(*kind, nals_.size() - 1, npos)) return std::optional<AccessUnitView>(*view);
      }
      continue;
    }
    // No start code in the buffer: a later one may still begin in the last two bytes.
    size_t floor = nal_start_ != npos ? nal_start_ : consumed_;
    scan_ = std::max(floor, end_ >= 2 ? end_ - 2 : 0);
    if (!started_) {
      for (size_t i = consumed_; i < end_; ++i) {
        if (buf_[i] != 0)
          return fail(Errc::malformed, "non-zero bytes before the first start code at byte " + std::to_string(base_ + i));
      }
      // Only zeros so far: keep three, the longest start code prefix, and drop the rest.
      consumed_ = std::max(consumed_, end_ >= 3 ? end_ - 3 : size_t{0});
      if (finished_ && end_ > 0 && count_ == 0 && au_start_ == npos)
        return fail(Errc::malformed, "no start code in the stream");
      return std::optional<AccessUnitView>{};
    }
    if (!finished_) {
      if (au_start_ != npos && end_ - au_start_ > options_.max_access_unit_bytes)
        return fail(Errc::limit_exceeded, "access unit at byte " + std::to_string(base_ + au_start_) + " exceeds " +
                                              std::to_string(options_.max_access_unit_bytes) + " bytes");
      return std::optional<AccessUnitView>{};
    }
    // End of input: close the open NAL unit, then hand out what is left.
    if (nal_start_ != npos) {
      size_t nal_end = end_;
      while (nal_end > nal_start_ && buf_[nal_end - 1] == 0) --nal_end;
      if (nal_end == nal_start_)
        return fail(Errc::malformed, "empty NAL unit at byte " + std::to_string(base_ + nal_start_));
      nals_.push_back({nal_start_, nal_end});
      codes_.push_back(nal_code_);
      nal_start_ = npos;
      if (!nal_classified_) {
        auto kind = classify(nals_.back().begin, nal_end, true);
        if (!kind) return fail(kind.error().code(), kind.error().message());
        nal_classified_ = true;
        if (auto view = act(*kind, nals_.size() - 1, npos)) return std::optional<AccessUnitView>(*view);
      }
    }
    if (au_start_ == npos || nals_.empty()) {
      au_start_ = npos;
      return std::optional<AccessUnitView>{};
    }
    if (candidate_ != npos && au_has_vcl_) {
      // Trailing non-VCL units after the last picture form an access unit of their own.
      size_t k = candidate_;
      candidate_ = npos;
      AccessUnitView view = emit(nals_[k - 1].end, k, codes_[k]);
      au_has_vcl_ = false;
      return std::optional<AccessUnitView>(view);
    }
    return std::optional<AccessUnitView>(emit(nals_.back().end, nals_.size(), npos));
  }
}

}  // namespace camrec::codec
