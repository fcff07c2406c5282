// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "box/boxes.h"
#include "io/source.h"

namespace camrec::box {
namespace {

// A memory source that counts the bytes read from it.
class CountingSource final : public io::Source {
 public:
  explicit CountingSource(std::span<const uint8_t> data) : inner_(data) {}
  Status read_at(uint64_t offset, std::span<uint8_t> out) override {
    bytes_read += out.size();
    return inner_.read_at(offset, out);
  }
  uint64_t size() const override { return inner_.size(); }
  uint64_t bytes_read = 0;

 private:
  io::MemorySource inner_;
};

// A source whose reads fail, as a broken disk would.
class FailingSource final : public io::Source {
 public:
  Status read_at(uint64_t, std::span<uint8_t>) override { return make_error(Errc::io, "read failed: EIO"); }
  uint64_t size() const override { return 100; }
};

void append(std::vector<uint8_t>& file, const std::vector<uint8_t>& bytes) { file.insert(file.end(), bytes.begin(), bytes.end()); }

std::vector<uint8_t> mdat(size_t payload) {
  io::ByteWriter w;
  write_mdat_header(w, payload);
  w.zeros(payload);
  return w.buffer();
}

std::vector<uint8_t> small_file() {
  std::vector<uint8_t> file;
  append(file, serialize_box(FileTypeBox{fourcc("isom"), 0, {fourcc("isom")}}));
  append(file, serialize_box(FreeSpaceBox{}));
  append(file, mdat(100000));
  MovieBox moov;
  moov.traks.resize(1);
  append(file, serialize_box(moov));
  return file;
}

TEST(TopLevel, ListsEveryBoxWithoutReadingPayloads) {
  auto file = small_file();
  CountingSource source(file);
  auto scan = scan_top_level_boxes(source);
  ASSERT_TRUE(scan.has_value()) << scan.error().to_string();
  EXPECT_TRUE(scan->complete()) << scan->stop.to_string();
  EXPECT_FALSE(scan->truncated.has_value());
  ASSERT_EQ(scan->boxes.size(), 4u);
  EXPECT_EQ(scan->boxes[0].type, fourcc("ftyp"));
  EXPECT_EQ(scan->boxes[1].type, fourcc("free"));
  EXPECT_EQ(scan->boxes[2].type, fourcc("mdat"));
  EXPECT_EQ(scan->boxes[2].size, 100008u);
  EXPECT_EQ(scan->boxes[3].type, fourcc("moov"));
  EXPECT_EQ(scan->boxes[3].offset + scan->boxes[3].size, file.size());
  EXPECT_LE(source.bytes_read, 4u * 16);

  auto moov = read_top_level_box<MovieBox>(source, scan->boxes[3]);
  ASSERT_TRUE(moov.has_value()) << moov.error().to_string();
  EXPECT_EQ(moov->traks.size(), 1u);
}

TEST(TopLevel, SizeZeroBoxExtendsToTheEndOfTheFile) {
  auto file = small_file();
  size_t mdat_at = file.size();
  append(file, mdat(5000));
  file[mdat_at] = file[mdat_at + 1] = file[mdat_at + 2] = file[mdat_at + 3] = 0;
  file.resize(file.size() - 1000);  // a recorder cut off mid-write: size 0 still covers it
  io::MemorySource source(file);
  auto scan = scan_top_level_boxes(source);
  ASSERT_TRUE(scan.has_value());
  EXPECT_TRUE(scan->complete()) << scan->stop.to_string();
  ASSERT_EQ(scan->boxes.size(), 5u);
  EXPECT_EQ(scan->boxes[4].type, fourcc("mdat"));
  EXPECT_TRUE(scan->boxes[4].extends_to_end);
  EXPECT_EQ(scan->boxes[4].offset, mdat_at);
  EXPECT_EQ(scan->boxes[4].size, file.size() - mdat_at);
}

TEST(TopLevel, TruncatedBoxIsReportedAndEarlierBoxesKept) {
  auto file = small_file();
  MovieBox moov_box;
  moov_box.traks.resize(1);
  size_t moov_at = file.size() - serialize_box(moov_box).size();
  // Cut the moov short, as a crash during the final write would.
  file.resize(moov_at + 50);
  io::MemorySource source(file);
  auto scan = scan_top_level_boxes(source);
  ASSERT_TRUE(scan.has_value());
  EXPECT_FALSE(scan->complete());
  ASSERT_EQ(scan->boxes.size(), 3u);
  ASSERT_TRUE(scan->truncated.has_value());
  EXPECT_EQ(scan->truncated->type, fourcc("moov"));
  EXPECT_EQ(scan->truncated->offset, moov_at);
  EXPECT_EQ(scan->stop.code(), Errc::malformed);
  EXPECT_NE(scan->stop.message().find("'moov' at offset " + std::to_string(moov_at)), std::string::npos)
      << scan->stop.message();
  EXPECT_NE(scan->stop.message().find("truncated"), std::string::npos);
  // Reading the truncated box fails cleanly.
  auto moov = read_top_level_box<MovieBox>(source, *scan->truncated);
  ASSERT_FALSE(moov.has_value());
  EXPECT_EQ(moov.error().code(), Errc::malformed);
}

TEST(TopLevel, TrailingBytesTooFewForAHeader) {
  auto file = small_file();
  size_t end = file.size();
  file.insert(file.end(), {0, 0, 0, 9, 'f'});
  io::MemorySource source(file);
  auto scan = scan_top_level_boxes(source);
  ASSERT_TRUE(scan.has_value());
  EXPECT_EQ(scan->boxes.size(), 4u);
  EXPECT_FALSE(scan->truncated.has_value());
  EXPECT_EQ(scan->stop.code(), Errc::malformed);
  EXPECT_NE(scan->stop.message().find("5 trailing bytes at offset " + std::to_string(end)), std::string::npos)
      << scan->stop.message();
}

TEST(TopLevel, LargeSizeHeaders) {
  std::vector<uint8_t> file = serialize_box(FileTypeBox{});
  size_t mdat_at = file.size();
  io::ByteWriter w;
  write_mdat_header(w, 20, /*force_large=*/true);
  w.zeros(20);
  append(file, w.buffer());
  {
    io::MemorySource source(file);
    auto scan = scan_top_level_boxes(source);
    ASSERT_TRUE(scan.has_value());
    EXPECT_TRUE(scan->complete()) << scan->stop.to_string();
    ASSERT_EQ(scan->boxes.size(), 2u);
    EXPECT_EQ(scan->boxes[1].header_size, 16u);
    EXPECT_EQ(scan->boxes[1].size, 36u);
  }
  {
    auto bad = file;
    bad[mdat_at + 15] = 12;  // 64-bit size 12 < 16-byte header
    io::MemorySource source(bad);
    auto scan = scan_top_level_boxes(source);
    ASSERT_TRUE(scan.has_value());
    EXPECT_EQ(scan->boxes.size(), 1u);
    EXPECT_NE(scan->stop.message().find("smaller than its header"), std::string::npos) << scan->stop.message();
  }
  {
    auto cut = file;
    cut.resize(mdat_at + 12);  // the 64-bit size itself is cut
    io::MemorySource source(cut);
    auto scan = scan_top_level_boxes(source);
    ASSERT_TRUE(scan.has_value());
    EXPECT_EQ(scan->boxes.size(), 1u);
    EXPECT_NE(scan->stop.message().find("ends inside its header"), std::string::npos) << scan->stop.message();
  }
  {
    auto huge = file;
    huge[mdat_at + 8] = 0x7f;  // 64-bit size far beyond the file
    io::MemorySource source(huge);
    auto scan = scan_top_level_boxes(source);
    ASSERT_TRUE(scan.has_value());
    ASSERT_TRUE(scan->truncated.has_value());
    EXPECT_EQ(scan->truncated->offset, mdat_at);
  }
}

TEST(TopLevel, ImpossibleSizeStopsTheWalk) {
  auto file = small_file();
  file.insert(file.end(), {0, 0, 0, 3, 'j', 'u', 'n', 'k', 0, 0, 0, 0});
  io::MemorySource source(file);
  auto scan = scan_top_level_boxes(source);
  ASSERT_TRUE(scan.has_value());
  EXPECT_EQ(scan->boxes.size(), 4u);
  EXPECT_NE(scan->stop.message().find("'junk'"), std::string::npos) << scan->stop.message();
  EXPECT_NE(scan->stop.message().find("smaller than its header"), std::string::npos);
}

TEST(TopLevel, BoxCountIsBounded) {
  std::vector<uint8_t> file;
  for (int i = 0; i < 100; ++i) append(file, serialize_box(FreeSpaceBox{}));
  io::MemorySource source(file);
  auto scan = scan_top_level_boxes(source, 10);
  ASSERT_TRUE(scan.has_value());
  EXPECT_EQ(scan->boxes.size(), 10u);
  EXPECT_EQ(scan->stop.code(), Errc::limit_exceeded);
}

TEST(TopLevel, EmptyFileIsComplete) {
  std::vector<uint8_t> file;
  io::MemorySource source(file);
  auto scan = scan_top_level_boxes(source);
  ASSERT_TRUE(scan.has_value());
  EXPECT_TRUE(scan->boxes.empty());
  EXPECT_TRUE(scan->complete());
}

TEST(TopLevel, IoErrorsFailTheScan) {
  FailingSource source;
  auto scan = scan_top_level_boxes(source);
  ASSERT_FALSE(scan.has_value());
  EXPECT_EQ(scan.error().code(), Errc::io);
}

TEST(TopLevel, ReadBoxBytesIsBounded) {
  auto file = small_file();
  io::MemorySource source(file);
  auto scan = scan_top_level_boxes(source);
  ASSERT_TRUE(scan.has_value());
  auto bytes = read_box_bytes(source, scan->boxes[2], 1000);
  ASSERT_FALSE(bytes.has_value());
  EXPECT_EQ(bytes.error().code(), Errc::limit_exceeded);
  EXPECT_NE(bytes.error().message().find("'mdat'"), std::string::npos);
}

TEST(TopLevel, ParseErrorsOfATopLevelBoxCarryFileOffsets) {
  auto file = small_file();
  io::MemorySource clean(file);
  auto scan = scan_top_level_boxes(clean);
  ASSERT_TRUE(scan.has_value());
  const BoxHeader moov = scan->boxes[3];
  // Break the mvhd version (first payload byte of mvhd at moov + 16).
  file[moov.offset + 16] = 9;
  io::MemorySource source(file);
  auto parsed = read_top_level_box<MovieBox>(source, moov);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code(), Errc::unsupported);
  EXPECT_NE(parsed.error().message().find("moov/mvhd"), std::string::npos) << parsed.error().message();
  EXPECT_NE(parsed.error().message().find("at byte " + std::to_string(moov.offset + 20)), std::string::npos)
      << parsed.error().message();
}

}  // namespace
}  // namespace camrec::box
