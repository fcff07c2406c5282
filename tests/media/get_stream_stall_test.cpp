// SPDX-License-Identifier: LGPL-2.1-or-later
// GetStream with the tutorial's timeout of -1 never waits forever on a flow that has
// stalled: every output buffer held without ReleaseStream, frames of another size than the
// channel's (the sensor's ALIGN_UP(width, 16)), a source that ended, failed, was stopped or
// unlinked. Each returns an error that names the cause.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>

#include "camrec/media/encoder.h"
#include "camrec/media/media_manager.h"
#include "camrec/media/sensor.h"
#include "media_test_util.h"

namespace camrec::media {
namespace {

// GetStream(chn, sd, -1) on another thread; a call still blocked after 60 s is a hang: the
// process ends there (the blocked thread cannot be taken back).
Status get_stream_forever(Encoder& enc, StreamData& sd) {
  auto call = std::async(std::launch::async, [&] { return enc.GetStream(0, sd, -1); });
  if (call.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    ADD_FAILURE() << "GetStream(-1) hangs";
    std::fflush(nullptr);
    std::_Exit(1);
  }
  return call.get();
}

struct Flow {
  std::shared_ptr<Sensor> sensor;
  std::shared_ptr<Encoder> enc;
  std::unique_ptr<Link> link;
};

// A sensor (test pattern, `frames` frames, unpaced unless asked) linked to channel 0 of an
// encoder created at `chn_width` x 240; the sensor channel is set to `sensor_width` x 240.
Flow make_flow(ManualClock& clock, uint64_t frames, uint32_t sensor_width, uint32_t chn_width, bool paced = false,
               const std::string& source = "testpattern") {
  Flow f;
  SensorConfig c;
  c.clock = paced ? nullptr : &clock;
  c.source = source;
  c.source_options.width = 320;
  c.source_options.height = 240;
  c.source_options.paced = paced;
  c.source_options.max_frames = frames;
  auto sensor = Sensor::create(c);
  EXPECT_TRUE(sensor.has_value()) << sensor.status().to_string();
  if (!sensor) return f;
  f.sensor = *sensor;
  EXPECT_TRUE(f.sensor->set_framesize(sensor_width, 240).is_ok());
  f.enc = *Encoder::create();
  EXPECT_TRUE(f.enc->SetOutBufs(0, 8, chn_width, 240).is_ok());
  ChnAttr a = ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, chn_width, 240);
  a.threads = 1;
  a.preset = "ultrafast";
  EXPECT_TRUE(f.enc->Create(0, a).is_ok());
  EXPECT_TRUE(f.enc->Start(0).is_ok());
  LinkOptions lo;
  lo.overflow = paced ? OverflowPolicy::drop : OverflowPolicy::block;
  auto link = MediaManager::link(f.sensor->bind_info()->src, {VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0}, lo);
  EXPECT_TRUE(link.has_value());
  if (link) f.link = std::move(*link);
  EXPECT_TRUE(f.sensor->run().is_ok());
  return f;
}

TEST(GetStreamStall, EveryBufferHeldWithoutReleaseStream) {
  ManualClock clock;
  Flow f = make_flow(clock, 100, 320, 320);
  std::vector<StreamData> held(8);
  for (auto& sd : held) ASSERT_TRUE(get_stream_forever(*f.enc, sd).is_ok());
  StreamData ninth;
  Status s = get_stream_forever(*f.enc, ninth);
  EXPECT_EQ(s.code(), Errc::wrong_state) << s.to_string();
  EXPECT_NE(s.message().find("8 output buffers held: call ReleaseStream"), std::string::npos) << s.to_string();
  // One released: the flow goes on.
  ASSERT_TRUE(f.enc->ReleaseStream(0, held[0]).is_ok());
  EXPECT_TRUE(get_stream_forever(*f.enc, ninth).is_ok());
  EXPECT_EQ(ninth.stream_type[0], STREAM_TYPE_P);
}

TEST(GetStreamStall, SensorWidthAlignedUpTo16AgainstAnUnalignedChannel) {
  ManualClock clock;
  // set_framesize(1000, ...) gives 1008-wide frames; the channel was created 1000 wide.
  Flow f = make_flow(clock, 100, 1000, 1000);
  ASSERT_EQ(f.sensor->bind_info()->width, 1008u);
  StreamData sd;
  Status s = get_stream_forever(*f.enc, sd);
  EXPECT_EQ(s.code(), Errc::invalid_argument) << s.to_string();
  EXPECT_NE(s.message().find("frame 1008x240 does not match the 1000x240 of encoder channel 0"), std::string::npos)
      << s.to_string();
  EXPECT_NE(s.message().find("ALIGN_UP(1000, 16) = 1008"), std::string::npos) << s.to_string();
}

TEST(GetStreamStall, SourceAtItsEnd) {
  ManualClock clock;
  Flow f = make_flow(clock, 5, 320, 320);
  int pictures = 0;
  Status s;
  for (;;) {
    StreamData sd;
    s = get_stream_forever(*f.enc, sd);
    if (!s.is_ok()) break;
    if (sd.stream_type[0] != STREAM_TYPE_HEADER) ++pictures;
    ASSERT_TRUE(f.enc->ReleaseStream(0, sd).is_ok());
  }
  EXPECT_EQ(pictures, 5);
  EXPECT_EQ(s.code(), Errc::end_of_stream) << s.to_string();
  EXPECT_NE(s.message().find("no frame will come"), std::string::npos) << s.to_string();
  // Stop drains; then the channel says so.
  ASSERT_TRUE(f.enc->Stop(0).is_ok());
  StreamData sd;
  EXPECT_EQ(get_stream_forever(*f.enc, sd).code(), Errc::end_of_stream);
}

TEST(GetStreamStall, SourceThatFails) {
  // A Y4M file whose second frame marker is damaged: capture fails after one frame.
  camrec::testing::TempDir dir;
  const std::string path = dir.file("broken.y4m");
  std::string y4m = "YUV4MPEG2 W320 H240 F30:1 C420jpeg\nFRAME\n" + std::string(320 * 240 * 3 / 2, '\x80') + "FRAMX\n";
  ASSERT_TRUE(camrec::testing::write_file(path, std::vector<uint8_t>(y4m.begin(), y4m.end())));
  ManualClock clock;
  Flow f = make_flow(clock, 0, 320, 320, false, "file:" + path);
  ASSERT_TRUE(f.enc);
  Status s;
  for (int streams = 0; streams < 10; ++streams) {
    StreamData sd;
    s = get_stream_forever(*f.enc, sd);
    if (!s.is_ok()) break;
    ASSERT_TRUE(f.enc->ReleaseStream(0, sd).is_ok());
  }
  EXPECT_EQ(s.code(), Errc::malformed) << s.to_string();
  EXPECT_NE(s.message().find("the source linked to encoder channel 0 failed"), std::string::npos) << s.to_string();
  EXPECT_NE(s.message().find("FRAME"), std::string::npos) << s.to_string();
}

TEST(GetStreamStall, SourceStoppedOrUnlinkedWhileWaiting) {
  for (bool unlink : {false, true}) {
    SCOPED_TRACE(unlink ? "del link" : "sensor.stop()");
    ManualClock clock;
    Flow f = make_flow(clock, 0, 320, 320, true);
    // A waiter in GetStream(-1), as the tutorial's loop is, while the other thread ends the flow.
    auto waiter = std::async(std::launch::async, [&] {
      Status s;
      for (;;) {
        StreamData sd;
        s = f.enc->GetStream(0, sd, -1);
        if (!s.is_ok()) return s;
        (void)f.enc->ReleaseStream(0, sd);
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (unlink) f.link.reset();
    else ASSERT_TRUE(f.sensor->stop().is_ok());
    ASSERT_EQ(waiter.wait_for(std::chrono::seconds(60)), std::future_status::ready) << "GetStream(-1) hangs";
    Status s = waiter.get();
    EXPECT_EQ(s.code(), Errc::end_of_stream) << s.to_string();
  }
}

}  // namespace
}  // namespace camrec::media
