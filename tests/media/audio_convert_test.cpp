// SPDX-License-Identifier: LGPL-2.1-or-later
#include "audio/audio_convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace camrec::media {
namespace {

/// `frames` sample frames of a `hz` sine at `rate`, the same on every channel, from `pts_us`.
AudioChunk sine(uint32_t rate, uint16_t channels, uint32_t frames, uint64_t first_frame, double hz, int64_t pts_us) {
  AudioChunk c;
  c.sample_rate = rate;
  c.channels = channels;
  c.pts_us = pts_us;
  for (uint32_t i = 0; i < frames; ++i) {
    const double t = double(first_frame + i) / rate;
    const auto v = static_cast<int16_t>(std::lround(10000 * std::sin(2 * std::numbers::pi * hz * t)));
    for (uint16_t ch = 0; ch < channels; ++ch) c.samples.push_back(v);
  }
  return c;
}

// 44.1 kHz stereo to 48 kHz mono, in 20 ms reads: every sample comes out (the filter's tail
// at flush), stamped contiguously from the first input time, and the tone keeps its pitch.
TEST(AudioConverterTest, ResamplesAndMixesKeepingTimesAndPitch) {
  auto conv = AudioConverter::create({44100, 2}, {48000, 1});
  ASSERT_TRUE(conv.has_value()) << conv.error().to_string();
  std::vector<int16_t> out;
  int64_t expected_pts = -1;
  const int64_t start = 5'000'000;
  for (uint64_t k = 0; k < 100; ++k) {  // 2 s
    auto c = (*conv)->convert(sine(44100, 2, 882, k * 882, 1000, start + int64_t(k) * 20'000));
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->sample_rate, 48000u);
    EXPECT_EQ(c->channels, 1u);
    if (c->samples.empty()) continue;
    const int64_t want = expected_pts >= 0 ? expected_pts : start;
    EXPECT_LE(std::abs(c->pts_us - want), 30) << "chunk " << k;
    expected_pts = c->pts_us + c->duration_us();
    out.insert(out.end(), c->samples.begin(), c->samples.end());
  }
  auto tail = (*conv)->flush();
  ASSERT_TRUE(tail.has_value());
  if (!tail->samples.empty()) {
    EXPECT_LE(std::abs(tail->pts_us - expected_pts), 30);
  }
  out.insert(out.end(), tail->samples.begin(), tail->samples.end());
  EXPECT_NEAR(double(out.size()), 96000.0, 2.0);
  // The same sine at 48 kHz (a mono mix of two equal sides is that side).
  double err = 0;
  for (size_t i = 1000; i < 95000; ++i) {
    const double want = 10000 * std::sin(2 * std::numbers::pi * 1000 * double(i) / 48000);
    err = std::max(err, std::abs(out[i] - want));
  }
  EXPECT_LT(err, 150) << "largest difference from the ideal sine";
}

TEST(AudioConverterTest, RefusesBadFormatsAndForeignChunks) {
  EXPECT_EQ(AudioConverter::create({500, 1}, {8000, 1}).error().code(), Errc::invalid_argument);
  EXPECT_EQ(AudioConverter::create({8000, 9}, {8000, 1}).error().code(), Errc::invalid_argument);
  EXPECT_EQ(AudioConverter::create({8000, 1}, {8000, 0}).error().code(), Errc::invalid_argument);
  auto conv = AudioConverter::create({48000, 1}, {8000, 1});
  ASSERT_TRUE(conv.has_value());
  auto c = (*conv)->convert(sine(44100, 1, 100, 0, 440, 0));
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code(), Errc::invalid_argument);
  EXPECT_NE(c.error().to_string().find("44100 Hz x1"), std::string::npos) << c.error().to_string();
}

// The converting source: converted chunks, the filter's tail at the end of the source, then
// end_of_stream; an interrupt ends reads until the next start.
TEST(AudioConverterTest, ConvertingSourceEndsWithTheTailAndRestarts) {
  ManualClock clock(1'000'000);
  AudioOptions o;
  o.paced = false;
  o.max_chunks = 25;  // 1 s of 8 kHz in 40 ms chunks
  auto tone = make_tone_source(o, clock);
  ASSERT_TRUE(tone.has_value());
  auto conv = AudioConverter::create({8000, 1}, {48000, 2});
  ASSERT_TRUE(conv.has_value());
  auto src = make_converting_source(std::move(*tone), std::move(*conv));
  EXPECT_EQ(src->format().sample_rate, 48000u);
  EXPECT_EQ(src->format().channels, 2u);
  ASSERT_TRUE(src->start().is_ok());
  auto read_all = [&](int64_t& first) {
    uint64_t frames = 0;
    first = -1;
    for (;;) {
      auto c = src->read();
      if (!c) {
        EXPECT_EQ(c.error().code(), Errc::end_of_stream);
        return frames;
      }
      EXPECT_EQ(c->sample_rate, 48000u);
      if (first < 0) first = c->pts_us;
      frames += c->frames();
    }
  };
  int64_t first = -1;
  EXPECT_NEAR(double(read_all(first)), 48000.0, 2.0) << "the tail is delivered before the end";
  EXPECT_EQ(first, 1'000'000);
  src->interrupt();
  EXPECT_EQ(src->read().error().code(), Errc::end_of_stream);
  // Started again (later on the clock): a whole second again, its tail included.
  clock.advance_us(5'000'000);
  ASSERT_TRUE(src->start().is_ok());
  const uint64_t frames = read_all(first);
  EXPECT_NEAR(double(frames), 48000.0, 2.0);
}

TEST(AudioConverterTest, TheFormatACodecIsFed) {
  auto fmt = [](AudioCodec codec, AudioFormat source, uint32_t rate, uint16_t channels) {
    auto f = audio_format_for(codec, source, rate, channels);
    return f ? std::to_string(f->sample_rate) + "x" + std::to_string(f->channels) : f.error().to_string();
  };
  // Not given: the source's own when the codec takes it, else the codec's.
  EXPECT_EQ(fmt(AudioCodec::aac, {44100, 2}, 0, 0), "44100x2");
  EXPECT_EQ(fmt(AudioCodec::opus, {44100, 2}, 0, 0), "48000x2");
  EXPECT_EQ(fmt(AudioCodec::opus, {16000, 6}, 0, 0), "16000x2");
  EXPECT_EQ(fmt(AudioCodec::g711u, {44100, 2}, 0, 0), "8000x1");
  EXPECT_EQ(fmt(AudioCodec::aac, {96000, 1}, 0, 0), "48000x1");
  // Given: honoured, or refused naming what the codec takes.
  EXPECT_EQ(fmt(AudioCodec::g711a, {48000, 1}, 8000, 0), "8000x1");
  EXPECT_EQ(fmt(AudioCodec::opus, {44100, 1}, 24000, 2), "24000x2");
  EXPECT_NE(fmt(AudioCodec::g711u, {8000, 1}, 16000, 0).find("G.711 takes 8000 Hz only"), std::string::npos);
  EXPECT_NE(fmt(AudioCodec::g711u, {8000, 1}, 0, 2).find("G.711 takes 1 (mono only)"), std::string::npos);
  EXPECT_NE(fmt(AudioCodec::opus, {8000, 1}, 44100, 0).find("Opus takes 8000, 12000"), std::string::npos);
  EXPECT_NE(fmt(AudioCodec::aac, {8000, 1}, 0, 3).find("AAC takes 1 or 2"), std::string::npos);
}

}  // namespace
}  // namespace camrec::media
