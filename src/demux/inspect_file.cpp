// SPDX-License-Identifier: LGPL-2.1-or-later
#include "demux/inspect_file.h"

#include "box/boxes.h"
#include "box/inspect.h"

namespace camrec::demux {

namespace {

using box::fourcc;

template <class T>
void inspect_known(box::JsonWriter& json, const std::vector<uint8_t>& bytes, uint64_t offset, size_t max_entries) {
  auto parsed = box::parse_box<T>(bytes, offset);
  if (!parsed) {
    json.begin_object();
    json.string("type", box::fourcc_string(box::box_type(T{})));
    json.number("offset", offset);
    json.number("size", uint64_t{bytes.size()});
    json.string("error", parsed.error().to_string());
    json.end_object();
    return;
  }
  box::InspectArchive(json, offset, max_entries).box(*parsed);
}

}  // namespace

Result<std::string> inspect_file(io::Source& source, uint64_t max_box_bytes, size_t max_entries) {
  box::JsonWriter json;
  json.begin_array();
  uint64_t pos = 0;
  const uint64_t size = source.size();
  if (size < 8) return make_error(Errc::malformed, "not an MP4 file: " + std::to_string(size) + " bytes");
  while (pos + 8 <= size) {
    uint8_t head[16] = {};
    size_t n = static_cast<size_t>(std::min<uint64_t>(16, size - pos));
    CAMREC_RETURN_IF_ERROR(source.read_at(pos, std::span<uint8_t>(head, n)));
    io::ByteReader r(std::span<const uint8_t>(head, n), pos);
    uint64_t box_size = r.u32();
    uint32_t type = r.u32();
    // Same rule as the demuxer: a file that does not start with a top-level box is not an
    // MP4, and listing its bytes as one huge box of an unknown type helps nobody.
    if (pos == 0 && type != fourcc("ftyp") && type != fourcc("styp") && type != fourcc("moov") &&
        type != fourcc("free") && type != fourcc("skip") && type != fourcc("mdat") && type != fourcc("wide"))
      return make_error(Errc::malformed, "not an MP4 file: first box is '" + box::fourcc_string(type) + "'");
    if (box_size == 1) box_size = r.u64();
    else if (box_size == 0) box_size = size - pos;
    bool torn = box_size < 8 || box_size > size - pos || r.failed();
    bool known = type == fourcc("ftyp") || type == fourcc("styp") || type == fourcc("moov") ||
                 type == fourcc("moof") || type == fourcc("mfra") || type == fourcc("free") || type == fourcc("skip");
    if (!torn && known && box_size <= max_box_bytes) {
      CAMREC_ASSIGN_OR_RETURN(auto bytes, source.read_vector(pos, box_size));
      if (type == fourcc("ftyp")) inspect_known<box::FileTypeBox>(json, bytes, pos, max_entries);
      else if (type == fourcc("styp")) inspect_known<box::SegmentTypeBox>(json, bytes, pos, max_entries);
      else if (type == fourcc("moov")) inspect_known<box::MovieBox>(json, bytes, pos, max_entries);
      else if (type == fourcc("moof")) inspect_known<box::MovieFragmentBox>(json, bytes, pos, max_entries);
      else if (type == fourcc("mfra")) inspect_known<box::MovieFragmentRandomAccessBox>(json, bytes, pos, max_entries);
      else inspect_known<box::FreeSpaceBox>(json, bytes, pos, max_entries);
    } else {
      json.begin_object();
      json.string("type", box::fourcc_string(type));
      json.number("offset", pos);
      json.number("size", box_size);
      if (torn) json.boolean("truncated", true);
      json.end_object();
    }
    if (torn) break;
    pos += box_size;
  }
  json.end_array();
  return json.text();
}

std::string pretty_json(const std::string& compact) {
  std::string out;
  int depth = 0;
  bool in_string = false;
  auto newline = [&] {
    out += '\n';
    out.append(static_cast<size_t>(depth) * 2, ' ');
  };
  for (size_t i = 0; i < compact.size(); ++i) {
    char c = compact[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < compact.size()) out += compact[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; out += c; break;
      case '{':
      case '[':
        out += c;
        // Keep empty containers on one line.
        if (i + 1 < compact.size() && (compact[i + 1] == '}' || compact[i + 1] == ']')) break;
        ++depth;
        newline();
        break;
      case '}':
      case ']':
        if (i > 0 && compact[i - 1] != '{' && compact[i - 1] != '[') {
          --depth;
          newline();
        }
        out += c;
        break;
      case ',': out += c; newline(); break;
      case ':': out += ": "; break;
      default: out += c;
    }
  }
  out += '\n';
  return out;
}

}  // namespace camrec::demux
