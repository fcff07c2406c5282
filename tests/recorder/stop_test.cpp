// SPDX-License-Identifier: LGPL-2.1-or-later
// Recorder::stop and Mp4Container::Stop with an unpaced source (a file, or --fast): the
// source waits for room in the link and the link for room in the encoder, whose output only
// the recording thread takes. Stop must return promptly whether that thread stopped taking
// it because the output failed or simply because the program stopped calling Process, and
// the file(s) must hold what was written. Each stop runs under a watchdog: a hang fails the
// test instead of blocking the suite.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "camrec/media/media_manager.h"
#include "camrec/recorder/mp4_container.h"
#include "camrec/recorder/recorder.h"
#include "camrec/segments.h"
#include "recorder_test_util.h"

namespace camrec::recorder {
namespace {

using camrec::testing::TempDir;
using camrec::testing::Watchdog;
constexpr int kHang = 30;  // seconds after which a stop counts as hung

// Lets the unpaced source run on while nobody takes the encoder's output: its 8 buffers fill
// up, the link's worker then waits in SendFrame and the sensor in the link.
void let_the_source_fill_the_encoder() { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }

TEST(RecorderStop, AWriteErrorWithAnUnpacedSourceStopsPromptly) {
  TempDir dir;
  // The third segment's file exists and segments never replace a file: the write that
  // opens it fails, after two complete segments.
  ASSERT_TRUE(camrec::testing::write_file(dir.file("part-2.mp4"), {1, 2, 3}));
  SegmentOptions so;
  so.pattern = dir.file("part-{index}.mp4");
  so.duration_us = 1'000'000;
  MuxerOptions mo;
  mo.overwrite = false;
  auto writer = SegmentWriter::create(so, mo);
  ASSERT_TRUE(writer.has_value()) << writer.status().to_string();
  RecorderConfig rc;
  rc.width = 320;
  rc.height = 240;
  rc.paced = false;
  rc.gop = 15;
  rc.max_frames = 3000;
  rc.audio = media::AudioCodec::g711u;
  auto rec = Recorder::create(rc, std::unique_ptr<MediaWriter>(std::move(*writer)));
  ASSERT_TRUE(rec.has_value()) << rec.status().to_string();
  ASSERT_TRUE((*rec)->start().is_ok());
  Status s;
  while (s.is_ok()) s = (*rec)->process(5000);
  EXPECT_EQ(s.code(), Errc::already_exists) << s.to_string();
  EXPECT_NE(s.message().find("part-2.mp4"), std::string::npos) << s.to_string();
  let_the_source_fill_the_encoder();
  {
    Watchdog dog("Recorder::stop after a write error, unpaced source", kHang);
    Status stopped = (*rec)->stop();
    // The error was process()'s to report; stop winds down and closes what was written.
    EXPECT_TRUE(stopped.is_ok()) << stopped.to_string();
  }
  EXPECT_EQ(media::MediaManager::link_count(), 0u);
  EXPECT_EQ(camrec::testing::read_file(dir.file("part-2.mp4")), (std::vector<uint8_t>{1, 2, 3}));
  for (const char* name : {"part-0.mp4", "part-1.mp4"}) {
    SCOPED_TRACE(name);
    std::string err;
    EXPECT_EQ(camrec::testing::video_frame_md5s(dir.file(name), &err).size(), 30u) << err;
    EXPECT_EQ(camrec::testing::ffprobe_warnings(dir.file(name)), "");
  }
}

TEST(RecorderStop, StoppingAnUnpacedContainerThatIsNotTakingItsOutputLosesNothing) {
  TempDir dir;
  const std::string out = dir.file("stop.mp4");
  Mp4Container mp4;
  Mp4CfgStr cfg(Mp4Container::MP4_CONFIG_TYPE_MUXER);
  cfg.SetMuxerCfg(out, Mp4Container::MP4_CODEC_ID_H264, 320, 240, Mp4Container::MP4_CODEC_ID_G711U);
  cfg.paced = false;
  ASSERT_TRUE(mp4.Create(cfg).is_ok());
  ASSERT_TRUE(mp4.Start().is_ok());
  ASSERT_TRUE(mp4.Process().is_ok());
  let_the_source_fill_the_encoder();
  {
    Watchdog dog("Mp4Container::Stop with an unpaced source and the encoder full", kHang);
    Status stopped = mp4.Stop();
    EXPECT_TRUE(stopped.is_ok()) << stopped.to_string();
  }
  const RecorderStats st = mp4.stats();
  // Everything the source produced went into the file: what filled the encoder and the
  // link meanwhile was taken by Stop, nothing was cut off.
  EXPECT_EQ(st.frames_dropped, 0u);
  EXPECT_GE(st.frames_written, 8u);
  ASSERT_TRUE(mp4.Destroy().is_ok());
  EXPECT_EQ(media::MediaManager::link_count(), 0u);
  std::string err;
  EXPECT_EQ(camrec::testing::video_frame_md5s(out, &err).size(), st.frames_written) << err;
  EXPECT_EQ(camrec::testing::ffprobe_warnings(out), "");
}

}  // namespace
}  // namespace camrec::recorder
