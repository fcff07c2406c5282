// SPDX-License-Identifier: LGPL-2.1-or-later
// AAC-LC through libavcodec: every usual rate and layout, the AudioSpecificConfig, the
// encoder delay, packet timing, and the signal decoded back where it was captured.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
}

#include "camrec/media/audio.h"
#include "camrec/media/audio_encoder.h"
#include "camrec/media/clock.h"
#include "camrec/time.h"
#include "codec/aac.h"

namespace camrec::media {
namespace {

Result<std::unique_ptr<AudioEncoder>> make_aac(uint32_t rate, uint16_t channels, uint32_t bitrate = 0,
                                               uint32_t frame = 0) {
  AudioEncoderConfig c;
  c.codec = AudioCodec::aac;
  c.sample_rate = rate;
  c.channels = channels;
  c.bitrate_bps = bitrate;
  c.frame_samples = frame;
  return make_audio_encoder(c);
}

// One second of the tone source (a 1 kHz beep at 0.5 s for 0.1 s), encoded and flushed.
std::vector<AudioPacket> encode_second(AudioEncoder& enc, uint32_t rate, uint16_t channels, int64_t start_us) {
  ManualClock clock(start_us);
  AudioOptions o;
  o.sample_rate = rate;
  o.channels = channels;
  o.frames_per_chunk = rate / 25;  // 40 ms chunks: packets and chunks do not line up
  o.paced = false;
  o.max_chunks = 25;
  o.beeps.first_us = 500'000;
  o.beeps.duration_us = 100'000;
  auto src = make_tone_source(o, clock);
  EXPECT_TRUE(src.has_value()) << src.status().to_string();
  EXPECT_TRUE((*src)->start().is_ok());
  std::vector<AudioPacket> packets;
  while (auto chunk = (*src)->read()) EXPECT_TRUE(enc.encode(*chunk, packets).is_ok());
  EXPECT_TRUE(enc.flush(packets).is_ok());
  return packets;
}

TEST(AacEncoderTest, EveryUsualRateAndLayout) {
  for (uint32_t rate : {8000u, 11025u, 16000u, 22050u, 24000u, 32000u, 44100u, 48000u}) {
    for (uint16_t channels : {uint16_t{1}, uint16_t{2}}) {
      SCOPED_TRACE(std::to_string(rate) + " Hz x" + std::to_string(channels));
      auto enc = make_aac(rate, channels);
      ASSERT_TRUE(enc.has_value()) << enc.status().to_string();
      EXPECT_EQ((*enc)->codec(), AudioCodec::aac);
      EXPECT_EQ((*enc)->frame_samples(), 1024u);
      EXPECT_EQ((*enc)->priming_samples(), 1024u);  // FFmpeg's AAC encoder delay
      auto asc = codec::parse_audio_specific_config((*enc)->audio_specific_config());
      ASSERT_TRUE(asc.has_value()) << asc.status().to_string();
      EXPECT_EQ(asc->audio_object_type, 2);  // AAC LC
      EXPECT_EQ(asc->sampling_frequency, rate);
      EXPECT_EQ(asc->channel_configuration, channels);

      auto packets = encode_second(**enc, rate, channels, 3'000'000);
      // The frames of one second (the last padded) and one more for the encoder's delay.
      const size_t frames = (rate + 1023) / 1024;
      ASSERT_EQ(packets.size(), frames + 1);
      for (size_t i = 0; i < packets.size(); ++i) {
        EXPECT_FALSE(packets[i].data.empty());
        EXPECT_EQ(packets[i].samples, 1024u);
        // Packet k carries frame k's capture time; the edit list removes the delay.
        EXPECT_EQ(packets[i].pts_us, 3'000'000 + rescale(static_cast<int64_t>(i) * 1024, rate, kMicroseconds));
      }
    }
  }
}

// Decoded with libavcodec's AAC decoder, the output is the delay, then the input: the beep
// captured at 0.5 s is heard at 0.5 s once priming_samples() are dropped.
TEST(AacEncoderTest, DecodesToTheInputAfterTheDelay) {
  const uint32_t rate = 48000;
  auto enc = make_aac(rate, 1);
  ASSERT_TRUE(enc.has_value());
  auto packets = encode_second(**enc, rate, 1, 0);
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_AAC);
  ASSERT_NE(codec, nullptr);
  AVCodecContext* ctx = avcodec_alloc_context3(codec);
  const std::vector<uint8_t> asc = (*enc)->audio_specific_config();
  ctx->extradata = static_cast<uint8_t*>(av_mallocz(asc.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  std::copy(asc.begin(), asc.end(), ctx->extradata);
  ctx->extradata_size = static_cast<int>(asc.size());
  ASSERT_EQ(avcodec_open2(ctx, codec, nullptr), 0);
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  std::vector<float> pcm;
  auto take = [&] {
    while (avcodec_receive_frame(ctx, frame) == 0) {
      const auto* s = reinterpret_cast<const float*>(frame->extended_data[0]);
      pcm.insert(pcm.end(), s, s + frame->nb_samples);
    }
  };
  for (const AudioPacket& p : packets) {
    ASSERT_EQ(av_new_packet(pkt, static_cast<int>(p.data.size())), 0);
    std::copy(p.data.begin(), p.data.end(), pkt->data);
    ASSERT_EQ(avcodec_send_packet(ctx, pkt), 0);
    av_packet_unref(pkt);
    take();
  }
  avcodec_send_packet(ctx, nullptr);
  take();
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avcodec_free_context(&ctx);
  ASSERT_EQ(pcm.size(), packets.size() * 1024);
  auto rms = [&](int64_t from_ms, int64_t to_ms) {
    const size_t a = 1024 + static_cast<size_t>(from_ms * rate / 1000);
    const size_t b = 1024 + static_cast<size_t>(to_ms * rate / 1000);
    double sum = 0;
    for (size_t i = a; i < b; ++i) sum += double{pcm[i]} * pcm[i];
    return std::sqrt(sum / static_cast<double>(b - a));
  };
  EXPECT_LT(rms(100, 490), 0.01);  // silence until the beep
  EXPECT_GT(rms(505, 595), 0.25);  // a 16000-peak sine: RMS ~0.35 of full scale
  EXPECT_LT(rms(610, 990), 0.01);
}

TEST(AacEncoderTest, BadConfigurationsSayWhatIsAccepted) {
  auto rate = make_aac(44000, 1);
  ASSERT_FALSE(rate.has_value());
  EXPECT_EQ(rate.status().code(), Errc::invalid_argument);
  EXPECT_NE(rate.status().message().find("44100"), std::string::npos) << rate.status().message();
  EXPECT_EQ(make_aac(48000, 3).status().code(), Errc::invalid_argument);
  EXPECT_EQ(make_aac(48000, 0).status().code(), Errc::invalid_argument);
  EXPECT_EQ(make_aac(48000, 1, 0, 960).status().code(), Errc::invalid_argument);
  // 8 kHz mono carries at most 6144 bits per 1024 samples: 48 kbit/s.
  auto high = make_aac(8000, 1, 64000);
  EXPECT_EQ(high.status().code(), Errc::invalid_argument);
  EXPECT_NE(high.status().message().find("48000"), std::string::npos) << high.status().message();
  EXPECT_TRUE(make_aac(8000, 1, 48000).has_value());
  // A chunk at another rate than the encoder's is refused, not resampled silently.
  auto enc = make_aac(48000, 1);
  ASSERT_TRUE(enc.has_value());
  AudioChunk chunk;
  chunk.sample_rate = 44100;
  chunk.samples.assign(441, 0);
  std::vector<AudioPacket> out;
  EXPECT_EQ((*enc)->encode(chunk, out).code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace camrec::media
