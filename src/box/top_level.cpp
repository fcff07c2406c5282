// SPDX-License-Identifier: LGPL-2.1-or-later
#include "box/top_level.h"

#include <array>
#include <string>

namespace camrec::box {

namespace {

std::string at(uint64_t offset) { return " at offset " + std::to_string(offset); }

}  // namespace

Result<TopLevelBoxes> scan_top_level_boxes(io::Source& source, size_t max_boxes) {
  TopLevelBoxes out;
  const uint64_t file_size = source.size();
  uint64_t pos = 0;
  while (pos < file_size) {
    uint64_t left = file_size - pos;
    if (out.boxes.size() >= max_boxes) {
      out.stop = make_error(Errc::limit_exceeded, "more than " + std::to_string(max_boxes) +
                                                      " top-level boxes; stopped" + at(pos));
      break;
    }
    if (left < 8) {
      out.stop = make_error(Errc::malformed, std::to_string(left) + " trailing bytes" + at(pos) +
                                                 " are too few for a box header");
      break;
    }
    std::array<uint8_t, 16> raw{};
    size_t want = left >= 16 ? 16 : 8;
    CAMREC_RETURN_IF_ERROR(source.read_at(pos, std::span<uint8_t>(raw.data(), want)));
    io::ByteReader r(std::span<const uint8_t>(raw.data(), want), pos);
    BoxHeader h;
    h.offset = pos;
    uint32_t size32 = r.u32();
    h.type = r.u32();
    h.header_size = 8;
    if (size32 == 1) {
      if (want < 16) {
        out.stop = make_error(Errc::malformed, "box '" + fourcc_string(h.type) + "'" + at(pos) +
                                                   " has a 64-bit size but the file ends inside its header");
        break;
      }
      h.size = r.u64();
      h.header_size = 16;
    } else if (size32 == 0) {
      h.size = left;  // 14496-12 4.2: the last box, extending to the end of the file
      h.extends_to_end = true;
    } else {
      h.size = size32;
    }
    if (h.size < h.header_size) {
      out.stop = make_error(Errc::malformed, "box '" + fourcc_string(h.type) + "'" + at(pos) + " has size " +
                                                 std::to_string(h.size) + ", smaller than its header");
      break;
    }
    if (h.size > left) {
      out.truncated = h;
      out.stop = make_error(Errc::malformed, "box '" + fourcc_string(h.type) + "'" + at(pos) + " declares " +
                                                 std::to_string(h.size) + " bytes but the file ends after " +
                                                 std::to_string(left) + " (truncated)");
      break;
    }
    out.boxes.push_back(h);
    pos += h.size;
  }
  return out;
}

Result<std::vector<uint8_t>> read_box_bytes(io::Source& source, const BoxHeader& header, uint64_t max_size) {
  if (header.size > max_size)
    return make_error(Errc::limit_exceeded, "box '" + fourcc_string(header.type) + "'" + at(header.offset) +
                                                " is " + std::to_string(header.size) + " bytes, more than the " +
                                                std::to_string(max_size) + " allowed in memory");
  return source.read_vector(header.offset, header.size);
}

}  // namespace camrec::box
