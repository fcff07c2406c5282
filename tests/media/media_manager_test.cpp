// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/media_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "camrec/media/encoder.h"
#include "camrec/media/sensor.h"
#include "link/registry.h"
#include "media_test_util.h"

namespace camrec::media {
namespace {

using test::drain;

SensorConfig fast_sensor(Clock* clock, uint64_t max_frames, bool paced = false) {
  SensorConfig c;
  c.clock = clock;
  c.source_options.width = 320;
  c.source_options.height = 240;
  c.source_options.paced = paced;
  c.source_options.max_frames = max_frames;
  return c;
}

// A sink that takes `delay_ms` per frame, standing in for an encoder that cannot keep up.
class SlowSink final : public FrameSink {
 public:
  explicit SlowSink(int delay_ms) : delay_ms_(delay_ms) {}
  Status check_input_channel(uint32_t chn) const override {
    return chn < 2 ? Status::ok() : make_error(Errc::invalid_argument, "bad channel");
  }
  Status accept_frame(uint32_t, const Frame& frame, int) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    last_sequence = frame.sequence;
    ++accepted;
    return Status::ok();
  }
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> last_sequence{0};

 private:
  int delay_ms_;
};

constexpr uint32_t kTestSinkMod = 200;  // a module id no K230 module uses

TEST(MediaManagerTest, LinkErrors) {
  ManualClock clock;
  const Endpoint venc{VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0};
  // Nothing registered yet.
  EXPECT_EQ(MediaManager::link({CAMERA_MOD_ID, 0, 0}, venc).status().code(), Errc::not_found);
  auto sensor = *Sensor::create(fast_sensor(&clock, 0));
  EXPECT_EQ(MediaManager::link({CAMERA_MOD_ID, 0, 0}, venc).status().code(), Errc::not_found);
  auto enc = *Encoder::create();
  EXPECT_EQ(MediaManager::link({CAMERA_MOD_ID, 1, 0}, venc).status().code(), Errc::not_found);
  EXPECT_EQ(MediaManager::link({CAMERA_MOD_ID, 0, 0}, {VIDEO_ENCODE_MOD_ID, 0, 4})
                .status().code(),
            Errc::invalid_argument);
  // Sensor channel 1 is not configured.
  EXPECT_EQ(MediaManager::link({CAMERA_MOD_ID, 0, 1}, venc).status().code(),
            Errc::invalid_argument);
  EXPECT_EQ(MediaManager::link_count(), 0u);  // failed links hold no claim
  LinkOptions bad;
  bad.queue_depth = 0;
  EXPECT_EQ(MediaManager::link(sensor->bind_info()->src, venc, bad).status().code(),
            Errc::invalid_argument);
  auto link = MediaManager::link(sensor->bind_info()->src, venc);
  ASSERT_TRUE(link.has_value()) << link.status().to_string();
  EXPECT_EQ((*link)->src(), (Endpoint{CAMERA_MOD_ID, 0, 0}));
  // One input per encoder channel.
  EXPECT_EQ(MediaManager::link(sensor->bind_info()->src, venc).status().code(), Errc::wrong_state);
  EXPECT_EQ(MediaManager::deinit().code(), Errc::wrong_state);
  link->reset();
  EXPECT_TRUE(MediaManager::deinit().is_ok());
  EXPECT_TRUE(MediaManager::init().is_ok());
}

// The seed's sequence: encoder set up, link, sensor run, GetStream loop, then
// sensor.stop(), del link, encoder.Stop(): every captured frame is encoded.
TEST(MediaManagerTest, SensorToEncoderLosesNothingWithBackPressure) {
  ManualClock clock;
  auto sensor = *Sensor::create(fast_sensor(&clock, 90));
  auto enc = *Encoder::create();
  ASSERT_TRUE(enc->SetOutBufs(0, 8, 320, 240).is_ok());
  ChnAttr a = ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, 320, 240);
  a.threads = 1;
  ASSERT_TRUE(enc->Create(0, a).is_ok());
  ASSERT_TRUE(enc->Start(0).is_ok());
  LinkOptions lo;
  lo.overflow = OverflowPolicy::block;  // a file-like source must not lose frames
  lo.send_timeout_ms = -1;
  auto link = MediaManager::link(sensor->bind_info()->src,
                                 {VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, VENC_CHN_ID_0}, lo);
  ASSERT_TRUE(link.has_value());
  ASSERT_TRUE(sensor->run().is_ok());
  std::vector<test::StreamRecord> streams;
  size_t pictures = 0;
  while (pictures < 90) {
    StreamData sd;
    Status s = enc->GetStream(0, sd, 5000);
    ASSERT_TRUE(s.is_ok()) << "after " << pictures << " pictures: " << s.to_string();
    test::StreamRecord r;
    r.types.push_back(sd.stream_type[0]);
    r.pts.push_back(sd.pts[0]);
    r.packs.emplace_back(sd.data[0], sd.data[0] + sd.data_size[0]);
    if (sd.stream_type[0] != STREAM_TYPE_HEADER) ++pictures;
    streams.push_back(std::move(r));
    ASSERT_TRUE(enc->ReleaseStream(0, sd).is_ok());
  }
  ASSERT_TRUE(sensor->wait_finished(5000));
  ASSERT_TRUE(sensor->stop().is_ok());
  (*link)->close();
  LinkStats st = (*link)->stats();
  ASSERT_TRUE(enc->Stop(0).is_ok());
  EXPECT_EQ(st.offered, 90u);
  EXPECT_EQ(st.delivered, 90u);
  EXPECT_EQ(st.dropped, 0u);
  EXPECT_EQ(st.failed, 0u);
  // Capture timestamps pass through: frame i at i/30 s.
  std::vector<int64_t> pts;
  for (const auto& s : streams) {
    if (s.types[0] != STREAM_TYPE_HEADER) pts.push_back(s.pts[0]);
  }
  ASSERT_EQ(pts.size(), 90u);
  for (size_t i = 0; i < pts.size(); ++i) EXPECT_EQ(pts[i], frame_offset_us(i, 30, 1));
  camrec::testing::TempDir dir;
  ASSERT_TRUE(camrec::testing::write_file(dir.file("l.h264"), test::annexb(streams)));
  auto numbers = test::decoded_frame_numbers(dir.file("l.h264"), 320, 240);
  ASSERT_EQ(numbers.size(), 90u);
  for (int i = 0; i < 90; ++i) EXPECT_EQ(numbers[i], i);
}

TEST(MediaManagerTest, DropsAreCountedWhenTheSinkIsSlow) {
  ManualClock clock;
  auto sensor = *Sensor::create(fast_sensor(&clock, 150));
  auto sink = std::make_shared<SlowSink>(3);
  ASSERT_TRUE(DeviceRegistry::instance().add_sink(kTestSinkMod, 0, sink).is_ok());
  LinkOptions lo;
  lo.queue_depth = 3;
  auto link = MediaManager::link(sensor->bind_info()->src, {kTestSinkMod, 0, 1}, lo);
  ASSERT_TRUE(link.has_value()) << link.status().to_string();
  ASSERT_TRUE(sensor->run().is_ok());
  ASSERT_TRUE(sensor->wait_finished(10000));
  // While frames are still queued the counters already add up.
  LinkStats live = (*link)->stats();
  EXPECT_EQ(live.delivered + live.dropped + live.failed + live.queued, live.offered);
  (*link)->close();  // hands the queued frames to the sink, then ends
  LinkStats st = (*link)->stats();
  EXPECT_EQ(st.offered, 150u);
  EXPECT_EQ(st.queued, 0u);
  EXPECT_GT(st.dropped, 0u);  // 150 frames as fast as possible, 3 ms each to take
  EXPECT_EQ(st.delivered + st.dropped, 150u);
  EXPECT_EQ(st.delivered, sink->accepted.load());
  EXPECT_EQ(sensor->stats(0).callbacks, 150u);
  link->reset();
  sink.reset();
  DeviceRegistry::instance().remove_expired(kTestSinkMod, 0);
}

TEST(MediaManagerTest, DropsAreCountedWhenTheEncoderCannotKeepUp) {
  ManualClock clock;
  auto sensor = *Sensor::create(fast_sensor(&clock, 120));
  auto enc = *Encoder::create();
  ChnAttr a = ChnAttrStr(PAYLOAD_TYPE_H265, H265_PROFILE_MAIN, 320, 240);
  a.threads = 1;
  ASSERT_TRUE(enc->SetOutBufs(0, 16, 320, 240).is_ok());
  ASSERT_TRUE(enc->Create(0, a).is_ok());
  ASSERT_TRUE(enc->Start(0).is_ok());
  LinkOptions lo;
  lo.queue_depth = 2;
  auto link = MediaManager::link(sensor->bind_info()->src, {VIDEO_ENCODE_MOD_ID, 0, 0}, lo);
  ASSERT_TRUE(link.has_value());
  std::atomic<bool> done{false};
  std::atomic<uint64_t> pictures{0};
  std::thread consumer([&] {
    while (!done.load()) {
      StreamData sd;
      if (enc->GetStream(0, sd, 20).is_ok()) {
        if (sd.stream_type[0] != STREAM_TYPE_HEADER) ++pictures;
        EXPECT_TRUE(enc->ReleaseStream(0, sd).is_ok());
      }
    }
  });
  ASSERT_TRUE(sensor->run().is_ok());
  ASSERT_TRUE(sensor->wait_finished(20000));
  (*link)->close();
  ASSERT_TRUE(enc->Stop(0).is_ok());
  done.store(true);
  consumer.join();
  auto rest = drain(*enc, 0);
  for (const auto& s : rest) {
    if (s.types[0] != STREAM_TYPE_HEADER) ++pictures;
  }
  LinkStats st = (*link)->stats();
  EXPECT_EQ(st.offered, 120u);
  EXPECT_GT(st.dropped, 0u) << "x265 kept up with an unpaced source";
  EXPECT_EQ(st.delivered + st.dropped + st.failed, 120u);
  EXPECT_EQ(st.delivered, enc->stats(0).frames_in);
  EXPECT_EQ(pictures.load(), st.delivered);  // every delivered frame came out coded
}

TEST(MediaManagerTest, FramesToAStoppedEncoderAreCountedAsFailed) {
  ManualClock clock;
  auto sensor = *Sensor::create(fast_sensor(&clock, 10));
  auto enc = *Encoder::create();
  ASSERT_TRUE(enc->Create(0, ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, 320, 240)).is_ok());
  // Not started: every frame is refused, and the link says why.
  LinkOptions lo;
  lo.overflow = OverflowPolicy::block;
  auto link = MediaManager::link(sensor->bind_info()->src, {VIDEO_ENCODE_MOD_ID, 0, 0}, lo);
  ASSERT_TRUE(link.has_value());
  ASSERT_TRUE(sensor->run().is_ok());
  ASSERT_TRUE(sensor->wait_finished(5000));
  (*link)->close();
  LinkStats st = (*link)->stats();
  EXPECT_EQ(st.offered, 10u);
  EXPECT_EQ(st.failed, 10u);
  EXPECT_EQ(st.last_error.code(), Errc::wrong_state);
}

TEST(MediaManagerTest, LinkAndUnlinkTwentyTimes) {
  ManualClock clock;
  auto sensor = *Sensor::create(fast_sensor(&clock, 0, /*paced=*/false));
  auto enc = *Encoder::create();
  ChnAttr a = ChnAttrStr(PAYLOAD_TYPE_H265, H265_PROFILE_MAIN, 320, 240);
  a.threads = 1;
  a.preset = "ultrafast";
  for (int round = 0; round < 20; ++round) {
    ASSERT_TRUE(enc->Create(0, a).is_ok()) << round;
    ASSERT_TRUE(enc->Start(0).is_ok());
    LinkOptions lo;
    lo.overflow = OverflowPolicy::block;
    auto link = MediaManager::link(sensor->bind_info()->src, {VIDEO_ENCODE_MOD_ID, 0, 0}, lo);
    ASSERT_TRUE(link.has_value()) << round << ": " << link.status().to_string();
    ASSERT_TRUE(sensor->run().is_ok());
    StreamData sd;
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(enc->GetStream(0, sd, 5000).is_ok()) << round;
      ASSERT_TRUE(enc->ReleaseStream(0, sd).is_ok());
    }
    ASSERT_TRUE(sensor->stop().is_ok());
    link->reset();
    ASSERT_TRUE(enc->Stop(0).is_ok());
    Status end;
    drain(*enc, 0, 1000, &end);
    EXPECT_EQ(end.code(), Errc::end_of_stream);
    ASSERT_TRUE(enc->Destroy(0).is_ok());
    EXPECT_EQ(MediaManager::link_count(), 0u);
  }
}

TEST(MediaManagerTest, DestroyingModulesUnderALiveLinkIsSafe) {
  ManualClock clock;
  auto sensor = *Sensor::create(fast_sensor(&clock, 0));
  auto enc = *Encoder::create();
  ASSERT_TRUE(enc->Create(0, ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, 320, 240)).is_ok());
  ASSERT_TRUE(enc->Start(0).is_ok());
  LinkOptions lo;
  lo.send_timeout_ms = 50;
  auto link = MediaManager::link(sensor->bind_info()->src, {VIDEO_ENCODE_MOD_ID, 0, 0}, lo);
  ASSERT_TRUE(link.has_value());
  ASSERT_TRUE(sensor->run().is_ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  enc.reset();
  // Nobody takes the encoder's output: frames handed to it meanwhile fail after the 50 ms
  // send timeout (those still waiting when the link closes are dropped by the close).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  sensor.reset();  // stops capture; the link gets no more frames
  (*link)->close();
  LinkStats st = (*link)->stats();
  EXPECT_GT(st.offered, 0u);
  EXPECT_GT(st.failed, 0u) << st.last_error.to_string();
  EXPECT_EQ(st.delivered + st.dropped + st.failed, st.offered);
  link->reset();
  EXPECT_EQ(MediaManager::link_count(), 0u);
}

}  // namespace
}  // namespace camrec::media
