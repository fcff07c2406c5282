// SPDX-License-Identifier: LGPL-2.1-or-later
// The remux's internal path (a mapped elementary stream, split and parsed once by the
// reader, written by the muxer from the mapping) against the public one (the same stream
// read in chunks, each access unit handed over as Annex B and parsed by the muxer): the
// files must be the same bytes, in every layout and through every kind of stream.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "camrec/muxer.h"
#include "codec/au_splitter.h"
#include "io/sink.h"
#include "mux/elementary_stream.h"
#include "mux/parsed_write.h"
#include "mux/sample_data.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

struct Stream {
  std::string name;
  bool hevc = false;
  std::string size = "320x240";
  int frames = 60;
  std::string args;
};

const std::vector<Stream>& streams() {
  static const std::vector<Stream> s = {
      {"baseline", false, "320x240", 60, "-c:v libx264 -profile:v baseline -g 30"},
      {"bframes", false, "320x240", 90, "-c:v libx264 -profile:v high -bf 3 -g 30"},
      {"hevc_open_gop", true, "320x240", 90, "-c:v libx265 -x265-params keyint=30:log-level=error"},
  };
  return s;
}

testing::TempDir& dir() {
  static testing::TempDir d;
  return d;
}

/// The stream `s` made once; for "joined", two streams of different sizes one after the
/// other (clips joined: new parameter sets at the second one's first key frame).
std::string stream_path(const std::string& name) {
  if (name == "joined") {
    const std::string path = dir().file("joined.h264");
    if (!std::filesystem::exists(path)) {
      const std::string a = dir().file("joined_a.h264"), b = dir().file("joined_b.h264");
      EXPECT_TRUE(testing::make_stream(a, "320x240", 45, 30, "-c:v libx264 -profile:v baseline -g 30"));
      EXPECT_TRUE(testing::make_stream(b, "176x144", 45, 30, "-c:v libx264 -profile:v main -g 15"));
      auto bytes = testing::read_file(a);
      auto more = testing::read_file(b);
      bytes.insert(bytes.end(), more.begin(), more.end());
      EXPECT_TRUE(testing::write_file(path, bytes));
    }
    return path;
  }
  for (const auto& s : streams()) {
    if (s.name != name) continue;
    const std::string path = dir().file(s.name + (s.hevc ? ".h265" : ".h264"));
    if (!std::filesystem::exists(path)) EXPECT_TRUE(testing::make_stream(path, s.size, s.frames, 30, s.args));
    return path;
  }
  ADD_FAILURE() << name;
  return "";
}

bool is_hevc(const std::string& name) { return name == "hevc_open_gop"; }

/// Remuxes `path` into `out` the way `camrec remux` does; `map` picks the path. Returns the
/// frames written, or -1 after a failure (reported).
int remux(const std::string& path, bool hevc, const std::string& out, Layout layout, bool map) {
  mux::EsTiming timing;
  timing.fps_num = 30;
  timing.fps_den = 1;
  auto reader = mux::ElementaryStreamReader::open(path, hevc ? codec::VideoCodec::h265 : codec::VideoCodec::h264,
                                                  timing, map);
  EXPECT_TRUE(reader.has_value()) << reader.error().to_string();
  if (!reader) return -1;
  MuxerOptions options;
  options.layout = layout;
  options.zero_origin = true;
  options.creation_time_us = kTimeUnknown;
  options.modification_time_us = kTimeUnknown;
  auto muxer = Muxer::create_file(out, options);
  EXPECT_TRUE(muxer.has_value()) << muxer.error().to_string();
  if (!muxer) return -1;
  VideoTrackConfig vt;
  vt.codec = hevc ? Codec::h265 : Codec::h264;
  auto track = (*muxer)->add_video_track(vt);
  EXPECT_TRUE(track.has_value());
  int frames = 0;
  mux::EsFrame f;
  while (true) {
    auto more = (*reader)->next(f);
    EXPECT_TRUE(more.has_value()) << more.error().to_string();
    if (!more) return -1;
    if (!*more) break;
    // The mapped reader hands out the NAL units; the chunked one never does.
    EXPECT_EQ(f.nals.empty(), !map);
    EXPECT_EQ(f.sets != nullptr, map);
    Packet p{f.data, f.pts, f.dts, f.timescale, f.duration};
    Status s = map ? MuxerInternals::write_parsed(**muxer, *track, p, {f.nals, f.key, f.sets.get()})
                   : (*muxer)->write(*track, p);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    if (!s.is_ok()) return -1;
    ++frames;
  }
  Status closed = (*muxer)->close();
  EXPECT_TRUE(closed.is_ok()) << closed.to_string();
  return closed.is_ok() ? frames : -1;
}

struct Case {
  std::string stream;
  Layout layout;
};

class ParsedWriteTest : public ::testing::TestWithParam<Case> {};

TEST_P(ParsedWriteTest, MappedAndParsedOnceWritesTheSameFileAsThePublicPath) {
  const Case& c = GetParam();
  const std::string in = stream_path(c.stream);
  testing::TempDir out;
  const int chunked = remux(in, is_hevc(c.stream), out.file("chunked.mp4"), c.layout, false);
  const int mapped = remux(in, is_hevc(c.stream), out.file("mapped.mp4"), c.layout, true);
  ASSERT_GT(chunked, 0);
  EXPECT_EQ(mapped, chunked);
  auto a = testing::read_file(out.file("chunked.mp4"));
  auto b = testing::read_file(out.file("mapped.mp4"));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.size(), b.size());
  EXPECT_TRUE(a == b) << "the files differ";
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.stream + (info.param.layout == Layout::regular ? "_regular" : "_fmp4");
}

INSTANTIATE_TEST_SUITE_P(Streams, ParsedWriteTest,
                         ::testing::Values(Case{"baseline", Layout::regular}, Case{"baseline", Layout::fragmented},
                                           Case{"bframes", Layout::regular}, Case{"bframes", Layout::fragmented},
                                           Case{"hevc_open_gop", Layout::regular},
                                           Case{"hevc_open_gop", Layout::fragmented},
                                           Case{"joined", Layout::regular}, Case{"joined", Layout::fragmented}),
                         case_name);

std::vector<uint8_t> joined(const mux::SampleData& d, uint64_t n) {
  std::vector<std::span<const uint8_t>> spans;
  d.front(n, spans);
  std::vector<uint8_t> out;
  for (auto s : spans) out.insert(out.end(), s.begin(), s.end());
  return out;
}

TEST(SampleData, KeepsOwnedAndExternalBytesInOrderThroughRewindAndDrop) {
  const std::vector<uint8_t> ext = {10, 11, 12, 13, 14, 15};
  mux::SampleData d;
  d.append_owned(std::vector<uint8_t>{1, 2});
  d.append_external({ext.data(), 3});
  d.owned().push_back(3);
  d.commit_owned(1);
  EXPECT_EQ(d.size(), 6u);
  EXPECT_EQ(joined(d, 6), (std::vector<uint8_t>{1, 2, 10, 11, 12, 3}));
  // A refused sample is taken back, also when its owned bytes joined the last piece.
  auto mark = d.mark();
  d.append_owned(std::vector<uint8_t>{4, 5});
  d.append_external({ext.data() + 3, 3});
  EXPECT_EQ(d.size(), 11u);
  d.rewind(mark);
  EXPECT_EQ(d.size(), 6u);
  EXPECT_EQ(joined(d, 6), (std::vector<uint8_t>{1, 2, 10, 11, 12, 3}));
  d.append_owned(std::vector<uint8_t>{4});
  d.append_external({ext.data() + 3, 3});
  EXPECT_EQ(joined(d, 10), (std::vector<uint8_t>{1, 2, 10, 11, 12, 3, 4, 13, 14, 15}));
  // A fragment written up to the middle of a piece: the rest stays, owned or not.
  EXPECT_EQ(joined(d, 3), (std::vector<uint8_t>{1, 2, 10}));
  d.drop_front(3);
  EXPECT_EQ(d.size(), 7u);
  EXPECT_EQ(joined(d, 7), (std::vector<uint8_t>{11, 12, 3, 4, 13, 14, 15}));
  d.drop_front(3);
  EXPECT_EQ(joined(d, 4), (std::vector<uint8_t>{4, 13, 14, 15}));
  d.drop_front(4);
  EXPECT_EQ(d.size(), 0u);
  EXPECT_TRUE(d.owned().empty());
  d.append_owned(std::vector<uint8_t>{7});
  EXPECT_EQ(joined(d, 1), (std::vector<uint8_t>{7}));
  d.clear();
  EXPECT_EQ(d.size(), 0u);
}

TEST(AccessUnitSplitterAttach, GivesTheAccessUnitsOfChunkedInput) {
  const auto bytes = testing::read_file(stream_path("bframes"));
  ASSERT_FALSE(bytes.empty());
  auto collect = [](codec::AccessUnitSplitter& s, std::vector<std::vector<uint8_t>>& out) {
    while (true) {
      auto au = s.next();
      EXPECT_TRUE(au.has_value());
      if (!au || !*au) return;
      out.emplace_back((*au)->bytes.begin(), (*au)->bytes.end());
    }
  };
  std::vector<std::vector<uint8_t>> chunked, attached;
  codec::AccessUnitSplitter a(codec::VideoCodec::h264);
  for (size_t pos = 0; pos < bytes.size(); pos += 1000) {
    a.feed({bytes.data() + pos, std::min<size_t>(1000, bytes.size() - pos)});
    collect(a, chunked);
  }
  a.finish();
  collect(a, chunked);
  codec::AccessUnitSplitter b(codec::VideoCodec::h264);
  b.attach(bytes);
  // Once attached, the splitter takes no more input.
  b.feed(bytes);
  EXPECT_TRUE(b.prepare(16).empty());
  collect(b, attached);
  EXPECT_TRUE(b.done());
  EXPECT_EQ(chunked.size(), 90u);
  EXPECT_TRUE(attached == chunked);
}

TEST(ElementaryStreamReaderMapped, RefusesAnAccessUnitPastTheLimit) {
  // 65 MiB of one NAL unit: read in chunks the splitter stops at 64 MiB; mapped, the reader
  // must refuse it the same way rather than hand the muxer an access unit it cannot take.
  testing::TempDir d;
  const std::string path = d.file("huge.h264");
  std::vector<uint8_t> bytes(size_t{65} << 20, 0x55);
  const uint8_t idr[] = {0, 0, 0, 1, 0x65, 0x88};
  std::memcpy(bytes.data(), idr, sizeof idr);
  ASSERT_TRUE(testing::write_file(path, bytes));
  for (bool map : {false, true}) {
    auto reader = mux::ElementaryStreamReader::open(path, codec::VideoCodec::h264, {}, map);
    ASSERT_TRUE(reader.has_value());
    mux::EsFrame f;
    auto next = (*reader)->next(f);
    ASSERT_FALSE(next.has_value()) << "map " << map;
    EXPECT_EQ(next.error().code(), Errc::limit_exceeded) << next.error().to_string();
  }
}

TEST(WriteParsed, RefusesWhatThePublicPathRefuses) {
  auto frames_of = [](const std::string& path) {
    std::vector<mux::EsFrame> out;
    auto reader = mux::ElementaryStreamReader::open(path, codec::VideoCodec::h264, {}, true);
    EXPECT_TRUE(reader.has_value());
    mux::EsFrame f;
    while (*(*reader)->next(f)) out.push_back(f);
    return std::make_pair(std::move(*reader), out);
  };
  auto [reader, frames] = frames_of(stream_path("baseline"));
  ASSERT_GE(frames.size(), 2u);
  ASSERT_FALSE(frames[1].key);
  io::MemorySink* sink = nullptr;
  auto make = [&sink] {
    auto s = std::make_unique<io::MemorySink>();
    sink = s.get();
    MuxerOptions options;
    options.creation_time_us = kTimeUnknown;  // the two files are compared byte for byte
    options.modification_time_us = kTimeUnknown;
    auto m = Muxer::create(std::move(s), options);
    EXPECT_TRUE(m.has_value());
    EXPECT_TRUE((*m)->add_video_track({}).has_value());
    return std::move(*m);
  };
  auto packet = [](const mux::EsFrame& f) { return Packet{f.data, f.pts, f.dts, f.timescale, f.duration}; };

  // No parameter sets given: refused, nothing written.
  auto m = make();
  Status s = MuxerInternals::write_parsed(*m, 0, packet(frames[0]), {frames[0].nals, true, nullptr});
  EXPECT_EQ(s.code(), Errc::invalid_argument) << s.to_string();
  // A first frame that is not a key frame: refused as write() refuses it.
  s = MuxerInternals::write_parsed(*m, 0, packet(frames[1]), {frames[1].nals, false, frames[1].sets.get()});
  EXPECT_EQ(s.code(), Errc::invalid_argument) << s.to_string();
  EXPECT_NE(s.message().find("not a key frame"), std::string::npos) << s.to_string();
  // A key frame whose parameter sets are not known: malformed.
  codec::VideoParameterSets none;
  none.codec = codec::VideoCodec::h264;
  s = MuxerInternals::write_parsed(*m, 0, packet(frames[0]), {frames[0].nals, true, &none});
  EXPECT_EQ(s.code(), Errc::malformed) << s.to_string();
  // No NAL unit: malformed.
  s = MuxerInternals::write_parsed(*m, 0, packet(frames[0]), {{}, true, frames[0].sets.get()});
  EXPECT_EQ(s.code(), Errc::malformed) << s.to_string();
  // An audio track has no parsed path.
  auto audio_sink = std::make_unique<io::MemorySink>();
  auto am = Muxer::create(std::move(audio_sink));
  ASSERT_TRUE(am.has_value());
  ASSERT_TRUE((*am)->add_audio_track({}).has_value());
  s = MuxerInternals::write_parsed(**am, 0, packet(frames[0]), {frames[0].nals, true, frames[0].sets.get()});
  EXPECT_EQ(s.code(), Errc::invalid_argument) << s.to_string();

  // After the refusals the same muxer still takes the stream, and writes what the public
  // path writes.
  for (const auto& f : frames) {
    Status w = MuxerInternals::write_parsed(*m, 0, packet(f), {f.nals, f.key, f.sets.get()});
    ASSERT_TRUE(w.is_ok()) << w.to_string();
  }
  ASSERT_TRUE(m->close().is_ok());
  const auto parsed_bytes = sink->data();
  auto p = make();
  for (const auto& f : frames) ASSERT_TRUE(p->write(0, packet(f)).is_ok());
  ASSERT_TRUE(p->close().is_ok());
  EXPECT_TRUE(sink->data() == parsed_bytes);
}

}  // namespace
}  // namespace camrec
