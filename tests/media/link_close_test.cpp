// SPDX-License-Identifier: LGPL-2.1-or-later
// Closing a link, stopping or destroying an encoder while a producer is blocked waiting for
// room: an unpaced source (block policy, no send timeout) feeding an encoder whose output
// nobody takes leaves the link's worker waiting in SendFrame and the sensor waiting in the
// link. close(), Stop() and Destroy() must still return promptly, and count what they cut
// off. Each call runs under a watchdog, so a hang fails the test instead of blocking the
// suite.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "camrec/media/encoder.h"
#include "camrec/media/media_manager.h"
#include "camrec/media/sensor.h"
#include "media_test_util.h"

namespace camrec::media {
namespace {

using camrec::testing::Watchdog;
constexpr int kHang = 30;  // seconds after which a call counts as hung

struct Flow {
  std::shared_ptr<Sensor> sensor;
  std::shared_ptr<Encoder> enc;
  std::unique_ptr<Link> link;
};

// Encoder channel 0 at 320x240 with 8 output buffers, one thread (one picture out per frame
// in, at once), started. `preset` empty keeps the encoder's default.
std::shared_ptr<Encoder> started_encoder(const std::string& preset = "") {
  auto enc = *Encoder::create();
  EXPECT_TRUE(enc->SetOutBufs(0, 8, 320, 240).is_ok());
  ChnAttr a = ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, 320, 240);
  a.threads = 1;
  if (!preset.empty()) a.preset = preset;
  EXPECT_TRUE(enc->Create(0, a).is_ok());
  EXPECT_TRUE(enc->Start(0).is_ok());
  return enc;
}

// An unpaced test pattern of `frames` frames linked to encoder channel 0 (8 output buffers)
// with the settings of a file source: block when full, wait forever for the encoder.
Flow blocking_flow(ManualClock& clock, uint64_t frames) {
  Flow f;
  SensorConfig c;
  c.clock = &clock;
  c.source_options.width = 320;
  c.source_options.height = 240;
  c.source_options.paced = false;
  c.source_options.max_frames = frames;
  f.sensor = *Sensor::create(c);
  f.enc = started_encoder("ultrafast");
  LinkOptions lo;
  lo.overflow = OverflowPolicy::block;
  lo.send_timeout_ms = -1;
  auto link = MediaManager::link(f.sensor->bind_info()->src, {VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0}, lo);
  EXPECT_TRUE(link.has_value());
  if (link) f.link = std::move(*link);
  return f;
}

// Waits until the encoder's 8 output buffers are full (the HEADER stream and 7 pictures) and
// the link has frames waiting: the worker is then blocked in SendFrame.
void wait_until_full(const Flow& f) {
  for (int i = 0; i < 1000; ++i) {
    if (f.enc->stats(0).pictures_out >= 7 && f.link->stats().queued >= 2) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "the encoder's output never filled up: " << f.enc->stats(0).pictures_out << " pictures";
}

TEST(LinkClose, ReturnsWhileTheEncoderIsFullAndNobodyTakesItsOutput) {
  ManualClock clock;
  Flow f = blocking_flow(clock, 1000);
  ASSERT_TRUE(f.link);
  ASSERT_TRUE(f.sensor->run().is_ok());
  wait_until_full(f);
  {
    Watchdog dog("Link::close with the encoder full and its output not taken", kHang);
    f.link->close();
  }
  {
    Watchdog dog("Sensor::stop after the link was closed", kHang);
    ASSERT_TRUE(f.sensor->stop().is_ok());
  }
  EXPECT_EQ(MediaManager::link_count(), 0u);
  const LinkStats st = f.link->stats();
  // Every frame offered is accounted for: the ones the encoder took, the ones the close cut
  // off (queued, or waiting for room), none refused by the encoder.
  EXPECT_EQ(st.queued, 0u);
  EXPECT_EQ(st.failed, 0u) << st.last_error.to_string();
  EXPECT_GE(st.dropped, 1u);
  EXPECT_EQ(st.delivered, f.enc->stats(0).frames_in);
  EXPECT_EQ(st.offered, st.delivered + st.dropped);
  // What the encoder took is all there, and then GetStream says no more will come.
  uint64_t pictures = 0;
  for (;;) {
    StreamData sd;
    Status s = f.enc->GetStream(0, sd, 5000);
    if (!s.is_ok()) {
      EXPECT_EQ(s.code(), Errc::end_of_stream) << s.to_string();
      break;
    }
    for (uint32_t i = 0; i < sd.pack_cnt; ++i) pictures += sd.stream_type[i] != STREAM_TYPE_HEADER;
    ASSERT_TRUE(f.enc->ReleaseStream(0, sd).is_ok());
  }
  EXPECT_EQ(pictures, st.delivered);
}

TEST(LinkClose, TheChannelTakesFramesFromTheNextLinkAsUsual) {
  // The close's "do not wait" applies to the closing link only: a new link to the same
  // channel waits for room again, and loses nothing.
  ManualClock clock;
  Flow f = blocking_flow(clock, 1000);
  ASSERT_TRUE(f.link);
  ASSERT_TRUE(f.sensor->run().is_ok());
  wait_until_full(f);
  {
    Watchdog dog("Link::close with the encoder full", kHang);
    f.link->close();
    ASSERT_TRUE(f.sensor->stop().is_ok());
  }
  for (StreamData sd; f.enc->GetStream(0, sd, 0).is_ok();) ASSERT_TRUE(f.enc->ReleaseStream(0, sd).is_ok());
  SensorConfig c;
  c.clock = &clock;
  c.id = 1;
  c.source_options.width = 320;
  c.source_options.height = 240;
  c.source_options.paced = false;
  c.source_options.max_frames = 40;
  auto sensor = *Sensor::create(c);
  LinkOptions lo;
  lo.overflow = OverflowPolicy::block;
  lo.send_timeout_ms = -1;
  auto link = MediaManager::link(sensor->bind_info()->src, {VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0}, lo);
  ASSERT_TRUE(link.has_value()) << link.status().to_string();
  const uint64_t before = f.enc->stats(0).frames_in;
  ASSERT_TRUE(sensor->run().is_ok());
  Watchdog dog("taking 40 frames through a new link", kHang);
  uint64_t pictures = 0;
  while (pictures < 40) {
    StreamData sd;
    Status s = f.enc->GetStream(0, sd, 5000);
    ASSERT_TRUE(s.is_ok()) << "after " << pictures << " pictures: " << s.to_string();
    for (uint32_t i = 0; i < sd.pack_cnt; ++i) pictures += sd.stream_type[i] != STREAM_TYPE_HEADER;
    ASSERT_TRUE(f.enc->ReleaseStream(0, sd).is_ok());
  }
  ASSERT_TRUE(sensor->wait_finished(5000));
  (*link)->close();
  const LinkStats st = (*link)->stats();
  EXPECT_EQ(st.offered, 40u);
  EXPECT_EQ(st.delivered, 40u);
  EXPECT_EQ(st.dropped, 0u);
  EXPECT_EQ(f.enc->stats(0).frames_in - before, 40u);
}

// A producer of its own (no link) blocked in SendFrame(-1) on a full channel.
class BlockedSender {
 public:
  explicit BlockedSender(Encoder& enc) : frames_(test::pattern_frames(20)) {
    result_ = std::async(std::launch::async, [&enc, this] {
      Status last;
      // Fills the 8 buffers, then waits in the call that finds none free.
      for (size_t i = 0; i < frames_.size() && last.is_ok(); ++i) last = enc.SendFrame(0, *frames_[i], -1);
      return last;
    });
  }
  bool blocked(const Encoder& enc) {
    for (int i = 0; i < 1000; ++i) {
      const bool full = enc.stats(0).pictures_out >= 7;
      if (result_.wait_for(std::chrono::milliseconds(10)) == std::future_status::ready) return false;
      if (full) return true;
    }
    return false;
  }
  Status result() { return result_.get(); }

 private:
  std::vector<FramePtr> frames_;
  std::future<Status> result_;
};

TEST(LinkClose, EncoderStopWakesASendFrameWaitingForRoom) {
  auto enc = started_encoder();
  ASSERT_FALSE(::testing::Test::HasFailure());
  Watchdog dog("Encoder::Stop with a SendFrame(-1) waiting for room", kHang);
  BlockedSender sender(*enc);
  ASSERT_TRUE(sender.blocked(*enc));
  ASSERT_TRUE(enc->Stop(0).is_ok());
  Status s = sender.result();
  EXPECT_EQ(s.code(), Errc::wrong_state) << s.to_string();
  EXPECT_NE(s.message().find("was stopped"), std::string::npos) << s.to_string();
}

TEST(LinkClose, EncoderDestroyWakesASendFrameWaitingForRoom) {
  auto enc = started_encoder();
  ASSERT_FALSE(::testing::Test::HasFailure());
  Watchdog dog("Encoder::Destroy with a SendFrame(-1) waiting for room", kHang);
  BlockedSender sender(*enc);
  ASSERT_TRUE(sender.blocked(*enc));
  ASSERT_TRUE(enc->Destroy(0).is_ok());
  Status s = sender.result();
  EXPECT_EQ(s.code(), Errc::wrong_state) << s.to_string();
  EXPECT_EQ(enc->state(0), Encoder::State::none);
}

}  // namespace
}  // namespace camrec::media
