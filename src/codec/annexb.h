// SPDX-License-Identifier: LGPL-2.1-or-later
// NAL unit framing: Annex B byte streams (H.264 Annex B, H.265 Annex B) and the 4-byte
// length-prefixed form that MP4 samples use (ISO/IEC 14496-15 5.3.2 / 8.3.2), plus emulation
// prevention removal (EBSP -> RBSP, H.264 7.4.1 / H.265 7.4.2).
//
// All views returned here point into the caller's buffer and are valid as long as it is.
// The streaming access-unit splitter for whole elementary-stream files is in au_splitter.h.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "camrec/status.h"
#include "codec/bit_reader.h"

namespace camrec::codec {

/// The video coding formats camrec handles.
enum class VideoCodec : uint8_t { h264, h265 };

/// "H.264" / "H.265", for messages.
const char* codec_name(VideoCodec codec);

/// One NAL unit: header and payload as in the stream (with emulation prevention bytes),
/// without start code or length prefix. A view into a buffer owned by someone else.
using NalView = std::span<const uint8_t>;

/// Position of the 0x01 of the first 00 00 01 that lies entirely in data[from, data.size()),
/// or nullopt. Vectorised (SSE2) where available, so it runs at memory bandwidth.
std::optional<size_t> find_start_code(std::span<const uint8_t> data, size_t from = 0);

/// True when `data` is Annex B: optional zero bytes, then 00 00 01. Data that starts with a
/// 3-byte start code and also reads exactly as a 4-byte length-prefixed sample (the first
/// length is then 256..511) is judged length-prefixed only if every length fits exactly and
/// no NAL header has forbidden_zero_bit set; a 4-byte start code is always Annex B (a 1-byte
/// first NAL unit does not occur).
bool looks_like_annexb(std::span<const uint8_t> data);

/// Splits Annex B data into NAL units (3- and 4-byte start codes; leading zero bytes and
/// trailing_zero_8bits dropped). Clears `out` first. Errors (malformed): no start code,
/// non-zero bytes before the first start code, an empty NAL unit.
Status split_annexb(std::span<const uint8_t> data, std::vector<NalView>& out);
/// As above, returning a new vector.
Result<std::vector<NalView>> split_annexb(std::span<const uint8_t> data);

/// Bytes that append_length_prefixed() adds for `nals` with 4-byte lengths.
size_t length_prefixed_size(std::span<const NalView> nals);
/// Appends each NAL unit with a 4-byte big-endian length in front. NAL units must be
/// shorter than 4 GiB (the caller's buffers always are).
void append_length_prefixed(std::span<const NalView> nals, std::vector<uint8_t>& out);
/// Appends one NAL unit with a 4-byte big-endian length in front.
void append_length_prefixed(NalView nal, std::vector<uint8_t>& out);
/// The NAL units as one length-prefixed sample (4-byte lengths).
std::vector<uint8_t> to_length_prefixed(std::span<const NalView> nals);

/// Walks length-prefixed sample data NAL unit by NAL unit, bounded by the sample.
class LengthPrefixedReader {
 public:
  /// Reads `sample`; `length_size` is 1, 2 or 4 (lengthSizeMinusOne + 1 of avcC/hvcC).
  explicit LengthPrefixedReader(std::span<const uint8_t> sample, int length_size = 4)
      : data_(sample), length_size_(length_size) {}
  /// The next NAL unit, nullopt at the end of the sample, or malformed when a length is zero
  /// or passes the end of the sample (invalid_argument for a bad length_size). Sticky.
  Result<std::optional<NalView>> next();
  /// Byte offset of the next length field in the sample.
  size_t position() const { return pos_; }

 private:
  std::span<const uint8_t> data_;
  int length_size_;
  size_t pos_ = 0;
  Status status_;
};

/// Splits a whole length-prefixed sample into NAL units (clears `out`); errors as
/// LengthPrefixedReader::next().
Status split_length_prefixed(std::span<const uint8_t> sample, std::vector<NalView>& out,
                             int length_size = 4);

/// Removes emulation prevention bytes (the 03 of each 00 00 03) from an EBSP, appending the
/// RBSP to `out` (cleared first). Stops after `max_output` bytes: a slice header parser needs
/// only the first few dozen bytes of a slice.
void ebsp_to_rbsp(std::span<const uint8_t> ebsp, std::vector<uint8_t>& out,
                  size_t max_output = SIZE_MAX);
/// As above, into `out` (at most out.size() bytes, no allocation: the slice header parsers
/// unescape into a buffer on the stack, once per slice); returns the RBSP bytes written.
size_t ebsp_to_rbsp(std::span<const uint8_t> ebsp, std::span<uint8_t> out);
/// As above, returning the whole RBSP.
std::vector<uint8_t> ebsp_to_rbsp(std::span<const uint8_t> ebsp);
/// Inserts emulation prevention bytes so no 00 00 0x (x <= 3) remains (the inverse, used to
/// build NAL units).
std::vector<uint8_t> rbsp_to_ebsp(std::span<const uint8_t> rbsp);

}  // namespace camrec::codec
