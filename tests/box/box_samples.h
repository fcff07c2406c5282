// SPDX-License-Identifier: LGPL-2.1-or-later
// Populated boxes for the box tests: every field away from its default, so a field that a
// description forgets to read or write shows up as a round-trip difference.
#pragma once

#include <string>
#include <vector>

#include "box/boxes.h"

namespace camrec::box::testing {

template <class T>
T make_sample();

template <>
inline MovieHeaderBox make_sample<MovieHeaderBox>() {
  MovieHeaderBox b;
  b.version = 1;
  b.creation_time = 0x1'0000'0001;
  b.modification_time = 0x1'0000'0002;
  b.timescale = 90000;
  b.duration = 0x2'0000'0000;
  b.rate = 0x00020000;
  b.volume = 0x0080;
  b.matrix = {1, 2, 3, 4, 5, 6, 7, 8, -9};
  b.pre_defined = {1, 2, 3, 4, 5, 6};
  b.next_track_ID = 7;
  return b;
}

template <>
inline TrackHeaderBox make_sample<TrackHeaderBox>() {
  TrackHeaderBox b;
  b.flags = 7;
  b.creation_time = 11;
  b.modification_time = 12;
  b.track_ID = 3;
  b.duration = 123456;
  b.layer = -1;
  b.alternate_group = 2;
  b.volume = 0x0100;
  b.matrix[8] = 0x20000000;
  b.width = 1920u << 16;
  b.height = 1080u << 16;
  return b;
}

template <>
inline EditListBox make_sample<EditListBox>() {
  EditListBox b;
  b.version = 1;
  b.entries = {{0x1'0000'0000, -1, 1, 0}, {5000, 0x1'0000'0000, 1, 0x4000}};
  return b;
}

template <>
inline EditBox make_sample<EditBox>() {
  EditBox b;
  b.elst = EditListBox{0, 0, {{1000, 2002, 1, 0}}};
  b.unknown.push_back(RawBox{fourcc("xtra"), {1, 2, 3}});
  return b;
}

template <>
inline MediaHeaderBox make_sample<MediaHeaderBox>() {
  MediaHeaderBox b;
  b.creation_time = 5;
  b.modification_time = 6;
  b.timescale = 48000;
  b.duration = 480000;
  b.language = pack_language("eng");
  b.pre_defined = 3;
  return b;
}

template <>
inline HandlerBox make_sample<HandlerBox>() {
  HandlerBox b;
  b.handler_type = fourcc("soun");
  b.name = "SoundHandler";
  return b;
}

template <>
inline VideoMediaHeaderBox make_sample<VideoMediaHeaderBox>() {
  VideoMediaHeaderBox b;
  b.graphicsmode = 0x40;
  b.opcolor = {1, 2, 0x8000};
  return b;
}

template <>
inline SoundMediaHeaderBox make_sample<SoundMediaHeaderBox>() {
  SoundMediaHeaderBox b;
  b.balance = -0x80;
  return b;
}

template <>
inline DataEntryUrlBox make_sample<DataEntryUrlBox>() {
  DataEntryUrlBox b;
  b.flags = 0;
  b.location = "http://example.com/media.mp4";
  b.location_form = StringForm::nul_terminated;
  return b;
}

template <>
inline DataReferenceBox make_sample<DataReferenceBox>() {
  DataReferenceBox b;
  b.entries.push_back(make_sample<DataEntryUrlBox>());
  b.other.push_back(RawBox{fourcc("urn "), {0, 0, 0, 0, 'n', 0, 'l', 0}});
  return b;
}

template <>
inline DataInformationBox make_sample<DataInformationBox>() {
  DataInformationBox b;
  b.dref = make_sample<DataReferenceBox>();
  return b;
}

template <>
inline AvcConfigurationBox make_sample<AvcConfigurationBox>() {
  return AvcConfigurationBox{{0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x02, 0x67, 0x64, 0x01, 0x00, 0x01, 0x68}};
}

template <>
inline HevcConfigurationBox make_sample<HevcConfigurationBox>() {
  return HevcConfigurationBox{std::vector<uint8_t>(23, 0x11)};
}

template <>
inline EsdsBox make_sample<EsdsBox>() {
  return EsdsBox{0, 0, {0x03, 0x19, 0x00, 0x01, 0x00, 0x04, 0x11, 0x40, 0x15}};
}

template <>
inline OpusSpecificBox make_sample<OpusSpecificBox>() {
  return OpusSpecificBox{{0, 2, 0x01, 0x38, 0, 0, 0xbb, 0x80, 0, 0, 0}};
}

template <>
inline BitRateBox make_sample<BitRateBox>() {
  return BitRateBox{1000, 2000000, 1500000};
}

template <>
inline PixelAspectRatioBox make_sample<PixelAspectRatioBox>() {
  return PixelAspectRatioBox{4, 3};
}

template <>
inline ColourInformationBox make_sample<ColourInformationBox>() {
  ColourInformationBox b;
  b.colour_primaries = 1;
  b.transfer_characteristics = 1;
  b.matrix_coefficients = 1;
  b.full_range_flag = 1;
  return b;
}

template <>
inline VisualSampleEntry make_sample<VisualSampleEntry>() {
  VisualSampleEntry b;
  b.type = fourcc("hvc1");
  b.data_reference_index = 2;
  b.vendor = fourcc("FFMP");
  b.temporal_quality = 0x200;
  b.spatial_quality = 0x200;
  b.width = 1280;
  b.height = 720;
  b.frame_count = 1;
  b.compressorname = "Lavc libx265";
  b.hvcC = make_sample<HevcConfigurationBox>();
  b.btrt = make_sample<BitRateBox>();
  b.pasp = make_sample<PixelAspectRatioBox>();
  b.colr = make_sample<ColourInformationBox>();
  b.unknown.push_back(RawBox{fourcc("fiel"), {1, 0}});
  return b;
}

template <>
inline AudioSampleEntry make_sample<AudioSampleEntry>() {
  // QuickTime version 1, as ffmpeg's mov muxer writes AAC.
  AudioSampleEntry b;
  b.type = fourcc("mp4a");
  b.version = 1;
  b.channelcount = 1;
  b.compression_id = -2;
  b.samplerate = 44100u << 16;
  b.samples_per_packet = 1024;
  b.bytes_per_frame = 2;
  b.bytes_per_sample = 2;
  b.esds = make_sample<EsdsBox>();
  b.unknown.push_back(RawBox{fourcc("chan"), std::vector<uint8_t>(16, 0)});
  return b;
}

template <>
inline SampleDescriptionBox make_sample<SampleDescriptionBox>() {
  SampleDescriptionBox b;
  b.visual.push_back(make_sample<VisualSampleEntry>());
  AudioSampleEntry opus;
  opus.type = fourcc("Opus");
  opus.samplerate = 48000u << 16;
  opus.dOps = make_sample<OpusSpecificBox>();
  b.audio.push_back(opus);
  b.other.push_back(RawBox{fourcc("tx3g"), std::vector<uint8_t>(30, 7)});
  return b;
}

template <>
inline TimeToSampleBox make_sample<TimeToSampleBox>() {
  return TimeToSampleBox{0, 0, {{10, 3000}, {1, 3003}}};
}

template <>
inline CompositionOffsetBox make_sample<CompositionOffsetBox>() {
  return CompositionOffsetBox{1, 0, {{1, 0}, {2, -1000}, {3, 2000}}};
}

template <>
inline SyncSampleBox make_sample<SyncSampleBox>() {
  return SyncSampleBox{0, 0, {1, 31, 61}};
}

template <>
inline SampleToChunkBox make_sample<SampleToChunkBox>() {
  return SampleToChunkBox{0, 0, {{1, 5, 1}, {7, 3, 2}}};
}

template <>
inline SampleSizeBox make_sample<SampleSizeBox>() {
  return SampleSizeBox{0, 0, 0, 3, {100, 200, 300}};
}

template <>
inline CompactSampleSizeBox make_sample<CompactSampleSizeBox>() {
  return CompactSampleSizeBox{0, 0, 8, {1, 2, 255}};
}

template <>
inline ChunkOffsetBox make_sample<ChunkOffsetBox>() {
  return ChunkOffsetBox{0, 0, {48, 0xfffffff0}};
}

template <>
inline ChunkLargeOffsetBox make_sample<ChunkLargeOffsetBox>() {
  return ChunkLargeOffsetBox{0, 0, {48, 0x1'2345'6789}};
}

template <>
inline SampleDependencyTypeBox make_sample<SampleDependencyTypeBox>() {
  return SampleDependencyTypeBox{0, 0, {0x20, 0x10, 0x10, 0x18}};
}

template <>
inline SampleToGroupBox make_sample<SampleToGroupBox>() {
  return SampleToGroupBox{1, 0, fourcc("rap "), 7, {{4, 1}, {26, 0}, {1, 0x10001}}};
}

template <>
inline SampleGroupDescriptionBox make_sample<SampleGroupDescriptionBox>() {
  // Version 1 with a length per entry (default_length 0).
  return SampleGroupDescriptionBox{1, 0, fourcc("xyzw"), 0, 0, {{1, 2, 3}, {}, {0xff}}, {}, 0};
}

template <>
inline SampleTableBox make_sample<SampleTableBox>() {
  SampleTableBox b;
  b.stsd = make_sample<SampleDescriptionBox>();
  b.stts = make_sample<TimeToSampleBox>();
  b.ctts = make_sample<CompositionOffsetBox>();
  b.stss = make_sample<SyncSampleBox>();
  b.stsc = make_sample<SampleToChunkBox>();
  b.stz2 = make_sample<CompactSampleSizeBox>();
  b.co64 = make_sample<ChunkLargeOffsetBox>();
  b.sdtp = make_sample<SampleDependencyTypeBox>();
  b.sgpd = {make_sample<SampleGroupDescriptionBox>(), SampleGroupDescriptionBox{0, 0, fourcc("rap "), 0, 0, {{0x84}}, {}, 0}};
  b.sbgp = {make_sample<SampleToGroupBox>()};
  b.unknown.push_back(RawBox{fourcc("subs"), {1, 2, 3, 4}});
  return b;
}

template <>
inline MediaInformationBox make_sample<MediaInformationBox>() {
  MediaInformationBox b;
  b.vmhd = make_sample<VideoMediaHeaderBox>();
  b.dinf = make_sample<DataInformationBox>();
  b.stbl = make_sample<SampleTableBox>();
  return b;
}

template <>
inline MediaBox make_sample<MediaBox>() {
  MediaBox b;
  b.mdhd = make_sample<MediaHeaderBox>();
  b.hdlr = make_sample<HandlerBox>();
  b.minf = make_sample<MediaInformationBox>();
  return b;
}

template <>
inline TrackBox make_sample<TrackBox>() {
  TrackBox b;
  b.tkhd = make_sample<TrackHeaderBox>();
  b.edts = make_sample<EditBox>();
  b.mdia = make_sample<MediaBox>();
  b.unknown.push_back(RawBox{fourcc("udta"), {}});
  return b;
}

template <>
inline MovieExtendsHeaderBox make_sample<MovieExtendsHeaderBox>() {
  return MovieExtendsHeaderBox{1, 0, 0x1'0000'0000};
}

template <>
inline TrackExtendsBox make_sample<TrackExtendsBox>() {
  return TrackExtendsBox{0, 0, 2, 1, 3000, 1234, sample_flags::kDelta};
}

template <>
inline MovieExtendsBox make_sample<MovieExtendsBox>() {
  MovieExtendsBox b;
  b.mehd = make_sample<MovieExtendsHeaderBox>();
  b.trex = {make_sample<TrackExtendsBox>(), TrackExtendsBox{}};
  return b;
}

template <>
inline MovieBox make_sample<MovieBox>() {
  MovieBox b;
  b.mvhd = make_sample<MovieHeaderBox>();
  b.traks = {make_sample<TrackBox>(), TrackBox{}};
  b.mvex = make_sample<MovieExtendsBox>();
  b.unknown.push_back(RawBox{fourcc("udta"), {0, 0, 0, 8, 'x', 'y', 'z', 'w'}});
  return b;
}

template <>
inline MovieFragmentHeaderBox make_sample<MovieFragmentHeaderBox>() {
  return MovieFragmentHeaderBox{0, 0, 42};
}

template <>
inline TrackFragmentHeaderBox make_sample<TrackFragmentHeaderBox>() {
  TrackFragmentHeaderBox b;
  b.flags = TrackFragmentHeaderBox::kBaseDataOffsetPresent | TrackFragmentHeaderBox::kSampleDescriptionIndexPresent |
            TrackFragmentHeaderBox::kDefaultSampleDurationPresent | TrackFragmentHeaderBox::kDefaultSampleSizePresent |
            TrackFragmentHeaderBox::kDefaultSampleFlagsPresent;
  b.track_ID = 2;
  b.base_data_offset = 0x1'0000'0000;
  b.sample_description_index = 1;
  b.default_sample_duration = 1024;
  b.default_sample_size = 300;
  b.default_sample_flags = sample_flags::kKey;
  return b;
}

template <>
inline TrackFragmentDecodeTimeBox make_sample<TrackFragmentDecodeTimeBox>() {
  return TrackFragmentDecodeTimeBox{1, 0, 0x1'0000'0000};
}

template <>
inline TrackRunBox make_sample<TrackRunBox>() {
  TrackRunBox b;
  b.version = 1;
  b.flags = TrackRunBox::kDataOffsetPresent | TrackRunBox::kSampleDurationPresent | TrackRunBox::kSampleSizePresent |
            TrackRunBox::kSampleFlagsPresent | TrackRunBox::kSampleCompositionTimeOffsetPresent;
  b.data_offset = 200;
  b.entries = {{3000, 500, sample_flags::kKey, 3000}, {3000, 100, sample_flags::kDelta, -3000}};
  return b;
}

template <>
inline TrackFragmentBox make_sample<TrackFragmentBox>() {
  TrackFragmentBox b;
  b.tfhd = make_sample<TrackFragmentHeaderBox>();
  b.tfdt = make_sample<TrackFragmentDecodeTimeBox>();
  b.truns = {make_sample<TrackRunBox>(), TrackRunBox{}};
  b.sdtp = make_sample<SampleDependencyTypeBox>();
  b.sgpd = {SampleGroupDescriptionBox{1, 0, fourcc("roll"), 2, 0, {{0xff, 0xfc}}, {}, 0},
            SampleGroupDescriptionBox{2, 0, fourcc("seig"), 0, 1, {}, {9, 8, 7, 6}, 2}};
  b.sbgp = {SampleToGroupBox{0, 0, fourcc("roll"), 0, {{5, 0x10001}}}};
  b.unknown.push_back(RawBox{fourcc("saiz"), {0, 0, 0, 0, 8}});
  return b;
}

template <>
inline MovieFragmentBox make_sample<MovieFragmentBox>() {
  MovieFragmentBox b;
  b.mfhd = make_sample<MovieFragmentHeaderBox>();
  b.trafs = {make_sample<TrackFragmentBox>()};
  return b;
}

template <>
inline TrackFragmentRandomAccessBox make_sample<TrackFragmentRandomAccessBox>() {
  TrackFragmentRandomAccessBox b;
  b.version = 1;
  b.track_ID = 2;
  b.length_size_of_traf_num = 0;
  b.length_size_of_trun_num = 1;
  b.length_size_of_sample_num = 3;
  b.entries = {{0, 1000, 1, 1, 1}, {0x1'0000'0000, 0x2'0000'0000, 2, 0x1234, 0x01020304}};
  return b;
}

template <>
inline MovieFragmentRandomAccessOffsetBox make_sample<MovieFragmentRandomAccessOffsetBox>() {
  return MovieFragmentRandomAccessOffsetBox{0, 0, 0x1234};
}

template <>
inline MovieFragmentRandomAccessBox make_sample<MovieFragmentRandomAccessBox>() {
  MovieFragmentRandomAccessBox b;
  b.tfras = {make_sample<TrackFragmentRandomAccessBox>(), TrackFragmentRandomAccessBox{}};
  b.mfro.size = 99;
  return b;
}

template <>
inline SegmentIndexBox make_sample<SegmentIndexBox>() {
  SegmentIndexBox b;
  b.version = 1;
  b.reference_ID = 1;
  b.timescale = 12800;
  b.earliest_presentation_time = 0x1'0000'0000;
  b.first_offset = 7;
  b.references = {{0, 0x7fffffff, 5120, 1, 1, 0}, {1, 1234, 2560, 0, 3, 0x0fffffff}};
  return b;
}

template <>
inline FileTypeBox make_sample<FileTypeBox>() {
  return FileTypeBox{fourcc("isom"), 0x200, {fourcc("isom"), fourcc("iso6"), fourcc("mp41")}};
}

template <>
inline FreeSpaceBox make_sample<FreeSpaceBox>() {
  return FreeSpaceBox{fourcc("skip"), {1, 2, 3}};
}

/// True when `json` has balanced brackets and braces outside strings, and closed strings:
/// a quick structural check (full validation runs through python3 once).
bool json_is_balanced(const std::string& json);

}  // namespace camrec::box::testing
