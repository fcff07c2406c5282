// SPDX-License-Identifier: LGPL-2.1-or-later
// The close reads every moof of the recording back with a parser of its own, which reads the
// fields in place instead of building box structs. It must see what the full box parser
// sees in every moof the muxer can write (and the other shapes 14496-12 allows), reject a
// moof that does not hold together, and find every moof between the mdats however large
// each one is.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "box/archive.h"
#include "box/fragment_boxes.h"
#include "io/byte_writer.h"
#include "io/sink.h"
#include "mux/fragment_reader.h"

namespace camrec {
namespace {

using box::TrackFragmentHeaderBox;
using box::TrackRunBox;
using mux::FragmentView;
using mux::RunView;

/// Every field the parser reads, checked against the full parser's struct.
void expect_same(const box::MovieFragmentBox& want, const FragmentView& got) {
  ASSERT_EQ(got.trafs.size(), want.trafs.size());
  for (size_t t = 0; t < want.trafs.size(); ++t) {
    SCOPED_TRACE("traf " + std::to_string(t));
    const auto& w = want.trafs[t];
    const auto& g = got.trafs[t];
    // Fields the flags leave out are 0 on both sides.
    EXPECT_EQ(g.tfhd_flags, w.tfhd.flags);
    EXPECT_EQ(g.track_ID, w.tfhd.track_ID);
    EXPECT_EQ(g.base_data_offset, w.tfhd.base_data_offset);
    EXPECT_EQ(g.sample_description_index, w.tfhd.sample_description_index);
    EXPECT_EQ(g.default_sample_duration, w.tfhd.default_sample_duration);
    EXPECT_EQ(g.default_sample_size, w.tfhd.default_sample_size);
    EXPECT_EQ(g.default_sample_flags, w.tfhd.default_sample_flags);
    EXPECT_EQ(g.has_tfdt, w.tfdt.has_value());
    EXPECT_EQ(g.base_media_decode_time, w.tfdt ? w.tfdt->base_media_decode_time : 0);
    const auto runs = got.runs_of(g);
    ASSERT_EQ(runs.size(), w.truns.size());
    for (size_t r = 0; r < runs.size(); ++r) {
      SCOPED_TRACE("trun " + std::to_string(r));
      const RunView& run = runs[r];
      const TrackRunBox& trun = w.truns[r];
      EXPECT_EQ(run.version, trun.version);
      EXPECT_EQ(run.flags, trun.flags);
      EXPECT_EQ(run.data_offset, trun.data_offset);
      EXPECT_EQ(run.first_sample_flags, trun.first_sample_flags);
      ASSERT_EQ(run.sample_count, trun.entries.size());
      EXPECT_EQ(run.duration_at >= 0, (trun.flags & TrackRunBox::kSampleDurationPresent) != 0);
      EXPECT_EQ(run.size_at >= 0, (trun.flags & TrackRunBox::kSampleSizePresent) != 0);
      EXPECT_EQ(run.flags_at >= 0, (trun.flags & TrackRunBox::kSampleFlagsPresent) != 0);
      EXPECT_EQ(run.composition_offset_at >= 0, (trun.flags & TrackRunBox::kSampleCompositionTimeOffsetPresent) != 0);
      for (uint32_t i = 0; i < run.sample_count; ++i) {
        const uint8_t* e = run.entry(i);
        const auto& we = trun.entries[i];
        // A field the flags leave out reads as 0, as the full parser leaves it.
        auto field = [&](int at) { return at >= 0 ? mux::load_be32(e + at) : 0u; };
        EXPECT_EQ(field(run.duration_at), we.sample_duration) << i;
        EXPECT_EQ(field(run.size_at), we.sample_size) << i;
        EXPECT_EQ(field(run.flags_at), we.sample_flags) << i;
        EXPECT_EQ(static_cast<int32_t>(field(run.composition_offset_at)), we.sample_composition_time_offset) << i;
      }
    }
  }
}

TrackRunBox make_trun(uint32_t flags, uint8_t version, size_t n, int32_t first_offset) {
  TrackRunBox trun;
  trun.version = version;
  trun.flags = flags;
  trun.data_offset = first_offset;
  trun.first_sample_flags = box::sample_flags::kKey;
  for (size_t i = 0; i < n; ++i) {
    TrackRunBox::Entry e;
    e.sample_duration = 3000 + static_cast<uint32_t>(i % 3);
    e.sample_size = 1000 + static_cast<uint32_t>(i * 7);
    e.sample_flags = i % 5 == 0 ? box::sample_flags::kKey : box::sample_flags::kDelta;
    e.sample_composition_time_offset = version == 1 ? static_cast<int32_t>(i % 4) * 1500 - 3000 : static_cast<int32_t>(i % 4) * 1500;
    trun.entries.push_back(e);
  }
  return trun;
}

/// The shapes a moof can take: what the muxer writes (video with first-sample flags, G.711
/// with durations and sizes only, negative offsets in version 1), and what others write
/// (every tfhd field, a 64-bit tfdt, two runs in a traf, runs with no per-sample fields,
/// boxes the index does not use).
std::vector<box::MovieFragmentBox> moof_shapes() {
  std::vector<box::MovieFragmentBox> shapes;
  {
    box::MovieFragmentBox moof;
    moof.mfhd.sequence_number = 7;
    box::TrackFragmentBox video;
    video.tfhd.flags = TrackFragmentHeaderBox::kDefaultBaseIsMoof;
    video.tfhd.track_ID = 1;
    video.tfdt = box::TrackFragmentDecodeTimeBox{0, 0, 90'000};
    video.truns.push_back(make_trun(TrackRunBox::kDataOffsetPresent | TrackRunBox::kFirstSampleFlagsPresent |
                                        TrackRunBox::kSampleDurationPresent | TrackRunBox::kSampleSizePresent |
                                        TrackRunBox::kSampleCompositionTimeOffsetPresent,
                                    0, 30, 812));
    box::TrackFragmentBox audio;
    audio.tfhd.flags = TrackFragmentHeaderBox::kDefaultBaseIsMoof | TrackFragmentHeaderBox::kSampleDescriptionIndexPresent;
    audio.tfhd.track_ID = 2;
    audio.tfhd.sample_description_index = 2;
    audio.tfdt = box::TrackFragmentDecodeTimeBox{1, 0, uint64_t{5} << 33};
    audio.truns.push_back(make_trun(TrackRunBox::kDataOffsetPresent | TrackRunBox::kSampleDurationPresent |
                                        TrackRunBox::kSampleSizePresent,
                                    0, 50, 40'000));
    audio.unknown.push_back({box::fourcc("senc"), std::vector<uint8_t>(20, 0xAB)});
    moof.trafs = {video, audio};
    moof.unknown.push_back({box::fourcc("pssh"), std::vector<uint8_t>(12, 1)});
    shapes.push_back(moof);
  }
  {
    box::MovieFragmentBox moof;
    box::TrackFragmentBox traf;
    traf.tfhd.flags = TrackFragmentHeaderBox::kBaseDataOffsetPresent | TrackFragmentHeaderBox::kSampleDescriptionIndexPresent |
                      TrackFragmentHeaderBox::kDefaultSampleDurationPresent |
                      TrackFragmentHeaderBox::kDefaultSampleSizePresent | TrackFragmentHeaderBox::kDefaultSampleFlagsPresent;
    traf.tfhd.track_ID = 3;
    traf.tfhd.base_data_offset = uint64_t{6} << 32;
    traf.tfhd.sample_description_index = 1;
    traf.tfhd.default_sample_duration = 1024;
    traf.tfhd.default_sample_size = 371;
    traf.tfhd.default_sample_flags = box::sample_flags::kDelta;
    traf.truns.push_back(make_trun(TrackRunBox::kDataOffsetPresent, 0, 12, 0));
    traf.truns.push_back(make_trun(TrackRunBox::kSampleFlagsPresent | TrackRunBox::kSampleCompositionTimeOffsetPresent |
                                       TrackRunBox::kSampleDurationPresent | TrackRunBox::kSampleSizePresent,
                                   1, 9, 0));
    traf.truns.push_back(make_trun(TrackRunBox::kDataOffsetPresent, 0, 0, -16));
    moof.trafs = {traf};
    shapes.push_back(moof);
  }
  {
    box::MovieFragmentBox moof;  // a traf with a tfhd only, and one with no runs but a tfdt
    box::TrackFragmentBox a;
    a.tfhd.track_ID = 1;
    box::TrackFragmentBox b;
    b.tfhd.track_ID = 2;
    b.tfdt = box::TrackFragmentDecodeTimeBox{0, 0, 17};
    moof.trafs = {a, b};
    shapes.push_back(moof);
  }
  return shapes;
}

TEST(FragmentReader, SeesWhatTheFullParserSees) {
  FragmentView view;  // reused across moofs, as the close does
  uint64_t offset = 48;
  for (const auto& moof : moof_shapes()) {
    const auto bytes = box::serialize_box(moof);
    auto full = box::parse_box<box::MovieFragmentBox>(bytes, offset);
    ASSERT_TRUE(full.has_value()) << full.error().to_string();
    ASSERT_TRUE(mux::parse_fragment(bytes, offset, view).is_ok());
    EXPECT_EQ(view.offset, offset);
    expect_same(*full, view);
    offset += bytes.size();
  }
}

/// The bytes of `moof` with the 32-bit word at `at` replaced.
std::vector<uint8_t> with_word(std::vector<uint8_t> bytes, size_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes.at(at + i) = static_cast<uint8_t>(value >> (24 - 8 * i));
  return bytes;
}

size_t find(const std::vector<uint8_t>& bytes, const char* type) {
  const std::string t = type;
  auto it = std::search(bytes.begin(), bytes.end(), t.begin(), t.end());
  EXPECT_NE(it, bytes.end()) << type;
  return static_cast<size_t>(it - bytes.begin());
}

void expect_rejected(const std::vector<uint8_t>& bytes, Errc code, const std::string& words) {
  FragmentView view;
  Status s = mux::parse_fragment(bytes, 1234, view);
  ASSERT_FALSE(s.is_ok()) << words;
  EXPECT_EQ(s.code(), code) << s.to_string();
  EXPECT_NE(s.message().find("moof at byte 1234"), std::string::npos) << s.to_string();
  EXPECT_NE(s.message().find(words), std::string::npos) << s.to_string();
  // The full parser refuses it too: the close fails where it failed before.
  EXPECT_FALSE(box::parse_box<box::MovieFragmentBox>(bytes, 1234).has_value()) << words;
}

TEST(FragmentReader, RejectsAMoofThatDoesNotHoldTogether) {
  const auto good = box::serialize_box(moof_shapes()[0]);
  const size_t trun = find(good, "trun") - 4;
  const size_t tfhd = find(good, "tfhd") - 4;
  const size_t tfdt = find(good, "tfdt") - 4;
  const size_t traf = find(good, "traf") - 4;
  // More samples than the trun holds entries for.
  expect_rejected(with_word(good, trun + 12, 31), Errc::malformed, "cannot hold its 31 samples");
  // A trun too short for its sample count, a tfhd too short for its track_ID, a tfdt
  // cut inside its time: each box's size shrunk, the bytes after it becoming a box header.
  expect_rejected(with_word(good, trun, 12), Errc::malformed, "trun of 12 bytes is cut off");
  expect_rejected(with_word(good, tfhd, 12), Errc::malformed, "tfhd of 12 bytes is cut off");
  expect_rejected(with_word(good, tfdt, 14), Errc::malformed, "");
  // Versions 14496-12 does not define.
  expect_rejected(with_word(good, tfhd + 8, 0x01020000), Errc::unsupported, "tfhd version 1");
  expect_rejected(with_word(good, tfdt + 8, 0x02000000), Errc::unsupported, "tfdt version 2");
  expect_rejected(with_word(good, trun + 8, 0x02000f05), Errc::unsupported, "trun version 2");
  // A child larger than its parent, a traf whose tfhd is renamed away.
  expect_rejected(with_word(good, traf, static_cast<uint32_t>(good.size())), Errc::malformed, "bytes in");
  expect_rejected(with_word(good, tfhd + 4, box::fourcc("free")), Errc::malformed, "a traf without tfhd");
  // Cut inside a header.
  expect_rejected(std::vector<uint8_t>(good.begin(), good.begin() + 4), Errc::malformed, "cut off");
}

/// A memory file that counts the reads made of it.
class CountingSink final : public io::Sink {
 public:
  Status append(std::span<const std::span<const uint8_t>> buffers) override { return inner.append(buffers); }
  using Sink::append;
  Status write_at(uint64_t offset, std::span<const uint8_t> data) override { return inner.write_at(offset, data); }
  Status read_at(uint64_t offset, std::span<uint8_t> out) override {
    ++reads;
    return inner.read_at(offset, out);
  }
  bool can_read_back() const override { return true; }
  Status truncate(uint64_t length) override { return inner.truncate(length); }
  Status sync() override { return Status::ok(); }
  uint64_t size() const override { return inner.size(); }
  Status close() override { return Status::ok(); }

  io::MemorySink inner;
  size_t reads = 0;
};

void append_box(io::Sink& sink, box::FourCC type, uint64_t payload, bool large = false) {
  io::ByteWriter w;
  if (large) {
    w.u32(1);
    w.u32(type);
    w.u64(payload + 16);
  } else {
    w.u32(static_cast<uint32_t>(payload + 8));
    w.u32(type);
  }
  std::vector<uint8_t> bytes(w.span().begin(), w.span().end());
  bytes.resize(bytes.size() + payload, 0x5A);
  ASSERT_TRUE(sink.append(bytes).is_ok());
}

TEST(FragmentReader, FindsEveryMoofBetweenMdatsOfAnySize) {
  // Fragments with media of 0 bytes to 1 MB, a moof larger than a read (200 samples of
  // four fields), an mdat with a 64-bit size, free boxes between: every moof comes back
  // in order, whole, and the media is not read (a read per fragment, plus one where a moof
  // outgrows the last).
  CountingSink sink;
  append_box(sink, box::fourcc("ftyp"), 16);
  const uint64_t begin = sink.size();
  std::vector<uint64_t> offsets;
  std::vector<uint32_t> sample_counts;
  const uint64_t mdats[] = {0, 10, 5000, 1 << 20, 70'000, 3, 100'000, 0};
  for (size_t f = 0; f < std::size(mdats); ++f) {
    box::MovieFragmentBox moof;
    box::TrackFragmentBox traf;
    traf.tfhd.track_ID = 1;
    const size_t n = f == 4 ? 200 : 3 + f;
    traf.truns.push_back(make_trun(TrackRunBox::kDataOffsetPresent | 0xf00, 1, n, 100));
    moof.trafs.push_back(traf);
    offsets.push_back(sink.size());
    sample_counts.push_back(static_cast<uint32_t>(n));
    ASSERT_TRUE(sink.append(box::serialize_box(moof)).is_ok());
    append_box(sink, box::fourcc("mdat"), mdats[f], f == 3);
    if (f == 2) append_box(sink, box::fourcc("free"), 100);
  }
  const uint64_t end = sink.size();
  append_box(sink, box::fourcc("moov"), 40);  // past `end`: not read
  sink.reads = 0;
  std::vector<uint64_t> seen;
  Status s = mux::walk_fragments(sink, begin, end, [&](const FragmentView& v) {
    EXPECT_EQ(v.trafs.size(), 1u);
    EXPECT_EQ(v.runs.at(0).sample_count, sample_counts.at(seen.size()));
    seen.push_back(v.offset);
    return Status::ok();
  });
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_EQ(seen, offsets);
  EXPECT_LE(sink.reads, std::size(mdats) + 2) << "one read per fragment, not one per box";

  // The callback's error stops the walk and is returned as it is.
  seen.clear();
  s = mux::walk_fragments(sink, begin, end, [&](const FragmentView& v) {
    seen.push_back(v.offset);
    return seen.size() == 2 ? make_error(Errc::internal, "stop (test)") : Status::ok();
  });
  EXPECT_EQ(s.code(), Errc::internal);
  EXPECT_EQ(seen.size(), 2u);
}

TEST(FragmentReader, FragmentsThatDoNotTileTheRangeAreAnError) {
  CountingSink sink;
  box::MovieFragmentBox moof;
  moof.trafs.emplace_back();
  ASSERT_TRUE(sink.append(box::serialize_box(moof)).is_ok());
  append_box(sink, box::fourcc("mdat"), 100);
  auto walk = [&](uint64_t end) {
    return mux::walk_fragments(sink, 0, end, [](const FragmentView&) { return Status::ok(); });
  };
  ASSERT_TRUE(walk(sink.size()).is_ok());
  // The range ends inside the mdat, inside its header, four bytes into the next box.
  Status s = walk(sink.size() - 1);
  EXPECT_EQ(s.code(), Errc::malformed);
  EXPECT_NE(s.message().find("does not fit the fragments"), std::string::npos) << s.to_string();
  append_box(sink, box::fourcc("free"), 0);
  s = walk(sink.size() - 4);
  EXPECT_EQ(s.code(), Errc::malformed);
  EXPECT_NE(s.message().find("inside a box header"), std::string::npos) << s.to_string();
  // A box that claims fewer bytes than its header.
  const uint8_t zero[4] = {0, 0, 0, 0};
  ASSERT_TRUE(sink.write_at(sink.size() - 8, zero).is_ok());
  s = walk(sink.size());
  EXPECT_EQ(s.code(), Errc::malformed);
  EXPECT_NE(s.message().find("box of 0 bytes"), std::string::npos) << s.to_string();
  // A moof past the limit of what the close reads back.
  CountingSink big;
  io::ByteWriter w;
  w.u32(1);
  w.u32(box::fourcc("moof"));
  w.u64(uint64_t{65} << 20);
  ASSERT_TRUE(big.append(w.span()).is_ok());
  ASSERT_TRUE(big.append(std::vector<uint8_t>((65 << 20) - 16)).is_ok());
  s = mux::walk_fragments(big, 0, big.size(), [](const FragmentView&) { return Status::ok(); });
  EXPECT_EQ(s.code(), Errc::limit_exceeded) << s.to_string();
}

}  // namespace
}  // namespace camrec
