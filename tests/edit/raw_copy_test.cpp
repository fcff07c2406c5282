// SPDX-License-Identifier: LGPL-2.1-or-later
// The remux of an MP4 input through the raw path (the input mapped, each video sample split
// by its NAL lengths, parsed once and written from the mapping) against the Annex B path
// (each sample read, rewritten as Annex B, scanned and parsed by the muxer's public write):
// the files must be the same bytes, for camrec's own files in both layouts, ffmpeg's with
// B-frames, AAC and an edit list, H.265 starting at a CRA with RASL pictures, and a track
// with two sample descriptions; and what the raw path cannot take goes the old way.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "camrec/segments.h"
#include "edit/copy.h"
#include "io/source.h"
#include "mux/elementary_stream.h"
#include "testing/conformance.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

testing::TempDir& dir() {
  static testing::TempDir d;
  return d;
}

/// An MP4 written by camrec's muxer from the Annex B stream(s) `streams` (joined one after
/// the other: new parameter sets at the second one's first key frame).
std::string camrec_made(const std::string& name, const std::vector<std::string>& streams, bool hevc, Layout layout) {
  const std::string es = dir().file(name + (hevc ? ".h265" : ".h264"));
  std::vector<uint8_t> joined;
  for (const auto& s : streams) {
    auto bytes = testing::read_file(s);
    EXPECT_FALSE(bytes.empty()) << s;
    joined.insert(joined.end(), bytes.begin(), bytes.end());
  }
  EXPECT_TRUE(testing::write_file(es, joined));
  const std::string out = dir().file(name + ".mp4");
  auto reader = mux::ElementaryStreamReader::open(es, hevc ? codec::VideoCodec::h265 : codec::VideoCodec::h264);
  EXPECT_TRUE(reader.has_value());
  MuxerOptions options;
  options.layout = layout;
  auto muxer = Muxer::create_file(out, options);
  EXPECT_TRUE(muxer.has_value());
  VideoTrackConfig vt;
  vt.codec = hevc ? Codec::h265 : Codec::h264;
  EXPECT_TRUE((*muxer)->add_video_track(vt).has_value());
  mux::EsFrame f;
  while (true) {
    auto more = (*reader)->next(f);
    EXPECT_TRUE(more.has_value());
    if (!more || !*more) break;
    Status s = (*muxer)->write(0, Packet{f.data, f.pts, f.dts, f.timescale, f.duration});
    EXPECT_TRUE(s.is_ok()) << s.to_string();
  }
  EXPECT_TRUE((*muxer)->close().is_ok());
  return out;
}

std::string stream(const std::string& name, const std::string& size, int frames, const std::string& args) {
  const std::string path = dir().file(name);
  if (!std::filesystem::exists(path)) {
    EXPECT_TRUE(testing::make_stream(path, size, frames, 30, args));
  }
  return path;
}

std::string input(const std::string& name) {
  static const std::string video = "-f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i sine=f=440:r=";
  if (name == "camrec_regular" || name == "camrec_fmp4") {
    const std::string path = dir().file(name + ".mp4");
    if (std::filesystem::exists(path)) return path;
    return camrec_made(name, {stream("main.h264", "320x240", 75, "-c:v libx264 -profile:v main -g 30 -bf 0")}, false,
                       name == "camrec_regular" ? Layout::regular : Layout::fragmented);
  }
  if (name == "camrec_two_descriptions") {
    const std::string path = dir().file(name + ".mp4");
    if (std::filesystem::exists(path)) return path;
    return camrec_made(name,
                       {stream("a.h264", "320x240", 45, "-c:v libx264 -profile:v baseline -g 30"),
                        stream("b.h264", "176x144", 45, "-c:v libx264 -profile:v main -g 15")},
                       false, Layout::regular);
  }
  if (name == "ffmpeg_bframes_aac")
    return testing::cached_ffmpeg(video + "48000 -t 2 -c:v libx264 -profile:v high -bf 3 -g 30 -c:a aac -b:a 64k",
                                  ".mp4");
  if (name == "ffmpeg_h265_cra") {
    // An open-GOP H.265 stream cut at its second key frame, a CRA: the RASL pictures after
    // it cannot be decoded and the muxer drops them.
    const std::string whole = testing::cached_ffmpeg(
        "-f lavfi -i testsrc2=size=320x240:rate=30 -t 3 -c:v libx265 -tag:v hvc1 "
        "-x265-params keyint=30:min-keyint=30:bframes=3:open-gop=1:scenecut=0:log-level=error",
        ".mp4");
    if (whole.empty()) return "";
    return testing::cached_ffmpeg("-ss 1.2 -i " + testing::shell_quote(whole) + " -c copy", ".mp4");
  }
  ADD_FAILURE() << name;
  return "";
}

struct Copied {
  std::vector<uint8_t> bytes;
  edit::CopyReport report;
  MuxerStats stats;
  std::string error;  ///< The copy's or the close's error, "" when none.
};

/// `path` copied by edit::copy_samples into a Muxer writing `layout`, as `camrec remux`
/// does; `map` opens the input mapped (the raw path where it can).
Copied copy(const std::string& path, Layout layout, bool map) {
  Copied c;
  auto source = io::FileSource::open(path, map);
  EXPECT_TRUE(source.has_value());
  if (!source) return c;
  EXPECT_EQ(!(*source)->mapped().empty(), map);
  DemuxOptions dopt;
  dopt.annexb = true;
  auto demuxer = Demuxer::open(std::move(*source), dopt);
  EXPECT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
  if (!demuxer) return c;
  testing::TempDir out;
  MuxerOptions options;
  options.layout = layout;
  options.zero_origin = true;
  options.creation_time_us = kTimeUnknown;
  options.modification_time_us = kTimeUnknown;
  auto muxer = Muxer::create_file(out.file("out.mp4"), options);
  EXPECT_TRUE(muxer.has_value());
  auto copied = edit::copy_samples(**demuxer, **muxer);
  Status closed = (*muxer)->close();
  if (copied) c.report = *copied;
  c.error = !copied ? copied.error().to_string() : closed.is_ok() ? "" : closed.to_string();
  c.stats = (*muxer)->stats();
  c.bytes = testing::read_file(out.file("out.mp4"));
  if (c.error.empty()) {
    EXPECT_EQ(testing::conformance_report(out.file("out.mp4"), {.crash_states = false}), "");
  }
  return c;
}

struct Case {
  std::string input;
  Layout layout;
};

class RawCopyTest : public ::testing::TestWithParam<Case> {};

TEST_P(RawCopyTest, WritesTheSameFileAsTheAnnexBPath) {
  const Case& c = GetParam();
  const std::string in = input(c.input);
  ASSERT_FALSE(in.empty());
  const Copied old_path = copy(in, c.layout, false);
  const Copied raw_path = copy(in, c.layout, true);
  ASSERT_EQ(old_path.error, "");
  ASSERT_EQ(raw_path.error, "");
  // The old path never takes a track raw; the new one takes the video track.
  EXPECT_EQ(old_path.report.tracks_raw, 0u);
  EXPECT_EQ(raw_path.report.tracks_raw, 1u);
  EXPECT_EQ(raw_path.report.samples, old_path.report.samples);
  EXPECT_EQ(raw_path.stats.samples_written, old_path.stats.samples_written);
  EXPECT_EQ(raw_path.stats.samples_dropped, old_path.stats.samples_dropped);
  if (c.input == "ffmpeg_h265_cra") {
    EXPECT_GT(old_path.stats.samples_dropped, 0u) << "no RASL picture dropped";
  }
  ASSERT_GT(old_path.bytes.size(), 1000u);
  EXPECT_EQ(raw_path.bytes.size(), old_path.bytes.size());
  EXPECT_TRUE(raw_path.bytes == old_path.bytes) << "the files differ";
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.input + (info.param.layout == Layout::regular ? "_to_regular" : "_to_fmp4");
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, RawCopyTest,
    ::testing::Values(Case{"camrec_regular", Layout::regular}, Case{"camrec_regular", Layout::fragmented},
                      Case{"camrec_fmp4", Layout::regular}, Case{"camrec_fmp4", Layout::fragmented},
                      Case{"ffmpeg_bframes_aac", Layout::regular}, Case{"ffmpeg_bframes_aac", Layout::fragmented},
                      Case{"ffmpeg_h265_cra", Layout::regular}, Case{"ffmpeg_h265_cra", Layout::fragmented},
                      Case{"camrec_two_descriptions", Layout::regular},
                      Case{"camrec_two_descriptions", Layout::fragmented}),
    case_name);

TEST(RawCopy, TheInputKeepsBothSampleDescriptions) {
  // The case above copies a track that really switches descriptions.
  auto d = Demuxer::open(input("camrec_two_descriptions"));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ((*d)->tracks()[0].description_count, 2u);
}

/// Offsets of the lengthSizeMinusOne byte (the 5th of the record) of every avcC in `bytes`.
std::vector<size_t> avcc_length_size_offsets(const std::vector<uint8_t>& bytes) {
  const uint8_t tag[] = {'a', 'v', 'c', 'C'};
  std::vector<size_t> out;
  for (auto it = bytes.begin(); (it = std::search(it, bytes.end(), std::begin(tag), std::end(tag))) != bytes.end(); ++it)
    out.push_back(static_cast<size_t>(it - bytes.begin()) + 4 + 4);
  return out;
}

TEST(RawCopy, ALengthSizeOtherThanFourTakesTheAnnexBPath) {
  // camrec's file with its avcC saying 2-byte lengths: the raw path cannot take it (it
  // writes the payloads with 4-byte lengths as they are) and leaves it to the Annex B path,
  // which reads the samples with 2-byte lengths; both fail or write the same.
  auto bytes = testing::read_file(input("camrec_regular"));
  const auto offsets = avcc_length_size_offsets(bytes);
  ASSERT_FALSE(offsets.empty());
  for (size_t at : offsets) {
    ASSERT_EQ(bytes[at] & 3, 3);
    bytes[at] = static_cast<uint8_t>((bytes[at] & ~3) | 1);
  }
  const std::string path = dir().file("length2.mp4");
  ASSERT_TRUE(testing::write_file(path, bytes));
  const Copied old_path = copy(path, Layout::regular, false);
  const Copied raw_path = copy(path, Layout::regular, true);
  EXPECT_EQ(raw_path.report.tracks_raw, 0u);
  EXPECT_EQ(raw_path.error, old_path.error);
  EXPECT_TRUE(raw_path.bytes == old_path.bytes);
}

TEST(RawCopy, TrailingZeroBytesOfANalUnitAreLeftOutAsTheAnnexBPathLeavesThemOut) {
  // The last byte of every sample's last NAL unit (slice data, not parsed) set to zero: the
  // Annex B path drops such bytes when it splits the access unit, the raw path must too.
  auto bytes = testing::read_file(input("camrec_regular"));
  auto d = Demuxer::open(input("camrec_regular"));
  ASSERT_TRUE(d.has_value());
  DemuxedSample s;
  int changed = 0;
  while (*(*d)->next(s)) {
    ASSERT_LE(s.offset + s.data.size(), bytes.size());
    bytes[s.offset + s.data.size() - 1] = 0;
    ++changed;
  }
  ASSERT_GT(changed, 10);
  const std::string path = dir().file("trailing_zero.mp4");
  ASSERT_TRUE(testing::write_file(path, bytes));
  for (Layout layout : {Layout::regular, Layout::fragmented}) {
    const Copied old_path = copy(path, layout, false);
    const Copied raw_path = copy(path, layout, true);
    ASSERT_EQ(old_path.error, "");
    ASSERT_EQ(raw_path.error, "");
    EXPECT_EQ(raw_path.report.tracks_raw, 1u);
    EXPECT_EQ(raw_path.bytes.size(), old_path.bytes.size());
    EXPECT_TRUE(raw_path.bytes == old_path.bytes) << "the files differ";
  }
}

TEST(RawCopy, AWriterWithoutTheInternalPathTakesTheAnnexBPath) {
  // A SegmentWriter passes packets on to its segments' public write(): it is handed Annex B.
  auto source = io::FileSource::open(input("ffmpeg_bframes_aac"), true);
  ASSERT_TRUE(source.has_value());
  DemuxOptions dopt;
  dopt.annexb = true;
  auto demuxer = Demuxer::open(std::move(*source), dopt);
  ASSERT_TRUE(demuxer.has_value());
  testing::TempDir out;
  SegmentOptions so;
  so.pattern = out.file("seg-{index:03}.mp4");
  so.duration_us = 1'000'000;
  MuxerOptions mo;
  mo.zero_origin = true;
  auto writer = SegmentWriter::create(so, mo);
  ASSERT_TRUE(writer.has_value()) << writer.error().to_string();
  auto copied = edit::copy_samples(**demuxer, **writer);
  ASSERT_TRUE(copied.has_value()) << copied.error().to_string();
  EXPECT_EQ(copied->tracks_raw, 0u);
  ASSERT_TRUE((*writer)->close().is_ok());
  EXPECT_GE((*writer)->segments().size(), 2u);
  EXPECT_EQ((*writer)->stats().samples_written, copied->samples);
}

TEST(RawCopy, ASampleWithABadLengthIsRefusedAsTheAnnexBPathRefusesIt) {
  // The first sample's first NAL length made larger than the sample: both paths refuse the
  // file at that sample, with the same error.
  auto bytes = testing::read_file(input("camrec_regular"));
  auto d = Demuxer::open(input("camrec_regular"));
  ASSERT_TRUE(d.has_value());
  DemuxedSample s;
  ASSERT_TRUE(*(*d)->next(s));
  ASSERT_LT(s.offset + 4, bytes.size());
  bytes[s.offset] = 0x7f;
  const std::string path = dir().file("badlength.mp4");
  ASSERT_TRUE(testing::write_file(path, bytes));
  const Copied old_path = copy(path, Layout::fragmented, false);
  const Copied raw_path = copy(path, Layout::fragmented, true);
  EXPECT_NE(old_path.error.find("passes the end of the sample"), std::string::npos) << old_path.error;
  EXPECT_EQ(raw_path.report.tracks_raw, 0u);  // the report of a failed copy is not returned
  EXPECT_NE(raw_path.error.find("passes the end of the sample"), std::string::npos) << raw_path.error;
}

/// A mapped copy of camrec's fragmented file in `dir`, its demuxer and a muxer into `dir`,
/// for the tests that cut the input short.
struct MappedCopy {
  std::string in;
  io::FileSource* file = nullptr;
  std::unique_ptr<Demuxer> demuxer;
  std::unique_ptr<Muxer> muxer;
};

MappedCopy open_mapped_copy(const testing::TempDir& dir) {
  MappedCopy m;
  m.in = dir.file("in.mp4");
  std::filesystem::copy_file(input("camrec_fmp4"), m.in);
  auto source = io::FileSource::open(m.in, true);
  EXPECT_TRUE(source.has_value());
  m.file = source->get();
  DemuxOptions dopt;
  dopt.annexb = true;
  auto demuxer = Demuxer::open(std::move(*source), dopt);
  EXPECT_TRUE(demuxer.has_value());
  m.demuxer = std::move(*demuxer);
  MuxerOptions options;
  options.layout = Layout::fragmented;
  options.zero_origin = true;
  auto muxer = Muxer::create_file(dir.file("out.mp4"), options);
  EXPECT_TRUE(muxer.has_value());
  m.muxer = std::move(*muxer);
  return m;
}

TEST(RawCopyTruncated, AnInputCutShortBeforeItsSamplesAreReadIsAClearError) {
  testing::TempDir dir;
  MappedCopy m = open_mapped_copy(dir);
  ASSERT_TRUE(m.demuxer && m.muxer);
  ASSERT_EQ(::truncate(m.in.c_str(), 0), 0);
  // The first sample's bytes fault past the new end (no SIGBUS death): the copy stops there.
  auto copied = edit::copy_samples(*m.demuxer, *m.muxer);
  ASSERT_FALSE(copied.has_value());
  EXPECT_EQ(copied.error().code(), Errc::malformed);
  EXPECT_NE(copied.error().message().find("the input shrank from"), std::string::npos) << copied.error().to_string();
  EXPECT_EQ(m.muxer->stats().samples_written, 0u);
}

TEST(RawCopyTruncated, SamplesWrittenFromAMappingCutShortAreTheSameError) {
  // The muxer writes the last fragment's payloads from the mapping at close: cut before
  // then, the write fails (EFAULT, not SIGBUS) and the input's check says why.
  testing::TempDir dir;
  MappedCopy m = open_mapped_copy(dir);
  ASSERT_TRUE(m.demuxer && m.muxer);
  auto copied = edit::copy_samples(*m.demuxer, *m.muxer);
  ASSERT_TRUE(copied.has_value()) << copied.error().to_string();
  EXPECT_EQ(copied->tracks_raw, 1u);
  EXPECT_TRUE(m.file->check().is_ok());
  ASSERT_EQ(::truncate(m.in.c_str(), 0), 0);
  Status closed = m.muxer->close();
  ASSERT_FALSE(closed.is_ok()) << "the pending samples were written from past the input's new end";
  Status why = m.file->check();
  EXPECT_EQ(why.code(), Errc::malformed);
  EXPECT_NE(why.message().find("the input shrank from"), std::string::npos) << why.to_string();
}

}  // namespace
}  // namespace camrec
