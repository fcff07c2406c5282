// SPDX-License-Identifier: LGPL-2.1-or-later
// The regular layout's close writes the final moov's tables from the fragments read back
// from the file, keeping only counts while recording. The counts taken while recording are
// exactly the entries written at close; fragments that read back otherwise than written,
// or an output that cannot be read, fail the close with the file left a valid fragmented
// MP4 holding every frame.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "box/boxes.h"
#include "box/top_level.h"
#include "io/sink.h"
#include "io/source.h"
#include "mux/sample_index.h"
#include "testing/probe_util.h"
#include "testing/stream_fixtures.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using mux::SampleIndex;
using mux::SampleTableShape;

/// Keeps every entry handed out.
struct CollectingOutput final : mux::SampleTableOutput {
  std::vector<uint32_t> sizes;
  std::vector<box::TimeToSampleBox::Entry> stts;
  std::vector<box::CompositionOffsetBox::Entry> ctts;
  std::vector<uint32_t> stss;
  std::vector<box::SampleToChunkBox::Entry> stsc;
  std::vector<uint64_t> chunks;
  void sample_sizes(uint32_t size, uint64_t n) override { sizes.insert(sizes.end(), n, size); }
  void time_to_sample(const box::TimeToSampleBox::Entry& e) override { stts.push_back(e); }
  void composition_offset(const box::CompositionOffsetBox::Entry& e) override { ctts.push_back(e); }
  void sync_sample(uint32_t n) override { stss.push_back(n); }
  void sample_to_chunk(const box::SampleToChunkBox::Entry& e) override { stsc.push_back(e); }
  void chunk_offset(uint64_t o) override { chunks.push_back(o); }
};

/// Three chunks of B-frame video (offsets 0, 2, 0, 1...), a description change in the
/// third, an uneven frame time; fed to a counting index and to a writing one.
template <class Feed>
void feed_video(Feed&& index) {
  index.begin_chunk(100, 1);
  index.add_sample(500, 3000, 0, true);
  index.add_sample(40, 3000, 6000, false);
  index.add_sample(41, 3000, 0, false);
  index.begin_chunk(1000, 1);
  index.add_sample(520, 3000, 0, true);
  index.add_sample(42, 3001, 6000, false);
  index.add_sample(43, 2999, 6000, false);
  index.begin_chunk(uint64_t{5} << 32, 2);
  index.add_sample(530, 3000, 0, true);
  index.add_sample(44, 3000, 0, false);
  index.add_sample(45, 3000, 0, false);
}

TEST(StreamedIndex, CountsWhileRecordingAreTheEntriesWrittenAtClose) {
  SampleIndex counting;
  feed_video(counting);
  CollectingOutput out;
  SampleIndex writing(&out);
  feed_video(writing);
  writing.finish();
  const SampleTableShape shape = counting.shape();
  EXPECT_EQ(shape, writing.shape());

  EXPECT_EQ(shape.samples, 9u);
  EXPECT_EQ(shape.duration, 27000u);
  EXPECT_TRUE(shape.sizes_differ);
  EXPECT_TRUE(shape.any_composition_offset);
  EXPECT_FALSE(shape.negative_composition_offset);
  EXPECT_FALSE(shape.all_sync);
  EXPECT_EQ(shape.max_chunk_offset, uint64_t{5} << 32);
  EXPECT_EQ(out.sizes, (std::vector<uint32_t>{500, 40, 41, 520, 42, 43, 530, 44, 45}));
  EXPECT_EQ(out.stts, (std::vector<box::TimeToSampleBox::Entry>{{4, 3000}, {1, 3001}, {1, 2999}, {3, 3000}}));
  EXPECT_EQ(out.ctts, (std::vector<box::CompositionOffsetBox::Entry>{{1, 0}, {1, 6000}, {2, 0}, {2, 6000}, {3, 0}}));
  EXPECT_EQ(out.stss, (std::vector<uint32_t>{1, 4, 7}));
  // Chunks 1-2 share a run; the description change starts the second.
  EXPECT_EQ(out.stsc, (std::vector<box::SampleToChunkBox::Entry>{{1, 3, 1}, {3, 3, 2}}));
  EXPECT_EQ(out.chunks, (std::vector<uint64_t>{100, 1000, uint64_t{5} << 32}));
  EXPECT_EQ(shape.stts_entries, out.stts.size());
  EXPECT_EQ(shape.ctts_entries, out.ctts.size());
  EXPECT_EQ(shape.sync_samples, out.stss.size());
  EXPECT_EQ(shape.stsc_entries, out.stsc.size());
  EXPECT_EQ(shape.chunks, out.chunks.size());
  EXPECT_TRUE(mux::needs_co64(shape, 0));
}

TEST(StreamedIndex, PcmChunksListOneSamplePerFrame) {
  // G.711 the QuickTime way: a chunk per packet, one 1-tick sample per byte; a packet
  // stamped longer than its bytes gives its last sample the rest.
  CollectingOutput out;
  SampleIndex index(&out);
  index.add_pcm_chunk(10, 1, 160, 1, 160);
  index.add_pcm_chunk(170, 1, 160, 1, 160);
  index.add_pcm_chunk(330, 1, 160, 1, 200);
  index.finish();
  const SampleTableShape shape = index.shape();
  EXPECT_EQ(shape.samples, 480u);
  EXPECT_EQ(shape.duration, 520u);
  EXPECT_FALSE(shape.sizes_differ);
  EXPECT_FALSE(mux::lists_sizes(shape));
  EXPECT_TRUE(shape.all_sync);
  EXPECT_FALSE(shape.any_composition_offset);
  EXPECT_EQ(out.stts, (std::vector<box::TimeToSampleBox::Entry>{{479, 1}, {1, 41}}));
  EXPECT_EQ(out.stsc, (std::vector<box::SampleToChunkBox::Entry>{{1, 160, 1}}));
  EXPECT_EQ(out.chunks, (std::vector<uint64_t>{10, 170, 330}));
  EXPECT_EQ(shape.stts_entries, 2u);
  EXPECT_EQ(shape.stsc_entries, 1u);
}

/// A memory file whose read-back can be made to fail or to see other bytes than written.
class ReadBackSink final : public io::Sink {
 public:
  Status append(std::span<const std::span<const uint8_t>> buffers) override { return inner_.append(buffers); }
  using Sink::append;
  Status write_at(uint64_t offset, std::span<const uint8_t> data) override { return inner_.write_at(offset, data); }
  Status read_at(uint64_t offset, std::span<uint8_t> out) override {
    if (fail_reads_) return make_error(Errc::io, "read error (test)");
    return inner_.read_at(offset, out);
  }
  bool can_read_back() const override { return readable_; }
  Status truncate(uint64_t length) override { return inner_.truncate(length); }
  Status sync() override { return Status::ok(); }
  uint64_t size() const override { return inner_.size(); }
  Status close() override { return Status::ok(); }

  io::MemorySink inner_;
  bool fail_reads_ = false;
  bool readable_ = true;
};

struct Recorded {
  ReadBackSink* sink = nullptr;
  std::unique_ptr<Muxer> muxer;
  size_t frames = 0;
};

Recorded record(const testing::TempDir& dir, Layout layout = Layout::regular, size_t frames = 45) {
  Recorded r;
  auto packets = testing::make_h264_packets(dir.file("v.h264"), static_cast<int>(frames), 0, "160x120", 15);
  auto sink = std::make_unique<ReadBackSink>();
  r.sink = sink.get();
  MuxerOptions options;
  options.layout = layout;
  auto m = Muxer::create(std::move(sink), options);
  EXPECT_TRUE(m.has_value());
  r.muxer = std::move(*m);
  auto t = r.muxer->add_video_track({});
  EXPECT_TRUE(t.has_value());
  for (const auto& p : packets) EXPECT_TRUE(r.muxer->write(*t, p.packet()).is_ok());
  r.frames = packets.size();
  return r;
}

/// The sink's bytes are a fragmented MP4 (state A) holding `frames` video frames.
void expect_fragmented_with(const ReadBackSink& sink, size_t frames) {
  auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(sink.inner_.data()));
  ASSERT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
  EXPECT_TRUE((*demuxer)->layout().fragmented);
  EXPECT_FALSE((*demuxer)->layout().truncated);
  DemuxedSample s;
  size_t n = 0;
  while (true) {
    auto more = (*demuxer)->next(s);
    ASSERT_TRUE(more.has_value()) << more.error().to_string();
    if (!*more) break;
    ++n;
  }
  EXPECT_EQ(n, frames);
}

TEST(StreamedIndex, AReadErrorAtCloseLeavesTheFragmentedFile) {
  testing::TempDir dir;
  Recorded r = record(dir);
  r.sink->fail_reads_ = true;
  Status closed = r.muxer->close();
  EXPECT_EQ(closed.code(), Errc::io) << closed.to_string();
  EXPECT_NE(closed.message().find("final moov"), std::string::npos) << closed.to_string();
  // The final moov's pieces are cut off again.
  expect_fragmented_with(*r.sink, r.frames);
}

TEST(StreamedIndex, FragmentsThatReadBackOtherwiseFailTheClose) {
  testing::TempDir dir;
  Recorded r = record(dir);
  // Another program changes the duration of the second sample in the first moof's trun
  // (flags: data offset, first sample flags, then duration and size per sample): the file
  // no longer holds the samples the muxer counted, and a moov built from it would not
  // match the sizes laid out from the counts.
  const auto& bytes = r.sink->inner_.data();
  const std::string trun = "trun";
  auto it = std::search(bytes.begin(), bytes.end(), trun.begin(), trun.end());
  ASSERT_NE(it, bytes.end());
  const size_t second_duration = static_cast<size_t>(it - bytes.begin()) + 28;
  const uint8_t changed[1] = {static_cast<uint8_t>(bytes[second_duration + 3] ^ 1)};
  ASSERT_TRUE(r.sink->inner_.write_at(second_duration + 3, changed).is_ok());
  Status closed = r.muxer->close();
  EXPECT_EQ(closed.code(), Errc::internal) << closed.to_string();
  EXPECT_NE(closed.message().find("read back"), std::string::npos) << closed.to_string();
  expect_fragmented_with(*r.sink, r.frames);
}

TEST(StreamedIndex, AnOutputThatKeepsNothingStaysFragmented) {
  // The null device: nothing to read the index back from, and nothing worth indexing.
  testing::TempDir dir;
  Recorded r = record(dir);
  r.sink->readable_ = false;
  ASSERT_TRUE(r.muxer->close().is_ok());
  expect_fragmented_with(*r.sink, r.frames);
}

TEST(StreamedIndex, MfraListsEveryFragmentThatStartsWithAKeyFrame) {
  // The fragmented layout's mfra, written at close from the moofs read back: one tfra
  // entry per fragment that starts with a key frame (here every one, at 0.5 s apart), at
  // its moof, with its presentation time; and ffmpeg seeks with it.
  testing::TempDir dir;
  Recorded r = record(dir, Layout::fragmented, 90);
  ASSERT_TRUE(r.muxer->close().is_ok());
  const auto& bytes = r.sink->inner_.data();
  io::MemorySource source(bytes);
  auto top = box::scan_top_level_boxes(source);
  ASSERT_TRUE(top.has_value());
  ASSERT_TRUE(top->complete()) << top->stop.to_string();
  std::vector<box::TrackFragmentRandomAccessBox::Entry> want;
  std::optional<box::BoxHeader> mfra_header;
  for (const auto& h : top->boxes) {
    if (h.type == box::fourcc("mfra")) mfra_header = h;
    if (h.type != box::fourcc("moof")) continue;
    auto moof = box::read_top_level_box<box::MovieFragmentBox>(source, h);
    ASSERT_TRUE(moof.has_value());
    const auto& traf = moof->trafs.at(0);
    want.push_back({traf.tfdt->base_media_decode_time, h.offset, 1, 1, 1});
  }
  ASSERT_EQ(want.size(), 6u);
  ASSERT_TRUE(mfra_header.has_value());
  EXPECT_EQ(mfra_header->offset + mfra_header->size, bytes.size()) << "mfra ends the file";
  auto mfra = box::read_top_level_box<box::MovieFragmentRandomAccessBox>(source, *mfra_header);
  ASSERT_TRUE(mfra.has_value()) << mfra.error().to_string();
  ASSERT_EQ(mfra->tfras.size(), 1u);
  EXPECT_EQ(mfra->tfras[0].entries, want);
  EXPECT_EQ(mfra->mfro.size, mfra_header->size);

  const std::string path = dir.file("f.mp4");
  ASSERT_TRUE(testing::write_file(path, bytes));
  const auto all = testing::video_frame_md5s(path);
  ASSERT_EQ(all.size(), 90u);
  auto seek = testing::run_command("ffmpeg -nostdin -v error -ss 2.0 -i " + testing::shell_quote(path) +
                                   " -frames:v 1 -f framemd5 -");
  ASSERT_EQ(seek.exit_code, 0) << seek.err;
  EXPECT_NE(seek.out.find(all[60]), std::string::npos) << "seeking to 2 s shows frame 60\n" << seek.out;
}

}  // namespace
}  // namespace camrec
