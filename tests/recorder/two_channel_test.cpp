// SPDX-License-Identifier: LGPL-2.1-or-later
// A camera's main and sub stream: two output channels of one sensor (1280x720 and 640x360)
// linked to two channels of one encoder, each written by its own Muxer. Both files must hold
// the same frames at the same capture times.
#include <gtest/gtest.h>

#include <thread>

#include "camrec/demuxer.h"
#include "camrec/media/encoder.h"
#include "camrec/media/media_manager.h"
#include "camrec/media/sensor.h"
#include "camrec/muxer.h"
#include "recorder_test_util.h"

namespace camrec::recorder {
namespace {

using camrec::testing::TempDir;
using camrec::testing::run_command;
using camrec::testing::shell_quote;
using namespace camrec::media;

/// Writes channel `chn`'s streams to `muxer` until the encoder has drained; the HEADER pack
/// goes with the key frame after it. Returns the capture times written.
std::vector<int64_t> write_channel(Encoder& enc, uint32_t chn, Muxer& muxer, uint32_t track, Status& error) {
  std::vector<int64_t> written;
  std::vector<uint8_t> header, frame;
  for (;;) {
    StreamData sd;
    Status s = enc.GetStream(chn, sd, 5000);
    if (s.code() == Errc::end_of_stream) break;
    if (!s.is_ok()) {
      error = s;
      break;
    }
    for (uint32_t i = 0; i < sd.pack_cnt; ++i) {
      if (sd.stream_type[i] == STREAM_TYPE_HEADER) {
        header.insert(header.end(), sd.data[i], sd.data[i] + sd.data_size[i]);
        continue;
      }
      frame.assign(header.begin(), header.end());
      frame.insert(frame.end(), sd.data[i], sd.data[i] + sd.data_size[i]);
      header.clear();
      Status w = muxer.write(track, Packet{frame, sd.pts[i], sd.pts[i], kMicroseconds, 0});
      if (!w.is_ok() && error.is_ok()) error = w;
      written.push_back(sd.pts[i]);
    }
    (void)enc.ReleaseStream(chn, sd);
  }
  return written;
}

/// Video pts (µs) of `path` read by our demuxer.
std::vector<int64_t> demuxed_pts(const std::string& path) {
  std::vector<int64_t> pts;
  auto d = Demuxer::open(path);
  EXPECT_TRUE(d.has_value());
  if (!d) return pts;
  const Timescale ts = (*d)->tracks().at(0).timescale;
  DemuxedSample s;
  while (true) {
    auto more = (*d)->next(s);
    EXPECT_TRUE(more.has_value());
    if (!more || !*more) break;
    pts.push_back(rescale(s.pts, ts, kMicroseconds));
  }
  return pts;
}

class TwoChannelTest : public ::testing::TestWithParam<bool> {};

TEST_P(TwoChannelTest, MainAndSubStreamFromOneSensor) {
  const bool paced = GetParam();
  constexpr uint64_t kFrames = 45;
  TempDir dir;
  SensorConfig sc;
  sc.source_options.width = 1280;
  sc.source_options.height = 720;
  sc.source_options.paced = paced;
  sc.source_options.max_frames = kFrames;
  auto sensor = Sensor::create(sc);
  ASSERT_TRUE(sensor.has_value()) << sensor.error().to_string();
  ASSERT_TRUE((*sensor)->set_framesize(1280, 720, 0).is_ok());
  ASSERT_TRUE((*sensor)->set_pixformat(Sensor::YUV420SP, 0).is_ok());
  ASSERT_TRUE((*sensor)->set_framesize(640, 360, 1).is_ok());
  ASSERT_TRUE((*sensor)->set_pixformat(Sensor::YUV420SP, 1).is_ok());

  auto enc = Encoder::create();
  ASSERT_TRUE(enc.has_value());
  const uint32_t sizes[2][2] = {{1280, 720}, {640, 360}};
  std::unique_ptr<Muxer> muxers[2];
  uint32_t tracks[2] = {0, 0};
  std::unique_ptr<Link> links[2];
  LinkOptions lo;
  // Unpaced: nothing may be lost. Paced: a camera never waits, but 45 frames of 720p x264
  // must fit this machine; drops would make the channels differ and fail below.
  lo.overflow = paced ? OverflowPolicy::drop : OverflowPolicy::block;
  lo.send_timeout_ms = paced ? 1000 : -1;
  for (uint32_t chn = 0; chn < 2; ++chn) {
    ASSERT_TRUE((*enc)->SetOutBufs(chn, 8, sizes[chn][0], sizes[chn][1]).is_ok());
    ChnAttr attr = ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, sizes[chn][0], sizes[chn][1], chn ? 1000 : 4000);
    ASSERT_TRUE((*enc)->Create(chn, attr).is_ok());
    ASSERT_TRUE((*enc)->Start(chn).is_ok());
    auto bind = (*sensor)->bind_info(chn);
    ASSERT_TRUE(bind.has_value());
    EXPECT_EQ(bind->width, sizes[chn][0]);
    EXPECT_EQ(bind->height, sizes[chn][1]);
    auto link = MediaManager::link(bind->src, {VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, chn}, lo);
    ASSERT_TRUE(link.has_value()) << link.error().to_string();
    links[chn] = std::move(*link);
    auto m = Muxer::create_file(dir.file("chn" + std::to_string(chn) + ".mp4"));
    ASSERT_TRUE(m.has_value());
    muxers[chn] = std::move(*m);
    auto t = muxers[chn]->add_video_track({Codec::h264});
    ASSERT_TRUE(t.has_value());
    tracks[chn] = *t;
  }

  Status errors[2];
  std::vector<int64_t> written[2];
  std::thread writers[2];
  for (uint32_t chn = 0; chn < 2; ++chn) {
    writers[chn] = std::thread([&, chn] { written[chn] = write_channel(**enc, chn, *muxers[chn], tracks[chn], errors[chn]); });
  }
  ASSERT_TRUE((*sensor)->run().is_ok());
  EXPECT_TRUE((*sensor)->wait_finished(60'000));
  for (uint32_t chn = 0; chn < 2; ++chn) {
    links[chn]->close();
    EXPECT_EQ(links[chn]->stats().dropped, 0u) << "chn " << chn;
    ASSERT_TRUE((*enc)->Stop(chn).is_ok());
  }
  for (auto& w : writers) w.join();
  for (uint32_t chn = 0; chn < 2; ++chn) {
    EXPECT_TRUE(errors[chn].is_ok()) << errors[chn].to_string();
    ASSERT_TRUE(muxers[chn]->close().is_ok());
    ASSERT_TRUE((*enc)->Destroy(chn).is_ok());
  }
  links[0].reset();
  links[1].reset();
  EXPECT_TRUE((*sensor)->stop().is_ok());

  ASSERT_EQ(written[0].size(), kFrames);
  EXPECT_EQ(written[0], written[1]) << "both channels carry the same captures";
  std::vector<int64_t> relative;
  for (int64_t t : written[0]) relative.push_back(t - written[0].front());

  for (uint32_t chn = 0; chn < 2; ++chn) {
    SCOPED_TRACE("chn " + std::to_string(chn));
    const std::string path = dir.file("chn" + std::to_string(chn) + ".mp4");
    EXPECT_EQ(camrec::testing::ffprobe_warnings(path), "");
    EXPECT_EQ(camrec::testing::ffprobe_stream_value(path, "v", "width"), std::to_string(sizes[chn][0]));
    EXPECT_EQ(camrec::testing::ffprobe_stream_value(path, "v", "height"), std::to_string(sizes[chn][1]));
    std::string err;
    EXPECT_EQ(camrec::testing::video_frame_md5s(path, &err).size(), kFrames) << err;
    auto pts = demuxed_pts(path);
    ASSERT_EQ(pts.size(), kFrames);
    for (size_t i = 0; i < pts.size(); ++i) EXPECT_LE(std::llabs(pts[i] - relative[i]), 11) << "frame " << i;  // 90 kHz ticks
  }
  EXPECT_EQ(demuxed_pts(dir.file("chn0.mp4")), demuxed_pts(dir.file("chn1.mp4")));
}

INSTANTIATE_TEST_SUITE_P(Pacing, TwoChannelTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Paced" : "Unpaced"; });

}  // namespace
}  // namespace camrec::recorder
