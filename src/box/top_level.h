// SPDX-License-Identifier: LGPL-2.1-or-later
// Walking a file's top-level boxes (ftyp, moov, mdat, moof, mfra, ...) by their headers, so a
// demuxer finds moov/moof without loading the media data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "box/archive.h"
#include "camrec/status.h"
#include "io/source.h"

namespace camrec::box {

/// At most this many top-level boxes are listed: a file of 8-byte boxes would otherwise make
/// the list as large as the file.
inline constexpr size_t kMaxTopLevelBoxes = size_t{1} << 20;
/// Largest box read_box_bytes() loads into memory by default (a moov of a day-long recording
/// is a few tens of MB).
inline constexpr uint64_t kMaxBoxInMemory = uint64_t{256} << 20;

/// The top-level boxes of a file, as far as they are intact.
struct TopLevelBoxes {
  std::vector<BoxHeader> boxes;  ///< Complete boxes, in file order.
  /// The box that passes the end of the file, with its header as declared (a recording cut
  /// short by a crash or a full disk).
  std::optional<BoxHeader> truncated;
  /// Ok when the walk ended exactly at the end of the file; else why it stopped early (a
  /// truncated box, a partial header, an impossible size, too many boxes), with the offset.
  Status stop;
  /// True when every byte of the file belongs to a listed box.
  bool complete() const { return stop.is_ok(); }
};

/// Reads the top-level box headers of `source` (at most 16 bytes per box; payloads are
/// skipped). A size-0 box extends to the end of the file. Fails only on an I/O error of the
/// source; damage found after some boxes is reported in `stop`, the boxes before it kept.
Result<TopLevelBoxes> scan_top_level_boxes(io::Source& source, size_t max_boxes = kMaxTopLevelBoxes);

/// The bytes of the box `header` (as listed by scan_top_level_boxes), header included. Fails
/// with limit_exceeded when the box is larger than `max_size`, malformed when it passes the
/// end of the source.
Result<std::vector<uint8_t>> read_box_bytes(io::Source& source, const BoxHeader& header,
                                            uint64_t max_size = kMaxBoxInMemory);

/// Reads and parses the top-level box `header` as T (MovieBox, MovieFragmentBox, ...); error
/// messages carry the box path and file offsets.
template <class T>
Result<T> read_top_level_box(io::Source& source, const BoxHeader& header, uint64_t max_size = kMaxBoxInMemory) {
  CAMREC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_box_bytes(source, header, max_size));
  return parse_box<T>(bytes, header.offset);
}

}  // namespace camrec::box
