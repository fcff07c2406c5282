// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/sensor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>

#include "capture/test_pattern.h"
#include "frame/convert.h"
#include "link/registry.h"
#include "testing/test_util.h"

namespace camrec::media {
namespace {

SensorConfig config(Clock* clock, uint32_t w = 320, uint32_t h = 240, bool paced = false) {
  SensorConfig c;
  c.clock = clock;
  c.source_options.width = w;
  c.source_options.height = h;
  c.source_options.paced = paced;
  return c;
}

TEST(SensorTest, CreateErrorsAndRegistry) {
  ManualClock clock;
  SensorConfig c = config(&clock);
  c.id = 3;
  EXPECT_EQ(Sensor::create(c).status().code(), Errc::invalid_argument);
  c.id = 0;
  c.source = "nonsense";
  EXPECT_EQ(Sensor::create(c).status().code(), Errc::invalid_argument);
  c.source = "testpattern";
  auto created = Sensor::create(c);
  ASSERT_TRUE(created.has_value());
  std::shared_ptr<Sensor> a = std::move(created).value();
  EXPECT_EQ(DeviceRegistry::instance().find_source(CAMERA_MOD_ID, 0).get(),
            static_cast<FrameSource*>(a.get()));
  EXPECT_EQ(Sensor::create(c).status().code(), Errc::wrong_state);  // id 0 taken
  a.reset();  // destroying the sensor unregisters it
  EXPECT_EQ(DeviceRegistry::instance().find_source(CAMERA_MOD_ID, 0), nullptr);
  EXPECT_TRUE(Sensor::create(c).has_value());  // free again
}

TEST(SensorTest, FrameSizeRules) {
  ManualClock clock;
  auto s = *Sensor::create(config(&clock));
  EXPECT_EQ(s->set_framesize(0, 240).code(), Errc::invalid_argument);
  EXPECT_EQ(s->set_framesize(320, 0).code(), Errc::invalid_argument);
  EXPECT_EQ(s->set_framesize(321, 240).code(), Errc::invalid_argument);
  EXPECT_EQ(s->set_framesize(320, 241).code(), Errc::invalid_argument);
  EXPECT_EQ(s->set_framesize(32, 64).code(), Errc::invalid_argument);   // 32 wide < 64
  EXPECT_EQ(s->set_framesize(64, 62).code(), Errc::invalid_argument);   // 62 high < 64
  EXPECT_EQ(s->set_framesize(8200, 64).code(), Errc::invalid_argument); // aligns to 8208
  EXPECT_EQ(s->set_framesize(64, 8194).code(), Errc::invalid_argument);
  EXPECT_EQ(s->set_framesize(64, 64, 3).code(), Errc::invalid_argument);
  EXPECT_EQ(s->set_framesize(64, 64, 0, 13).code(), Errc::invalid_argument);
  // K230 aligns the width up to 16: 100 -> 112.
  ASSERT_TRUE(s->set_framesize(100, 64, 1, 12).is_ok());
  auto info = s->bind_info(1);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 112u);
  EXPECT_EQ(info->height, 64u);
  EXPECT_EQ(info->src, (Endpoint{CAMERA_MOD_ID, 0, 1}));
  EXPECT_EQ(s->bind_info(2).status().code(), Errc::invalid_argument);  // not configured
  EXPECT_EQ(s->bind_info(3).status().code(), Errc::invalid_argument);
  EXPECT_EQ(s->set_pixformat(Sensor::GRAYSCALE, 3).code(), Errc::invalid_argument);
}

TEST(SensorTest, ChannelsHaveTheirOwnSizeAndFormat) {
  ManualClock clock;
  auto s = *Sensor::create(config(&clock, 640, 480));
  auto info0 = s->bind_info(0);
  ASSERT_TRUE(info0.has_value());
  EXPECT_EQ(info0->width, 640u);
  EXPECT_EQ(info0->format, PixelFormat::nv12);
  ASSERT_TRUE(s->set_framesize(320, 240, 1, 12).is_ok());
  ASSERT_TRUE(s->set_pixformat(Sensor::GRAYSCALE, 1).is_ok());
  ASSERT_TRUE(s->set_framesize(160, 120, 2).is_ok());
  ASSERT_TRUE(s->set_pixformat(Sensor::RGB888, 2).is_ok());
  EXPECT_EQ(s->snapshot(0).status().code(), Errc::wrong_state);  // not run yet
  ASSERT_TRUE(s->run().is_ok());
  EXPECT_EQ(s->run().code(), Errc::wrong_state);
  EXPECT_EQ(s->set_framesize(64, 64, 1).code(), Errc::wrong_state);
  EXPECT_EQ(s->set_pixformat(Sensor::YUV420SP, 1).code(), Errc::wrong_state);
  ASSERT_TRUE(s->snapshot(0).has_value());
  ASSERT_TRUE(s->stop().is_ok());
  EXPECT_FALSE(s->running());
  EXPECT_TRUE(s->last_error().is_ok());
  // After stop the latest frames of all channels come from the same capture.
  auto f0 = s->snapshot(0);
  auto f1 = s->snapshot(1);
  auto f2 = s->snapshot(2);
  ASSERT_TRUE(f0.has_value() && f1.has_value() && f2.has_value());
  EXPECT_EQ((*f0)->sequence, (*f1)->sequence);
  EXPECT_EQ((*f0)->pts_us, (*f2)->pts_us);
  EXPECT_EQ((*f0)->width(), 640u);
  EXPECT_EQ((*f0)->format(), PixelFormat::nv12);
  EXPECT_EQ((*f1)->width(), 320u);
  EXPECT_EQ((*f1)->format(), PixelFormat::gray8);
  EXPECT_EQ(reinterpret_cast<uintptr_t>((*f1)->plane(0)) % 4096, 0u);  // alignment=12
  EXPECT_EQ((*f2)->width(), 160u);
  EXPECT_EQ((*f2)->format(), PixelFormat::rgb888);
  auto n0 = read_pattern_number((*f0)->plane(0), (*f0)->stride(0), 640, 480, 0);
  ASSERT_TRUE(n0.has_value());
  EXPECT_EQ(*n0, (*f0)->sequence);
  // Channel 1 is channel 0's picture scaled with libyuv.
  auto expect = convert_to(**f0, PixelFormat::gray8, 320, 240);
  ASSERT_TRUE(expect.has_value());
  EXPECT_EQ(std::memcmp(expect->plane(0), (*f1)->plane(0), 320 * 240), 0);
  EXPECT_GT(s->stats(1).frames, 0u);
}

TEST(SensorTest, SnapshotReturnsTheLatestFrameWithCaptureTimes) {
  ManualClock clock(1'000'000);
  SensorConfig c = config(&clock, 320, 240, /*paced=*/true);
  c.source_options.max_frames = 10;
  auto s = *Sensor::create(c);
  ASSERT_TRUE(s->run().is_ok());
  ASSERT_TRUE(s->wait_finished(5000));
  auto f = s->snapshot(0);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ((*f)->sequence, 9u);
  EXPECT_EQ((*f)->pts_us, 1'000'000 + 300'000);  // frame 9 at 9/30 s
  EXPECT_EQ(s->stats(0).frames, 10u);
  EXPECT_TRUE(s->last_error().is_ok());  // end of stream is a normal end
  // run() again restarts the source.
  ASSERT_TRUE(s->run().is_ok());
  ASSERT_TRUE(s->wait_finished(5000));
  EXPECT_EQ(s->stats(0).frames, 20u);
}

// A source that produces nothing: blocks until interrupted, or ends at once.
class SilentSource final : public SensorSource {
 public:
  explicit SilentSource(bool end_at_once) : end_at_once_(end_at_once) {}
  SourceFormat format() const override { return {PixelFormat::nv12, 64, 64, 30, 1}; }
  Status start() override {
    stop_ = false;
    return Status::ok();
  }
  Result<FramePtr> next_frame() override {
    if (!end_at_once_) steady_clock().sleep_until_us(INT64_MAX, &stop_);
    return make_error(Errc::end_of_stream, "silent");
  }
  void interrupt() override { stop_ = true; }
  void stop() override { stop_ = true; }

 private:
  bool end_at_once_;
  std::atomic<bool> stop_{false};
};

TEST(SensorTest, SnapshotTimesOutWhenNoFrameComes) {
  SensorConfig c;
  auto s = Sensor::create(c, std::make_unique<SilentSource>(false));
  ASSERT_TRUE(s.has_value()) << s.status().to_string();
  ASSERT_TRUE((*s)->run().is_ok());
  const int64_t t0 = steady_clock().now_us();
  EXPECT_EQ((*s)->snapshot(0, 100).status().code(), Errc::timeout);
  EXPECT_GE(steady_clock().now_us() - t0, 100'000);
  ASSERT_TRUE((*s)->stop().is_ok());  // interrupts the blocked source
  ASSERT_TRUE((*s)->reset().is_ok());
  EXPECT_EQ((*s)->snapshot(0).status().code(), Errc::wrong_state);  // reset clears run state
  EXPECT_EQ(Sensor::create(c, nullptr).status().code(), Errc::invalid_argument);
}

TEST(SensorTest, SnapshotReportsACaptureThatEndedEmpty) {
  SensorConfig c;
  auto s = Sensor::create(c, std::make_unique<SilentSource>(true));
  ASSERT_TRUE(s.has_value());
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_EQ((*s)->snapshot(0, 2000).status().code(), Errc::end_of_stream);
}

TEST(SensorTest, SubscribersGetEveryFrameOnTheirChannel) {
  ManualClock clock;
  SensorConfig c = config(&clock);
  c.source_options.max_frames = 25;
  auto s = *Sensor::create(c);
  ASSERT_TRUE(s->set_framesize(160, 120, 1).is_ok());
  std::atomic<uint64_t> n0{0}, n1{0};
  std::atomic<uint64_t> last_seq{0};
  auto a = s->subscribe(0, [&](const FramePtr& f) {
    ++n0;
    last_seq = f->sequence;
  });
  auto b = s->subscribe(1, [&](const FramePtr& f) {
    EXPECT_EQ(f->width(), 160u);
    ++n1;
  });
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(s->subscribe(2, [](const FramePtr&) {}).status().code(), Errc::invalid_argument);
  ASSERT_TRUE(s->run().is_ok());
  ASSERT_TRUE(s->wait_finished(5000));
  EXPECT_EQ(n0.load(), 25u);
  EXPECT_EQ(n1.load(), 25u);
  EXPECT_EQ(last_seq.load(), 24u);
  s->unsubscribe(*a);
  ASSERT_TRUE(s->run().is_ok());
  ASSERT_TRUE(s->wait_finished(5000));
  EXPECT_EQ(n0.load(), 25u);  // unsubscribed
  EXPECT_EQ(n1.load(), 50u);
  EXPECT_EQ(s->stats(1).callbacks, 50u);
}

TEST(SensorTest, FileSourceErrorEndsCaptureWithThatError) {
  camrec::testing::TempDir dir;
  std::string text = "YUV4MPEG2 W64 H64 F30:1\nFRAME\n" + std::string(64 * 64 * 3 / 2, 'a') +
                     "FRAME\n" + std::string(10, 'b');
  ASSERT_TRUE(camrec::testing::write_file(dir.file("x.y4m"),
                                          std::vector<uint8_t>(text.begin(), text.end())));
  ManualClock clock;
  SensorConfig c = config(&clock);
  c.source = "file:" + dir.file("x.y4m");
  auto s = Sensor::create(c);
  ASSERT_TRUE(s.has_value()) << s.status().to_string();
  EXPECT_EQ((*s)->source_format().width, 64u);
  EXPECT_EQ((*s)->bind_info(0)->format, PixelFormat::nv12);  // i420 file, nv12 channel
  ASSERT_TRUE((*s)->run().is_ok());
  ASSERT_TRUE((*s)->wait_finished(5000));
  EXPECT_EQ((*s)->last_error().code(), Errc::malformed);
  EXPECT_EQ((*s)->stats(0).frames, 1u);
  auto f = (*s)->snapshot(0);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ((*f)->format(), PixelFormat::nv12);
}

}  // namespace
}  // namespace camrec::media
