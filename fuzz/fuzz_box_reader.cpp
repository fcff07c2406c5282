// SPDX-License-Identifier: LGPL-2.1-or-later
// Parses the input as every box type camrec knows and checks parse -> write -> parse: the two
// parsed values are equal, box_size() matches the bytes written, writing is stable, and the
// inspector (camrec info --boxes) runs on whatever parsed. The input is also walked as a
// file of top-level boxes, each one checked the same way.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "box/boxes.h"
#include "io/source.h"

namespace {

using namespace camrec::box;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "fuzz_box_reader: %s %s\n", what, detail.c_str());
  std::abort();
}

template <class T>
void round_trip(std::span<const uint8_t> bytes) {
  auto first = parse_box<T>(bytes);
  if (!first) return;
  (void)inspect_box(*first, 0);
  std::vector<uint8_t> written = serialize_box(*first);
  if (box_size(*first) != written.size())
    fail("box_size() disagrees with the bytes written for", fourcc_string(box_type(*first)));
  auto second = parse_box<T>(written);
  if (!second) fail("written box does not parse again:", second.error().to_string());
  if (!(*first == *second)) fail("parse -> write -> parse changed the value of", fourcc_string(box_type(*first)));
  if (serialize_box(*second) != written) fail("writing is not stable for", fourcc_string(box_type(*first)));
}

template <class... Boxes>
void round_trip_all(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8) return;
  FourCC type = (FourCC{bytes[4]} << 24) | (FourCC{bytes[5]} << 16) | (FourCC{bytes[6]} << 8) | bytes[7];
  // Only the types that accept the header's fourcc get past parse_box's first check; the
  // rest are skipped here to keep the fuzzer fast.
  ((box_accepts<Boxes>(type) ? round_trip<Boxes>(bytes) : void()), ...);
}

void check_box(std::span<const uint8_t> bytes) {
  round_trip_all<
      // Top-level boxes.
      FileTypeBox, SegmentTypeBox, FreeSpaceBox, MovieBox, MovieFragmentBox, MovieFragmentRandomAccessBox,
      SegmentIndexBox,
      // Their descendants, so small inputs reach every description directly.
      MovieHeaderBox, TrackBox, TrackHeaderBox, EditBox, EditListBox, MediaBox, MediaHeaderBox, HandlerBox,
      MediaInformationBox, VideoMediaHeaderBox, SoundMediaHeaderBox, DataInformationBox, DataReferenceBox,
      DataEntryUrlBox, SampleTableBox, SampleDescriptionBox, VisualSampleEntry, AudioSampleEntry,
      AvcConfigurationBox, HevcConfigurationBox, EsdsBox, OpusSpecificBox, BitRateBox, PixelAspectRatioBox,
      ColourInformationBox, TimeToSampleBox, CompositionOffsetBox, SyncSampleBox, SampleToChunkBox,
      SampleSizeBox, CompactSampleSizeBox, ChunkOffsetBox, ChunkLargeOffsetBox, SampleDependencyTypeBox,
      MovieExtendsBox, MovieExtendsHeaderBox, TrackExtendsBox, MovieFragmentHeaderBox, TrackFragmentBox,
      TrackFragmentHeaderBox, TrackFragmentDecodeTimeBox, TrackRunBox, TrackFragmentRandomAccessBox,
      MovieFragmentRandomAccessOffsetBox>(bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  check_box(input);

  // The input as a file: every intact top-level box, and the bytes of a torn last one.
  camrec::io::MemorySource source(input);
  auto top = scan_top_level_boxes(source, 64);
  if (!top) return 0;
  if (top->boxes.size() > 1) {
    for (const auto& h : top->boxes) {
      auto bytes = read_box_bytes(source, h);
      if (bytes) check_box(*bytes);
    }
  }
  if (top->truncated) (void)read_box_bytes(source, *top->truncated);
  return 0;
}
