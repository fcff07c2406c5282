// SPDX-License-Identifier: LGPL-2.1-or-later
// A/V sync end to end: the test pattern flashes and the tone beeps at the same capture
// instants; in the decoded recording each flash must meet its beep. A 60 s real-time
// recording (sync must not drift), an unpaced one (exact: the flash is the first frame at or
// after the beep), and one on a manual clock (identical instants).
#include <gtest/gtest.h>

#include "camrec/demuxer.h"
#include "camrec/media/clock.h"
#include "camrec/recorder/recorder.h"
#include "recorder_test_util.h"

namespace camrec::recorder {
namespace {

using camrec::testing::TempDir;
using camrec::testing::run_command;
using camrec::testing::shell_quote;

/// Flash and beep times of a decoded recording, µs on the file's presentation timeline.
struct Marks {
  std::vector<int64_t> frame_us;  ///< Every video frame's time, in order.
  std::vector<size_t> flashes;    ///< Indices into frame_us.
  std::vector<int64_t> beeps_us;  ///< Beep onsets (first loud sample).
  int64_t sample_us = 125;        ///< One audio sample.
};

Marks find_marks(const std::string& path, uint32_t w, uint32_t h) {
  Marks m;
  auto streams = camrec::testing::ffprobe_streams(path);
  int64_t v_num = 0, v_den = 0, a_num = 0, a_den = 0, rate = 0;
  for (const auto& s : streams) {
    if (s.codec_type == "video") v_num = s.tb_num, v_den = s.tb_den;
    if (s.codec_type == "audio") a_num = s.tb_num, a_den = s.tb_den, rate = s.sample_rate;
  }
  EXPECT_GT(v_den, 0);
  EXPECT_GT(a_den, 0);
  EXPECT_GT(rate, 0);
  if (v_den == 0 || a_den == 0 || rate == 0) return m;
  m.sample_us = 1'000'000 / rate;
  for (int64_t pts : test::video_pts(path)) m.frame_us.push_back(pts * v_num * 1'000'000 / v_den);

  std::string err;
  auto means = test::frame_mean_luma(path, w, h, &err);
  EXPECT_EQ(means.size(), m.frame_us.size()) << err;
  if (means.size() != m.frame_us.size()) return m;
  m.flashes = test::flash_frames(means);

  auto audio = camrec::testing::ffprobe_packets(path, "a:0");
  // The decoded sound starts with the first packet the edit list keeps: AAC's first packet
  // decodes to the encoder's delay and is dropped whole ('D').
  std::erase_if(audio, [](const camrec::testing::ProbePacket& p) { return p.discard; });
  EXPECT_FALSE(audio.empty());
  if (audio.empty() || !audio[0].pts) return m;
  const int64_t audio_start_us = *audio[0].pts * a_num * 1'000'000 / a_den;
  auto pcm = test::decoded_pcm(path, &err);
  EXPECT_FALSE(pcm.empty()) << err;
  // A beep: loud samples after at least 50 ms of quiet (beeps last 100 ms, 1 s apart).
  for (size_t i : test::beep_onsets(pcm, 1000, static_cast<size_t>(rate / 20)))
    m.beeps_us.push_back(audio_start_us + static_cast<int64_t>(i) * 1'000'000 / rate);
  return m;
}

/// The beep nearest to `t_us`.
int64_t nearest(const std::vector<int64_t>& beeps, int64_t t_us) {
  int64_t best = beeps.front();
  for (int64_t b : beeps)
    if (std::llabs(b - t_us) < std::llabs(best - t_us)) best = b;
  return best;
}

/// Every flash has a beep within `tolerance_us`; returns the differences (flash - beep).
/// `dropped` video frames (counted by the recorder) may have taken flashes with them.
std::vector<int64_t> check_pairs(const Marks& m, int64_t tolerance_us, size_t min_pairs, int64_t dropped = 0) {
  std::vector<int64_t> diffs;
  EXPECT_GE(m.flashes.size(), min_pairs);
  EXPECT_GE(m.beeps_us.size(), min_pairs);
  if (m.beeps_us.empty()) return diffs;
  // One beep per second, one flash per beep: the counts differ at most by the marks that fall
  // outside one stream at the ends.
  const auto flashes = static_cast<int64_t>(m.flashes.size()), beeps = static_cast<int64_t>(m.beeps_us.size());
  EXPECT_LE(flashes, beeps + 1);
  EXPECT_GE(flashes, beeps - 1 - dropped);
  for (size_t i : m.flashes) {
    const int64_t t = m.frame_us[i];
    const int64_t d = t - nearest(m.beeps_us, t);
    EXPECT_LE(std::llabs(d), tolerance_us) << "flash at " << t << " µs";
    diffs.push_back(d);
  }
  // Flashes come a whole number of seconds apart (one second unless a drop took one).
  for (size_t k = 1; k < m.flashes.size(); ++k) {
    const int64_t d = m.frame_us[m.flashes[k]] - m.frame_us[m.flashes[k - 1]];
    const int64_t seconds = (d + 500'000) / 1'000'000;
    EXPECT_GE(seconds, 1) << "flash " << k;
    EXPECT_LE(seconds, 1 + dropped) << "flash " << k;
    EXPECT_LE(std::llabs(d - seconds * 1'000'000), 40'000) << "flash " << k;
  }
  return diffs;
}

TEST(AvSyncRecordingTest, SixtySecondsInRealTime) {
  TempDir dir;
  const std::string out = dir.file("sync.mp4");
  auto r = run_command(shell_quote(test::cli()) + " record -o " + shell_quote(out) +
                       " --duration 60 --size 320x240 --codec h264 --audio g711u");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");
  const int64_t dropped = test::summary_dropped(r.err);
  ASSERT_GE(dropped, 0) << r.err;
  EXPECT_LE(dropped, 30) << r.err;
  Marks m = find_marks(out, 320, 240);
  auto diffs = check_pairs(m, 40'000, 55, dropped);
  ASSERT_FALSE(diffs.empty());
  // The start and the end of the recording: no drift between them.
  EXPECT_LE(std::llabs(diffs.front()), 40'000) << "first flash";
  EXPECT_LE(std::llabs(diffs.back()), 40'000) << "last flash";
  RecordProperty("first_flash_minus_beep_us", std::to_string(diffs.front()));
  RecordProperty("last_flash_minus_beep_us", std::to_string(diffs.back()));
  RecordProperty("pairs", std::to_string(diffs.size()));
  EXPECT_GE(m.frame_us[m.flashes.back()], 58'000'000) << "the last flash is near the end";
}

// G.711 (no delay), Opus (pre-skip in its header) and AAC (1024 samples of encoder delay
// that the edit list must hide): an edit list off by the delay puts every beep 21 ms late.
class AvSyncCodecTest : public ::testing::TestWithParam<const char*> {};

TEST_P(AvSyncCodecTest, UnpacedCliFlashIsTheFirstFrameAtTheBeep) {
  TempDir dir;
  const std::string out = dir.file("fast.mp4");
  auto r = run_command(shell_quote(test::cli()) + " record -q --fast -o " + shell_quote(out) +
                       " --duration 20 --size 320x240 --codec h264 --audio " + GetParam());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");
  Marks m = find_marks(out, 320, 240);
  EXPECT_EQ(m.frame_us.size(), 600u);
  check_pairs(m, 34'000, 18);
  // The beep instant is one sample before its first loud sample (the tone starts at
  // sin(0)); the flash is the frame whose interval (previous frame, this frame] holds it.
  // Audio times are whole samples on the file's timeline: allow one sample either way.
  for (size_t i : m.flashes) {
    ASSERT_GT(i, 0u);
    const int64_t beep = nearest(m.beeps_us, m.frame_us[i]) - m.sample_us;
    EXPECT_GT(beep + m.sample_us, m.frame_us[i - 1]) << "flash frame " << i;
    EXPECT_LE(beep - m.sample_us, m.frame_us[i]) << "flash frame " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, AvSyncCodecTest, ::testing::Values("g711u", "opus", "aac"));

TEST(AvSyncRecordingTest, ManualClockMarksAreIdentical) {
  TempDir dir;
  const std::string out = dir.file("manual.mp4");
  media::ManualClock clock(7'000'000);
  RecorderConfig rc;
  rc.width = 320;
  rc.height = 240;
  rc.paced = false;
  rc.clock = &clock;
  rc.audio = media::AudioCodec::g711u;
  rc.max_frames = 300;
  rc.marks.origin_us = clock.now_us();
  ASSERT_TRUE(test::record_to_end(rc, out).has_value());
  EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");

  Marks m = find_marks(out, 320, 240);
  ASSERT_EQ(m.frame_us.size(), 300u);
  ASSERT_EQ(m.flashes.size(), 9u);  // instants 1..9 s of a 10 s recording
  ASSERT_EQ(m.beeps_us.size(), 9u);
  for (size_t k = 0; k < 9; ++k) {
    const int64_t instant = static_cast<int64_t>(k + 1) * 1'000'000;
    EXPECT_EQ(m.frame_us[m.flashes[k]], instant);  // frame 30 (k + 1)
    EXPECT_EQ(m.beeps_us[k], instant + m.sample_us);
  }
}

}  // namespace
}  // namespace camrec::recorder
