// SPDX-License-Identifier: LGPL-2.1-or-later
// Segment cuts with audio that lags its video, as a recorder hands them over: the audio
// packet timed just before a cutting key frame arrives after it. Every audio packet ends
// up in the segment its time belongs to, none is dropped, and each segment is a complete
// file that starts with its key frame and its audio at the same instant.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "camrec/segments.h"
#include "testing/conformance.h"
#include "testing/probe_util.h"
#include "testing/stream_fixtures.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::TimedPacket;

constexpr int kFrames = 150;            // 5 s at 30 fps, a key frame every second
constexpr size_t kAudioBytes = 40'000;  // 5 s of 8 kHz G.711
constexpr size_t kPacketBytes = 160;    // 20 ms
constexpr int kAudioPackets = static_cast<int>(kAudioBytes / kPacketBytes);

struct Input {
  std::vector<TimedPacket> video;
  std::vector<TimedPacket> audio;
};

Input make_input(const testing::TempDir& dir) {
  Input in;
  in.video = testing::make_h264_packets(dir.file("in.h264"), kFrames, 0, "160x120", 30);
  std::vector<uint8_t> bytes(kAudioBytes);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);
  in.audio = testing::g711_packets(bytes, kPacketBytes, 8000, 1);
  return in;
}

/// Writes `in` in recorder order: each audio packet after the first video frame at least
/// `lag_us` later than it (lag 0: the frame of the same instant or the next one).
Status feed(MediaWriter& w, const Input& in, int64_t lag_us, int audio_packets = kAudioPackets) {
  size_t a = 0;
  for (const auto& v : in.video) {
    CAMREC_RETURN_IF_ERROR(w.write(0, v.packet()));
    for (; a < static_cast<size_t>(audio_packets) && in.audio[a].dts_us() + lag_us <= v.dts_us(); ++a)
      CAMREC_RETURN_IF_ERROR(w.write(1, in.audio[a].packet()));
  }
  for (; a < static_cast<size_t>(audio_packets); ++a) CAMREC_RETURN_IF_ERROR(w.write(1, in.audio[a].packet()));
  return Status::ok();
}

std::unique_ptr<SegmentWriter> make_writer(const std::string& pattern, uint32_t keep = 0) {
  SegmentOptions so;
  so.pattern = pattern;
  so.duration_us = 1'000'000;
  so.keep = keep;
  auto w = SegmentWriter::create(so, MuxerOptions{});
  EXPECT_TRUE(w.has_value()) << w.error().to_string();
  if (!w) return nullptr;
  EXPECT_TRUE((*w)->add_video_track({}).has_value());
  AudioTrackConfig ac;
  ac.codec = Codec::g711_ulaw;
  EXPECT_TRUE((*w)->add_audio_track(ac).has_value());
  return std::move(*w);
}

class LaggingAudio : public ::testing::TestWithParam<int64_t> {};

TEST_P(LaggingAudio, EveryPacketLandsInTheSegmentOfItsTime) {
  testing::TempDir dir;
  Input in = make_input(dir);
  ASSERT_EQ(in.video.size(), static_cast<size_t>(kFrames));
  auto w = make_writer(dir.file("s{index}.mp4"));
  ASSERT_TRUE(w);
  ASSERT_TRUE(feed(*w, in, GetParam()).is_ok());
  ASSERT_TRUE(w->close().is_ok());
  EXPECT_EQ(w->stats().samples_dropped, 0u);
  EXPECT_EQ(w->stats().samples_written, static_cast<uint64_t>(kFrames + kAudioPackets));

  ASSERT_EQ(w->segments().size(), 5u);
  size_t audio = 0, video = 0;
  for (size_t k = 0; k < w->segments().size(); ++k) {
    const std::string& path = w->segments()[k].path;
    EXPECT_TRUE(w->segments()[k].closed) << path;
    EXPECT_EQ(testing::conformance_report(path, {.crash_states = false}), "") << path;
    EXPECT_EQ(testing::ffprobe_warnings(path), "") << path;
    auto a = testing::ffprobe_packets(path, "a:0");
    auto v = testing::ffprobe_packets(path, "v:0");
    // One second each: 50 packets of 20 ms from 0 to 0.98 s beside 30 frames from 0, so
    // the segment's audio starts with its key frame.
    ASSERT_EQ(a.size(), 50u) << path;
    ASSERT_EQ(v.size(), 30u) << path;
    EXPECT_EQ(a.front().pts, 0) << path;
    EXPECT_EQ(a.back().pts, 7840) << path;  // 0.98 s at 8 kHz
    EXPECT_EQ(v.front().pts, 0) << path;
    EXPECT_TRUE(v.front().key) << path;
    audio += a.size();
    video += v.size();
  }
  EXPECT_EQ(audio, static_cast<size_t>(kAudioPackets)) << "no audio packet lost or repeated across segments";
  EXPECT_EQ(video, static_cast<size_t>(kFrames));
}

// 0: the packet just before a cut comes right after the cutting frame; 150 ms: several do.
INSTANTIATE_TEST_SUITE_P(Segments, LaggingAudio, ::testing::Values(0, 150'000));

TEST(Segments, KeepDeletesACutSegmentOnlyOnceItsLateAudioIsIn) {
  testing::TempDir dir;
  Input in = make_input(dir);
  auto w = make_writer(dir.file("k{index}.mp4"), 1);
  ASSERT_TRUE(w);
  ASSERT_TRUE(feed(*w, in, 150'000).is_ok());
  ASSERT_TRUE(w->close().is_ok());
  EXPECT_EQ(w->stats().samples_dropped, 0u);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    files += e.path().filename().string().rfind("k", 0) == 0;
  EXPECT_EQ(files, 1);
  const auto& last = w->segments().back();
  ASSERT_FALSE(last.deleted);
  EXPECT_EQ(testing::conformance_report(last.path, {.crash_states = false}), "");
  EXPECT_EQ(testing::ffprobe_packets(last.path, "a:0").size(), 50u);
}

TEST(Segments, ASilentAudioTrackDoesNotHoldTheCutSegmentOpen) {
  // Audio stops at 0.5 s: the segment cut at 15 s waits for audio that never comes, and is
  // finished once the video is 10 s past its cut, long before the writer closes.
  testing::TempDir dir;
  auto video = testing::make_h264_packets(dir.file("long.h264"), 810, 0, "160x120", 30);
  ASSERT_EQ(video.size(), 810u);
  auto audio = testing::g711_packets(std::vector<uint8_t>(4000, 0xFF), kPacketBytes, 8000, 1);
  SegmentOptions so;
  so.pattern = dir.file("q{index}.mp4");
  so.duration_us = 15'000'000;
  auto w = SegmentWriter::create(so, MuxerOptions{});
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE((*w)->add_video_track({}).has_value());
  AudioTrackConfig ac;
  ac.codec = Codec::g711_ulaw;
  ASSERT_TRUE((*w)->add_audio_track(ac).has_value());
  size_t a = 0;
  size_t f = 0;
  auto write_until = [&](int64_t end_us) {
    for (; f < video.size() && video[f].dts_us() < end_us; ++f) {
      const auto& v = video[f];
      ASSERT_TRUE((*w)->write(0, v.packet()).is_ok());
      for (; a < audio.size() && audio[a].dts_us() <= v.dts_us(); ++a)
        ASSERT_TRUE((*w)->write(1, audio[a].packet()).is_ok());
    }
  };
  // Closed means state C of the regular layout: ftyp, then the mdat that spans the fragments.
  auto closed = [](const std::string& path) {
    auto boxes = testing::top_level_boxes(path);
    return boxes.size() >= 2 && boxes[1].type == "mdat";
  };
  write_until(24'000'000);
  ASSERT_EQ((*w)->segments().size(), 2u);
  const std::string first = (*w)->segments()[0].path;
  // 24 s: 9 s past the cut, the first segment still waits.
  EXPECT_FALSE(closed(first));
  EXPECT_FALSE((*w)->segments()[0].closed);
  write_until(26'000'000);
  EXPECT_TRUE(closed(first));
  EXPECT_TRUE((*w)->segments()[0].closed);
  EXPECT_FALSE((*w)->segments()[1].closed);
  EXPECT_EQ(testing::conformance_report(first, {.crash_states = false}), "");
  EXPECT_EQ(testing::ffprobe_packets(first, "a:0").size(), 25u);
  EXPECT_EQ(testing::ffprobe_packets(first, "v:0").size(), 450u);
  write_until(27'000'000);
  ASSERT_TRUE((*w)->close().is_ok());
  EXPECT_EQ((*w)->stats().samples_dropped, 0u);
  EXPECT_EQ((*w)->stats().samples_written, 810u + audio.size());
}

}  // namespace
}  // namespace camrec
