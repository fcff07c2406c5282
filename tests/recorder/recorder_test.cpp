// SPDX-License-Identifier: LGPL-2.1-or-later
// The Recorder's own rules, on a manual clock that makes a paced source run instantly (so
// the link must drop most frames): a frame limit counts the frames in the file, gaps stay
// gaps, and the last frame lasts one frame time.
#include <gtest/gtest.h>

#include "camrec/media/clock.h"
#include "camrec/recorder/recorder.h"
#include "recorder_test_util.h"

namespace camrec::recorder {
namespace {

using camrec::testing::TempDir;

TEST(RecorderTest, PacedFrameLimitCountsTheFramesWrittenNotCaptured) {
  TempDir dir;
  const std::string out = dir.file("drops.mp4");
  media::ManualClock clock(1'000'000);
  RecorderConfig rc;
  rc.width = 320;
  rc.height = 240;
  rc.paced = true;  // the manual clock jumps to each deadline: capture outruns the encoder
  rc.clock = &clock;
  rc.max_frames = 30;
  const auto recorded = test::record_to_end(rc, out);
  ASSERT_TRUE(recorded.has_value());
  const RecorderStats& stats = *recorded;
  ASSERT_GT(stats.frames_dropped, 0u) << "the test needs drops";
  EXPECT_EQ(stats.frames_written, 30u);

  EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");
  auto pts = test::video_pts(out);
  ASSERT_EQ(pts.size(), 30u);
  // Capture times: whole frames apart, with the dropped ones missing.
  int64_t gaps = 0;
  for (size_t i = 1; i < pts.size(); ++i) {
    const int64_t d = pts[i] - pts[i - 1];
    const int64_t k = (d + 1500) / 3000;
    EXPECT_GE(k, 1);
    EXPECT_LE(std::llabs(d - k * 3000), 2) << "interval " << i;
    gaps += k - 1;
  }
  EXPECT_GT(gaps, 0);
  EXPECT_LE(std::llabs((stats.last_pts_us - stats.first_pts_us) * 9 / 100 - (pts.back() - pts.front())), 1);
  // Each frame lasts until the next; the last one a frame time, whatever gap came before it.
  auto packets = camrec::testing::ffprobe_packets(out, "v:0");
  ASSERT_EQ(packets.size(), 30u);
  for (size_t i = 0; i + 1 < packets.size(); ++i)
    EXPECT_EQ(packets[i].duration, *packets[i + 1].pts - *packets[i].pts) << "packet " << i;
  EXPECT_NEAR(static_cast<double>(packets.back().duration), 3000, 1);
  auto span = test::stream_span(out, "v");
  ASSERT_TRUE(span.has_value());
  EXPECT_NEAR(static_cast<double>(span->duration_us), static_cast<double>((pts.back() - pts.front() + 3000) * 100 / 9),
              20);
}

TEST(RecorderTest, ProcessBeforeStartAndAfterTheEnd) {
  TempDir dir;
  RecorderConfig rc;
  rc.width = 160;
  rc.height = 120;
  rc.paced = false;
  rc.max_frames = 3;
  auto muxer = Muxer::create_file(dir.file("a.mp4"));
  ASSERT_TRUE(muxer.has_value());
  auto rec = Recorder::create(rc, std::move(*muxer));
  ASSERT_TRUE(rec.has_value()) << rec.error().to_string();
  EXPECT_EQ((*rec)->process().code(), Errc::wrong_state);
  ASSERT_TRUE((*rec)->start().is_ok());
  EXPECT_EQ((*rec)->start().code(), Errc::wrong_state);
  Status s;
  int calls = 0;
  while ((s = (*rec)->process()).is_ok()) ++calls;
  EXPECT_EQ(s.code(), Errc::end_of_stream) << s.to_string();
  EXPECT_EQ(calls, 2) << "the third frame reaches the limit";
  EXPECT_EQ((*rec)->process().code(), Errc::end_of_stream);
  ASSERT_TRUE((*rec)->stop().is_ok());
  ASSERT_TRUE((*rec)->stop().is_ok()) << "stop is idempotent";
  EXPECT_EQ(camrec::testing::ffprobe_packet_count(dir.file("a.mp4"), "v"), 3);
}

}  // namespace
}  // namespace camrec::recorder
