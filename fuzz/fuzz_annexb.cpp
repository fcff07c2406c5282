// SPDX-License-Identifier: LGPL-2.1-or-later
// The codec layer on raw elementary streams: Annex B splitting, the streaming access-unit
// splitter fed in chunks (its output must not depend on the chunking), the access-unit
// parsers, the parameter set parsers, and avcC/hvcC record parse -> write -> parse.
// Input: one option byte (bit 0: H.265, bits 1..7: chunk size seed), then the stream.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "codec/access_unit.h"
#include "codec/annexb.h"
#include "codec/au_splitter.h"
#include "codec/avc_config.h"
#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/hevc_config.h"
#include "codec/video_config.h"

namespace {

using namespace camrec::codec;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "fuzz_annexb: %s %s\n", what, detail.c_str());
  std::abort();
}

/// What the splitter returned, copied out of its buffer.
struct SplitUnit {
  std::vector<uint8_t> bytes;
  std::vector<std::vector<uint8_t>> nals;
  uint64_t stream_offset = 0;
  bool has_vcl = false;
  bool operator==(const SplitUnit&) const = default;
};

struct SplitResult {
  std::vector<SplitUnit> units;
  std::string error;  // empty when the stream ended cleanly
};

bool drain(AccessUnitSplitter& splitter, SplitResult& out) {
  while (true) {
    auto au = splitter.next();
    if (!au) {
      out.error = au.error().to_string();
      return false;
    }
    if (!*au) return true;
    SplitUnit u;
    u.bytes.assign((*au)->bytes.begin(), (*au)->bytes.end());
    for (auto nal : (*au)->nals) u.nals.emplace_back(nal.begin(), nal.end());
    u.stream_offset = (*au)->stream_offset;
    u.has_vcl = (*au)->has_vcl;
    out.units.push_back(std::move(u));
  }
}

/// Splits `stream`, feeding it in chunks whose sizes come from `seed` (0: all at once).
SplitResult split(VideoCodec codec, std::span<const uint8_t> stream, unsigned seed) {
  AccessUnitSplitterOptions options;
  options.max_access_unit_bytes = 1 << 16;  // small, so the limit is reached too
  AccessUnitSplitter splitter(codec, options);
  SplitResult result;
  size_t pos = 0;
  unsigned step = 0;
  while (pos < stream.size()) {
    size_t n = seed == 0 ? stream.size() : 1 + (seed * 7 + step++ * 13) % (seed * 3 + 1);
    n = std::min(n, stream.size() - pos);
    splitter.feed(stream.subspan(pos, n));
    pos += n;
    if (!drain(splitter, result)) return result;
  }
  splitter.finish();
  drain(splitter, result);
  return result;
}

void parameter_sets(VideoCodec codec, std::span<const NalView> nals) {
  VideoParameterSets sets;
  sets.codec = codec;
  for (auto nal : nals) {
    if (nal.empty()) continue;
    if (codec == VideoCodec::h264) {
      uint8_t type = h264_nal_type(nal[0]);
      if (type == 7) (void)parse_h264_sps(nal);
      if (type == 8) (void)parse_h264_pps(nal);
    } else {
      uint8_t type = h265_nal_type(nal[0]);
      if (type == 32) (void)parse_h265_vps(nal);
      if (type == 33) (void)parse_h265_sps(nal);
      if (type == 34) (void)parse_h265_pps(nal);
    }
    if (is_parameter_set(codec, nal)) (void)add_parameter_set(sets, nal);
  }
  if (!sets.complete()) return;
  (void)codec_string(sets);
  (void)describe_video(sets);
  auto record = build_decoder_config(sets);
  if (!record) return;
  // A record we built must parse back, and write back to the same bytes.
  if (codec == VideoCodec::h264) {
    auto parsed = parse_avc_config(*record);
    if (!parsed) fail("built avcC does not parse:", parsed.error().to_string());
    if (serialize_avc_config(*parsed) != *record) fail("built avcC does not write back the same");
  } else {
    auto parsed = parse_hevc_config(*record);
    if (!parsed) fail("built hvcC does not parse:", parsed.error().to_string());
    if (serialize_hevc_config(*parsed) != *record) fail("built hvcC does not write back the same");
  }
}

void records(std::span<const uint8_t> data) {
  if (auto avc = parse_avc_config(data)) {
    auto bytes = serialize_avc_config(*avc);
    auto again = parse_avc_config(bytes);
    if (!again) fail("written avcC does not parse:", again.error().to_string());
    if (!(*again == *avc)) fail("avcC parse -> write -> parse changed the record");
    (void)avc_codec_string(*avc);
  }
  if (auto hevc = parse_hevc_config(data)) {
    auto bytes = serialize_hevc_config(*hevc);
    auto again = parse_hevc_config(bytes);
    if (!again) fail("written hvcC does not parse:", again.error().to_string());
    if (!(*again == *hevc)) fail("hvcC parse -> write -> parse changed the record");
    (void)hevc_codec_string(*hevc);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const VideoCodec codec = (data[0] & 1) ? VideoCodec::h265 : VideoCodec::h264;
  const unsigned seed = data[0] >> 1;
  std::span<const uint8_t> stream(data + 1, size - 1);

  (void)looks_like_annexb(stream);
  std::vector<NalView> nals;
  if (split_annexb(stream, nals).is_ok()) {
    parameter_sets(codec, nals);
    AccessUnit au;
    (void)parse_access_unit(codec, stream, au);
  }
  for (int length_size : {1, 2, 4}) {
    std::vector<NalView> prefixed;
    (void)split_length_prefixed(stream, prefixed, length_size);
  }
  // Emulation prevention: removing what rbsp_to_ebsp inserted gives the input back.
  if (ebsp_to_rbsp(rbsp_to_ebsp(stream)) != std::vector<uint8_t>(stream.begin(), stream.end()))
    fail("ebsp_to_rbsp(rbsp_to_ebsp(x)) != x");

  // Access units: one pass fed whole, one fed in chunks; both must agree exactly.
  SplitResult whole = split(codec, stream, 0);
  if (seed != 0) {
    SplitResult chunked = split(codec, stream, seed);
    if (chunked.units != whole.units || chunked.error != whole.error)
      fail("access units depend on the chunking:", whole.error + " | " + chunked.error);
  }
  AccessUnitParser parser(codec);
  AccessUnit au;
  std::vector<PictureOrder> order;
  for (const auto& u : whole.units) {
    std::vector<NalView> views(u.nals.begin(), u.nals.end());
    if (parser.parse_nals(views, au).is_ok() && !au.droppable && au.order) order.push_back(*au.order);
    (void)parse_access_unit(codec, u.bytes, au);
  }
  // Presentation order is a permutation of the pictures.
  std::vector<uint32_t> shown = presentation_order(order);
  std::vector<bool> seen(order.size(), false);
  if (shown.size() != order.size()) fail("presentation_order() lost pictures");
  for (uint32_t index : shown) {
    if (index >= seen.size() || seen[index]) fail("presentation_order() is not a permutation");
    seen[index] = true;
  }
  records(stream);
  return 0;
}
