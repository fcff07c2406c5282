// SPDX-License-Identifier: LGPL-2.1-or-later
// Every layout and every on-disk state of a camrec file against the conformance table
// (tests/testing/conformance.h): the fragmented file, CMAF, the regular layout while
// recording, after close and with faststart. And the checker itself: files with one
// mandatory box taken out, as camrec wrote them before every stbl had stsz and stco, fail it.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "box/boxes.h"
#include "camrec/muxer.h"
#include "io/byte_writer.h"
#include "testing/conformance.h"
#include "testing/probe_util.h"
#include "testing/stream_fixtures.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::TimedPacket;

/// 2 s of 320x240 H.264 and 8 kHz G.711, interleaved as a recorder hands them over.
const std::vector<TimedPacket>& av_packets() {
  static testing::TempDir dir;
  static const std::vector<TimedPacket> packets = [] {
    auto video = testing::make_h264_packets(dir.file("v.h264"), 60, 0);
    std::vector<uint8_t> tone(16000);
    for (size_t i = 0; i < tone.size(); ++i) tone[i] = static_cast<uint8_t>(i * 7);
    return testing::interleave({std::move(video), testing::g711_packets(tone, 320, 8000, 1)});
  }();
  return packets;
}

/// Writes the A/V packets into `path`; `copy_at` (when not empty) gets a copy of the file
/// as it is after half of the packets, before close.
void record(const std::string& path, MuxerOptions options, bool with_audio = true, const std::string& copy_at = "") {
  auto muxer = Muxer::create_file(path, options);
  ASSERT_TRUE(muxer.has_value()) << muxer.error().to_string();
  VideoTrackConfig v;
  ASSERT_TRUE((*muxer)->add_video_track(v).has_value());
  if (with_audio) {
    AudioTrackConfig a;
    ASSERT_TRUE((*muxer)->add_audio_track(a).has_value());
  }
  const auto& packets = av_packets();
  for (size_t i = 0; i < packets.size(); ++i) {
    if (!with_audio && packets[i].track != 0) continue;
    ASSERT_TRUE((*muxer)->write(packets[i].track, packets[i].packet()).is_ok());
    if (!copy_at.empty() && i == packets.size() / 2)
      ASSERT_TRUE(testing::write_file(copy_at, testing::read_file(path)));
  }
  ASSERT_TRUE((*muxer)->close().is_ok());
}

/// mp4box.js reads the whole file: every track with `counts` samples, nothing logged as
/// an error. Without node (a machine that skipped scripts/install-deps.sh) it says so.
void expect_mp4box_reads(const std::string& path, const std::vector<int64_t>& counts) {
  auto m = testing::mp4box_read(path);
  if (!m.available) {
    std::printf("mp4box.js not installed (scripts/install-deps.sh installs it): %s not read by it\n", path.c_str());
    return;
  }
  EXPECT_TRUE(m.ready) << m.json;
  EXPECT_EQ(m.sample_counts, counts) << m.json;
  EXPECT_TRUE(m.errors.empty()) << m.json;
}

/// Sample counts of av_packets() in each layout. The regular layout lists G.711 one sample
/// per PCM frame (the QuickTime sound layout GStreamer's qtdemux needs, audio_input.cpp), so
/// the 16000 bytes of tone are 16000 samples there; fragments keep the 50 packets.
const std::vector<int64_t> kFragmentedCounts = {60, 50};
const std::vector<int64_t> kRegularCounts = {60, 16000};

testing::ConformanceOptions closed_file() {
  testing::ConformanceOptions o;
  o.crash_states = false;
  return o;
}

TEST(Conformance, FragmentedFile) {
  testing::TempDir dir;
  MuxerOptions o;
  o.layout = Layout::fragmented;
  record(dir.file("f.mp4"), o);
  EXPECT_EQ(testing::conformance_report(dir.file("f.mp4"), closed_file()), "");
  expect_mp4box_reads(dir.file("f.mp4"), kFragmentedCounts);
}

TEST(Conformance, CmafVideoFile) {
  testing::TempDir dir;
  MuxerOptions o;
  o.layout = Layout::fragmented;
  o.cmaf = true;
  record(dir.file("c.mp4"), o, /*with_audio=*/false);
  EXPECT_EQ(testing::conformance_report(dir.file("c.mp4"), closed_file()), "");
  expect_mp4box_reads(dir.file("c.mp4"), {60});
}

TEST(Conformance, RegularFileWhileRecordingAndAfterClose) {
  testing::TempDir dir;
  record(dir.file("r.mp4"), {}, true, dir.file("while.mp4"));
  // The copy taken while recording is state A: ftyp, free(16), moov(mvex), the header's
  // reserve, fragments.
  auto top = testing::top_level_boxes(dir.file("while.mp4"));
  ASSERT_GE(top.size(), 5u);
  EXPECT_EQ(top[2].type, "moov");
  EXPECT_EQ(top[3].type, "free");
  EXPECT_EQ(top[4].type, "moof");
  EXPECT_EQ(testing::conformance_report(dir.file("while.mp4")), "");
  EXPECT_EQ(testing::conformance_report(dir.file("r.mp4"), closed_file()), "");
  expect_mp4box_reads(dir.file("r.mp4"), kRegularCounts);
  auto growing = testing::mp4box_read(dir.file("while.mp4"));
  if (growing.available) EXPECT_TRUE(growing.ready && growing.errors.empty()) << growing.json;
}

TEST(Conformance, FaststartFile) {
  testing::TempDir dir;
  MuxerOptions o;
  o.faststart = true;
  record(dir.file("fs.mp4"), o);
  EXPECT_EQ(testing::conformance_report(dir.file("fs.mp4"), closed_file()), "");
  expect_mp4box_reads(dir.file("fs.mp4"), kRegularCounts);
}

TEST(Conformance, EveryStateOfTheClose) {
  // The file as it is after each step of close(): B (final moov appended), B synced, C.
  testing::TempDir dir;
  std::vector<std::string> copies;
  MuxerOptions o;
  const std::string path = dir.file("steps.mp4");
  o.on_step = [&](const char* step) {
    std::string copy = dir.file(std::string("at-") + step + "-" + std::to_string(copies.size()) + ".mp4");
    EXPECT_TRUE(testing::write_file(copy, testing::read_file(path)));
    copies.push_back(copy);
  };
  record(path, o);
  ASSERT_GE(copies.size(), 3u);
  for (const auto& copy : copies) EXPECT_EQ(testing::conformance_report(copy), "") << copy;
}

/// Rewrites the first moov of `in` into `out` after `change` (the fragments' offsets are
/// relative to their moof, so a moov of another size leaves them valid).
void rewrite_moov(const std::string& in, const std::string& out, const std::function<void(box::MovieBox&)>& change) {
  auto bytes = testing::read_file(in);
  auto top = testing::top_level_boxes(bytes);
  io::ByteWriter w;
  bool done = false;
  for (const auto& b : top) {
    std::span<const uint8_t> whole(bytes.data() + b.offset, b.size);
    if (b.type == "moov" && !done) {
      auto moov = box::parse_box<box::MovieBox>(whole, b.offset);
      ASSERT_TRUE(moov.has_value()) << moov.error().to_string();
      change(*moov);
      box::write_box(w, *moov);
      done = true;
    } else {
      w.bytes(whole);
    }
  }
  ASSERT_TRUE(testing::write_file(out, w.buffer()));
}

TEST(Conformance, HeaderWithoutSampleSizesFailsTheChecker) {
  // The init moov as camrec wrote it before: stsd, stts, stsc, and neither stsz nor stco.
  testing::TempDir dir;
  MuxerOptions o;
  o.layout = Layout::fragmented;
  record(dir.file("f.mp4"), o);
  rewrite_moov(dir.file("f.mp4"), dir.file("old.mp4"), [](box::MovieBox& moov) {
    for (auto& trak : moov.traks) {
      trak.mdia.minf.stbl.stsz.reset();
      trak.mdia.minf.stbl.stco.reset();
    }
  });
  auto problems = testing::conformance_problems(dir.file("old.mp4"));
  ASSERT_EQ(problems.size(), 4u) << testing::conformance_report(dir.file("old.mp4"));
  EXPECT_NE(problems[0].find("trak[1]/mdia/minf/stbl: 0 'stsz|stz2' (needs 1), 14496-12 8.7.3.1"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("'stco|co64'"), std::string::npos) << problems[1];
  // ffmpeg does not mind: the checker is stricter than the tolerant readers.
  testing::BrokenOnPurpose broken(dir.file("old.mp4"));
  EXPECT_EQ(testing::ffprobe_packet_count(dir.file("old.mp4"), "v"), 60);
}

TEST(Conformance, MissingTrexTfdtAndBadDescriptionIndexesFailTheChecker) {
  testing::TempDir dir;
  MuxerOptions o;
  o.layout = Layout::fragmented;
  record(dir.file("f.mp4"), o);
  rewrite_moov(dir.file("f.mp4"), dir.file("no_trex.mp4"), [](box::MovieBox& moov) { moov.mvex->trex.pop_back(); });
  auto problems = testing::conformance_problems(dir.file("no_trex.mp4"));
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find("0 trex for track_ID 2 (needs 1)"), std::string::npos) << problems[0];

  rewrite_moov(dir.file("f.mp4"), dir.file("stsd.mp4"),
               [](box::MovieBox& moov) { moov.mvex->trex[0].default_sample_description_index = 2; });
  problems = testing::conformance_problems(dir.file("stsd.mp4"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("trex default_sample_description_index 2 of 1 entries"), std::string::npos)
      << problems[0];

  // A fragment without tfdt: the first moof, its traf's tfdt dropped, its size fixed.
  auto bytes = testing::read_file(dir.file("f.mp4"));
  auto top = testing::top_level_boxes(bytes);
  auto moof_box = std::find_if(top.begin(), top.end(), [](const testing::TopBox& b) { return b.type == "moof"; });
  ASSERT_NE(moof_box, top.end());
  auto moof = box::parse_box<box::MovieFragmentBox>(
      std::span<const uint8_t>(bytes.data() + moof_box->offset, moof_box->size), moof_box->offset);
  ASSERT_TRUE(moof.has_value());
  moof->trafs[0].tfdt.reset();
  io::ByteWriter w;
  box::write_box(w, *moof);
  // The same size keeps trun data offsets right: a 'free' box fills the tfdt's bytes.
  const uint64_t shrink = moof_box->size - w.size();
  ASSERT_GE(shrink, 8u);
  std::vector<uint8_t> out(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(moof_box->offset));
  out.insert(out.end(), w.buffer().begin(), w.buffer().end());
  io::ByteWriter filler;
  box::FreeSpaceBox free_box;
  free_box.data.assign(shrink - 8, 0);
  box::write_box(filler, free_box);
  out.insert(out.end(), filler.buffer().begin(), filler.buffer().end());
  out.insert(out.end(), bytes.begin() + static_cast<ptrdiff_t>(moof_box->offset + moof_box->size), bytes.end());
  ASSERT_TRUE(testing::write_file(dir.file("no_tfdt.mp4"), out));
  problems = testing::conformance_problems(dir.file("no_tfdt.mp4"));
  ASSERT_EQ(problems.size(), 1u) << testing::conformance_report(dir.file("no_tfdt.mp4"));
  EXPECT_NE(problems[0].find("/traf[1]: 0 'tfdt' (needs 1)"), std::string::npos) << problems[0];
}

TEST(Conformance, TornTailIsACrashStateOnly) {
  testing::TempDir dir;
  MuxerOptions o;
  o.layout = Layout::fragmented;
  record(dir.file("f.mp4"), o);
  auto bytes = testing::read_file(dir.file("f.mp4"));
  bytes.resize(bytes.size() * 2 / 3);
  ASSERT_TRUE(testing::write_file(dir.file("cut.mp4"), bytes));
  EXPECT_EQ(testing::conformance_report(dir.file("cut.mp4")), "");
  EXPECT_FALSE(testing::conformance_problems(dir.file("cut.mp4"), closed_file()).empty());
}

TEST(Conformance, TableListsTheMandatoryChildren) {
  const std::string table = testing::conformance_table_markdown();
  EXPECT_NE(table.find("| stbl | every file | stsd (1), stts (1), stsc (1), stsz|stz2 (1), stco|co64 (1)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("| traf | every file | tfhd (1), tfdt (1)"), std::string::npos) << table;
  std::printf("%s", table.c_str());
}

}  // namespace
}  // namespace camrec
