// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capture/file_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "camrec/media/clock.h"
#include "testing/test_util.h"

namespace camrec::media {
namespace {

using camrec::testing::run_command;
using camrec::testing::shell_quote;
using camrec::testing::TempDir;

TEST(Y4mHeaderTest, ParsesTheCommonTags) {
  auto h = parse_y4m_header("YUV4MPEG2 W320 H240 F30000:1001 Ip A1:1 C420jpeg XYSCSS=420JPEG");
  ASSERT_TRUE(h.has_value()) << h.status().to_string();
  EXPECT_EQ(h->width, 320u);
  EXPECT_EQ(h->height, 240u);
  EXPECT_EQ(h->fps_num, 30000u);
  EXPECT_EQ(h->fps_den, 1001u);
  EXPECT_EQ(h->format, PixelFormat::i420);
  for (const char* c : {"C420mpeg2", "C420paldv", "C420"}) {
    auto v = parse_y4m_header(std::string("YUV4MPEG2 W16 H16 F25:1 ") + c);
    ASSERT_TRUE(v.has_value()) << c;
    EXPECT_EQ(v->format, PixelFormat::i420);
  }
  auto mono = parse_y4m_header("YUV4MPEG2 W15 H9 Cmono");
  ASSERT_TRUE(mono.has_value());
  EXPECT_EQ(mono->format, PixelFormat::gray8);
  EXPECT_EQ(mono->fps_num, 0u);  // no F tag
}

TEST(Y4mHeaderTest, RejectsBadHeaders) {
  EXPECT_EQ(parse_y4m_header("YUV4MPEG W16 H16").status().code(), Errc::malformed);
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2X W16 H16").status().code(), Errc::malformed);
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 H16").status().code(), Errc::malformed);
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W16 H1x6").status().code(), Errc::malformed);
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W16 H16 F30").status().code(), Errc::malformed);
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W16 H16 F30:0").status().code(), Errc::malformed);
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W16 H16 Q1").status().code(), Errc::malformed);
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W16 H16 C422").status().code(), Errc::unsupported);
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W16 H16 C420p10").status().code(), Errc::unsupported);
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W16 H16 It").status().code(), Errc::unsupported);
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W15 H16").status().code(), Errc::invalid_argument);
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W9000 H16").status().code(), Errc::invalid_argument);
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W0 H16").status().code(), Errc::invalid_argument);
}

SourceOptions fast() {
  SourceOptions o;
  o.paced = false;
  o.width = 160;
  o.height = 120;
  return o;
}

TEST(Y4mSourceTest, ReadsFfmpegOutputByteExact) {
  TempDir dir;
  const std::string y4m = dir.file("in.y4m"), raw = dir.file("in.yuv");
  auto r = run_command("ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=160x120:rate=25 "
                       "-frames:v 5 -pix_fmt yuv420p " + shell_quote(y4m) +
                       " -f rawvideo -frames:v 5 -pix_fmt yuv420p " + shell_quote(raw));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ManualClock clock(1000);
  auto src = open_sensor_source("file:" + y4m, fast(), clock);
  ASSERT_TRUE(src.has_value()) << src.status().to_string();
  SourceFormat f = (*src)->format();
  EXPECT_EQ(f.width, 160u);
  EXPECT_EQ(f.height, 120u);
  EXPECT_EQ(f.fps_num, 25u);
  EXPECT_EQ(f.fps_den, 1u);
  EXPECT_EQ(f.format, PixelFormat::i420);
  ASSERT_TRUE((*src)->start().is_ok());
  std::vector<uint8_t> got;
  for (int i = 0; i < 5; ++i) {
    auto fr = (*src)->next_frame();
    ASSERT_TRUE(fr.has_value()) << fr.status().to_string();
    EXPECT_EQ((*fr)->pts_us, 1000 + i * 40'000);
    EXPECT_EQ((*fr)->sequence, static_cast<uint64_t>(i));
    (*fr)->append_packed(got);
  }
  EXPECT_EQ((*src)->next_frame().status().code(), Errc::end_of_stream);
  EXPECT_EQ(got, camrec::testing::read_file(raw));
  // Restart reads from the beginning again.
  ASSERT_TRUE((*src)->start().is_ok());
  auto again = (*src)->next_frame();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ((*again)->sequence, 0u);
}

TEST(Y4mSourceTest, TruncatedFrameIsMalformed) {
  TempDir dir;
  std::string text = "YUV4MPEG2 W16 H16 F30:1 C420\nFRAME\n" + std::string(384, 'a') +
                     "FRAME\n" + std::string(100, 'b');
  std::vector<uint8_t> bytes(text.begin(), text.end());
  ASSERT_TRUE(camrec::testing::write_file(dir.file("t.y4m"), bytes));
  ManualClock clock;
  auto src = open_y4m_source(dir.file("t.y4m"), fast(), clock);
  ASSERT_TRUE(src.has_value());
  ASSERT_TRUE((*src)->start().is_ok());
  ASSERT_TRUE((*src)->next_frame().has_value());
  auto second = (*src)->next_frame();
  EXPECT_EQ(second.status().code(), Errc::malformed);
  EXPECT_NE(second.status().message().find("truncated"), std::string::npos);
}

// Whether `p` lies in a mapping of the file named `name` (from the kernel's own table).
bool mapped_from(const void* p, const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  const auto at = reinterpret_cast<uintptr_t>(p);
  while (std::getline(maps, line)) {
    uintptr_t begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx", &begin, &end) != 2 || at < begin || at >= end) continue;
    return line.size() >= name.size() && line.compare(line.size() - name.size(), name.size(), name) == 0;
  }
  return false;
}

// Three 16x16 I420 frames of 'a', 'b', 'c' (384 bytes each after a 6-byte FRAME line).
std::string three_frames() {
  std::string text = "YUV4MPEG2 W16 H16 F30:1 C420\n";
  for (char c : {'a', 'b', 'c'}) text += "FRAME\n" + std::string(384, c);
  return text;
}

TEST(Y4mSourceTest, FramesPointIntoTheMappedFileAndOutliveTheSource) {
  TempDir dir;
  const std::string text = three_frames();
  ASSERT_TRUE(camrec::testing::write_file(dir.file("m.y4m"), std::vector<uint8_t>(text.begin(), text.end())));
  ManualClock clock;
  FramePtr second;
  {
    auto src = open_y4m_source(dir.file("m.y4m"), fast(), clock);
    ASSERT_TRUE(src.has_value()) << src.status().to_string();
    ASSERT_TRUE((*src)->start().is_ok());
    auto first = (*src)->next_frame();
    ASSERT_TRUE(first.has_value()) << first.status().to_string();
    EXPECT_TRUE(mapped_from((*first)->plane(0), "/m.y4m"));  // not copied into a buffer
    EXPECT_EQ((*first)->plane(0)[0], 'a');
    auto next = (*src)->next_frame();
    ASSERT_TRUE(next.has_value());
    second = *next;
  }
  // The source is gone; the frame keeps its part of the file mapped.
  std::vector<uint8_t> got;
  second->append_packed(got);
  EXPECT_EQ(got, std::vector<uint8_t>(384, 'b'));
  EXPECT_EQ(second->sequence, 1u);
  EXPECT_TRUE(mapped_from(second->plane(2), "/m.y4m"));
}

TEST(Y4mSourceTest, FileCutAfterOpeningIsTruncatedAtTheFrameItCuts) {
  TempDir dir;
  const std::string text = three_frames();
  const std::string path = dir.file("c.y4m");
  ASSERT_TRUE(camrec::testing::write_file(path, std::vector<uint8_t>(text.begin(), text.end())));
  ManualClock clock;
  auto src = open_y4m_source(path, fast(), clock);
  ASSERT_TRUE(src.has_value());
  ASSERT_TRUE((*src)->start().is_ok());
  ASSERT_TRUE((*src)->next_frame().has_value());
  // Another program cuts the file in the middle of frame 1 (header 29 bytes, frames 390).
  ASSERT_EQ(::truncate(path.c_str(), 29 + 390 + 100), 0);
  auto cut = (*src)->next_frame();
  ASSERT_FALSE(cut.has_value());
  EXPECT_EQ(cut.status().code(), Errc::malformed);
  EXPECT_NE(cut.status().message().find("frame 1 at byte 419 is truncated"), std::string::npos)
      << cut.status().message();
  EXPECT_NE(cut.status().message().find("shrank from 1199 to 519 bytes"), std::string::npos)
      << cut.status().message();
}

TEST(Y4mSourceTest, FileCutWhileAFrameIsReadReadsZerosAndStopsWithAnError) {
  TempDir dir;
  // Frames of a whole page each, so the cut leaves a frame's pages unbacked.
  std::string text = "YUV4MPEG2 W64 H64 F30:1 C420\n";
  for (char c : {'a', 'b', 'c'}) text += "FRAME\n" + std::string(64 * 64 * 3 / 2, c);
  const std::string path = dir.file("w.y4m");
  ASSERT_TRUE(camrec::testing::write_file(path, std::vector<uint8_t>(text.begin(), text.end())));
  ManualClock clock;
  auto src = open_y4m_source(path, fast(), clock);
  ASSERT_TRUE(src.has_value());
  ASSERT_TRUE((*src)->start().is_ok());
  auto first = (*src)->next_frame();
  ASSERT_TRUE(first.has_value());
  auto second = (*src)->next_frame();  // handed out whole, read by the encoder later
  ASSERT_TRUE(second.has_value());
  ASSERT_TRUE(mapped_from((*second)->plane(0), "/w.y4m"));
  ASSERT_EQ(::truncate(path.c_str(), 100), 0);  // before either frame is read
  // Reading the frame touches pages past the new end: the process lives (no SIGBUS death)
  // and reads zeros where the file was cut...
  std::vector<uint8_t> got;
  (*second)->append_packed(got);
  ASSERT_EQ(got.size(), 64u * 64u * 3u / 2u);
  EXPECT_EQ(got.back(), 0);
  // ... and the next frame says why the recording must stop.
  auto next = (*src)->next_frame();
  ASSERT_FALSE(next.has_value());
  EXPECT_EQ(next.status().code(), Errc::malformed);
  EXPECT_NE(next.status().message().find("frame 2 at byte"), std::string::npos) << next.status().message();
  EXPECT_NE(next.status().message().find("while being read"), std::string::npos) << next.status().message();
}

TEST(Y4mSourceTest, WithNoMappingLeftTheFileIsRead) {
  // The SIGBUS guard has 16 slots: sources past them read into pooled buffers, with the
  // same frames and the same errors.
  TempDir dir;
  const std::string text = three_frames();
  const std::string path = dir.file("r.y4m");
  ASSERT_TRUE(camrec::testing::write_file(path, std::vector<uint8_t>(text.begin(), text.end())));
  ManualClock clock;
  std::vector<std::unique_ptr<SensorSource>> sources;
  int read = 0;
  for (int i = 0; i < 20; ++i) {
    auto src = open_y4m_source(path, fast(), clock);
    ASSERT_TRUE(src.has_value());
    ASSERT_TRUE((*src)->start().is_ok());
    auto f = (*src)->next_frame();
    ASSERT_TRUE(f.has_value()) << f.status().to_string();
    std::vector<uint8_t> got;
    (*f)->append_packed(got);
    EXPECT_EQ(got, std::vector<uint8_t>(384, 'a'));
    read += !mapped_from((*f)->plane(0), "/r.y4m");
    sources.push_back(std::move(*src));
  }
  EXPECT_GE(read, 4);
  ASSERT_EQ(::truncate(path.c_str(), 29 + 390 + 100), 0);
  auto cut = sources.back()->next_frame();
  EXPECT_EQ(cut.status().code(), Errc::malformed);
  EXPECT_NE(cut.status().message().find("truncated"), std::string::npos) << cut.status().message();
}

TEST(Y4mSourceTest, BadFrameMarkerAndMissingFile) {
  TempDir dir;
  std::string text = "YUV4MPEG2 W16 H16 F30:1\nFRAMX\n" + std::string(384, 'a');
  ASSERT_TRUE(camrec::testing::write_file(dir.file("b.y4m"),
                                          std::vector<uint8_t>(text.begin(), text.end())));
  ManualClock clock;
  auto src = open_y4m_source(dir.file("b.y4m"), fast(), clock);
  ASSERT_TRUE(src.has_value());
  ASSERT_TRUE((*src)->start().is_ok());
  EXPECT_EQ((*src)->next_frame().status().code(), Errc::malformed);
  EXPECT_EQ(open_sensor_source("file:" + dir.file("none.y4m"), fast(), clock).status().code(),
            Errc::not_found);
  std::string noline(5000, 'Y');
  ASSERT_TRUE(camrec::testing::write_file(dir.file("n.y4m"),
                                          std::vector<uint8_t>(noline.begin(), noline.end())));
  EXPECT_EQ(open_y4m_source(dir.file("n.y4m"), fast(), clock).status().code(), Errc::malformed);
}

TEST(RawSourceTest, Nv12FileAtTheGivenSizeAndRate) {
  TempDir dir;
  SourceOptions o = fast();
  o.width = 16;
  o.height = 8;
  o.fps_num = 10;
  std::vector<uint8_t> data(16 * 8 * 3 / 2 * 3);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  ASSERT_TRUE(camrec::testing::write_file(dir.file("v.nv12"), data));
  ManualClock clock;
  auto src = open_sensor_source("file:" + dir.file("v.nv12"), o, clock);
  ASSERT_TRUE(src.has_value()) << src.status().to_string();
  EXPECT_EQ((*src)->format().format, PixelFormat::nv12);
  ASSERT_TRUE((*src)->start().is_ok());
  std::vector<uint8_t> got;
  while (auto f = (*src)->next_frame()) {
    EXPECT_EQ((*f)->pts_us, static_cast<int64_t>((*f)->sequence) * 100'000);
    (*f)->append_packed(got);
  }
  EXPECT_EQ(got, data);
  // .yuv means I420.
  ASSERT_TRUE(camrec::testing::write_file(dir.file("v.yuv"), data));
  auto yuv = open_sensor_source("file:" + dir.file("v.yuv"), o, clock);
  ASSERT_TRUE(yuv.has_value());
  EXPECT_EQ((*yuv)->format().format, PixelFormat::i420);
}

TEST(RawSourceTest, PartialFrameOrEmptyFileIsMalformed) {
  TempDir dir;
  SourceOptions o = fast();
  o.width = 16;
  o.height = 8;
  ManualClock clock;
  ASSERT_TRUE(camrec::testing::write_file(dir.file("p.nv12"), std::vector<uint8_t>(200)));
  EXPECT_EQ(open_sensor_source("file:" + dir.file("p.nv12"), o, clock).status().code(),
            Errc::malformed);
  ASSERT_TRUE(camrec::testing::write_file(dir.file("e.nv12"), {}));
  EXPECT_EQ(open_sensor_source("file:" + dir.file("e.nv12"), o, clock).status().code(),
            Errc::malformed);
  o.width = 15;
  EXPECT_EQ(open_raw_source(dir.file("p.nv12"), PixelFormat::nv12, o, clock).status().code(),
            Errc::invalid_argument);
  o.width = 16;
  EXPECT_EQ(open_raw_source(dir.file("p.nv12"), PixelFormat::gray8, o, clock).status().code(),
            Errc::invalid_argument);
}

TEST(SensorSourceTest, UnknownSpecs) {
  ManualClock clock;
  EXPECT_EQ(open_sensor_source("camera", fast(), clock).status().code(), Errc::invalid_argument);
  EXPECT_EQ(open_sensor_source("file:", fast(), clock).status().code(), Errc::invalid_argument);
  EXPECT_EQ(open_sensor_source("v4l2:", fast(), clock).status().code(), Errc::invalid_argument);
  EXPECT_TRUE(open_sensor_source("", fast(), clock).has_value());
}

TEST(SensorSourceTest, FrameOffsetsAreExactIntegers) {
  EXPECT_EQ(frame_offset_us(0, 30, 1), 0);
  EXPECT_EQ(frame_offset_us(1, 30, 1), 33'333);
  EXPECT_EQ(frame_offset_us(2, 30, 1), 66'667);
  EXPECT_EQ(frame_offset_us(30, 30, 1), 1'000'000);
  EXPECT_EQ(frame_offset_us(30000, 30000, 1001), 1'001'000'000);
  // 24 h at 30 fps does not drift.
  EXPECT_EQ(frame_offset_us(30ull * 86400, 30, 1), 86'400'000'000);
  EXPECT_EQ(check_frame_rate(0, 1).code(), Errc::invalid_argument);
  EXPECT_EQ(check_frame_rate(1001, 1).code(), Errc::invalid_argument);
  EXPECT_TRUE(check_frame_rate(1000, 1).is_ok());
}

}  // namespace
}  // namespace camrec::media
