// SPDX-License-Identifier: LGPL-2.1-or-later
// Byte-exact vectors for the boxes whose layout depends on flags, versions or bit packing.
// The expected bytes are written out by hand from 14496-12 (and, where noted, copied from
// files written by ffmpeg), never produced by the code under test.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "box/boxes.h"

namespace camrec::box {
namespace {

std::vector<uint8_t> hex(const std::string& text) {
  std::vector<uint8_t> out;
  int high = -1;
  for (char c : text) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

// Serializes `box`, compares with `expected`, and parses `expected` back into `box`.
template <class T>
void expect_bytes(const T& box, const std::string& expected_hex) {
  std::vector<uint8_t> expected = hex(expected_hex);
  EXPECT_EQ(serialize_box(box), expected);
  EXPECT_EQ(box_size(box), expected.size());
  auto back = parse_box<T>(expected);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_TRUE(*back == box);
}

TEST(TrunVector, DataOffsetAndFirstSampleFlags) {
  TrackRunBox trun;
  trun.flags = TrackRunBox::kDataOffsetPresent | TrackRunBox::kFirstSampleFlagsPresent | TrackRunBox::kSampleSizePresent;
  trun.data_offset = 100;
  trun.first_sample_flags = sample_flags::kKey;
  trun.entries = {{0, 0x100, 0, 0}, {0, 0x200, 0, 0}};
  expect_bytes(trun, "00000020 7472756e 00000205 00000002 00000064 02000000 00000100 00000200");
}

TEST(TrunVector, AllPerSampleFields) {
  TrackRunBox trun;
  trun.flags = 0x000f01;
  trun.data_offset = 16;
  trun.entries = {{1000, 16, sample_flags::kDelta, 2000}, {1001, 17, sample_flags::kKey, 0}};
  expect_bytes(trun,
               "00000034 7472756e 00000f01 00000002 00000010"
               "000003e8 00000010 01010000 000007d0"
               "000003e9 00000011 02000000 00000000");
}

TEST(TrunVector, Version1NegativeCompositionOffsets) {
  TrackRunBox trun;
  trun.version = 1;
  trun.flags = TrackRunBox::kSampleCompositionTimeOffsetPresent;
  trun.entries = {{0, 0, 0, -1}, {0, 0, 0, -512}};
  expect_bytes(trun, "00000018 7472756e 01000800 00000002 ffffffff fffffe00");
}

TEST(TrunVector, NegativeDataOffset) {
  TrackRunBox trun;
  trun.flags = TrackRunBox::kDataOffsetPresent;
  trun.data_offset = -8;
  expect_bytes(trun, "00000014 7472756e 00000001 00000000 fffffff8");
}

TEST(TrunVector, AsFfmpegWritesIt) {
  // traf/trun of a fragmented file from ffmpeg (frag_keyframe+default_base_moof), first 2 samples.
  auto bytes = hex("00000028 7472756e 00000a05 00000002 000001b4 02000000 00000d1a 00000400 00000249 00000a00");
  auto trun = parse_box<TrackRunBox>(bytes);
  ASSERT_TRUE(trun.has_value()) << trun.error().to_string();
  EXPECT_EQ(trun->data_offset, 0x1b4);
  EXPECT_EQ(trun->first_sample_flags, sample_flags::kKey);
  ASSERT_EQ(trun->entries.size(), 2u);
  EXPECT_EQ(trun->entries[1].sample_size, 0x249u);
  EXPECT_EQ(trun->entries[1].sample_composition_time_offset, 0xa00);
  EXPECT_EQ(serialize_box(*trun), bytes);
}

TEST(Co64Vector, SixtyFourBitOffsets) {
  ChunkLargeOffsetBox co64;
  co64.chunk_offsets = {1, 0x1'0000'0000, 0xffff'ffff'ffff'fff0};
  expect_bytes(co64, "00000028 636f3634 00000000 00000003 0000000000000001 0000000100000000 fffffffffffffff0");
}

TEST(StcoVector, ThirtyTwoBitOffsets) {
  ChunkOffsetBox stco;
  stco.chunk_offsets = {0x30, 0xfffffff0};
  expect_bytes(stco, "00000018 7374636f 00000000 00000002 00000030 fffffff0");
}

TEST(TfhdVector, DefaultBaseIsMoofOnly) {
  TrackFragmentHeaderBox tfhd;
  tfhd.flags = TrackFragmentHeaderBox::kDefaultBaseIsMoof;
  tfhd.track_ID = 1;
  expect_bytes(tfhd, "00000010 74666864 00020000 00000001");
}

TEST(TfhdVector, BaseOffsetDurationAndFlags) {
  TrackFragmentHeaderBox tfhd;
  tfhd.flags = TrackFragmentHeaderBox::kBaseDataOffsetPresent | TrackFragmentHeaderBox::kDefaultSampleDurationPresent |
               TrackFragmentHeaderBox::kDefaultSampleFlagsPresent;
  tfhd.track_ID = 2;
  tfhd.base_data_offset = 0x123456789;
  tfhd.default_sample_duration = 0x400;
  tfhd.default_sample_flags = sample_flags::kDelta;
  expect_bytes(tfhd, "00000020 74666864 00000029 00000002 0000000123456789 00000400 01010000");
}

TEST(TfhdVector, DescriptionIndexSizeAndDurationIsEmpty) {
  TrackFragmentHeaderBox tfhd;
  tfhd.flags = TrackFragmentHeaderBox::kSampleDescriptionIndexPresent |
               TrackFragmentHeaderBox::kDefaultSampleSizePresent | TrackFragmentHeaderBox::kDurationIsEmpty;
  tfhd.track_ID = 3;
  tfhd.sample_description_index = 1;
  tfhd.default_sample_size = 0x55;
  expect_bytes(tfhd, "00000018 74666864 00010012 00000003 00000001 00000055");
}

TEST(TfhdVector, AsFfmpegWritesIt) {
  TrackFragmentHeaderBox tfhd;
  tfhd.flags = 0x020038;
  tfhd.track_ID = 1;
  tfhd.default_sample_duration = 0x200;
  tfhd.default_sample_size = 0xd1a;
  tfhd.default_sample_flags = 0x01010000;
  expect_bytes(tfhd, "0000001c 74666864 00020038 00000001 00000200 00000d1a 01010000");
}

TEST(Stz2Vector, FourBitEntriesPackTwoPerByteWithPadding) {
  CompactSampleSizeBox stz2;
  stz2.field_size = 4;
  stz2.entry_sizes = {1, 2, 15};
  expect_bytes(stz2, "00000016 73747a32 00000000 000000 04 00000003 12 f0");
  stz2.entry_sizes = {1, 2, 3, 4};
  expect_bytes(stz2, "00000016 73747a32 00000000 000000 04 00000004 12 34");
}

TEST(Stz2Vector, EightAndSixteenBitEntries) {
  CompactSampleSizeBox stz2;
  stz2.field_size = 8;
  stz2.entry_sizes = {0xab, 1};
  expect_bytes(stz2, "00000016 73747a32 00000000 000000 08 00000002 ab 01");
  stz2.field_size = 16;
  stz2.entry_sizes = {0x1234, 5};
  expect_bytes(stz2, "00000018 73747a32 00000000 000000 10 00000002 1234 0005");
}

TEST(ElstVector, Version0) {
  EditListBox elst;
  elst.entries = {{1000, -1, 1, 0}, {2000, 1024, 1, 0}};
  expect_bytes(elst, "00000028 656c7374 00000000 00000002 000003e8 ffffffff 0001 0000 000007d0 00000400 0001 0000");
}

TEST(ElstVector, Version1) {
  EditListBox elst;
  elst.version = 1;
  elst.entries = {{0x1'0000'0000, 0x2'0000'0000, 1, 0x8000 - 0x10000}};
  expect_bytes(elst, "00000024 656c7374 01000000 00000001 0000000100000000 0000000200000000 0001 8000");
}

TEST(SttsCttsVector, Entries) {
  expect_bytes(TimeToSampleBox{0, 0, {{25, 512}}}, "00000018 73747473 00000000 00000001 00000019 00000200");
  expect_bytes(CompositionOffsetBox{1, 0, {{2, -1024}}}, "00000018 63747473 01000000 00000001 00000002 fffffc00");
}

TEST(StszVector, ConstantSizeHasNoTable) {
  SampleSizeBox stsz;
  stsz.sample_size = 0x1f40;
  stsz.sample_count = 1;
  expect_bytes(stsz, "00000014 7374737a 00000000 00001f40 00000001");
}

TEST(StszVector, WriterTakesTheCountFromTheTable) {
  SampleSizeBox stsz;
  stsz.sample_count = 99;  // ignored: the table says 2
  stsz.entry_sizes = {7, 8};
  EXPECT_EQ(serialize_box(stsz), hex("0000001c 7374737a 00000000 00000000 00000002 00000007 00000008"));
}

TEST(SidxVector, BitFieldsOfAReference) {
  SegmentIndexBox sidx;
  sidx.version = 1;
  sidx.reference_ID = 1;
  sidx.timescale = 12800;
  sidx.references = {{0, 0x1581, 0x1800, 1, 0, 0}, {1, 0x7fffffff, 0x10, 0, 7, 0x0abcdef1}};
  expect_bytes(sidx,
               "00000040 73696478 01000000 00000001 00003200 0000000000000000 0000000000000000 0000 0002"
               "00001581 00001800 80000000"
               "ffffffff 00000010 7abcdef1");
}

TEST(TfraVector, VariableWidthNumbers) {
  TrackFragmentRandomAccessBox tfra;
  tfra.track_ID = 1;
  tfra.length_size_of_trun_num = 1;
  tfra.length_size_of_sample_num = 2;
  tfra.entries = {{0x10, 0x20, 1, 2, 3}};
  expect_bytes(tfra, "00000026 74667261 00000000 00000001 00000006 00000001 00000010 00000020 01 0002 000003");
}

TEST(TfraVector, Version1AsFfmpegWritesIt) {
  TrackFragmentRandomAccessBox tfra;
  tfra.version = 1;
  tfra.track_ID = 1;
  tfra.entries = {{0, 0x4ea, 1, 1, 1}};
  expect_bytes(tfra, "0000002b 74667261 01000000 00000001 00000000 00000001 0000000000000000 00000000000004ea 01 01 01");
}

TEST(ColrVector, NclxWithFullRangeFlag) {
  ColourInformationBox colr;
  colr.colour_primaries = 6;
  colr.transfer_characteristics = 6;
  colr.matrix_coefficients = 6;
  colr.full_range_flag = 1;
  expect_bytes(colr, "00000013 636f6c72 6e636c78 0006 0006 0006 80");
  colr.full_range_flag = 0;
  expect_bytes(colr, "00000013 636f6c72 6e636c78 0006 0006 0006 00");
}

TEST(ColrVector, QuickTimeNclcHasNoRangeByte) {
  ColourInformationBox colr;
  colr.colour_type = fourcc("nclc");
  colr.colour_primaries = 1;
  colr.transfer_characteristics = 1;
  colr.matrix_coefficients = 1;
  expect_bytes(colr, "00000012 636f6c72 6e636c63 0001 0001 0001");
}

TEST(ColrVector, IccProfileIsKeptRaw) {
  ColourInformationBox colr;
  colr.colour_type = fourcc("prof");
  colr.payload = {1, 2, 3};
  expect_bytes(colr, "0000000f 636f6c72 70726f66 010203");
}

TEST(HdlrVector, IsoCString) {
  HandlerBox hdlr;
  hdlr.handler_type = fourcc("vide");
  hdlr.name = "VideoHandler";
  expect_bytes(hdlr, "0000002d 68646c72 00000000 00000000 76696465 00000000 00000000 00000000 566964656f48616e646c657200");
}

TEST(HdlrVector, QuickTimePascalString) {
  // ffmpeg's mov muxer: component type 'mhlr' and a counted name.
  HandlerBox hdlr;
  hdlr.pre_defined = fourcc("mhlr");
  hdlr.handler_type = fourcc("vide");
  hdlr.name = "VideoHandler";
  hdlr.name_form = StringForm::pascal;
  expect_bytes(hdlr, "0000002d 68646c72 00000000 6d686c72 76696465 00000000 00000000 00000000 0c566964656f48616e646c6572");
}

TEST(HdlrVector, MissingTerminatorIsKept) {
  HandlerBox hdlr;
  hdlr.handler_type = fourcc("soun");
  hdlr.name = "Sound";
  hdlr.name_form = StringForm::unterminated;
  expect_bytes(hdlr, "00000025 68646c72 00000000 00000000 736f756e 00000000 00000000 00000000 536f756e64");
}

TEST(DrefVector, OneSelfContainedUrlByDefault) {
  expect_bytes(DataReferenceBox{}, "0000001c 64726566 00000000 00000001 0000000c 75726c20 00000001");
}

TEST(MvhdVector, Version0Defaults) {
  MovieHeaderBox mvhd;
  mvhd.duration = 0x0bb8;
  mvhd.next_track_ID = 3;
  expect_bytes(mvhd,
               "0000006c 6d766864 00000000 00000000 00000000 000003e8 00000bb8 00010000 0100 0000 00000000 00000000"
               "00010000 00000000 00000000 00000000 00010000 00000000 00000000 00000000 40000000"
               "00000000 00000000 00000000 00000000 00000000 00000000 00000003");
}

TEST(TkhdVector, Version1) {
  TrackHeaderBox tkhd;
  tkhd.version = 1;
  tkhd.track_ID = 2;
  tkhd.duration = 0x1'0000'0000;
  tkhd.width = 320u << 16;
  tkhd.height = 240u << 16;
  expect_bytes(tkhd,
               "00000068 746b6864 01000003 0000000000000000 0000000000000000 00000002 00000000 0000000100000000"
               "00000000 00000000 0000 0000 0000 0000"
               "00010000 00000000 00000000 00000000 00010000 00000000 00000000 00000000 40000000"
               "01400000 00f00000");
}

TEST(MdhdVector, Version0Und) {
  MediaHeaderBox mdhd;
  mdhd.timescale = 0x3200;
  mdhd.duration = 0x3200;
  expect_bytes(mdhd, "00000020 6d646864 00000000 00000000 00000000 00003200 00003200 55c4 0000");
}

TEST(AvcEntryVector, AsFfmpegWritesIt) {
  // avc1 entry of an ffmpeg .mp4: avcC, then pasp, then btrt (not the slot order).
  auto bytes = hex(
      "000000b0 61766331 000000000000 0001 0000 0000 00000000 00000000 00000000 0140 00f0 00480000 00480000"
      "00000000 0001 154c61766335392e33372e313030206c696278323634 00000000000000000000 0018 ffff"
      "00000036 61766343 01f4000dffe1001967f4000d919b28283f6022000003000200000300641e28532c01000668ebe3c44844fff8f800"
      "00000010 70617370 00000001 00000001"
      "00000014 62747274 00000000 0000e948 0000e948");
  auto entry = parse_box<VisualSampleEntry>(bytes);
  ASSERT_TRUE(entry.has_value()) << entry.error().to_string();
  EXPECT_EQ(entry->type, fourcc("avc1"));
  EXPECT_EQ(entry->width, 320);
  EXPECT_EQ(entry->height, 240);
  EXPECT_EQ(entry->compressorname, "Lavc59.37.100 libx264");
  ASSERT_TRUE(entry->avcC.has_value());
  EXPECT_EQ(entry->avcC->record.size(), 0x36u - 8);
  ASSERT_TRUE(entry->btrt.has_value());
  EXPECT_EQ(entry->btrt->avgBitrate, 0xe948u);
  EXPECT_TRUE(entry->pasp.has_value());
  EXPECT_EQ(serialize_box(*entry), bytes);
}

TEST(AvcEntryVector, CompressorNameWrittenAsACString) {
  // A first byte too large for a length: read as a C string, written back as a Pascal one.
  VisualSampleEntry entry;
  entry.compressorname = std::string(31, 'x');
  auto bytes = serialize_box(entry);
  const size_t name_at = 8 + 6 + 2 + 16 + 4 + 8 + 4 + 2;
  ASSERT_EQ(bytes[name_at], 31);
  std::string c_string = "AVC Coding";
  std::fill(bytes.begin() + name_at, bytes.begin() + name_at + 32, 0);
  std::copy(c_string.begin(), c_string.end(), bytes.begin() + name_at);
  auto back = parse_box<VisualSampleEntry>(bytes);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(back->compressorname, "AVC Coding");
  // 32 characters without a NUL: the first 31 are kept.
  std::fill(bytes.begin() + name_at, bytes.begin() + name_at + 32, 'y');
  back = parse_box<VisualSampleEntry>(bytes);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(back->compressorname, std::string(31, 'y'));
  auto again = parse_box<VisualSampleEntry>(serialize_box(*back));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *back);
}

TEST(AudioEntryVector, QuickTimeVersion0Ulaw) {
  // ffmpeg -c:a pcm_mulaw -f mov: version 0 with a 'chan' child.
  auto bytes = hex(
      "0000003c 756c6177 000000000000 0001 0000 0000 00000000 0001 0010 0000 0000 1f400000"
      "00000018 6368616e 00000000 00010000 00000000 00040000 0000");
  bytes.resize(0x3c);
  auto entry = parse_box<AudioSampleEntry>(bytes);
  ASSERT_TRUE(entry.has_value()) << entry.error().to_string();
  EXPECT_EQ(entry->channelcount, 1);
  EXPECT_EQ(entry->sample_rate_hz(), 8000u);
  ASSERT_EQ(entry->unknown.size(), 1u);
  EXPECT_EQ(entry->unknown[0].type, fourcc("chan"));
  EXPECT_EQ(serialize_box(*entry), bytes);
}

TEST(AudioEntryVector, QuickTimeVersion1Aac) {
  // ffmpeg -c:a aac -f mov: version 1, the esds inside 'wave' (kept raw).
  auto bytes = hex(
      "000000aa 6d703461 000000000000 0001 0001 0000 00000000 0001 0010 fffe 0000 ac440000"
      "00000400 00000000 00000000 00000002"
      "0000005e 77617665 0000000c 66726d61 6d703461 0000000c 6d703461 00000000"
      "00000036 65736473 00000000 03808080250001000480808017401500000000011acd00011acd0580808005120856e5000680808001"
      "02 00000008 00000000"
      "00000018 6368616e 00000000 00640001 00000000 00000000 0000");
  bytes.resize(0xaa);
  auto entry = parse_box<AudioSampleEntry>(bytes);
  ASSERT_TRUE(entry.has_value()) << entry.error().to_string();
  EXPECT_EQ(entry->version, 1);
  EXPECT_EQ(entry->compression_id, -2);
  EXPECT_EQ(entry->sample_rate_hz(), 44100u);
  EXPECT_EQ(entry->samples_per_packet, 1024u);
  EXPECT_EQ(entry->bytes_per_sample, 2u);
  ASSERT_EQ(entry->unknown.size(), 2u);
  EXPECT_EQ(entry->unknown[0].type, fourcc("wave"));
  EXPECT_EQ(entry->unknown[1].type, fourcc("chan"));
  EXPECT_EQ(serialize_box(*entry), bytes);
}

TEST(AudioEntryVector, QuickTimeVersion2Lpcm) {
  // ffmpeg -c:a pcm_s24le -ar 96000 -f mov: version 2 'lpcm'.
  auto bytes = hex(
      "00000060 6c70636d 000000000000 0001 0002 0000 00000000 0003 0010 fffe 0000 00010000"
      "00000048 40f7700000000000 00000001 7f000000 00000018 0000000c 00000003 00000001"
      "00000018 6368616e 00000000 00640001 00000000 00000000 0000");
  bytes.resize(0x60);
  auto entry = parse_box<AudioSampleEntry>(bytes);
  ASSERT_TRUE(entry.has_value()) << entry.error().to_string();
  EXPECT_EQ(entry->version, 2);
  EXPECT_EQ(entry->size_of_struct_only, 72u);
  EXPECT_EQ(entry->sample_rate_hz(), 96000u);
  EXPECT_EQ(entry->num_audio_channels, 1u);
  EXPECT_EQ(entry->const_bits_per_channel, 24u);
  EXPECT_EQ(entry->format_specific_flags, 0xcu);
  EXPECT_EQ(entry->const_bytes_per_audio_packet, 3u);
  EXPECT_EQ(entry->const_lpcm_frames_per_audio_packet, 1u);
  EXPECT_EQ(serialize_box(*entry), bytes);
}

TEST(AudioEntryVector, IsoVersion1UnderStsdVersion1HasNoQuickTimeFields) {
  // 14496-12 AudioSampleEntryV1: same fixed fields as version 0, children right after.
  auto bytes = hex(
      "00000040 73747364 01000000 00000001"
      "00000030 6d703461 000000000000 0001 0001 0000 00000000 0002 0010 0000 0000 bb800000"
      "0000000c 73726174 00000000");
  auto stsd = parse_box<SampleDescriptionBox>(bytes);
  ASSERT_TRUE(stsd.has_value()) << stsd.error().to_string();
  ASSERT_EQ(stsd->audio.size(), 1u);
  EXPECT_EQ(stsd->audio[0].version, 1);
  EXPECT_EQ(stsd->audio[0].sample_rate_hz(1), 48000u);
  ASSERT_EQ(stsd->audio[0].unknown.size(), 1u);
  EXPECT_EQ(stsd->audio[0].unknown[0].type, fourcc("srat"));
  EXPECT_EQ(serialize_box(*stsd), bytes);
}

TEST(OpusEntryVector, AsFfmpegWritesIt) {
  auto bytes = hex(
      "0000004b 4f707573 000000000000 0001 0000 0000 00000000 0001 0010 0000 0000 bb800000"
      "00000013 644f7073 000101380000bb80000000 00000014 62747274 00000000 00013293 00013293");
  auto entry = parse_box<AudioSampleEntry>(bytes);
  ASSERT_TRUE(entry.has_value()) << entry.error().to_string();
  ASSERT_TRUE(entry->dOps.has_value());
  EXPECT_EQ(entry->dOps->payload, hex("000101380000bb80000000"));
  EXPECT_EQ(serialize_box(*entry), bytes);
}

TEST(UrlVector, SelfContainedHasNoLocation) {
  expect_bytes(DataEntryUrlBox{}, "0000000c 75726c20 00000001");
  DataEntryUrlBox url;
  url.flags = 0;
  url.location = "a";
  url.location_form = StringForm::nul_terminated;
  expect_bytes(url, "0000000e 75726c20 00000000 6100");
}

}  // namespace
}  // namespace camrec::box
