// SPDX-License-Identifier: LGPL-2.1-or-later
// A copy of the output taken at any instant (a crash, a power cut, a copy of a file still
// being written) is playable up to its last complete fragment, in both layouts, including
// every instant of close(). The sink records every write; the file as it was at any byte
// of any write is rebuilt from that record, cut there, and read by ffmpeg and our demuxer.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "io/sink.h"
#include "io/source.h"
#include "testing/probe_util.h"
#include "testing/stream_fixtures.h"
#include "testing/conformance.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;

/// One call the muxer made on its sink.
struct WriteEvent {
  bool append = true;   // else write_at
  uint64_t offset = 0;  // where the bytes go
  std::vector<uint8_t> data;
  bool truncate = false;
};

/// A memory sink that keeps a record of every call, so that the file can be rebuilt as it
/// was at any instant.
class RecordingSink final : public io::Sink {
 public:
  explicit RecordingSink(std::vector<WriteEvent>* events) : events_(events) {}
  Status append(std::span<const std::span<const uint8_t>> buffers) override {
    WriteEvent e;
    e.offset = data_.size();
    for (auto b : buffers) e.data.insert(e.data.end(), b.begin(), b.end());
    data_.insert(data_.end(), e.data.begin(), e.data.end());
    events_->push_back(std::move(e));
    return Status::ok();
  }
  using Sink::append;
  Status write_at(uint64_t offset, std::span<const uint8_t> data) override {
    // Past the end the file grows, the bytes skipped over reading as zeros (a sparse file).
    if (offset + data.size() > data_.size()) data_.resize(offset + data.size());
    std::copy(data.begin(), data.end(), data_.begin() + static_cast<ptrdiff_t>(offset));
    events_->push_back({false, offset, std::vector<uint8_t>(data.begin(), data.end()), false});
    return Status::ok();
  }
  Status read_at(uint64_t offset, std::span<uint8_t> out) override {
    if (offset + out.size() > data_.size()) return make_error(Errc::malformed, "read past the end");
    std::copy_n(data_.begin() + static_cast<ptrdiff_t>(offset), out.size(), out.begin());
    return Status::ok();
  }
  bool can_read_back() const override { return true; }
  Status truncate(uint64_t length) override {
    data_.resize(length);
    events_->push_back({false, length, {}, true});
    return Status::ok();
  }
  Status sync() override { return Status::ok(); }
  uint64_t size() const override { return data_.size(); }
  Status close() override { return Status::ok(); }
  const std::vector<uint8_t>& data() const { return data_; }

 private:
  std::vector<WriteEvent>* events_;
  std::vector<uint8_t> data_;
};

/// The file after events [0, n) and the first `partial` bytes of event n.
std::vector<uint8_t> file_at(const std::vector<WriteEvent>& events, size_t n, size_t partial) {
  std::vector<uint8_t> f;
  for (size_t i = 0; i < n; ++i) {
    const auto& e = events[i];
    if (e.truncate) f.resize(e.offset);
    else if (e.append) f.insert(f.end(), e.data.begin(), e.data.end());
    else {
      if (e.offset + e.data.size() > f.size()) f.resize(e.offset + e.data.size());
      std::copy(e.data.begin(), e.data.end(), f.begin() + static_cast<ptrdiff_t>(e.offset));
    }
  }
  if (n < events.size() && events[n].append) {
    f.insert(f.end(), events[n].data.begin(), events[n].data.begin() + static_cast<ptrdiff_t>(partial));
  } else if (n < events.size() && !events[n].truncate && partial > 0) {
    const auto& e = events[n];
    if (e.offset + partial > f.size()) f.resize(e.offset + partial);
    std::copy(e.data.begin(), e.data.begin() + static_cast<ptrdiff_t>(partial), f.begin() + static_cast<ptrdiff_t>(e.offset));
  }
  return f;
}

struct Recording {
  std::vector<WriteEvent> events;
  std::vector<uint8_t> closed;          // the final file
  std::vector<std::string> frame_md5s;  // ffmpeg's decode of the final file (video)
  // Per track: end offset of each sample's data, in decode order, from the final file.
  std::vector<std::vector<uint64_t>> sample_ends;
  std::vector<std::vector<std::vector<uint8_t>>> sample_data;
  uint64_t placeholder = 0;  // regular layout: offset of the 16-byte free box
};

Recording record(Layout layout, const testing::TempDir& dir) {
  Recording rec;
  // Baseline video (decode order = presentation order, so the frames of a prefix of the
  // file are a prefix of the decoded frames), a key frame every 15 frames, beside G.711.
  auto video = testing::make_h264_packets(dir.file("v.h264"), 75, 0, "160x120", 15);
  EXPECT_EQ(video.size(), 75u);
  std::vector<uint8_t> tone(8000 * 5 / 2);
  for (size_t i = 0; i < tone.size(); ++i) tone[i] = static_cast<uint8_t>(0x55 ^ (i & 0x7f));
  auto audio = testing::g711_packets(tone, 320, 8000, 1);

  MuxerOptions options;
  options.layout = layout;
  options.max_fragment_duration_us = 400'000;  // some fragments end without a key frame
  auto sink = std::make_unique<RecordingSink>(&rec.events);
  RecordingSink* raw = sink.get();
  auto muxer = Muxer::create(std::move(sink), options);
  EXPECT_TRUE(muxer.has_value());
  EXPECT_TRUE((*muxer)->add_video_track({}).has_value());
  EXPECT_TRUE((*muxer)->add_audio_track({}).has_value());
  for (const auto& p : testing::interleave({video, audio})) EXPECT_TRUE((*muxer)->write(p.track, p.packet()).is_ok());
  EXPECT_TRUE((*muxer)->close().is_ok());
  rec.closed = raw->data();
  EXPECT_TRUE(testing::write_file(dir.file("closed.mp4"), rec.closed));
  rec.frame_md5s = testing::video_frame_md5s(dir.file("closed.mp4"));
  EXPECT_EQ(rec.frame_md5s.size(), 75u);

  auto demuxer = Demuxer::open(dir.file("closed.mp4"));
  EXPECT_TRUE(demuxer.has_value());
  rec.sample_ends.resize(2);
  rec.sample_data.resize(2);
  DemuxedSample s;
  while (demuxer && *(*demuxer)->next(s)) {
    rec.sample_ends[s.track].push_back(s.offset + s.data.size());
    rec.sample_data[s.track].push_back(s.data);
  }
  EXPECT_EQ(rec.sample_ends[0].size(), 75u);
  EXPECT_EQ(rec.sample_ends[1].size(), audio.size());
  // The placeholder follows the ftyp.
  rec.placeholder = uint64_t{rec.closed[0]} << 24 | uint64_t{rec.closed[1]} << 16 | uint64_t{rec.closed[2]} << 8 | rec.closed[3];
  return rec;
}

/// What a copy must hold: the samples whose fragment was complete.
struct Expectation {
  size_t video = 0;
  size_t audio = 0;
};

/// ffmpeg decodes at least the frames of the complete fragments, equal to the final file's.
void check_copy_ffmpeg(const std::vector<uint8_t>& bytes, const Expectation& want, const Recording& rec,
                       const testing::TempDir& dir) {
  const std::string path = dir.file("cut.mp4");
  ASSERT_TRUE(testing::write_file(path, bytes));
  auto r = testing::run_command("ffmpeg -nostdin -v error -i " + shell_quote(path) + " -map 0:v:0 -f framemd5 -");
  // Before the first fragment is complete there is no frame to play: ffmpeg then says it
  // cannot tell the stream's format, which is all it can say.
  if (want.video > 0) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // Once a fragment is complete the copy holds every mandatory box (a torn last box aside).
    testing::expect_conformant(path);
  }
  std::vector<std::string> md5s;
  {
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == '#') continue;
      md5s.push_back(line.substr(line.rfind(',') + 2));
    }
  }
  ASSERT_GE(md5s.size(), want.video) << r.err;
  for (size_t i = 0; i < want.video; ++i) ASSERT_EQ(md5s[i], rec.frame_md5s[i]) << "frame " << i;
  // ffmpeg may complain about the torn last fragment and nothing else.
  std::istringstream errs(want.video > 0 ? r.err : "");
  std::string line;
  while (std::getline(errs, line)) {
    bool about_the_tear = line.find("partial file") != std::string::npos ||
                          line.find("Invalid NAL unit size") != std::string::npos ||
                          line.find("Error splitting the input into NAL units") != std::string::npos ||
                          line.find("error while decoding") != std::string::npos ||
                          line.find("Error while decoding") != std::string::npos ||
                          line.find("Packet corrupt") != std::string::npos ||
                          line.find("missing picture in access unit") != std::string::npos;
    EXPECT_TRUE(about_the_tear) << "ffmpeg: " << line;
  }
}

/// Our demuxer opens the copy and returns at least the samples of the complete fragments,
/// equal to the final file's.
void check_copy_demuxer(const std::vector<uint8_t>& bytes, const Expectation& want, const Recording& rec) {
  auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(bytes));
  ASSERT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
  std::vector<size_t> count(2, 0);
  DemuxedSample s;
  while (true) {
    auto more = (*demuxer)->next(s);
    ASSERT_TRUE(more.has_value()) << more.error().to_string();
    if (!*more) break;
    ASSERT_LT(s.track, 2u);
    size_t k = count[s.track]++;
    ASSERT_LT(k, rec.sample_data[s.track].size());
    ASSERT_EQ(s.data, rec.sample_data[s.track][k]) << "track " << s.track << " sample " << k;
  }
  EXPECT_GE(count[0], want.video);
  EXPECT_GE(count[1], want.audio);
}

/// Checks one copy with ffmpeg (unless told not to) and with our demuxer.
void check_copy(const std::vector<uint8_t>& bytes, const Expectation& want, const Recording& rec,
                const testing::TempDir& dir, const std::string& what, bool with_ffmpeg = true) {
  SCOPED_TRACE(what + " (" + std::to_string(bytes.size()) + " bytes)");
  if (with_ffmpeg) check_copy_ffmpeg(bytes, want, rec, dir);
  if (::testing::Test::HasFatalFailure()) return;
  check_copy_demuxer(bytes, want, rec);
}

/// Samples of each track whose data ends at or before `end`.
Expectation complete_before(const Recording& rec, uint64_t end) {
  Expectation e;
  for (uint64_t x : rec.sample_ends[0]) e.video += x <= end;
  for (uint64_t x : rec.sample_ends[1]) e.audio += x <= end;
  return e;
}

class CrashCopyTest : public ::testing::TestWithParam<Layout> {};

TEST_P(CrashCopyTest, EveryCopyPlaysUpToItsLastCompleteFragment) {
  const Layout layout = GetParam();
  testing::TempDir dir;
  Recording rec = record(layout, dir);
  ASSERT_FALSE(HasFailure());
  const auto& ev = rec.events;

  // The calls the muxer makes: the header; per fragment an append whose moof is typed
  // 'free', the 4-byte write that makes it a 'moof' once it is whole and the 8-byte write
  // of the header's mehd duration (the end of the fragments so far); then at close the
  // final moov (its pieces written past the end, typed 'free', then the 4-byte write that
  // makes it a 'moov') and the 16-byte mdat header (regular) or the mehd duration and the
  // mfra (fragmented). No truncation when nothing fails.
  std::vector<size_t> fragments;  // event index of each fragment's append
  for (size_t i = 0; i < ev.size(); ++i) {
    ASSERT_FALSE(ev[i].truncate);
    if (i + 1 < ev.size() && ev[i].append && !ev[i + 1].append && ev[i + 1].offset == ev[i].offset + 4 &&
        ev[i + 1].data == std::vector<uint8_t>{'m', 'o', 'o', 'f'}) {
      EXPECT_EQ(std::string(ev[i].data.begin() + 4, ev[i].data.begin() + 8), "free");
      fragments.push_back(i);
    }
  }
  ASSERT_GE(fragments.size(), 5u);
  ASSERT_EQ(fragments.front(), 1u);
  for (size_t f = 1; f < fragments.size(); ++f) ASSERT_EQ(fragments[f], fragments[f - 1] + 3);
  auto u64_of = [](const std::vector<uint8_t>& b) {
    uint64_t v = 0;
    for (uint8_t c : b) v = v << 8 | c;
    return v;
  };
  uint64_t duration_before = 0;
  for (size_t n : fragments) {
    const WriteEvent& mehd = ev[n + 2];
    ASSERT_FALSE(mehd.append);
    ASSERT_EQ(mehd.data.size(), 8u);
    EXPECT_EQ(mehd.offset, ev[fragments.front() + 2].offset) << "the same field every time";
    EXPECT_GT(u64_of(mehd.data), duration_before) << "the duration grows with each fragment";
    duration_before = u64_of(mehd.data);
  }
  // The fragments end with the audio, 2.5 s in (ms, the movie timescale).
  EXPECT_EQ(duration_before, 2500u);
  const size_t last_fragment = fragments.back();
  const size_t close_begin = last_fragment + 3;  // after its patches
  const uint64_t fragments_end = ev[last_fragment].offset + ev[last_fragment].data.size();
  // The index box written at close (final moov, mfra): pieces at and past the end of the
  // fragments, the first one its header typed 'free', the last one its type.
  // Regular: the index, then the mdat header (`patch`). Fragmented: the mehd duration
  // (`patch`), then the index.
  const size_t patch = layout == Layout::regular ? ev.size() - 1 : close_begin;
  const size_t index_begin = layout == Layout::regular ? close_begin : close_begin + 1;
  const size_t index_end = layout == Layout::regular ? ev.size() - 1 : ev.size();
  ASSERT_GE(index_end, index_begin + 2);
  EXPECT_EQ(ev[index_begin].offset, fragments_end);
  EXPECT_EQ(std::string(ev[index_begin].data.begin() + 4, ev[index_begin].data.begin() + 8), "free");
  for (size_t i = index_begin; i < index_end; ++i) EXPECT_GE(ev[i].offset, fragments_end);
  EXPECT_EQ(ev[index_end - 1].offset, fragments_end + 4);
  const std::string index_type = layout == Layout::regular ? "moov" : "mfra";
  EXPECT_EQ(ev[index_end - 1].data, std::vector<uint8_t>(index_type.begin(), index_type.end()));
  ASSERT_FALSE(ev[patch].append);
  // Every write of the index, cut anywhere (with holes between its pieces until the last).
  auto check_index_writes = [&](const Expectation& all, int& copies) {
    for (size_t i = index_begin; i < index_end; ++i) {
      const size_t len = ev[i].data.size();
      for (size_t k : {size_t{1}, size_t{4}, size_t{8}, len / 2, len - 1, len}) {
        if (k == 0 || k > len) continue;
        check_copy(file_at(ev, i, k), all, rec, dir,
                   index_type + " write " + std::to_string(i - index_begin) + " cut at +" + std::to_string(k),
                   i == index_begin || i + 1 == index_end || k == len);
        ++copies;
        if (::testing::Test::HasFailure()) return;
      }
    }
  };

  std::mt19937 rng(20240611);
  int copies = 0;
  // During the recording: inside each fragment, around its boundaries, and between the
  // append and the write that makes it a fragment.
  for (size_t n : fragments) {
    const size_t len = ev[n].data.size();
    std::set<size_t> cuts = {1, 8, 9, len / 2, len - 1, len};
    if (n == fragments.front() || n == last_fragment) cuts.insert({4, 16, 50, 100, len - 8, len - 100});
    const size_t random_cut = std::uniform_int_distribution<size_t>(1, len)(rng);
    cuts.insert(random_cut);
    // ffmpeg reads every cut of the first and the last fragment and one random cut of each
    // other; our demuxer reads them all.
    const bool all_with_ffmpeg = n == fragments.front() || n == last_fragment;
    // Until its type is written the new fragment does not count; every earlier one does.
    const Expectation before = complete_before(rec, ev[n].offset);
    for (size_t k : cuts) {
      if (k == 0 || k > len) continue;
      check_copy(file_at(ev, n, k), before, rec, dir, "fragment at event " + std::to_string(n) + " cut at +" + std::to_string(k),
                 all_with_ffmpeg || k == random_cut);
      ++copies;
      if (HasFailure()) return;
    }
    check_copy(file_at(ev, n + 2, 0), complete_before(rec, ev[n].offset + len), rec, dir,
               "fragment at event " + std::to_string(n) + " complete");
    check_copy(file_at(ev, n + 3, 0), complete_before(rec, ev[n].offset + len), rec, dir,
               "fragment at event " + std::to_string(n) + " complete, the duration updated");
    copies += 2;
    if (HasFailure()) return;
  }
  const Expectation all = complete_before(rec, UINT64_MAX);
  ASSERT_EQ(all.video, 75u);

  // During close().
  if (layout == Layout::regular) {
    // State A -> B: the final moov is being written after the last fragment.
    check_index_writes(all, copies);
    if (HasFailure()) return;
    // State B, built independently: the closed file with the 16 placeholder bytes back
    // (size 16, 'free', 8 zero bytes) is exactly the file before the mdat header is written.
    std::vector<uint8_t> state_b = rec.closed;
    const uint8_t placeholder[16] = {0, 0, 0, 16, 'f', 'r', 'e', 'e', 0, 0, 0, 0, 0, 0, 0, 0};
    std::copy(placeholder, placeholder + 16, state_b.begin() + static_cast<ptrdiff_t>(rec.placeholder));
    EXPECT_EQ(state_b, file_at(ev, patch, 0));
    check_copy(state_b, all, rec, dir, "final moov written, mdat header not yet");
    // State C: the closed file is a regular MP4 whose mdat header is the 64-bit kind.
    EXPECT_EQ(rec.closed[rec.placeholder + 3], 1);
    EXPECT_EQ(std::string(rec.closed.begin() + rec.placeholder + 4, rec.closed.begin() + rec.placeholder + 8), "mdat");
    check_copy(rec.closed, all, rec, dir, "closed");
    copies += 2;
  } else {
    // mehd patched in place (with what the last fragment wrote there), then the mfra appended.
    EXPECT_EQ(ev[patch].offset, ev[last_fragment + 2].offset);
    EXPECT_EQ(ev[patch].data, ev[last_fragment + 2].data);
    check_copy(file_at(ev, patch, 0), all, rec, dir, "before the duration patch");
    check_copy(file_at(ev, patch + 1, 0), all, rec, dir, "after the duration patch");
    check_index_writes(all, copies);
    if (HasFailure()) return;
    check_copy(rec.closed, all, rec, dir, "closed");
    copies += 3;
  }
  EXPECT_GT(copies, 60);
}

INSTANTIATE_TEST_SUITE_P(Layouts, CrashCopyTest, ::testing::Values(Layout::regular, Layout::fragmented),
                         [](const auto& param_info) { return param_info.param == Layout::regular ? "regular" : "fragmented"; });

}  // namespace
}  // namespace camrec
