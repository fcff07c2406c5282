// SPDX-License-Identifier: LGPL-2.1-or-later
// The box tree of a whole file as JSON (`camrec info --boxes`): the boxes camrec knows are
// parsed and printed field by field by their describe(); mdat and unknown boxes by header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "camrec/status.h"
#include "io/source.h"

namespace camrec::demux {

/// JSON array of the file's top-level boxes. A box that fails to parse is printed with an
/// "error" member instead of its fields; a torn last box with "truncated": true. Errors:
/// malformed when the file is shorter than a box header or does not start with a top-level
/// box type (ftyp, styp, moov, free, skip, mdat, wide); io from the source.
/// `max_entries`: at most this many entries of each table (stsz, stts, trun, ...) are
/// printed, and a cut table has "<name>_left_out" with the number it left out.
Result<std::string> inspect_file(io::Source& source, uint64_t max_box_bytes = 256u << 20,
                                 size_t max_entries = SIZE_MAX);

/// Indents compact JSON text for people (two spaces per level).
std::string pretty_json(const std::string& compact);

}  // namespace camrec::demux
