// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "box_samples.h"

namespace camrec::box {
namespace {

using testing::json_is_balanced;
using testing::make_sample;

template <class T>
class BoxRoundTrip : public ::testing::Test {};

using AllBoxes = ::testing::Types<
    FileTypeBox, FreeSpaceBox, MovieBox, MovieHeaderBox, TrackBox, TrackHeaderBox, EditBox, EditListBox, MediaBox,
    MediaHeaderBox, HandlerBox, MediaInformationBox, VideoMediaHeaderBox, SoundMediaHeaderBox, DataInformationBox,
    DataReferenceBox, DataEntryUrlBox, SampleTableBox, SampleDescriptionBox, VisualSampleEntry, AudioSampleEntry,
    AvcConfigurationBox, HevcConfigurationBox, EsdsBox, OpusSpecificBox, BitRateBox, PixelAspectRatioBox,
    ColourInformationBox, TimeToSampleBox, CompositionOffsetBox, SyncSampleBox, SampleToChunkBox, SampleSizeBox,
    CompactSampleSizeBox, ChunkOffsetBox, ChunkLargeOffsetBox, SampleDependencyTypeBox, SampleToGroupBox,
    SampleGroupDescriptionBox, MovieExtendsBox,
    MovieExtendsHeaderBox, TrackExtendsBox, MovieFragmentBox, MovieFragmentHeaderBox, TrackFragmentBox,
    TrackFragmentHeaderBox, TrackFragmentDecodeTimeBox, TrackRunBox, MovieFragmentRandomAccessBox,
    TrackFragmentRandomAccessBox, MovieFragmentRandomAccessOffsetBox, SegmentIndexBox>;
TYPED_TEST_SUITE(BoxRoundTrip, AllBoxes);

TYPED_TEST(BoxRoundTrip, PopulatedBoxSurvivesWriteAndParse) {
  const TypeParam box = make_sample<TypeParam>();
  std::vector<uint8_t> bytes = serialize_box(box);
  EXPECT_EQ(bytes.size(), box_size(box));
  // The header's size field agrees with the bytes produced.
  ASSERT_GE(bytes.size(), 8u);
  uint32_t declared = (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
  EXPECT_EQ(declared, bytes.size());
  auto back = parse_box<TypeParam>(bytes);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_TRUE(*back == box);
  EXPECT_EQ(serialize_box(*back), bytes);
}

TYPED_TEST(BoxRoundTrip, DefaultBoxSurvivesWriteAndParse) {
  const TypeParam box{};
  std::vector<uint8_t> bytes = serialize_box(box);
  EXPECT_EQ(bytes.size(), box_size(box));
  // Required children are written even when default, so default containers parse back.
  auto back = parse_box<TypeParam>(bytes);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_TRUE(*back == box);
}

TYPED_TEST(BoxRoundTrip, InspectGivesBalancedJsonWithTypeAndSize) {
  const TypeParam box = make_sample<TypeParam>();
  std::string json = inspect_box(box, 1000);
  EXPECT_TRUE(json_is_balanced(json)) << json;
  std::string type = fourcc_string(box_type(box));
  EXPECT_EQ(json.rfind("{\"type\":\"" + type + "\",\"offset\":1000,\"size\":" + std::to_string(box_size(box)), 0), 0u)
      << json;
}

// The inspector's offsets must follow the bytes: every child box's "offset" is where its
// header really is in the serialized parent.
TEST(Inspect, ChildOffsetsPointAtTheChildHeaders) {
  MovieBox moov = make_sample<MovieBox>();
  std::vector<uint8_t> bytes = serialize_box(moov);
  std::string json = inspect_box(moov, 0);
  size_t checked = 0;
  for (size_t at = json.find("{\"type\":\""); at != std::string::npos; at = json.find("{\"type\":\"", at + 1)) {
    std::string type = json.substr(at + 9, 4);
    size_t off_at = json.find("\"offset\":", at);
    uint64_t offset = std::stoull(json.substr(off_at + 9));
    ASSERT_LE(offset + 8, bytes.size());
    std::string in_bytes(bytes.begin() + static_cast<ptrdiff_t>(offset + 4), bytes.begin() + static_cast<ptrdiff_t>(offset + 8));
    EXPECT_EQ(in_bytes, type) << "at offset " << offset;
    ++checked;
  }
  EXPECT_GT(checked, 40u);
}

TEST(Inspect, JsonOfAWholeMovieIsValidForPython) {
  std::string json = "[" + inspect_box(make_sample<MovieBox>()) + "," + inspect_box(make_sample<MovieFragmentBox>()) +
                     "," + inspect_box(make_sample<MovieFragmentRandomAccessBox>()) + "," +
                     inspect_box(make_sample<SegmentIndexBox>()) + "]";
  std::string path = ::testing::TempDir() + "camrec_box_inspect.json";
  {
    std::ofstream out(path, std::ios::binary);
    out << json;
  }
  std::string command = "python3 -m json.tool " + path + " > /dev/null 2>&1";
  int rc = std::system(command.c_str());
  std::remove(path.c_str());
  if (rc != 0 && std::system("python3 -c 'import json' > /dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not available";
  EXPECT_EQ(rc, 0) << json;
}

size_t count_entries(const std::string& json) {
  size_t shown = 0;
  for (size_t at = json.find("\"entry_size\":"); at != std::string::npos; at = json.find("\"entry_size\":", at + 1))
    ++shown;
  return shown;
}

TEST(Inspect, LongTablesPrintEveryEntryByDefault) {
  SampleSizeBox stsz;
  stsz.entry_sizes.assign(1000, 7);
  std::string json = inspect_box(stsz);
  EXPECT_NE(json.find("\"entry_sizes_count\":1000"), std::string::npos);
  EXPECT_EQ(count_entries(json), 1000u);
  EXPECT_EQ(json.find("left_out"), std::string::npos) << json.substr(0, 200);
}

TEST(Inspect, ALimitPrintsAPrefixAndSaysHowManyWereLeftOut) {
  SampleSizeBox stsz;
  stsz.entry_sizes.assign(1000, 7);
  std::string json = inspect_box(stsz, 0, 10);
  EXPECT_NE(json.find("\"entry_sizes_count\":1000"), std::string::npos);
  EXPECT_EQ(count_entries(json), 10u);
  EXPECT_NE(json.find("\"entry_sizes_left_out\":990"), std::string::npos) << json;
  // A table within the limit says nothing.
  stsz.entry_sizes.assign(10, 7);
  json = inspect_box(stsz, 0, 10);
  EXPECT_EQ(count_entries(json), 10u);
  EXPECT_EQ(json.find("left_out"), std::string::npos) << json;
}

TEST(Inspect, MatrixPrintsAsAnArray) {
  std::string json = inspect_box(TrackHeaderBox{});
  EXPECT_NE(json.find("\"matrix\":[65536,0,0,0,65536,0,0,0,1073741824]"), std::string::npos) << json;
}

TEST(Inspect, BitFieldsAdvanceTheOffsetByWholeBytes) {
  // stz2 with three 4-bit entries: 12 bits + 4 bits of padding = 2 bytes, then the next box.
  SampleTableBox stbl;
  CompactSampleSizeBox stz2;
  stz2.field_size = 4;
  stz2.entry_sizes = {1, 2, 3};
  stbl.stz2 = stz2;
  stbl.stco = ChunkOffsetBox{};
  std::vector<uint8_t> bytes = serialize_box(stbl);
  std::string json = inspect_box(stbl, 0);
  size_t stco_at = json.find("{\"type\":\"stco\",\"offset\":");
  ASSERT_NE(stco_at, std::string::npos);
  uint64_t offset = std::stoull(json.substr(json.find("\"offset\":", stco_at) + 9));
  EXPECT_EQ(std::string(bytes.begin() + static_cast<ptrdiff_t>(offset + 4), bytes.begin() + static_cast<ptrdiff_t>(offset + 8)), "stco");
}

TEST(ChildOrder, ReadOrderIsKeptAndIgnoredByEquality) {
  // minf with hdlr (unknown) first, as QuickTime writes it.
  MediaInformationBox minf;
  minf.vmhd = VideoMediaHeaderBox{};
  minf.unknown.push_back(RawBox{fourcc("hdlr"), std::vector<uint8_t>(25, 0)});
  std::vector<uint8_t> canonical = serialize_box(minf);
  minf.child_order.slots = {0, 4, 2, 3};  // vmhd, hdlr, dinf, stbl
  std::vector<uint8_t> ordered = serialize_box(minf);
  EXPECT_NE(ordered, canonical);
  EXPECT_EQ(ordered.size(), canonical.size());
  auto back = parse_box<MediaInformationBox>(ordered);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(back->child_order.slots, minf.child_order.slots);
  EXPECT_EQ(serialize_box(*back), ordered);
  MediaInformationBox reordered = *back;
  reordered.child_order.slots.clear();
  EXPECT_TRUE(reordered == *back);
}

TEST(ChildOrder, AStaleOrderFallsBackToSlotOrder) {
  MediaInformationBox minf;
  minf.vmhd = VideoMediaHeaderBox{};
  std::vector<uint8_t> canonical = serialize_box(minf);
  minf.child_order.slots = {0, 4, 2, 3};  // names an unknown box that is no longer there
  EXPECT_EQ(serialize_box(minf), canonical);
  minf.child_order.slots = {9, 2, 3, 0};  // a slot index out of range
  EXPECT_EQ(serialize_box(minf), canonical);
}

TEST(SampleEntry, AudioSampleRateFromEachVersion) {
  AudioSampleEntry v0;
  v0.samplerate = 8000u << 16;
  EXPECT_EQ(v0.sample_rate_hz(), 8000u);
  AudioSampleEntry v2;
  v2.version = 2;
  v2.samplerate = 0x00010000;
  v2.audio_sample_rate = float64_bits_from_integer(96000);
  EXPECT_EQ(v2.audio_sample_rate, 0x40f7700000000000u);  // 96000.0
  EXPECT_EQ(v2.sample_rate_hz(), 96000u);
  // Under stsd version 1 a version-2 layout does not exist: samplerate is used.
  EXPECT_EQ(v2.sample_rate_hz(1), 1u);
  EXPECT_EQ(integer_from_float64_bits(0x3ff8000000000000u), 1u);  // 1.5
  EXPECT_EQ(integer_from_float64_bits(0xbff0000000000000u), 0u);  // -1.0
  EXPECT_EQ(integer_from_float64_bits(0x7ff8000000000000u), 0u);  // NaN
  EXPECT_EQ(integer_from_float64_bits(0x4340000000000000u), UINT32_MAX);  // 2^53
  for (uint32_t hz : {1u, 8000u, 44100u, 48000u, 192000u, 0xffffffffu})
    EXPECT_EQ(integer_from_float64_bits(float64_bits_from_integer(hz)), hz);
}

TEST(Language, PackAndUnpack) {
  EXPECT_EQ(kLanguageUndetermined, 0x55c4);
  EXPECT_EQ(unpack_language(0x55c4), "und");
  EXPECT_EQ(unpack_language(pack_language("eng")), "eng");
  EXPECT_EQ(unpack_language(0x7fff), "");  // QuickTime: unspecified
  EXPECT_EQ(unpack_language(0), "");       // QuickTime: Macintosh code for English
}

TEST(Tfra, FitLengthSizesPicksTheSmallestWidths) {
  TrackFragmentRandomAccessBox tfra;
  tfra.length_size_of_traf_num = 3;
  tfra.entries = {{0, 0, 1, 256, 70000}, {0, 0, 2, 1, 1}};
  tfra.fit_length_sizes();
  EXPECT_EQ(tfra.length_size_of_traf_num, 0);
  EXPECT_EQ(tfra.length_size_of_trun_num, 1);
  EXPECT_EQ(tfra.length_size_of_sample_num, 2);
  auto back = parse_box<TrackFragmentRandomAccessBox>(serialize_box(tfra));
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(*back, tfra);
}

}  // namespace
}  // namespace camrec::box
