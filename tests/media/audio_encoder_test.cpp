// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/audio_encoder.h"

#include <gtest/gtest.h>
#include <opus/opus.h>

#include <cmath>

#include "codec/opus.h"
#include "testing/test_util.h"

namespace camrec::media {
namespace {

using camrec::testing::run_command;
using camrec::testing::shell_quote;
using camrec::testing::TempDir;

std::unique_ptr<AudioEncoder> make(AudioCodec codec, uint32_t rate, uint16_t channels = 1,
                                   uint32_t frame = 0) {
  AudioEncoderConfig c;
  c.codec = codec;
  c.sample_rate = rate;
  c.channels = channels;
  c.frame_samples = frame;
  auto r = make_audio_encoder(c);
  EXPECT_TRUE(r.has_value()) << r.status().to_string();
  return r.has_value() ? std::move(r).value() : nullptr;
}

std::unique_ptr<AudioSource> tone(uint32_t rate, uint32_t chunk, ManualClock& clock,
                                  uint64_t chunks) {
  AudioOptions o;
  o.sample_rate = rate;
  o.frames_per_chunk = chunk;
  o.paced = false;
  o.max_chunks = chunks;
  auto src = make_tone_source(o, clock);
  EXPECT_TRUE(src.has_value());
  EXPECT_TRUE((*src)->start().is_ok());
  return std::move(src).value();
}

TEST(G711EncoderTest, MatchesFfmpegByteForByte) {
  TempDir dir;
  const std::string wav = dir.file("in.wav");
  // An amplitude ramp to full scale reaches every segment of both laws.
  auto r = run_command("ffmpeg -nostdin -v error -f lavfi -i \"aevalsrc=exprs='sin(2*PI*310*t)*t"
                       "':s=8000:d=1\" -c:a pcm_s16le " + shell_quote(wav) +
                       " -c:a pcm_mulaw -f mulaw " + shell_quote(dir.file("ref.ulaw")) +
                       " -c:a pcm_alaw -f alaw " + shell_quote(dir.file("ref.alaw")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (AudioCodec codec : {AudioCodec::g711u, AudioCodec::g711a}) {
    ManualClock clock(5'000'000);
    AudioOptions o;
    o.paced = false;
    auto src = open_audio_source("wav:" + wav, o, clock);
    ASSERT_TRUE(src.has_value()) << src.status().to_string();
    ASSERT_TRUE((*src)->start().is_ok());
    auto enc = make(codec, 8000);
    ASSERT_NE(enc, nullptr);
    EXPECT_EQ(enc->frame_samples(), 320u);  // 40 ms, K230's chunk
    EXPECT_TRUE(enc->opus_head().empty());
    std::vector<AudioPacket> packets;
    while (auto c = (*src)->read()) ASSERT_TRUE(enc->encode(*c, packets).is_ok());
    ASSERT_TRUE(enc->flush(packets).is_ok());
    ASSERT_EQ(packets.size(), 25u);  // 8000 samples / 320
    std::vector<uint8_t> bytes;
    for (size_t i = 0; i < packets.size(); ++i) {
      EXPECT_EQ(packets[i].data.size(), 320u);
      EXPECT_EQ(packets[i].pts_us, 5'000'000 + static_cast<int64_t>(i) * 40'000);
      EXPECT_EQ(packets[i].duration_us, 40'000);
      bytes.insert(bytes.end(), packets[i].data.begin(), packets[i].data.end());
    }
    auto ref = camrec::testing::read_file(
        dir.file(codec == AudioCodec::g711u ? "ref.ulaw" : "ref.alaw"));
    EXPECT_EQ(bytes, ref) << audio_codec_name(codec);
  }
}

TEST(G711EncoderTest, BuffersPartialFramesAndFlushPadsWithSilence) {
  auto enc = make(AudioCodec::g711u, 8000);
  ASSERT_NE(enc, nullptr);
  AudioChunk c;
  c.sample_rate = 8000;
  c.channels = 1;
  c.pts_us = 1'000'000;
  c.samples.assign(500, 1000);
  std::vector<AudioPacket> out;
  ASSERT_TRUE(enc->encode(c, out).is_ok());
  ASSERT_EQ(out.size(), 1u);
  c.pts_us = 1'062'500;  // the next 500 samples, contiguous
  ASSERT_TRUE(enc->encode(c, out).is_ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].pts_us, 1'040'000);
  EXPECT_EQ(out[2].pts_us, 1'080'000);
  ASSERT_TRUE(enc->flush(out).is_ok());
  ASSERT_EQ(out.size(), 4u);  // 1000 = 3 * 320 + 40 left, padded
  EXPECT_EQ(out[3].pts_us, 1'120'000);
  EXPECT_EQ(out[3].data.size(), 320u);
  EXPECT_EQ(out[3].data[39], out[0].data[0]);  // still the input value
  EXPECT_EQ(out[3].data[40], 0xFF);            // µ-law silence
  ASSERT_TRUE(enc->flush(out).is_ok());
  EXPECT_EQ(out.size(), 4u);  // nothing left
}

TEST(G711EncoderTest, ConfigErrors) {
  AudioEncoderConfig c;
  c.codec = AudioCodec::g711a;
  c.sample_rate = 4000;
  EXPECT_EQ(make_audio_encoder(c).status().code(), Errc::invalid_argument);
  c.sample_rate = 8000;
  c.channels = 0;
  EXPECT_EQ(make_audio_encoder(c).status().code(), Errc::invalid_argument);
  c.channels = 1;
  c.frame_samples = 9000;
  EXPECT_EQ(make_audio_encoder(c).status().code(), Errc::invalid_argument);
  c.frame_samples = 160;
  auto enc = make_audio_encoder(c);
  ASSERT_TRUE(enc.has_value());
  AudioChunk wrong;
  wrong.sample_rate = 16000;
  wrong.samples.assign(160, 0);
  std::vector<AudioPacket> out;
  EXPECT_EQ((*enc)->encode(wrong, out).code(), Errc::invalid_argument);
}

int lookahead_of(uint32_t rate, int channels) {
  int err = 0;
  OpusEncoder* e = opus_encoder_create(static_cast<int>(rate), channels, OPUS_APPLICATION_AUDIO, &err);
  opus_int32 la = 0;
  opus_encoder_ctl(e, OPUS_GET_LOOKAHEAD(&la));
  opus_encoder_destroy(e);
  return la;
}

TEST(OpusEncoderTest, PacketsDecodeAndCarryTheBeeps) {
  ManualClock clock(0);
  auto src = tone(48000, 1920, clock, 40);  // 40 ms chunks, 1.6 s
  auto enc = make(AudioCodec::opus, 48000);
  ASSERT_NE(enc, nullptr);
  EXPECT_EQ(enc->frame_samples(), 960u);
  std::vector<AudioPacket> packets;
  while (auto c = (*src).read()) ASSERT_TRUE(enc->encode(*c, packets).is_ok());
  ASSERT_TRUE(enc->flush(packets).is_ok());
  // 80 frames of sound, and one of silence that pushes the encoder's lookahead out: after
  // the pre-skip the decoded sound still reaches the end of the input.
  ASSERT_EQ(packets.size(), 81u);
  int err = 0;
  OpusDecoder* dec = opus_decoder_create(48000, 1, &err);
  ASSERT_EQ(err, OPUS_OK);
  std::vector<int16_t> pcm;
  for (size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(packets[i].pts_us, static_cast<int64_t>(i) * 20'000);
    EXPECT_EQ(packets[i].duration_us, 20'000);
    EXPECT_EQ(packets[i].samples, 960u);
    ASSERT_FALSE(packets[i].data.empty());
    std::vector<int16_t> frame(960);
    int n = opus_decode(dec, packets[i].data.data(), static_cast<opus_int32>(packets[i].data.size()),
                        frame.data(), 960, 0);
    ASSERT_EQ(n, 960) << opus_strerror(n);
    pcm.insert(pcm.end(), frame.begin(), frame.end());
  }
  opus_decoder_destroy(dec);
  auto head = codec::parse_opus_head(enc->opus_head());
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->pre_skip, lookahead_of(48000, 1));
  EXPECT_EQ(head->channel_count, 1u);
  EXPECT_EQ(head->input_sample_rate, 48000u);
  EXPECT_EQ(codec::serialize_dops(*head).size(), 11u);
  // After dropping pre-skip the beep sits at 1.0 .. 1.1 s.
  auto rms = [&](double from_s, double to_s) {
    const size_t a = head->pre_skip + static_cast<size_t>(from_s * 48000);
    const size_t b = head->pre_skip + static_cast<size_t>(to_s * 48000);
    double sum = 0;
    for (size_t i = a; i < b; ++i) sum += static_cast<double>(pcm[i]) * pcm[i];
    return std::sqrt(sum / static_cast<double>(b - a));
  };
  EXPECT_LT(rms(0.2, 0.95), 200.0);
  EXPECT_GT(rms(1.01, 1.09), 8000.0);  // a 16000-peak sine has RMS ~11300
  EXPECT_LT(rms(1.15, 1.5), 200.0);
  EXPECT_GE(pcm.size() - head->pre_skip, size_t{76800}) << "the decoded sound ends before the input's 1.6 s";
}

TEST(OpusEncoderTest, NarrowbandRatesScalePreSkipTo48k) {
  for (uint32_t rate : {16000u, 8000u}) {
    auto enc = make(AudioCodec::opus, rate, 2);
    ASSERT_NE(enc, nullptr);
    EXPECT_EQ(enc->frame_samples(), rate / 50);
    auto head = codec::parse_opus_head(enc->opus_head());
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->pre_skip, lookahead_of(rate, 2) * static_cast<int>(48000 / rate));
    EXPECT_EQ(head->channel_count, 2u);
    EXPECT_EQ(head->input_sample_rate, rate);
    AudioChunk c;
    c.sample_rate = rate;
    c.channels = 2;
    c.samples.assign(size_t{rate / 50} * 2 * 3, 0);
    std::vector<AudioPacket> out;
    ASSERT_TRUE(enc->encode(c, out).is_ok());
    EXPECT_EQ(out.size(), 3u);
  }
}

TEST(OpusEncoderTest, ConfigErrors) {
  AudioEncoderConfig c;
  c.codec = AudioCodec::opus;
  c.sample_rate = 44100;
  EXPECT_EQ(make_audio_encoder(c).status().code(), Errc::invalid_argument);
  c.sample_rate = 48000;
  c.channels = 3;
  EXPECT_EQ(make_audio_encoder(c).status().code(), Errc::invalid_argument);
  c.channels = 1;
  c.frame_samples = 1000;
  EXPECT_EQ(make_audio_encoder(c).status().code(), Errc::invalid_argument);
  c.frame_samples = 480;  // 10 ms is fine
  EXPECT_TRUE(make_audio_encoder(c).has_value());
  c.frame_samples = 0;
  c.bitrate_bps = 1;  // below what libopus accepts
  EXPECT_EQ(make_audio_encoder(c).status().code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace camrec::media
