// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/encoder.h"

#include <gtest/gtest.h>

#include <thread>

#include "link/registry.h"
#include "media_test_util.h"

namespace camrec::media {
namespace {

using camrec::testing::ffprobe_stream_value;
using camrec::testing::run_command;
using camrec::testing::shell_quote;
using camrec::testing::TempDir;
using test::annexb;
using test::drain;
using test::pattern_frames;

std::shared_ptr<Encoder> make_encoder() {
  auto e = Encoder::create();
  EXPECT_TRUE(e.has_value()) << e.status().to_string();
  return std::move(e).value();
}

ChnAttr attr(uint32_t payload, uint32_t profile, uint32_t w = 320, uint32_t h = 240) {
  ChnAttr a = ChnAttrStr(payload, profile, w, h);
  a.threads = 1;  // the test machine is small and shared
  return a;
}

// Sends every frame, taking streams as they come, then Stops and takes the rest.
std::vector<test::StreamRecord> encode_all(Encoder& enc, uint32_t chn,
                                           const std::vector<FramePtr>& frames) {
  std::vector<test::StreamRecord> out;
  for (const auto& f : frames) {
    EXPECT_TRUE(enc.SendFrame(chn, *f).is_ok());
    auto got = drain(enc, chn);
    out.insert(out.end(), got.begin(), got.end());
  }
  EXPECT_TRUE(enc.Stop(chn).is_ok());
  Status end;
  auto rest = drain(enc, chn, 1000, &end);
  EXPECT_EQ(end.code(), Errc::end_of_stream) << end.to_string();
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

TEST(EncoderTest, ErrorCasesGiveClearStatuses) {
  auto enc = make_encoder();
  EXPECT_EQ(Encoder::create().status().code(), Errc::wrong_state);  // device 0 exists
  EXPECT_EQ(Encoder::create(8).status().code(), Errc::invalid_argument);
  ChnAttr ok = attr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN);
  StreamData sd;
  // Bad channel on every call.
  EXPECT_EQ(enc->Create(4, ok).code(), Errc::invalid_argument);
  EXPECT_EQ(enc->Start(4).code(), Errc::invalid_argument);
  EXPECT_EQ(enc->GetStream(4, sd, 0).code(), Errc::invalid_argument);
  EXPECT_EQ(enc->SetOutBufs(4, 8, 320, 240).code(), Errc::invalid_argument);
  // Before Create.
  EXPECT_EQ(enc->GetStream(0, sd, 0).code(), Errc::wrong_state);
  EXPECT_EQ(enc->Start(0).code(), Errc::wrong_state);
  EXPECT_EQ(enc->Stop(0).code(), Errc::wrong_state);
  EXPECT_EQ(enc->Destroy(0).code(), Errc::wrong_state);
  EXPECT_EQ(enc->RequestIdr(0).code(), Errc::wrong_state);
  // Sizes and attributes.
  for (auto [w, h] : {std::pair<uint32_t, uint32_t>{0, 240}, {320, 0}, {321, 240}, {320, 241},
                      {8194, 240}, {320, 8194}, {8, 8}}) {
    EXPECT_EQ(enc->Create(0, attr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, w, h)).code(),
              Errc::invalid_argument)
        << w << "x" << h;
  }
  EXPECT_EQ(enc->Create(0, attr(PAYLOAD_TYPE_JPEG, H264_PROFILE_MAIN)).code(), Errc::unsupported);
  EXPECT_EQ(enc->Create(0, attr(97, H264_PROFILE_MAIN)).code(), Errc::invalid_argument);
  EXPECT_EQ(enc->Create(0, attr(PAYLOAD_TYPE_H265, H264_PROFILE_MAIN)).code(),
            Errc::invalid_argument);
  EXPECT_EQ(enc->Create(0, attr(PAYLOAD_TYPE_H264, H265_PROFILE_MAIN)).code(),
            Errc::invalid_argument);
  ChnAttr bad = ok;
  bad.dst_frame_rate = 60;  // above src
  EXPECT_EQ(enc->Create(0, bad).code(), Errc::invalid_argument);
  bad = ok;
  bad.gop_len = 0;
  EXPECT_EQ(enc->Create(0, bad).code(), Errc::invalid_argument);
  bad = ok;
  bad.bit_rate = 0;
  EXPECT_EQ(enc->Create(0, bad).code(), Errc::invalid_argument);
  bad = ok;
  bad.preset = "warp-speed";
  EXPECT_EQ(enc->Create(0, bad).code(), Errc::invalid_argument);
  EXPECT_EQ(enc->SetOutBufs(0, 1, 320, 240).code(), Errc::invalid_argument);
  EXPECT_EQ(enc->SetOutBufs(0, 8, 0, 240).code(), Errc::invalid_argument);
  // Create, then the state errors.
  ASSERT_TRUE(enc->SetOutBufs(0, 8, 320, 240).is_ok());
  ASSERT_TRUE(enc->Create(0, ok).is_ok());
  EXPECT_EQ(enc->Create(0, ok).code(), Errc::wrong_state);
  EXPECT_EQ(enc->SetOutBufs(0, 8, 320, 240).code(), Errc::wrong_state);
  EXPECT_EQ(enc->GetStream(0, sd, 0).code(), Errc::wrong_state);  // before Start
  auto frames = pattern_frames(1);
  EXPECT_EQ(enc->SendFrame(0, *frames[0]).code(), Errc::wrong_state);
  ASSERT_TRUE(enc->Start(0).is_ok());
  EXPECT_EQ(enc->Start(0).code(), Errc::wrong_state);
  EXPECT_EQ(enc->GetStream(0, sd, 20).code(), Errc::timeout);  // nothing sent yet
  auto wrong_size = pattern_frames(1, 160, 120);
  EXPECT_EQ(enc->SendFrame(0, *wrong_size[0]).code(), Errc::invalid_argument);
  ASSERT_TRUE(enc->Destroy(0).is_ok());
  EXPECT_EQ(enc->GetStream(0, sd, 0).code(), Errc::wrong_state);
}

TEST(EncoderTest, H264MainDecodesWithFfmpeg) {
  auto enc = make_encoder();
  ASSERT_TRUE(enc->SetOutBufs(0, 8, 320, 240).is_ok());
  ASSERT_TRUE(enc->Create(0, attr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN)).is_ok());
  ASSERT_TRUE(enc->Start(0).is_ok());
  auto frames = pattern_frames(60, 320, 240, 30, 7'000'000);
  auto streams = encode_all(*enc, 0, frames);
  TempDir dir;
  const std::string path = dir.file("out.h264");
  ASSERT_TRUE(camrec::testing::write_file(path, annexb(streams)));
  auto r = run_command("ffmpeg -nostdin -v error -xerror -i " + shell_quote(path) + " -f null -");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(camrec::testing::ffprobe_packet_count(path, "v"), 60);
  EXPECT_EQ(ffprobe_stream_value(path, "v", "profile"), "Main");
  EXPECT_EQ(ffprobe_stream_value(path, "v", "codec_name"), "h264");
  EXPECT_EQ(ffprobe_stream_value(path, "v", "width"), "320");
  EXPECT_EQ(ffprobe_stream_value(path, "v", "height"), "240");
  EXPECT_EQ(ffprobe_stream_value(path, "v", "has_b_frames"), "0");
  // Every frame decodes to the picture sent, in order: the pattern's digits survive.
  std::string err;
  auto numbers = test::decoded_frame_numbers(path, 320, 240, &err);
  ASSERT_EQ(numbers.size(), 60u) << err;
  for (int i = 0; i < 60; ++i) EXPECT_EQ(numbers[i], i);
  EncoderChannelStats st = enc->stats(0);
  EXPECT_EQ(st.frames_in, 60u);
  EXPECT_EQ(st.pictures_out, 60u);
  EXPECT_EQ(st.idr_out, 2u);
}

TEST(EncoderTest, HeaderPackComesOncePerStartAsOnTheK230) {
  for (uint32_t payload : {PAYLOAD_TYPE_H264, PAYLOAD_TYPE_H265}) {
    for (bool every_idr : {false, true}) {
      SCOPED_TRACE(std::to_string(payload) + (every_idr ? " header before every IDR" : " header once"));
      auto enc = make_encoder();
      ChnAttr a = attr(payload, payload == PAYLOAD_TYPE_H264 ? H264_PROFILE_HIGH : H265_PROFILE_MAIN);
      a.gop_len = 10;
      a.header_before_every_idr = every_idr;
      ASSERT_TRUE(enc->Create(1, a).is_ok());
      ASSERT_TRUE(enc->Start(1).is_ok());
      auto frames = pattern_frames(25, 320, 240, 30, 1'000'000);
      auto streams = encode_all(*enc, 1, frames);
      // K230: the HEADER pack comes alone, then the I pack, for frame 0 only; I packs at
      // frames 10 and 20 come on their own. With the option, a HEADER before each of them.
      ASSERT_EQ(streams.size(), every_idr ? 25u + 3u : 25u + 1u);
      size_t s = 0;
      for (int i = 0; i < 25; ++i) {
        const int64_t pts = frames[static_cast<size_t>(i)]->pts_us;
        if (i == 0 || (every_idr && i % 10 == 0)) {
          ASSERT_EQ(streams[s].types, (std::vector<uint32_t>{STREAM_TYPE_HEADER})) << i;
          EXPECT_EQ(streams[s].pts[0], pts);
          ++s;
        }
        const uint32_t type = i % 10 == 0 ? STREAM_TYPE_I : STREAM_TYPE_P;
        ASSERT_EQ(streams[s].types, (std::vector<uint32_t>{type})) << i;
        EXPECT_EQ(streams[s].pts[0], pts) << "frame " << i;
        ++s;
      }
      // The header pack holds only parameter sets: SPS+PPS (H.264) or VPS+SPS+PPS (H.265),
      // and an I pack none.
      const auto& header = streams[0].packs[0];
      ASSERT_GE(header.size(), 5u);
      auto first_type = [&](const std::vector<uint8_t>& pack) {
        return payload == PAYLOAD_TYPE_H264 ? pack[4] & 0x1F : (pack[4] >> 1) & 0x3F;
      };
      EXPECT_EQ(first_type(header), payload == PAYLOAD_TYPE_H264 ? 7 : 32);
      EXPECT_NE(first_type(streams[1].packs[0]), payload == PAYLOAD_TYPE_H264 ? 7 : 32);
      // A Start after Stop hands the HEADER out again.
      ASSERT_TRUE(enc->Stop(1).is_ok());
      ASSERT_TRUE(enc->Start(1).is_ok());
      auto again = encode_all(*enc, 1, pattern_frames(2, 320, 240, 30, 2'000'000));
      ASSERT_EQ(again.size(), 3u);
      EXPECT_EQ(again[0].types, (std::vector<uint32_t>{STREAM_TYPE_HEADER}));
      EXPECT_EQ(again[0].packs[0], header);
      EXPECT_EQ(again[1].types, (std::vector<uint32_t>{STREAM_TYPE_I}));
    }
  }
}

TEST(EncoderTest, H265MainDecodesWithFfmpeg) {
  auto enc = make_encoder();
  ASSERT_TRUE(enc->Create(2, attr(PAYLOAD_TYPE_H265, H265_PROFILE_MAIN)).is_ok());
  ASSERT_TRUE(enc->Start(2).is_ok());
  auto frames = pattern_frames(40);
  auto streams = encode_all(*enc, 2, frames);
  TempDir dir;
  const std::string path = dir.file("out.h265");
  ASSERT_TRUE(camrec::testing::write_file(path, annexb(streams)));
  EXPECT_EQ(ffprobe_stream_value(path, "v", "codec_name"), "hevc");
  EXPECT_EQ(ffprobe_stream_value(path, "v", "profile"), "Main");
  EXPECT_EQ(ffprobe_stream_value(path, "v", "width"), "320");
  std::string err;
  auto numbers = test::decoded_frame_numbers(path, 320, 240, &err);
  ASSERT_EQ(numbers.size(), 40u) << err;
  for (int i = 0; i < 40; ++i) EXPECT_EQ(numbers[i], i);
  EXPECT_EQ(enc->stats(2).idr_out, 2u);  // frames 0 and 30
}

TEST(EncoderTest, BaselineAndHighProfiles) {
  for (auto [profile, name] : {std::pair<uint32_t, std::string>{H264_PROFILE_BASELINE, "Baseline"},
                               {H264_PROFILE_HIGH, "High"}}) {
    auto enc = make_encoder();
    ASSERT_TRUE(enc->Create(0, attr(PAYLOAD_TYPE_H264, profile)).is_ok());
    ASSERT_TRUE(enc->Start(0).is_ok());
    auto streams = encode_all(*enc, 0, pattern_frames(5));
    TempDir dir;
    ASSERT_TRUE(camrec::testing::write_file(dir.file("p.h264"), annexb(streams)));
    std::string got = ffprobe_stream_value(dir.file("p.h264"), "v", "profile");
    // x264's baseline is the constrained subset, which ffprobe names as such.
    EXPECT_NE(got.find(name), std::string::npos) << got;
  }
}

TEST(EncoderTest, StopDrainsEveryFrameFromTheLookahead) {
  for (uint32_t payload : {PAYLOAD_TYPE_H264, PAYLOAD_TYPE_H265}) {
    auto enc = make_encoder();
    ChnAttr a = attr(payload, payload == PAYLOAD_TYPE_H264 ? H264_PROFILE_MAIN : H265_PROFILE_MAIN);
    a.low_latency = false;  // lookahead holds frames back until Stop
    ASSERT_TRUE(enc->SetOutBufs(0, 64, 320, 240).is_ok());
    ASSERT_TRUE(enc->Create(0, a).is_ok());
    ASSERT_TRUE(enc->Start(0).is_ok());
    auto frames = pattern_frames(45);
    for (const auto& f : frames) ASSERT_TRUE(enc->SendFrame(0, *f).is_ok());
    EXPECT_LT(enc->stats(0).pictures_out, 45u) << "expected frames held in the lookahead";
    ASSERT_TRUE(enc->Stop(0).is_ok());
    EXPECT_EQ(enc->stats(0).pictures_out, 45u);
    Status end;
    auto streams = drain(*enc, 0, 0, &end);
    EXPECT_EQ(end.code(), Errc::end_of_stream);
    size_t pictures = 0;
    std::vector<int64_t> pts;
    for (const auto& s : streams) {
      if (s.types[0] != STREAM_TYPE_HEADER) {
        ++pictures;
        pts.push_back(s.pts[0]);
      }
    }
    EXPECT_EQ(pictures, 45u) << payload;
    for (size_t i = 0; i < pts.size(); ++i) EXPECT_EQ(pts[i], frames[i]->pts_us);
    EXPECT_TRUE(enc->Stop(0).is_ok());  // a second Stop is harmless
  }
}

TEST(EncoderTest, OutputQueueIsBoundedAndReleaseFreesRoom) {
  auto enc = make_encoder();
  ASSERT_TRUE(enc->SetOutBufs(0, 3, 320, 240).is_ok());
  ASSERT_TRUE(enc->Create(0, attr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN)).is_ok());
  ASSERT_TRUE(enc->Start(0).is_ok());
  auto frames = pattern_frames(3);
  ASSERT_TRUE(enc->SendFrame(0, *frames[0], 0).is_ok());  // HEADER + I: 2 of 3 buffers
  ASSERT_TRUE(enc->SendFrame(0, *frames[1], 0).is_ok());  // P: 3 of 3
  Status full = enc->SendFrame(0, *frames[2], 50);
  EXPECT_EQ(full.code(), Errc::timeout) << full.to_string();
  EXPECT_EQ(enc->stats(0).send_timeouts, 1u);
  StreamData a, b;
  ASSERT_TRUE(enc->GetStream(0, a, 0).is_ok());
  ASSERT_TRUE(enc->GetStream(0, b, 0).is_ok());
  // Taken but not released still occupies its buffer.
  EXPECT_EQ(enc->SendFrame(0, *frames[2], 0).code(), Errc::timeout);
  ASSERT_TRUE(enc->ReleaseStream(0, a).is_ok());
  ASSERT_TRUE(enc->ReleaseStream(0, b).is_ok());
  EXPECT_TRUE(enc->SendFrame(0, *frames[2], 0).is_ok());
}

TEST(EncoderTest, ABlockedSendFrameResumesWhenTheConsumerReleases) {
  auto enc = make_encoder();
  ASSERT_TRUE(enc->SetOutBufs(0, 2, 320, 240).is_ok());
  ASSERT_TRUE(enc->Create(0, attr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN)).is_ok());
  ASSERT_TRUE(enc->Start(0).is_ok());
  auto frames = pattern_frames(2);
  ASSERT_TRUE(enc->SendFrame(0, *frames[0], 0).is_ok());
  std::thread consumer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (uint32_t want : {STREAM_TYPE_HEADER, STREAM_TYPE_I}) {
      StreamData sd;
      ASSERT_TRUE(enc->GetStream(0, sd, 1000).is_ok());
      EXPECT_EQ(sd.stream_type[0], want);
      ASSERT_TRUE(enc->ReleaseStream(0, sd).is_ok());
    }
  });
  const int64_t t0 = steady_clock().now_us();
  EXPECT_TRUE(enc->SendFrame(0, *frames[1], 5000).is_ok());
  EXPECT_GE(steady_clock().now_us() - t0, 40'000);  // it had to wait for the consumer
  consumer.join();
  StreamData p;
  ASSERT_TRUE(enc->GetStream(0, p, 1000).is_ok());
  EXPECT_EQ(p.stream_type[0], STREAM_TYPE_P);
  EXPECT_TRUE(enc->ReleaseStream(0, p).is_ok());
}

TEST(EncoderTest, ReleaseStreamTwiceOrForeignIsAnError) {
  auto enc = make_encoder();
  ASSERT_TRUE(enc->Create(0, attr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN)).is_ok());
  ASSERT_TRUE(enc->Create(1, attr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN)).is_ok());
  ASSERT_TRUE(enc->Start(0).is_ok());
  ASSERT_TRUE(enc->Start(1).is_ok());
  auto frames = pattern_frames(1);
  ASSERT_TRUE(enc->SendFrame(0, *frames[0]).is_ok());
  StreamData sd;
  ASSERT_TRUE(enc->GetStream(0, sd, 0).is_ok());
  StreamData copy = sd;
  EXPECT_EQ(enc->ReleaseStream(1, sd).code(), Errc::invalid_argument);  // foreign channel
  ASSERT_TRUE(enc->ReleaseStream(0, sd).is_ok());
  EXPECT_EQ(sd.pack_cnt, 0u);
  EXPECT_EQ(enc->ReleaseStream(0, sd).code(), Errc::invalid_argument);    // cleared
  EXPECT_EQ(enc->ReleaseStream(0, copy).code(), Errc::invalid_argument);  // already released
  StreamData never;
  EXPECT_EQ(enc->ReleaseStream(0, never).code(), Errc::invalid_argument);
}

TEST(EncoderTest, RequestIdrAndHeaderWithIdrInOneStream) {
  auto enc = make_encoder();
  ChnAttr a = attr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN);
  a.header_in_own_stream = false;
  a.gop_len = 100;
  ASSERT_TRUE(enc->Create(0, a).is_ok());
  ASSERT_TRUE(enc->Start(0).is_ok());
  auto frames = pattern_frames(8);
  std::vector<test::StreamRecord> streams;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (i == 5) {
      ASSERT_TRUE(enc->RequestIdr(0).is_ok());
    }
    ASSERT_TRUE(enc->SendFrame(0, *frames[i]).is_ok());
    auto got = drain(*enc, 0);
    streams.insert(streams.end(), got.begin(), got.end());
  }
  ASSERT_EQ(streams.size(), 8u);
  for (size_t i = 0; i < 8; ++i) {
    if (i == 0) {
      EXPECT_EQ(streams[i].types, (std::vector<uint32_t>{STREAM_TYPE_HEADER, STREAM_TYPE_I})) << i;
      EXPECT_EQ(streams[i].pts[0], streams[i].pts[1]);
    } else if (i == 5) {
      EXPECT_EQ(streams[i].types, (std::vector<uint32_t>{STREAM_TYPE_I})) << "the parameter sets did not change";
    } else {
      EXPECT_EQ(streams[i].types, (std::vector<uint32_t>{STREAM_TYPE_P})) << i;
    }
  }
}

TEST(EncoderTest, FrameRateConversionSkipsFrames) {
  auto enc = make_encoder();
  ChnAttr a = attr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN);
  a.src_frame_rate = 30;
  a.dst_frame_rate = 15;
  ASSERT_TRUE(enc->Create(0, a).is_ok());
  ASSERT_TRUE(enc->Start(0).is_ok());
  auto frames = pattern_frames(30);
  auto streams = encode_all(*enc, 0, frames);
  EncoderChannelStats st = enc->stats(0);
  EXPECT_EQ(st.frames_in, 15u);
  EXPECT_EQ(st.frames_skipped, 15u);
  EXPECT_EQ(st.pictures_out, 15u);
  // Every other frame is kept (1, 3, 5, ...): the first of each 1/15 s slot ends at odd i.
  std::vector<int64_t> pts;
  for (const auto& s : streams) {
    if (s.types[0] != STREAM_TYPE_HEADER) pts.push_back(s.pts[0]);
  }
  ASSERT_EQ(pts.size(), 15u);
  EXPECT_EQ(pts[0], frames[1]->pts_us);
  EXPECT_EQ(pts[1], frames[3]->pts_us);
}

TEST(EncoderTest, RestartAfterStopBeginsWithAnIdrAndOtherRateControls) {
  auto enc = make_encoder();
  for (RateControl rc : {RateControl::vbr, RateControl::fixqp}) {
    ChnAttr a = attr(PAYLOAD_TYPE_H265, H265_PROFILE_MAIN);
    a.rc_mode = rc;
    a.fixed_qp = 35;
    ASSERT_TRUE(enc->Create(3, a).is_ok());
    for (int round = 0; round < 2; ++round) {
      ASSERT_TRUE(enc->Start(3).is_ok());
      auto streams = encode_all(*enc, 3, pattern_frames(4));
      ASSERT_EQ(streams.size(), 5u);
      EXPECT_EQ(streams[0].types[0], STREAM_TYPE_HEADER);
      EXPECT_EQ(streams[1].types[0], STREAM_TYPE_I);
      TempDir dir;
      ASSERT_TRUE(camrec::testing::write_file(dir.file("r.h265"), annexb(streams)));
      EXPECT_EQ(camrec::testing::video_frame_md5s(dir.file("r.h265")).size(), 4u);
    }
    ASSERT_TRUE(enc->Destroy(3).is_ok());
  }
}

TEST(EncoderTest, NonYuvFramesAreConverted) {
  auto enc = make_encoder();
  ASSERT_TRUE(enc->Create(0, attr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, 64, 64)).is_ok());
  ASSERT_TRUE(enc->Start(0).is_ok());
  auto gray = Frame::allocate(PixelFormat::gray8, 64, 64);
  auto rgb = Frame::allocate(PixelFormat::rgb888, 64, 64);
  ASSERT_TRUE(enc->SendFrame(0, *gray).is_ok());
  rgb->pts_us = 1;
  ASSERT_TRUE(enc->SendFrame(0, *rgb).is_ok());
  ASSERT_TRUE(enc->Stop(0).is_ok());
  EXPECT_EQ(enc->stats(0).pictures_out, 2u);
}

TEST(EncoderTest, RegisteredForLinking) {
  auto enc = make_encoder();
  EXPECT_EQ(DeviceRegistry::instance().find_sink(VIDEO_ENCODE_MOD_ID, VENC_DEV_ID).get(),
            static_cast<FrameSink*>(enc.get()));
  EXPECT_TRUE(enc->check_input_channel(3).is_ok());
  EXPECT_EQ(enc->check_input_channel(4).code(), Errc::invalid_argument);
  enc.reset();
  EXPECT_EQ(DeviceRegistry::instance().find_sink(VIDEO_ENCODE_MOD_ID, VENC_DEV_ID), nullptr);
}

}  // namespace
}  // namespace camrec::media
