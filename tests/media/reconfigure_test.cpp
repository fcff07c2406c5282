// SPDX-License-Identifier: LGPL-2.1-or-later
// Changing a running pipeline's picture: Encoder::SetChnAttr restarts the channel at the
// first frame of the new size (frames of the old size still on their way are coded as
// before), and Sensor::resize gives the next captured frame the new size.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "camrec/media/encoder.h"
#include "camrec/media/sensor.h"
#include "media_test_util.h"

namespace camrec::media {
namespace {

using test::drain;
using test::pattern_frames;

ChnAttr attr(uint32_t payload, uint32_t w, uint32_t h, uint32_t kbps = 1000) {
  ChnAttr a = ChnAttrStr(payload, payload == PAYLOAD_TYPE_H264 ? H264_PROFILE_MAIN : H265_PROFILE_MAIN, w, h, kbps);
  a.threads = 1;  // the test machine is small and shared
  return a;
}

// The stream types of every stream, one letter each: H(EADER), I, P.
std::string types(const std::vector<test::StreamRecord>& streams) {
  std::string s;
  for (const auto& r : streams)
    for (uint32_t t : r.types) s += t == STREAM_TYPE_HEADER ? 'H' : t == STREAM_TYPE_I ? 'I' : 'P';
  return s;
}

TEST(ReconfigureTest, TheChannelRestartsAtTheFirstFrameOfTheNewSize) {
  for (uint32_t payload : {PAYLOAD_TYPE_H264, PAYLOAD_TYPE_H265}) {
    SCOPED_TRACE(payload);
    auto enc = Encoder::create();
    ASSERT_TRUE(enc.has_value()) << enc.status().to_string();
    Encoder& e = **enc;
    ASSERT_TRUE(e.Create(0, attr(payload, 320, 240)).is_ok());
    ASSERT_TRUE(e.Start(0).is_ok());
    const auto small = pattern_frames(6, 320, 240, 30, 1'000'000);
    const auto large = pattern_frames(3, 640, 360, 30, 1'200'000);
    std::vector<test::StreamRecord> out;
    auto send = [&](const FramePtr& f) {
      ASSERT_TRUE(e.SendFrame(0, *f).is_ok());
      auto got = drain(e, 0);
      out.insert(out.end(), got.begin(), got.end());
    };
    for (int i = 0; i < 3; ++i) send(small[static_cast<size_t>(i)]);
    ASSERT_TRUE(e.SetChnAttr(0, attr(payload, 640, 360, 2000)).is_ok());
    // Frames of the old size still on their way: coded as before, no restart yet.
    for (int i = 3; i < 6; ++i) send(small[static_cast<size_t>(i)]);
    EXPECT_EQ(e.stats(0).reconfigurations, 0u);
    for (const auto& f : large) send(f);
    EXPECT_EQ(e.stats(0).reconfigurations, 1u);
    // The first frame of the new size is a key frame after new parameter sets.
    EXPECT_EQ(types(out), "HIPPPPPHIPP");
    ASSERT_EQ(out.size(), 11u);
    EXPECT_NE(out[7].packs[0], out[0].packs[0]) << "new parameter sets";
    EXPECT_EQ(out[8].pts[0], large[0]->pts_us);
    // Frames of the old size now have the wrong size: refused, as any frame of another size.
    EXPECT_EQ(e.SendFrame(0, *small[0]).code(), Errc::invalid_argument);
  }
}

TEST(ReconfigureTest, ABitrateChangeRestartsAtTheNextFrame) {
  auto enc = Encoder::create();
  ASSERT_TRUE(enc.has_value()) << enc.status().to_string();
  Encoder& e = **enc;
  ASSERT_TRUE(e.Create(0, attr(PAYLOAD_TYPE_H264, 320, 240, 1000)).is_ok());
  ASSERT_TRUE(e.Start(0).is_ok());
  const auto frames = pattern_frames(4, 320, 240, 30, 0);
  std::vector<test::StreamRecord> out;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (i == 2) ASSERT_TRUE(e.SetChnAttr(0, attr(PAYLOAD_TYPE_H264, 320, 240, 3000)).is_ok());
    ASSERT_TRUE(e.SendFrame(0, *frames[i]).is_ok());
    auto got = drain(e, 0);
    out.insert(out.end(), got.begin(), got.end());
  }
  // A restart, like K230's Stop/Destroy/Create/Start: the HEADER comes again.
  EXPECT_EQ(types(out), "HIPHIP");
  EXPECT_EQ(e.stats(0).reconfigurations, 1u);
}

TEST(ReconfigureTest, TheSameAttributesCancelAChangeNotYetMade) {
  auto enc = Encoder::create();
  ASSERT_TRUE(enc.has_value()) << enc.status().to_string();
  Encoder& e = **enc;
  const ChnAttr now = attr(PAYLOAD_TYPE_H264, 320, 240);
  ASSERT_TRUE(e.Create(0, now).is_ok());
  ASSERT_TRUE(e.Start(0).is_ok());
  ASSERT_TRUE(e.SetChnAttr(0, attr(PAYLOAD_TYPE_H264, 320, 240, 2500)).is_ok());
  ASSERT_TRUE(e.SetChnAttr(0, now).is_ok());
  std::vector<test::StreamRecord> out;
  for (const auto& f : pattern_frames(3)) {
    ASSERT_TRUE(e.SendFrame(0, *f).is_ok());
    auto got = drain(e, 0);
    out.insert(out.end(), got.begin(), got.end());
  }
  EXPECT_EQ(types(out), "HIPP");
  EXPECT_EQ(e.stats(0).reconfigurations, 0u);
}

TEST(ReconfigureTest, WrongAttributesAreRefusedAndChangeNothing) {
  auto enc = Encoder::create();
  ASSERT_TRUE(enc.has_value()) << enc.status().to_string();
  Encoder& e = **enc;
  EXPECT_EQ(e.SetChnAttr(0, attr(PAYLOAD_TYPE_H264, 320, 240)).code(), Errc::wrong_state);
  EXPECT_EQ(e.SetChnAttr(4, attr(PAYLOAD_TYPE_H264, 320, 240)).code(), Errc::invalid_argument);
  ASSERT_TRUE(e.Create(0, attr(PAYLOAD_TYPE_H264, 320, 240)).is_ok());
  ASSERT_TRUE(e.Start(0).is_ok());
  Status s = e.SetChnAttr(0, attr(PAYLOAD_TYPE_H265, 320, 240));
  EXPECT_EQ(s.code(), Errc::invalid_argument);
  EXPECT_NE(s.message().find("another codec needs the channel destroyed and created again"), std::string::npos)
      << s.to_string();
  s = e.SetChnAttr(0, attr(PAYLOAD_TYPE_H264, 321, 240));
  EXPECT_EQ(s.code(), Errc::invalid_argument);
  EXPECT_NE(s.message().find("must be even"), std::string::npos) << s.to_string();
  EXPECT_EQ(e.SetChnAttr(0, attr(PAYLOAD_TYPE_H264, 0, 240)).code(), Errc::invalid_argument);
  EXPECT_EQ(e.SetChnAttr(0, attr(PAYLOAD_TYPE_H264, 320, 240, 0)).code(), Errc::invalid_argument);
  std::vector<test::StreamRecord> out;
  for (const auto& f : pattern_frames(3)) {
    ASSERT_TRUE(e.SendFrame(0, *f).is_ok());
    auto got = drain(e, 0);
    out.insert(out.end(), got.begin(), got.end());
  }
  EXPECT_EQ(types(out), "HIPP");
  EXPECT_EQ(e.stats(0).reconfigurations, 0u);
  ASSERT_TRUE(e.Destroy(0).is_ok());
  EXPECT_EQ(e.SetChnAttr(0, attr(PAYLOAD_TYPE_H264, 320, 240)).code(), Errc::wrong_state);
}

TEST(ReconfigureTest, ASensorResizedWhileRunningCapturesTheNewSize) {
  SensorConfig sc;
  sc.source_options.width = 320;
  sc.source_options.height = 240;
  sc.source_options.paced = false;
  auto sensor = Sensor::create(sc);
  ASSERT_TRUE(sensor.has_value()) << sensor.status().to_string();
  Sensor& s = **sensor;
  EXPECT_EQ(s.resize(160, 120, 1).code(), Errc::invalid_argument) << "channel 1 is not enabled";
  ASSERT_TRUE(s.run().is_ok());
  EXPECT_EQ(s.set_framesize(640, 360).code(), Errc::wrong_state) << "K230's call stays a stopped-only one";
  EXPECT_EQ(s.resize(0, 240).code(), Errc::invalid_argument);
  EXPECT_EQ(s.resize(321, 240).code(), Errc::invalid_argument);
  EXPECT_EQ(s.resize(32, 32).code(), Errc::invalid_argument);
  EXPECT_EQ(s.resize(64, 8194).code(), Errc::invalid_argument);
  auto before = s.snapshot(0);
  ASSERT_TRUE(before.has_value()) << before.status().to_string();
  EXPECT_EQ((*before)->width(), 320u);
  ASSERT_TRUE(s.resize(630, 360).is_ok());
  auto info = s.bind_info(0);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 640u) << "aligned up to 16, as set_framesize";
  EXPECT_EQ(info->height, 360u);
  // A frame the capture thread was making when resize came may still have the old size.
  Result<FramePtr> after = make_error(Errc::timeout, "no frame");
  for (int i = 0; i < 200; ++i) {
    after = s.snapshot(0);
    ASSERT_TRUE(after.has_value()) << after.status().to_string();
    if ((*after)->width() != 320u) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ((*after)->width(), 640u);
  EXPECT_EQ((*after)->height(), 360u);
  ASSERT_TRUE(s.stop().is_ok());
}

}  // namespace
}  // namespace camrec::media
