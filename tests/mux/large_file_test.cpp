// SPDX-License-Identifier: LGPL-2.1-or-later
// Past 4 GiB: a recording whose media passes the 32-bit offset range gets 'co64' chunk
// offsets and a 64-bit mdat header without being asked (regular layout), 64-bit mfra
// offsets (fragmented layout), and our demuxer finds every sample where it was written.
// The sink keeps the boxes and the first bytes of each sample, and only counts the rest,
// so the test needs neither 4 GiB of disk nor of memory; a sparse copy on disk lets
// ffprobe read the index too.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>
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

constexpr size_t kKeep = 64;  // bytes kept at the start of each sample's data

/// Keeps every byte the muxer writes except the media payload (buffers after the first of
/// a multi-buffer append, i.e. the samples of a fragment), of which it keeps the first
/// kKeep bytes; the rest reads back as zeros.
class SparseSink final : public io::Sink {
 public:
  Status append(std::span<const std::span<const uint8_t>> buffers) override {
    for (size_t i = 0; i < buffers.size(); ++i) {
      const auto b = buffers[i];
      if (i > 0) payload_offsets_.push_back(size_);
      size_t keep = i == 0 ? b.size() : std::min(b.size(), kKeep);
      if (keep) stored_[size_] = std::vector<uint8_t>(b.begin(), b.begin() + static_cast<ptrdiff_t>(keep));
      size_ += b.size();
    }
    appended_ = size_;
    return Status::ok();
  }
  using Sink::append;
  Status write_at(uint64_t offset, std::span<const uint8_t> data) override {
    auto it = stored_.upper_bound(offset);
    if (it != stored_.begin() && offset + data.size() <= std::prev(it)->first + std::prev(it)->second.size() &&
        offset >= std::prev(it)->first) {
      --it;
      std::copy(data.begin(), data.end(), it->second.begin() + static_cast<ptrdiff_t>(offset - it->first));
      return Status::ok();
    }
    // New bytes (the close writes its index past the end, in pieces): kept whole, unless
    // they overlap kept bytes other than as a patch inside one piece.
    if ((it != stored_.end() && it->first < offset + data.size()) ||
        (it != stored_.begin() && std::prev(it)->first + std::prev(it)->second.size() > offset))
      return make_error(Errc::invalid_argument, "write_at across kept bytes at " + std::to_string(offset));
    if (offset < appended_)
      return make_error(Errc::invalid_argument, "write_at over dropped payload at " + std::to_string(offset));
    stored_[offset] = std::vector<uint8_t>(data.begin(), data.end());
    size_ = std::max<uint64_t>(size_, offset + data.size());
    return Status::ok();
  }
  /// Kept bytes as written, the rest zeros.
  Status read_at(uint64_t offset, std::span<uint8_t> out) override {
    if (offset + out.size() > size_) return make_error(Errc::malformed, "read past the end");
    std::fill(out.begin(), out.end(), 0);
    auto it = stored_.upper_bound(offset);
    if (it != stored_.begin()) --it;
    for (; it != stored_.end() && it->first < offset + out.size(); ++it) {
      uint64_t begin = std::max(offset, it->first), end = std::min(offset + out.size(), it->first + it->second.size());
      if (begin < end)
        std::memcpy(out.data() + (begin - offset), it->second.data() + (begin - it->first), static_cast<size_t>(end - begin));
    }
    return Status::ok();
  }
  bool can_read_back() const override { return true; }
  Status truncate(uint64_t) override { return make_error(Errc::unsupported, "not expected here"); }
  Status sync() override { return Status::ok(); }
  uint64_t size() const override { return size_; }
  Status close() override { return Status::ok(); }

  const std::map<uint64_t, std::vector<uint8_t>>& stored() const { return stored_; }
  /// File offset of every sample run written (one sample per fragment here).
  const std::vector<uint64_t>& payload_offsets() const { return payload_offsets_; }

 private:
  std::map<uint64_t, std::vector<uint8_t>> stored_;
  std::vector<uint64_t> payload_offsets_;
  uint64_t size_ = 0;
  uint64_t appended_ = 0;  ///< End of the bytes appended: the payload ends before it.
};

/// Reads a SparseSink's file: kept bytes as written, the rest zeros.
class SparseSource final : public io::Source {
 public:
  SparseSource(const SparseSink& sink) : sink_(sink) {}
  Status read_at(uint64_t offset, std::span<uint8_t> out) override {
    if (offset + out.size() > sink_.size()) return make_error(Errc::malformed, "truncated");
    std::fill(out.begin(), out.end(), 0);
    auto it = sink_.stored().upper_bound(offset);
    if (it != sink_.stored().begin()) --it;
    for (; it != sink_.stored().end() && it->first < offset + out.size(); ++it) {
      uint64_t begin = std::max(offset, it->first), end = std::min(offset + out.size(), it->first + it->second.size());
      if (begin < end)
        std::memcpy(out.data() + (begin - offset), it->second.data() + (begin - it->first), static_cast<size_t>(end - begin));
    }
    return Status::ok();
  }
  uint64_t size() const override { return sink_.size(); }

 private:
  const SparseSink& sink_;
};

/// Makes an access unit `bytes` long by appending a filler data NAL unit (type 12).
void append_filler(std::vector<uint8_t>& au, size_t bytes) {
  au.insert(au.end(), {0, 0, 0, 1, 12});
  au.resize(bytes, 0xFF);
  au.back() = 0x80;  // rbsp_trailing_bits
}

class LargeFileTest : public ::testing::TestWithParam<Layout> {};

TEST_P(LargeFileTest, OffsetsPast4GiB) {
  const Layout layout = GetParam();
  testing::TempDir dir;
  // 70 frames of 64 MiB (the largest access unit accepted): 4.4 GiB of media; key frames
  // every 13 frames, the last one past 4 GiB.
  auto small = testing::make_h264_packets(dir.file("v.h264"), 70, 0, "160x120", 13);
  ASSERT_EQ(small.size(), 70u);
  const size_t frame_bytes = 64u << 20;
  auto sink_owner = std::make_unique<SparseSink>();
  SparseSink& sink = *sink_owner;
  MuxerOptions options;
  options.layout = layout;
  options.max_fragment_bytes = 4096;  // one frame per fragment: one payload per frame
  auto muxer = Muxer::create(std::move(sink_owner), options);
  ASSERT_TRUE(muxer.has_value());
  ASSERT_TRUE((*muxer)->add_video_track({}).has_value());
  std::vector<uint64_t> sample_sizes;
  {
    // One big frame at a time, in one reused buffer.
    TimedPacket big;
    for (const auto& p : small) {
      big.data.assign(p.data.begin(), p.data.end());
      big.pts = p.pts;
      big.dts = p.dts;
      big.timescale = p.timescale;
      big.duration = p.duration;
      append_filler(big.data, frame_bytes);
      Status s = (*muxer)->write(0, big.packet());
      ASSERT_TRUE(s.is_ok()) << s.to_string();
      sample_sizes.push_back(testing::mp4_sample(p.data, false).size() + 4 + (frame_bytes - p.data.size() - 4));
    }
  }
  ASSERT_TRUE((*muxer)->close().is_ok());
  ASSERT_GT(sink.size(), uint64_t{1} << 32);
  const auto& offsets = sink.payload_offsets();
  ASSERT_EQ(offsets.size(), 70u);
  ASSERT_GT(offsets.back(), uint64_t{1} << 32);

  // The top-level boxes and the moov (the final one for the regular layout).
  SparseSource source(sink);
  auto top = box::scan_top_level_boxes(source);
  ASSERT_TRUE(top.has_value());
  EXPECT_TRUE(top->complete()) << top->stop.to_string();
  std::vector<std::string> types;
  for (const auto& h : top->boxes) types.push_back(box::fourcc_string(h.type));
  if (layout == Layout::regular) {
    ASSERT_EQ(types, (std::vector<std::string>{"ftyp", "mdat", "moov"}));
    // The mdat header is the 64-bit kind and spans everything up to the final moov.
    const auto& mdat = top->boxes[1];
    EXPECT_EQ(mdat.header_size, 16u);
    EXPECT_EQ(mdat.offset + mdat.size, top->boxes[2].offset);
    auto moov = box::read_top_level_box<box::MovieBox>(source, top->boxes[2]);
    ASSERT_TRUE(moov.has_value()) << moov.error().to_string();
    const auto& stbl = moov->traks.at(0).mdia.minf.stbl;
    EXPECT_FALSE(stbl.stco.has_value()) << "32-bit chunk offsets past 4 GiB";
    ASSERT_TRUE(stbl.co64.has_value());
    EXPECT_EQ(stbl.co64->chunk_offsets, offsets);
  } else {
    EXPECT_EQ(types.front(), "ftyp");
    EXPECT_EQ(types[1], "moov");
    EXPECT_EQ(types.back(), "mfra");
    EXPECT_EQ(std::count(types.begin(), types.end(), "moof"), 70);
    auto mfra = box::read_top_level_box<box::MovieFragmentRandomAccessBox>(source, top->boxes.back());
    ASSERT_TRUE(mfra.has_value()) << mfra.error().to_string();
    ASSERT_EQ(mfra->tfras.size(), 1u);
    EXPECT_EQ(mfra->tfras[0].version, 1);
    // One entry per key frame (every 13th frame), at its moof.
    std::vector<uint64_t> moofs;
    for (const auto& h : top->boxes)
      if (h.type == box::fourcc("moof")) moofs.push_back(h.offset);
    ASSERT_EQ(mfra->tfras[0].entries.size(), 6u);
    for (size_t k = 0; k < 6; ++k) EXPECT_EQ(mfra->tfras[0].entries[k].moof_offset, moofs[k * 13]);
    EXPECT_GT(mfra->tfras[0].entries.back().moof_offset, uint64_t{1} << 32);
  }

  // Our demuxer finds every sample where it was written, with its first bytes.
  auto demuxer = Demuxer::open(std::make_unique<SparseSource>(sink));
  ASSERT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
  DemuxedSample s;
  for (size_t i = 0; i < 70; ++i) {
    auto more = (*demuxer)->next(s);
    ASSERT_TRUE(more.has_value()) << more.error().to_string();
    ASSERT_TRUE(*more);
    EXPECT_EQ(s.offset, offsets[i]) << "sample " << i;
    EXPECT_EQ(s.data.size(), sample_sizes[i]) << "sample " << i;
    auto expected = testing::mp4_sample(small[i].data, false);
    ASSERT_GE(expected.size(), kKeep);
    EXPECT_TRUE(std::equal(expected.begin(), expected.begin() + kKeep, s.data.begin())) << "sample " << i;
    EXPECT_EQ(s.sync, small[i].key);
    EXPECT_EQ(s.pts, rescale(small[i].pts, small[i].timescale, (*demuxer)->tracks()[0].timescale));
  }
  EXPECT_FALSE(*(*demuxer)->next(s));

  // ffprobe reads the index of a sparse copy on disk: every frame, the last one past 4 GiB.
  const std::string path = dir.file("large.mp4");
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  for (const auto& [at, bytes] : sink.stored())
    ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(at)), static_cast<ssize_t>(bytes.size()));
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(sink.size())), 0);
  ::close(fd);
  auto r = testing::run_command("ffprobe -v error -show_entries stream=codec_name,nb_frames -of csv=p=0 " +
                                testing::shell_quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 5), "h264,");
  if (layout == Layout::regular) {
    EXPECT_EQ(r.out, "h264,70\n");
  }
  // The last frames (from the key frame at 65/30 s), read through the index.
  r = testing::run_command("ffprobe -v error -read_intervals 2.2%+#5 -show_entries packet=pos -of csv=p=0 " +
                           testing::shell_quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int past_4gib = 0, read = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    uint64_t pos = std::stoull(line);
    EXPECT_NE(std::find(offsets.begin(), offsets.end(), pos), offsets.end()) << pos;
    past_4gib += pos > (uint64_t{1} << 32);
    ++read;
  }
  EXPECT_EQ(read, 5) << r.out;
  EXPECT_EQ(past_4gib, 5) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Layouts, LargeFileTest, ::testing::Values(Layout::regular, Layout::fragmented),
                         [](const auto& param_info) { return param_info.param == Layout::regular ? "regular" : "fragmented"; });

}  // namespace
}  // namespace camrec
