// SPDX-License-Identifier: LGPL-2.1-or-later
// Output to a forward-only sink (a pipe: `camrec record --fmp4 -o -`): the muxer never
// goes back (a sink refusing write_at and truncate takes the whole recording), the stream is
// the fragmented file without what needs seeking (no mehd, no header reserve, moofs typed
// moof, no mfra), and it holds the same samples as the fragmented file; the regular layout is refused.
// And the creation and modification times every file carries in mvhd, tkhd and mdhd.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "box/boxes.h"
#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "io/sink.h"
#include "io/source.h"
#include "testing/probe_util.h"
#include "testing/stream_fixtures.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::TimedPacket;

const std::vector<TimedPacket>& frames() {
  static testing::TempDir dir;
  static const std::vector<TimedPacket> packets = testing::make_h264_packets(dir.file("v.h264"), 45, 0, "160x120", 15);
  return packets;
}

/// Writes every test frame through a muxer on a memory sink; `bytes` gets what it holds.
Status record(MuxerOptions options, std::vector<uint8_t>& bytes) {
  auto sink = std::make_unique<io::MemorySink>();
  auto* out = sink.get();  // owned by the muxer
  auto muxer = Muxer::create(std::move(sink), options);
  if (!muxer) return muxer.error();
  auto track = (*muxer)->add_video_track({});
  if (!track) return track.error();
  for (const auto& f : frames()) CAMREC_RETURN_IF_ERROR((*muxer)->write(*track, f.packet()));
  CAMREC_RETURN_IF_ERROR((*muxer)->close());
  bytes = out->data();
  return Status::ok();
}

std::vector<std::string> top_level_types(const std::vector<uint8_t>& bytes) {
  std::vector<std::string> types;
  for (const auto& b : testing::top_level_boxes(bytes)) types.push_back(b.type);
  return types;
}

box::MovieBox first_moov(const std::vector<uint8_t>& bytes) {
  for (const auto& b : testing::top_level_boxes(bytes))
    if (b.type == "moov") {
      std::vector<uint8_t> whole(bytes.begin() + static_cast<ptrdiff_t>(b.offset),
                                 bytes.begin() + static_cast<ptrdiff_t>(b.offset + b.size));
      auto moov = box::parse_box<box::MovieBox>(whole, b.offset);
      EXPECT_TRUE(moov.has_value());
      if (moov) return *moov;
    }
  ADD_FAILURE() << "no moov";
  return {};
}

/// Every sample our demuxer reads from `bytes`: (decode time, sync, data).
std::vector<DemuxedSample> samples(const std::vector<uint8_t>& bytes) {
  std::vector<DemuxedSample> out;
  auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(bytes));
  EXPECT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
  if (!demuxer) return out;
  DemuxedSample s;
  while (true) {
    auto more = (*demuxer)->next(s);
    EXPECT_TRUE(more.has_value()) << more.error().to_string();
    if (!more || !*more) break;
    out.push_back(s);
  }
  return out;
}

TEST(StreamOutput, AForwardOnlySinkTakesTheFragmentedLayoutWithoutOneSeek) {
  MuxerOptions options;
  options.layout = Layout::fragmented;
  options.fsync = FsyncPolicy::every_fragment;  // nothing to sync on a pipe: must not fail
  auto stream_sink = std::make_unique<io::MemorySink>();
  stream_sink->set_seekable(false);  // write_at and truncate fail: any seek-back fails the recording
  auto* stream = stream_sink.get();
  auto stream_muxer = Muxer::create(std::move(stream_sink), options);
  ASSERT_TRUE(stream_muxer.has_value()) << stream_muxer.error().to_string();
  auto track = (*stream_muxer)->add_video_track({});
  ASSERT_TRUE(track.has_value());
  for (const auto& f : frames()) {
    Status s = (*stream_muxer)->write(*track, f.packet());
    ASSERT_TRUE(s.is_ok()) << s.to_string();
  }
  Status closed = (*stream_muxer)->close();
  ASSERT_TRUE(closed.is_ok()) << closed.to_string();
  const std::vector<uint8_t> streamed = stream->data();

  auto file_sink = std::make_unique<io::MemorySink>();
  auto* file = file_sink.get();
  auto file_muxer = Muxer::create(std::move(file_sink), options);
  ASSERT_TRUE(file_muxer.has_value());
  ASSERT_TRUE((*file_muxer)->add_video_track({}).has_value());
  for (const auto& f : frames()) ASSERT_TRUE((*file_muxer)->write(0, f.packet()).is_ok());
  ASSERT_TRUE((*file_muxer)->close().is_ok());

  // ftyp, moov, fragments: no reserve after the header, no moof left typed free, no mfra
  // (written from the moofs read back, which a pipe cannot give).
  std::vector<std::string> expected = {"ftyp", "moov"};
  for (int i = 0; i < 3; ++i) {
    expected.push_back("moof");
    expected.push_back("mdat");
  }
  EXPECT_EQ(top_level_types(streamed), expected);
  EXPECT_FALSE(first_moov(streamed).mvex->mehd.has_value()) << "a stream cannot fill in a duration at close";
  EXPECT_TRUE(first_moov(file->data()).mvex->mehd.has_value());

  // The same samples, at the same times, as the seekable fragmented file.
  auto from_stream = samples(streamed);
  auto from_file = samples(file->data());
  ASSERT_EQ(from_stream.size(), frames().size());
  ASSERT_EQ(from_file.size(), from_stream.size());
  for (size_t i = 0; i < from_stream.size(); ++i) {
    EXPECT_EQ(from_stream[i].dts, from_file[i].dts) << i;
    EXPECT_EQ(from_stream[i].pts, from_file[i].pts) << i;
    EXPECT_EQ(from_stream[i].sync, from_file[i].sync) << i;
    EXPECT_EQ(from_stream[i].data, from_file[i].data) << i;
  }
  // ffmpeg decodes every frame of it.
  testing::TempDir dir;
  ASSERT_TRUE(testing::write_file(dir.file("s.mp4"), streamed));
  std::string err;
  EXPECT_EQ(testing::video_frame_md5s(dir.file("s.mp4"), &err).size(), frames().size()) << err;
}

TEST(StreamOutput, TheRegularLayoutIsRefusedOnAForwardOnlySink) {
  auto sink = std::make_unique<io::MemorySink>();
  sink->set_seekable(false);
  auto muxer = Muxer::create(std::move(sink), MuxerOptions{});
  ASSERT_FALSE(muxer.has_value());
  EXPECT_EQ(muxer.error().code(), Errc::unsupported);
  EXPECT_NE(muxer.error().message().find("fragmented"), std::string::npos) << muxer.error().to_string();
}

TEST(StreamOutput, NewParameterSetsAfterTheHeaderAreRefusedAndTheStreamKeepsWhatCameBefore) {
  // A second stream with other parameter sets (another size) joined after the first: a file
  // rewrites its header in the reserve, a stream cannot go back to it.
  testing::TempDir dir;
  auto second = testing::make_h264_packets(dir.file("w.h264"), 15, 0, "176x144", 15);
  ASSERT_FALSE(second.empty());
  MuxerOptions options;
  options.layout = Layout::fragmented;
  auto sink = std::make_unique<io::MemorySink>();
  sink->set_seekable(false);
  auto* out = sink.get();
  auto muxer = Muxer::create(std::move(sink), options);
  ASSERT_TRUE(muxer.has_value());
  ASSERT_TRUE((*muxer)->add_video_track({}).has_value());
  for (const auto& f : frames()) ASSERT_TRUE((*muxer)->write(0, f.packet()).is_ok());
  const int64_t shift = frames().back().pts + frames().back().duration;
  Status s;
  for (const auto& f : second) {
    TimedPacket p = f;
    p.pts += shift;
    p.dts += shift;
    s = (*muxer)->write(0, p.packet());
    if (!s.is_ok()) break;
  }
  if (s.is_ok()) s = (*muxer)->close();
  EXPECT_EQ(s.code(), Errc::unsupported) << s.to_string();
  EXPECT_NE(s.message().find("cannot go back"), std::string::npos) << s.to_string();
  (void)(*muxer)->close();
  // Every frame before the change is in the stream.
  EXPECT_GE(samples(out->data()).size(), frames().size() - 15);
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// mvhd, every tkhd and every mdhd hold `creation` and `modification` (MP4 seconds).
void expect_times(const box::MovieBox& moov, uint64_t creation, uint64_t modification) {
  EXPECT_EQ(moov.mvhd.creation_time, creation);
  EXPECT_EQ(moov.mvhd.modification_time, modification);
  ASSERT_FALSE(moov.traks.empty());
  for (const auto& trak : moov.traks) {
    EXPECT_EQ(trak.tkhd.creation_time, creation);
    EXPECT_EQ(trak.tkhd.modification_time, modification);
    EXPECT_EQ(trak.mdia.mdhd.creation_time, creation);
    EXPECT_EQ(trak.mdia.mdhd.modification_time, modification);
  }
}

constexpr uint64_t kUnixEpochIn1904 = 2'082'844'800;

TEST(FileTimes, BothLayoutsCarryTheTimeOfTheFirstPacketInEveryHeader) {
  for (Layout layout : {Layout::regular, Layout::fragmented}) {
    SCOPED_TRACE(layout == Layout::regular ? "regular" : "fragmented");
    MuxerOptions options;
    options.layout = layout;
    std::vector<uint8_t> bytes;
    const int64_t before = unix_now();
    ASSERT_TRUE(record(options, bytes).is_ok());
    const int64_t after = unix_now();
    // The moov readers use: the final one (regular) or the header (fragmented).
    const box::MovieBox moov = first_moov(bytes);
    ASSERT_GE(moov.mvhd.creation_time, static_cast<uint64_t>(before) + kUnixEpochIn1904);
    ASSERT_LE(moov.mvhd.creation_time, static_cast<uint64_t>(after) + kUnixEpochIn1904);
    expect_times(moov, moov.mvhd.creation_time, moov.mvhd.creation_time);
    // The demuxer reads them back as Unix times.
    auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(bytes));
    ASSERT_TRUE(demuxer.has_value());
    ASSERT_TRUE((*demuxer)->layout().creation_time.has_value());
    EXPECT_GE(*(*demuxer)->layout().creation_time, before);
    EXPECT_LE(*(*demuxer)->layout().creation_time, after);
    EXPECT_EQ((*demuxer)->layout().modification_time, (*demuxer)->layout().creation_time);
    // ffprobe reads mvhd's as the format's creation_time and mdhd's as the stream's.
    testing::TempDir dir;
    ASSERT_TRUE(testing::write_file(dir.file("t.mp4"), bytes));
    auto r = testing::run_command("ffprobe -v error -show_entries format_tags=creation_time:stream_tags=creation_time "
                                  "-of default=nw=1 " + dir.file("t.mp4"));
    const time_t t = static_cast<time_t>(*(*demuxer)->layout().creation_time);
    struct tm tm = {};
    gmtime_r(&t, &tm);
    char expected[64];
    std::strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
    EXPECT_EQ(r.out, "TAG:creation_time=" + std::string(expected) + "\nTAG:creation_time=" + expected + "\n");
  }
}

TEST(FileTimes, GivenTimesAreWrittenAndUnknownLeavesZero) {
  MuxerOptions options;
  options.creation_time_us = int64_t{1'700'000'000} * 1'000'000 + 999'999;  // 2023-11-14T22:13:20Z
  options.modification_time_us = int64_t{1'800'000'000} * 1'000'000;
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(record(options, bytes).is_ok());
  expect_times(first_moov(bytes), 1'700'000'000 + kUnixEpochIn1904, 1'800'000'000 + kUnixEpochIn1904);
  auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(bytes));
  ASSERT_TRUE(demuxer.has_value());
  EXPECT_EQ((*demuxer)->layout().creation_time, std::optional<int64_t>(1'700'000'000));
  EXPECT_EQ((*demuxer)->layout().modification_time, std::optional<int64_t>(1'800'000'000));

  options.creation_time_us = kTimeUnknown;
  options.modification_time_us = kTimeUnknown;
  std::vector<uint8_t> bytes2;
  ASSERT_TRUE(record(options, bytes2).is_ok());
  expect_times(first_moov(bytes2), 0, 0);
  auto demuxer2 = Demuxer::open(std::make_unique<io::MemorySource>(bytes2));
  ASSERT_TRUE(demuxer2.has_value());
  EXPECT_FALSE((*demuxer2)->layout().creation_time.has_value());
}

TEST(FileTimes, TimesPastTheYear2040TakeVersion1Headers) {
  MuxerOptions options;
  options.creation_time_us = int64_t{4'000'000'000} * 1'000'000;  // 2096: past 32 bits since 1904
  options.modification_time_us = options.creation_time_us;
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(record(options, bytes).is_ok());
  const box::MovieBox moov = first_moov(bytes);
  EXPECT_EQ(moov.mvhd.version, 1);
  EXPECT_EQ(moov.traks[0].tkhd.version, 1);
  EXPECT_EQ(moov.traks[0].mdia.mdhd.version, 1);
  expect_times(moov, 4'000'000'000 + kUnixEpochIn1904, 4'000'000'000 + kUnixEpochIn1904);
  auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(bytes));
  ASSERT_TRUE(demuxer.has_value());
  EXPECT_EQ((*demuxer)->layout().creation_time, std::optional<int64_t>(4'000'000'000));
}

}  // namespace
}  // namespace camrec
