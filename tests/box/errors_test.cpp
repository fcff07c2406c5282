// SPDX-License-Identifier: LGPL-2.1-or-later
// Every way a box can be broken gives a specific error naming the box path.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "box_samples.h"

namespace camrec::box {
namespace {

using testing::make_sample;

uint32_t get_u32(const std::vector<uint8_t>& b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) | b[at + 3];
}

void put_u32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

// Offset of the box reached by `path` (child types, taking the first match at each level)
// inside the serialized container starting at `bytes[0]`. Walks pure containers only.
size_t find_box(const std::vector<uint8_t>& bytes, std::initializer_list<const char*> path) {
  size_t start = 8, end = get_u32(bytes, 0);
  size_t found = 0;
  for (const char* type : path) {
    size_t at = start;
    bool hit = false;
    while (at + 8 <= end) {
      size_t size = get_u32(bytes, at);
      if (std::string(bytes.begin() + static_cast<ptrdiff_t>(at + 4), bytes.begin() + static_cast<ptrdiff_t>(at + 8)) == type) {
        hit = true;
        break;
      }
      at += size;
    }
    if (!hit) throw std::runtime_error(std::string("no box ") + type);
    found = at;
    start = at + 8;
    end = at + get_u32(bytes, at);
  }
  return found;
}

template <class T>
Status parse_error(const std::vector<uint8_t>& bytes) {
  auto r = parse_box<T>(bytes);
  if (r.has_value()) return Status::ok();
  return r.error();
}

void expect_error(const Status& s, Errc code, std::initializer_list<const char*> fragments) {
  ASSERT_FALSE(s.is_ok()) << "expected an error";
  EXPECT_EQ(s.code(), code) << s.to_string();
  for (const char* f : fragments) EXPECT_NE(s.message().find(f), std::string::npos) << "'" << f << "' not in: " << s.message();
}

MovieBox movie_with_two_tracks() {
  MovieBox moov;
  moov.traks.resize(2);
  moov.traks[0].mdia.minf.stbl.stsz = SampleSizeBox{0, 0, 0, 3, {10, 20, 30}};
  moov.traks[0].mdia.minf.stbl.stco = ChunkOffsetBox{0, 0, {100, 200}};
  moov.traks[0].mdia.minf.stbl.stts = TimeToSampleBox{0, 0, {{3, 1000}}};
  moov.traks[1] = moov.traks[0];
  moov.traks[1].tkhd.track_ID = 2;
  return moov;
}

TEST(BoxErrors, TruncatedLeafBox) {
  auto bytes = serialize_box(TrackHeaderBox{});
  bytes.resize(bytes.size() - 6);
  put_u32(bytes, 0, static_cast<uint32_t>(bytes.size()));
  expect_error(parse_error<TrackHeaderBox>(bytes), Errc::malformed, {"need", "bytes"});
}

TEST(BoxErrors, TruncatedLeafInsideMovieNamesThePath) {
  auto bytes = serialize_box(movie_with_two_tracks());
  // Cut stts's table inside trak[1]: shrink stts by 4 bytes and every enclosing box with it.
  size_t trak1 = find_box(bytes, {"trak"});
  trak1 += get_u32(bytes, trak1);  // the second trak follows the first
  ASSERT_EQ(std::string(bytes.begin() + static_cast<ptrdiff_t>(trak1 + 4), bytes.begin() + static_cast<ptrdiff_t>(trak1 + 8)), "trak");
  std::vector<size_t> chain = {0, trak1};
  size_t at = trak1;
  for (const char* type : {"mdia", "minf", "stbl", "stts"}) {
    size_t inner = at + 8, end = at + get_u32(bytes, at);
    while (inner < end && std::string(bytes.begin() + static_cast<ptrdiff_t>(inner + 4), bytes.begin() + static_cast<ptrdiff_t>(inner + 8)) != type)
      inner += get_u32(bytes, inner);
    ASSERT_LT(inner, end) << type;
    chain.push_back(inner);
    at = inner;
  }
  size_t stts = chain.back();
  size_t stts_end = stts + get_u32(bytes, stts);
  bytes.erase(bytes.begin() + static_cast<ptrdiff_t>(stts_end - 4), bytes.begin() + static_cast<ptrdiff_t>(stts_end));
  for (size_t box : chain) put_u32(bytes, box, get_u32(bytes, box) - 4);
  expect_error(parse_error<MovieBox>(bytes), Errc::malformed, {"moov/trak[1]/mdia/minf/stbl/stts", "entries count 1"});
}

TEST(BoxErrors, ChildPassingItsParent) {
  auto bytes = serialize_box(movie_with_two_tracks());
  size_t tkhd = find_box(bytes, {"trak", "tkhd"});
  put_u32(bytes, tkhd, 0x10000);
  expect_error(parse_error<MovieBox>(bytes), Errc::malformed, {"moov/trak[0]", "'tkhd'", "passes the end of its parent"});
}

TEST(BoxErrors, ChildSizeSmallerThanItsHeader) {
  auto bytes = serialize_box(movie_with_two_tracks());
  size_t mvhd = find_box(bytes, {"mvhd"});
  for (uint32_t size : {2u, 7u}) {
    put_u32(bytes, mvhd, size);
    expect_error(parse_error<MovieBox>(bytes), Errc::malformed, {"moov", "'mvhd'", "smaller than its header"});
  }
}

TEST(BoxErrors, SizeZeroChildExtendsToTheEndOfItsParent) {
  // Not allowed by 14496-12 inside a box, but players accept it as "to the end": so do we.
  EditBox edts;
  edts.elst = EditListBox{0, 0, {{1000, 0, 1, 0}}};
  auto bytes = serialize_box(edts);
  put_u32(bytes, 8, 0);
  auto back = parse_box<EditBox>(bytes);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(*back, edts);
  EXPECT_EQ(serialize_box(*back), serialize_box(edts));  // written back with its real size
}

TEST(BoxErrors, SizeOneChildUsesTheLargeSize) {
  // edts { elst } with the elst header rewritten in the 16-byte form.
  EditBox edts;
  edts.elst = EditListBox{0, 0, {{1000, 0, 1, 0}}};
  auto small = serialize_box(edts);
  std::vector<uint8_t> bytes(small.begin(), small.begin() + 8);
  uint32_t elst_size = get_u32(small, 8);
  std::vector<uint8_t> large = {0, 0, 0, 1, 'e', 'l', 's', 't', 0, 0, 0, 0, 0, 0, 0, 0};
  put_u32(large, 12, elst_size + 8);
  bytes.insert(bytes.end(), large.begin(), large.end());
  bytes.insert(bytes.end(), small.begin() + 16, small.end());
  put_u32(bytes, 0, static_cast<uint32_t>(bytes.size()));
  auto back = parse_box<EditBox>(bytes);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(*back, edts);

  // The 64-bit size sits at bytes 16..23, after edts's header and elst's size and type.
  put_u32(bytes, 16, 0);
  put_u32(bytes, 20, 15);  // below the 16-byte header
  expect_error(parse_error<EditBox>(bytes), Errc::malformed, {"edts", "'elst'", "smaller than its header"});
  put_u32(bytes, 20, 0x1000);  // past the parent
  expect_error(parse_error<EditBox>(bytes), Errc::malformed, {"edts", "'elst'", "passes the end of its parent"});
  put_u32(bytes, 16, 1);  // beyond 4 GiB
  expect_error(parse_error<EditBox>(bytes), Errc::malformed, {"edts", "'elst'", "passes the end of its parent"});
}

TEST(BoxErrors, TopLevelHeaderErrors) {
  std::vector<uint8_t> bytes = {0, 0, 0, 4, 'f', 'r', 'e', 'e'};
  expect_error(parse_error<FreeSpaceBox>(bytes), Errc::malformed, {"smaller than its header"});
  bytes = {0, 0, 0, 9, 'f', 'r', 'e', 'e'};
  expect_error(parse_error<FreeSpaceBox>(bytes), Errc::malformed, {"passes the end"});
  bytes = {0, 0, 0, 8, 'f', 'r'};
  expect_error(parse_error<FreeSpaceBox>(bytes), Errc::malformed, {"need"});
  bytes = {0, 0, 0, 8, 'm', 'o', 'o', 'v'};
  expect_error(parse_error<FreeSpaceBox>(bytes), Errc::malformed, {"expected box 'free'", "'moov'"});
}

// Sets the count field at `count_at` of the serialized `box` to `count` and expects a
// malformed error that names the box and the count.
template <class T>
void expect_count_rejected(const T& box, size_t count_at, const char* what) {
  for (uint32_t count : {0x40000000u, 0xffffffffu}) {
    SCOPED_TRACE(what);
    auto bytes = serialize_box(box);
    put_u32(bytes, count_at, count);
    expect_error(parse_error<T>(bytes), Errc::malformed, {what, std::to_string(count).c_str(), "left in the box"});
  }
}

TEST(BoxErrors, CountsLargerThanTheBoxAreRejectedBeforeAllocating) {
  expect_count_rejected(SampleSizeBox{0, 0, 0, 2, {1, 2}}, 16, "stsz: entry_sizes count");
  expect_count_rejected(ChunkOffsetBox{0, 0, {1, 2}}, 12, "stco: chunk_offsets count");
  expect_count_rejected(ChunkLargeOffsetBox{0, 0, {1, 2}}, 12, "co64: chunk_offsets count");
  expect_count_rejected(TimeToSampleBox{0, 0, {{1, 2}}}, 12, "stts: entries count");
  expect_count_rejected(CompositionOffsetBox{0, 0, {{1, 2}}}, 12, "ctts: entries count");
  expect_count_rejected(SyncSampleBox{0, 0, {1}}, 12, "stss: sample_numbers count");
  expect_count_rejected(SampleToChunkBox{0, 0, {{1, 2, 1}}}, 12, "stsc: entries count");
  expect_count_rejected(EditListBox{0, 0, {{1, 2, 1, 0}}}, 12, "elst: entries count");
  expect_count_rejected(CompactSampleSizeBox{0, 0, 4, {1, 2, 3}}, 16, "stz2: entry_sizes count");
  expect_count_rejected(make_sample<TrackFragmentRandomAccessBox>(), 20, "tfra: entries count");
  expect_count_rejected(make_sample<TrackRunBox>(), 12, "trun: entries count");
}

TEST(BoxErrors, SidxCountLargerThanTheBox) {
  auto bytes = serialize_box(make_sample<SegmentIndexBox>());
  bytes[8 + 4 + 4 + 4 + 16 + 2] = 0xff;  // reference_count high byte (version 1 layout)
  expect_error(parse_error<SegmentIndexBox>(bytes), Errc::malformed, {"sidx: references count"});
}

TEST(BoxErrors, HugeCountDeepInsideAMovieNamesThePath) {
  auto bytes = serialize_box(movie_with_two_tracks());
  size_t stsz = find_box(bytes, {"trak", "mdia", "minf", "stbl", "stsz"});
  put_u32(bytes, stsz + 16, 0x7fffffff);
  expect_error(parse_error<MovieBox>(bytes), Errc::malformed,
               {"moov/trak[0]/mdia/minf/stbl/stsz: entry_sizes count 2147483647"});
  bytes = serialize_box(movie_with_two_tracks());
  size_t stco = find_box(bytes, {"trak", "mdia", "minf", "stbl", "stco"});
  put_u32(bytes, stco + 12, 0x7fffffff);
  expect_error(parse_error<MovieBox>(bytes), Errc::malformed, {"moov/trak[0]/mdia/minf/stbl/stco: chunk_offsets count"});
}

TEST(BoxErrors, TrunFragmentCountNamesThePath) {
  auto bytes = serialize_box(make_sample<MovieFragmentBox>());
  size_t trun = find_box(bytes, {"traf", "trun"});
  put_u32(bytes, trun + 12, 0x10000000);
  expect_error(parse_error<MovieFragmentBox>(bytes), Errc::malformed, {"moof/traf[0]/trun[0]: entries count 268435456"});
}

TEST(BoxErrors, UnknownVersionsAreUnsupported) {
  auto with_version = [](auto box, uint8_t v) {
    auto bytes = serialize_box(box);
    bytes[8] = v;
    return bytes;
  };
  expect_error(parse_error<TrackFragmentDecodeTimeBox>(with_version(TrackFragmentDecodeTimeBox{}, 2)), Errc::unsupported,
               {"tfdt", "version 2"});
  expect_error(parse_error<MovieHeaderBox>(with_version(MovieHeaderBox{}, 2)), Errc::unsupported, {"mvhd", "version 2"});
  expect_error(parse_error<TrackHeaderBox>(with_version(TrackHeaderBox{}, 2)), Errc::unsupported, {"tkhd", "version 2"});
  expect_error(parse_error<MediaHeaderBox>(with_version(MediaHeaderBox{}, 2)), Errc::unsupported, {"mdhd", "version 2"});
  expect_error(parse_error<EditListBox>(with_version(EditListBox{}, 2)), Errc::unsupported, {"elst", "version 2"});
  expect_error(parse_error<TrackRunBox>(with_version(TrackRunBox{}, 2)), Errc::unsupported, {"trun", "version 2"});
  expect_error(parse_error<CompositionOffsetBox>(with_version(CompositionOffsetBox{}, 2)), Errc::unsupported, {"ctts"});
  expect_error(parse_error<SegmentIndexBox>(with_version(SegmentIndexBox{}, 2)), Errc::unsupported, {"sidx"});
  expect_error(parse_error<TrackFragmentRandomAccessBox>(with_version(TrackFragmentRandomAccessBox{}, 2)),
               Errc::unsupported, {"tfra"});
  expect_error(parse_error<SampleDescriptionBox>(with_version(SampleDescriptionBox{}, 2)), Errc::unsupported, {"stsd"});
  expect_error(parse_error<TrackFragmentHeaderBox>(with_version(TrackFragmentHeaderBox{}, 1)), Errc::unsupported, {"tfhd"});
  expect_error(parse_error<MovieExtendsHeaderBox>(with_version(MovieExtendsHeaderBox{}, 2)), Errc::unsupported, {"mehd"});
  expect_error(parse_error<EsdsBox>(with_version(EsdsBox{}, 1)), Errc::unsupported, {"esds"});
}

TEST(BoxErrors, UnknownSoundDescriptionVersion) {
  AudioSampleEntry entry;
  entry.type = fourcc("ulaw");
  auto bytes = serialize_box(entry);
  bytes[8 + 8 + 1] = 3;  // version after reserved(6) + data_reference_index
  expect_error(parse_error<AudioSampleEntry>(bytes), Errc::unsupported, {"ulaw", "sound sample entry version 3"});
  // Under stsd version 1 (ISO), version 2 is not a QuickTime layout but unknown.
  SampleDescriptionBox stsd;
  stsd.version = 1;
  stsd.audio.push_back(entry);
  bytes = serialize_box(stsd);
  bytes[16 + 8 + 8 + 1] = 2;
  expect_error(parse_error<SampleDescriptionBox>(bytes), Errc::unsupported, {"stsd/ulaw", "version 2 (known up to 1)"});
}

TEST(BoxErrors, MissingRequiredChildren) {
  auto without = [](std::vector<uint8_t> bytes, size_t at) {
    // Renames the child so it is no longer recognised (it stays as an unknown box).
    bytes[at + 4] = 'x';
    return bytes;
  };
  auto moov = serialize_box(movie_with_two_tracks());
  expect_error(parse_error<MovieBox>(without(moov, find_box(moov, {"trak", "mdia", "minf", "stbl", "stsd"}))),
               Errc::malformed, {"moov/trak[0]/mdia/minf/stbl: missing required box 'stsd'"});
  expect_error(parse_error<MovieBox>(without(moov, find_box(moov, {"trak", "mdia", "minf", "stbl", "stts"}))),
               Errc::malformed, {"moov/trak[0]/mdia/minf/stbl: missing required box 'stts'"});
  expect_error(parse_error<MovieBox>(without(moov, find_box(moov, {"trak", "mdia", "minf", "stbl", "stsc"}))),
               Errc::malformed, {"moov/trak[0]/mdia/minf/stbl: missing required box 'stsc'"});
  expect_error(parse_error<MovieBox>(without(moov, find_box(moov, {"trak", "mdia", "minf", "dinf"}))), Errc::malformed,
               {"moov/trak[0]/mdia/minf: missing required box 'dinf'"});
  expect_error(parse_error<MovieBox>(without(moov, find_box(moov, {"trak", "mdia", "hdlr"}))), Errc::malformed,
               {"moov/trak[0]/mdia: missing required box 'hdlr'"});
  expect_error(parse_error<MovieBox>(without(moov, find_box(moov, {"trak", "tkhd"}))), Errc::malformed,
               {"moov/trak[0]: missing required box 'tkhd'"});
  expect_error(parse_error<MovieBox>(without(moov, find_box(moov, {"mvhd"}))), Errc::malformed,
               {"moov: missing required box 'mvhd'"});
  auto moof = serialize_box(make_sample<MovieFragmentBox>());
  expect_error(parse_error<MovieFragmentBox>(without(moof, find_box(moof, {"traf", "tfhd"}))), Errc::malformed,
               {"moof/traf[0]: missing required box 'tfhd'"});
  expect_error(parse_error<MovieFragmentBox>(without(moof, find_box(moof, {"mfhd"}))), Errc::malformed,
               {"moof: missing required box 'mfhd'"});
  auto mfra = serialize_box(make_sample<MovieFragmentRandomAccessBox>());
  expect_error(parse_error<MovieFragmentRandomAccessBox>(without(mfra, find_box(mfra, {"mfro"}))), Errc::malformed,
               {"mfra: missing required box 'mfro'"});
}

TEST(BoxErrors, Stz2FieldSizeMustBe4Or8Or16) {
  auto bytes = serialize_box(CompactSampleSizeBox{0, 0, 8, {1, 2}});
  bytes[15] = 5;
  expect_error(parse_error<CompactSampleSizeBox>(bytes), Errc::malformed, {"stz2", "field_size 5 is not 4, 8 or 16"});
}

TEST(BoxErrors, EntryCountsMustMatchTheEntries) {
  auto stsd = serialize_box(make_sample<SampleDescriptionBox>());
  put_u32(stsd, 12, 4);
  expect_error(parse_error<SampleDescriptionBox>(stsd), Errc::malformed, {"stsd", "entry_count 4 but 3 sample entries"});
  auto dref = serialize_box(DataReferenceBox{});
  put_u32(dref, 12, 0);
  expect_error(parse_error<DataReferenceBox>(dref), Errc::malformed, {"dref", "entry_count 0 but 1 entries"});
}

TEST(BoxErrors, ErrorsCarryTheFileOffset) {
  auto bytes = serialize_box(movie_with_two_tracks());
  size_t stsz = find_box(bytes, {"trak", "mdia", "minf", "stbl", "stsz"});
  put_u32(bytes, stsz + 16, 0x7fffffff);
  auto r = parse_box<MovieBox>(bytes, 5000);
  ASSERT_FALSE(r.has_value());
  // The count is checked right after it is read: 20 bytes into stsz.
  EXPECT_NE(r.error().message().find("(at byte " + std::to_string(5000 + stsz + 20) + ")"), std::string::npos)
      << r.error().message();
}

TEST(BoxErrors, DuplicateRequiredChildIsKeptRaw) {
  // A second mvhd is not interpreted, and not lost.
  MovieBox moov;
  moov.unknown.push_back(RawBox{fourcc("mvhd"), serialize_box(MovieHeaderBox{})});
  moov.unknown.back().payload.erase(moov.unknown.back().payload.begin(), moov.unknown.back().payload.begin() + 8);
  auto bytes = serialize_box(moov);
  auto back = parse_box<MovieBox>(bytes);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  ASSERT_EQ(back->unknown.size(), 1u);
  EXPECT_EQ(back->unknown[0].type, fourcc("mvhd"));
  EXPECT_EQ(serialize_box(*back), bytes);
}

}  // namespace
}  // namespace camrec::box
