// SPDX-License-Identifier: LGPL-2.1-or-later
// The test sources mark the same instants in picture and sound; after real encoding the
// marks must still line up on the shared capture clock.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "camrec/media/audio.h"
#include "camrec/media/audio_encoder.h"
#include "camrec/media/encoder.h"
#include "camrec/media/media_manager.h"
#include "camrec/media/sensor.h"
#include "codec/g711.h"
#include "media_test_util.h"

namespace camrec::media {
namespace {

TEST(AvSyncTest, FlashesAndBeepsShareInstantsThroughTheEncoders) {
  ManualClock clock(42'000'000);
  BeepSchedule beeps;
  beeps.origin_us = clock.now_us();

  SensorConfig sc;
  sc.clock = &clock;
  sc.source_options.width = 320;
  sc.source_options.height = 240;
  sc.source_options.paced = false;
  sc.source_options.max_frames = 75;  // 2.5 s
  sc.source_options.beeps = beeps;
  auto sensor = *Sensor::create(sc);
  auto enc = *Encoder::create();
  ChnAttr a = ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, 320, 240);
  a.threads = 1;
  ASSERT_TRUE(enc->Create(0, a).is_ok());
  ASSERT_TRUE(enc->Start(0).is_ok());
  LinkOptions lo;
  lo.overflow = OverflowPolicy::block;
  lo.send_timeout_ms = -1;
  auto link = MediaManager::link(sensor->bind_info()->src, {VIDEO_ENCODE_MOD_ID, 0, 0}, lo);
  ASSERT_TRUE(link.has_value());
  std::vector<test::StreamRecord> streams;
  std::thread consumer([&] {
    Status end;
    while (end.code() != Errc::end_of_stream) {
      auto got = test::drain(*enc, 0, 100, &end);
      streams.insert(streams.end(), got.begin(), got.end());
    }
  });
  ASSERT_TRUE(sensor->run().is_ok());
  EXPECT_TRUE(sensor->wait_finished(20000));
  (*link)->close();
  ASSERT_TRUE(enc->Stop(0).is_ok());
  consumer.join();
  std::vector<int64_t> video_pts;
  for (const auto& s : streams) {
    if (s.types[0] != STREAM_TYPE_HEADER) video_pts.push_back(s.pts[0]);
  }
  ASSERT_EQ(video_pts.size(), 75u);

  camrec::testing::TempDir dir;
  ASSERT_TRUE(camrec::testing::write_file(dir.file("v.h264"), test::annexb(streams)));
  auto r = camrec::testing::run_command("ffmpeg -nostdin -v error -xerror -i " +
                                        camrec::testing::shell_quote(dir.file("v.h264")) +
                                        " -f rawvideo -pix_fmt gray " +
                                        camrec::testing::shell_quote(dir.file("v.gray")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto gray = camrec::testing::read_file(dir.file("v.gray"));
  ASSERT_EQ(gray.size(), 75u * 320 * 240);
  const PatternLayout l = pattern_layout(320, 240);
  std::vector<int64_t> flashes;
  for (size_t i = 0; i < 75; ++i) {
    const uint8_t* below = gray.data() + i * 320 * 240 + size_t{l.box_bottom} * 320;
    if (mean_luma(below, 320, 320, 240 - l.box_bottom) > 200) flashes.push_back(video_pts[i]);
  }

  AudioOptions ao;
  ao.paced = false;
  ao.beeps = beeps;
  ao.max_chunks = 63;  // 2.52 s
  auto tone = make_tone_source(ao, clock);
  ASSERT_TRUE(tone.has_value());
  ASSERT_TRUE((*tone)->start().is_ok());
  auto g711 = make_audio_encoder({AudioCodec::g711u, 8000, 1, 320, 0});
  ASSERT_TRUE(g711.has_value());
  std::vector<AudioPacket> packets;
  while (auto c = (*tone)->read()) ASSERT_TRUE((*g711)->encode(*c, packets).is_ok());
  // One PCM timeline (the packets are contiguous); a beep starts at a loud sample after
  // at least 50 ms of quiet.
  std::vector<int16_t> pcm;
  for (const auto& p : packets) {
    EXPECT_EQ(p.pts_us, packets[0].pts_us + static_cast<int64_t>(pcm.size()) * 125);
    std::vector<int16_t> part(p.data.size());
    codec::decode_ulaw(p.data, part);
    pcm.insert(pcm.end(), part.begin(), part.end());
  }
  std::vector<int64_t> onsets;
  int64_t last_loud = -1'000'000;
  for (size_t i = 0; i < pcm.size(); ++i) {
    if (std::abs(pcm[i]) <= 1000) continue;
    if (static_cast<int64_t>(i) - last_loud > 400) {
      onsets.push_back(packets[0].pts_us + static_cast<int64_t>(i) * 125);
    }
    last_loud = static_cast<int64_t>(i);
  }
  ASSERT_EQ(flashes.size(), 2u);
  ASSERT_EQ(onsets.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    const int64_t instant = beeps.origin_us + static_cast<int64_t>(k + 1) * 1'000'000;
    EXPECT_EQ(flashes[k], instant);  // 30 fps: a frame falls exactly on each second
    // The tone starts at sin(0) = 0; the first loud sample is one sample later.
    EXPECT_LE(std::llabs(onsets[k] - instant), 250) << onsets[k] - instant;
  }
}

}  // namespace
}  // namespace camrec::media
