// SPDX-License-Identifier: LGPL-2.1-or-later
// Streaming access-unit splitter for raw H.264 / H.265 elementary streams (.h264, .h265
// files, pipes): bytes go in in chunks of any size, complete access units come out.
//
// Access unit boundaries follow H.264 7.4.1.2.3 and H.265 7.4.2.4.4: after the last VCL NAL
// unit of a picture, the first AUD, parameter set, (prefix) SEI or reserved prefix-type NAL
// unit, or the first slice of the next picture (H.264 first_mb_in_slice == 0, H.265
// first_slice_segment_in_pic_flag == 1), starts the next access unit. Non-VCL NAL units
// between slices of one picture stay with it. H.264 field pairs come out as two access units
// (one per field) and redundant/ASO slices are not detected.
//
// Memory is bounded: the splitter holds the access unit being assembled plus at most one
// input chunk. Start codes are found by find_start_code(), which runs at memory bandwidth.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "camrec/status.h"
#include "codec/annexb.h"

namespace camrec::codec {

/// One access unit inside the splitter's buffer. The views are valid until the next call
/// to prepare(), feed() or next() on the splitter that returned it.
struct AccessUnitView {
  /// The access unit's Annex B bytes: from its first start code (with any zero_byte) to the
  /// end of its last NAL unit (trailing zero bytes dropped).
  std::span<const uint8_t> bytes;
  /// Its NAL units without start codes, in stream order.
  std::span<const NalView> nals;
  /// Byte offset of `bytes` in the whole input stream.
  uint64_t stream_offset = 0;
  /// False for a trailing group of non-VCL NAL units at the end of the stream.
  bool has_vcl = false;
};

struct AccessUnitSplitterOptions {
  /// An access unit larger than this fails with limit_exceeded instead of growing the
  /// buffer without bound (garbage input without start codes).
  size_t max_access_unit_bytes = size_t{64} << 20;
};

/// Splits one elementary stream. Not thread-safe; one per stream.
class AccessUnitSplitter {
 public:
  /// A splitter for one elementary stream of `codec`.
  explicit AccessUnitSplitter(VideoCodec codec, AccessUnitSplitterOptions options = {});

  /// Writable space for at least `n` bytes at the end of the input buffer (to read(2) into
  /// without a copy); follow with commit(). Invalidates earlier AccessUnitViews.
  std::span<uint8_t> prepare(size_t n);
  /// Appends the first `n` bytes of the span returned by the last prepare().
  void commit(size_t n);
  /// Appends a copy of `data` (prepare + copy + commit). Invalidates earlier views.
  void feed(std::span<const uint8_t> data);
  /// Marks the end of the input: the last access unit becomes available from next().
  void finish();
  /// Takes `whole` as the entire input, in place of prepare/commit/feed and finish (which
  /// then do nothing): the splitter scans it where it is, without a copy, and the views it
  /// returns point into it and stay valid as long as it does (a mapped file). Only on a
  /// splitter that has no input yet.
  void attach(std::span<const uint8_t> whole);

  /// The next complete access unit; nullopt when more input is needed (or, after
  /// finish(), when the stream is exhausted). Errors (sticky): malformed (non-zero bytes
  /// before the first start code, an empty NAL unit, a forbidden_zero_bit, a slice NAL unit
  /// without a slice header, no start code at all), limit_exceeded (an access unit
  /// larger than max_access_unit_bytes).
  Result<std::optional<AccessUnitView>> next();

  /// Access units returned so far.
  uint64_t access_units() const { return count_; }
  /// True after finish() once next() has returned every access unit.
  bool done() const { return finished_ && au_start_ == npos && nal_start_ == npos; }

 private:
  static constexpr size_t npos = SIZE_MAX;
  struct Nal {
    size_t begin, end;  // payload range in the buffer
  };
  enum class Kind : uint8_t { other, vcl_first, vcl, prefix };

  Result<Kind> classify(size_t begin, size_t end, bool complete) const;
  Status fail(Errc code, const std::string& message);
  AccessUnitView emit(size_t end, size_t nal_count, size_t next_au);
  void compact();

  VideoCodec codec_;
  AccessUnitSplitterOptions options_;
  std::unique_ptr<uint8_t[]> storage_;  // the input buffer, unless attached
  const uint8_t* buf_ = nullptr;        // storage_, or the attached input
  bool attached_ = false;
  size_t cap_ = 0;
  size_t end_ = 0;        // bytes filled
  size_t consumed_ = 0;   // bytes before this are no longer needed
  uint64_t base_ = 0;     // stream offset of buf_[0]
  size_t scan_ = 0;       // next position to search for a start code
  size_t au_start_ = npos;     // start of the access unit being assembled
  size_t nal_start_ = npos;    // payload start of the NAL unit being scanned
  size_t nal_code_ = npos;     // start (first zero) of that NAL unit's start code
  bool nal_classified_ = false;
  bool au_has_vcl_ = false;
  size_t candidate_ = npos;    // index in nals_ of the first prefix NAL after a VCL NAL
  std::vector<Nal> nals_;      // completed NAL units of the access unit
  std::vector<size_t> codes_;  // start-code position of each entry of nals_
  std::vector<NalView> views_;
  bool finished_ = false;
  bool started_ = false;  // a start code has been seen
  uint64_t count_ = 0;
  Status status_;
};

}  // namespace camrec::codec
