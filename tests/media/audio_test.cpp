// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/audio.h"

#include <gtest/gtest.h>

#include <cstring>

#include "audio/wav.h"
#include "io/source.h"
#include "testing/test_util.h"

namespace camrec::media {
namespace {

using camrec::testing::run_command;
using camrec::testing::shell_quote;
using camrec::testing::TempDir;

AudioOptions fast_tone() {
  AudioOptions o;
  o.paced = false;
  return o;
}

TEST(ToneSourceTest, BeepsAtKnownInstantsWithContiguousTimestamps) {
  ManualClock clock(2'000'000);
  auto src = make_tone_source(fast_tone(), clock);
  ASSERT_TRUE(src.has_value());
  EXPECT_EQ((*src)->format().sample_rate, 8000u);
  ASSERT_TRUE((*src)->start().is_ok());
  std::vector<int16_t> all;
  for (uint64_t k = 0; k < 75; ++k) {  // 3 s
    auto c = (*src)->read();
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->pts_us, 2'000'000 + static_cast<int64_t>(k) * 40'000);
    EXPECT_EQ(c->sequence, k);
    EXPECT_EQ(c->frames(), 320u);
    EXPECT_EQ(c->duration_us(), 40'000);
    all.insert(all.end(), c->samples.begin(), c->samples.end());
  }
  EXPECT_EQ(clock.now_us(), 2'000'000);  // as fast as possible: no waiting
  // Silence exactly, except 100 ms of 1 kHz from sample 8000 (1 s) and 16000 (2 s).
  auto loud = [&](size_t from, size_t to) {
    int peak = 0;
    for (size_t i = from; i < to; ++i) peak = std::max(peak, std::abs(static_cast<int>(all[i])));
    return peak;
  };
  EXPECT_EQ(loud(0, 8000), 0);
  EXPECT_GT(loud(8000, 8800), 15000);
  EXPECT_NE(all[8002], 0);  // the tone starts at the instant (sample 8000 itself is sin 0)
  EXPECT_EQ(loud(8800, 16000), 0);
  EXPECT_GT(loud(16000, 16800), 15000);
  EXPECT_EQ(loud(16800, 24000), 0);
  // 1 kHz at 8 kHz: the waveform repeats every 8 samples.
  EXPECT_EQ(all[8002], all[8010]);
  EXPECT_EQ(all[8002], -all[8006]);
}

TEST(ToneSourceTest, PacedChunksArriveWhenTheirLastSampleIsCaptured) {
  ManualClock clock(0);
  AudioOptions o;
  o.sample_rate = 16000;
  o.frames_per_chunk = 640;
  auto src = make_tone_source(o, clock);
  ASSERT_TRUE(src.has_value());
  ASSERT_TRUE((*src)->start().is_ok());
  for (int64_t k = 0; k < 5; ++k) {
    auto c = (*src)->read();
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->pts_us, k * 40'000);
    EXPECT_EQ(clock.now_us(), (k + 1) * 40'000);
  }
  EXPECT_EQ(clock.sleep_count(), 5u);
}

TEST(ToneSourceTest, SharedOriginMovesTheBeeps) {
  ManualClock clock(10'000'000);
  AudioOptions o = fast_tone();
  o.beeps.origin_us = 9'500'000;  // the schedule started 0.5 s before this source
  o.channels = 2;
  o.max_chunks = 20;
  auto src = make_tone_source(o, clock);
  ASSERT_TRUE(src.has_value());
  ASSERT_TRUE((*src)->start().is_ok());
  std::vector<int16_t> all;
  while (auto c = (*src)->read()) all.insert(all.end(), c->samples.begin(), c->samples.end());
  ASSERT_EQ(all.size(), 20u * 320 * 2);
  // First beep at origin + 1 s = 0.5 s after start = frame 4000.
  EXPECT_EQ(all[2 * 3999], 0);
  EXPECT_NE(all[2 * 4002], 0);
  EXPECT_EQ(all[2 * 4002], all[2 * 4002 + 1]);  // both channels
}

TEST(ToneSourceTest, ErrorsAndLimits) {
  ManualClock clock;
  AudioOptions o = fast_tone();
  o.sample_rate = 7000;
  EXPECT_EQ(make_tone_source(o, clock).status().code(), Errc::invalid_argument);
  o = fast_tone();
  o.channels = 0;
  EXPECT_EQ(make_tone_source(o, clock).status().code(), Errc::invalid_argument);
  o.channels = 9;
  EXPECT_EQ(make_tone_source(o, clock).status().code(), Errc::invalid_argument);
  o = fast_tone();
  o.tone_hz = 4000;
  EXPECT_EQ(make_tone_source(o, clock).status().code(), Errc::invalid_argument);
  o = fast_tone();
  o.frames_per_chunk = 0;
  EXPECT_EQ(make_tone_source(o, clock).status().code(), Errc::invalid_argument);
  o = fast_tone();
  o.beeps.duration_us = 2'000'000;  // longer than the period
  EXPECT_EQ(make_tone_source(o, clock).status().code(), Errc::invalid_argument);
  EXPECT_EQ(open_audio_source("mic", fast_tone(), clock).status().code(), Errc::invalid_argument);
  EXPECT_EQ(open_audio_source("wav:", fast_tone(), clock).status().code(), Errc::invalid_argument);
  EXPECT_EQ(open_audio_source("alsa:", fast_tone(), clock).status().code(), Errc::invalid_argument);
  auto src = open_audio_source("tone", fast_tone(), clock);
  ASSERT_TRUE(src.has_value());
  EXPECT_EQ((*src)->read().status().code(), Errc::wrong_state);
  ASSERT_TRUE((*src)->start().is_ok());
  (*src)->interrupt();
  EXPECT_EQ((*src)->read().status().code(), Errc::end_of_stream);
}

TEST(WavSourceTest, ReadsFfmpegPcmExactly) {
  TempDir dir;
  const std::string wav = dir.file("s.wav"), raw = dir.file("s.raw");
  auto r = run_command("ffmpeg -nostdin -v error -f lavfi -i sine=frequency=440:sample_rate=16000:"
                       "duration=0.5 -ac 2 -c:a pcm_s16le " + shell_quote(wav) +
                       " -f s16le -ac 2 -c:a pcm_s16le " + shell_quote(raw));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ManualClock clock(100);
  AudioOptions o;
  o.paced = false;
  o.frames_per_chunk = 3000;
  auto src = open_audio_source("wav:" + wav, o, clock);
  ASSERT_TRUE(src.has_value()) << src.status().to_string();
  EXPECT_EQ((*src)->format().sample_rate, 16000u);
  EXPECT_EQ((*src)->format().channels, 2u);
  ASSERT_TRUE((*src)->start().is_ok());
  std::vector<int16_t> all;
  std::vector<uint32_t> sizes;
  int64_t expect_pts = 100;
  while (auto c = (*src)->read()) {
    EXPECT_EQ(c->pts_us, expect_pts);
    expect_pts += c->duration_us();
    sizes.push_back(c->frames());
    all.insert(all.end(), c->samples.begin(), c->samples.end());
  }
  EXPECT_EQ(sizes, (std::vector<uint32_t>{3000, 3000, 2000}));
  auto bytes = camrec::testing::read_file(raw);
  ASSERT_EQ(bytes.size(), all.size() * 2);
  EXPECT_EQ(std::memcmp(bytes.data(), all.data(), bytes.size()), 0);
}

// A WAV header + data built by hand: tag, channels, rate, bits, block align, data size.
std::vector<uint8_t> wav_bytes(uint16_t tag, uint16_t channels, uint32_t rate, uint16_t bits,
                               uint16_t align, uint32_t data_claim, size_t data_real,
                               bool fmt_first = true) {
  std::vector<uint8_t> v;
  auto s = [&](const char* t) { v.insert(v.end(), t, t + 4); };
  auto u16 = [&](uint32_t x) {
    v.push_back(static_cast<uint8_t>(x));
    v.push_back(static_cast<uint8_t>(x >> 8));
  };
  auto u32 = [&](uint32_t x) {
    u16(x & 0xFFFF);
    u16(x >> 16);
  };
  s("RIFF");
  u32(0);
  s("WAVE");
  auto fmt = [&] {
    s("fmt ");
    u32(16);
    u16(tag);
    u16(channels);
    u32(rate);
    u32(rate * align);
    u16(align);
    u16(bits);
  };
  auto data = [&] {
    s("data");
    u32(data_claim);
    v.insert(v.end(), data_real, 0x11);
  };
  if (fmt_first) {
    fmt();
    s("LIST");  // an odd-sized chunk to skip, with its pad byte
    u32(3);
    v.insert(v.end(), {'a', 'b', 'c', 0});
    data();
  } else {
    data();
    fmt();
  }
  return v;
}

Status parse_bytes(const std::vector<uint8_t>& bytes) {
  io::MemorySource src(bytes);
  return parse_wav(src).status();
}

TEST(WavSourceTest, HeaderErrors) {
  EXPECT_TRUE(parse_bytes(wav_bytes(1, 1, 8000, 16, 2, 100, 100)).is_ok());
  EXPECT_EQ(parse_bytes(wav_bytes(3, 1, 8000, 32, 4, 100, 100)).code(), Errc::unsupported);
  EXPECT_EQ(parse_bytes(wav_bytes(1, 1, 8000, 8, 1, 100, 100)).code(), Errc::unsupported);
  EXPECT_EQ(parse_bytes(wav_bytes(1, 0, 8000, 16, 0, 100, 100)).code(), Errc::unsupported);
  EXPECT_EQ(parse_bytes(wav_bytes(1, 1, 500, 16, 2, 100, 100)).code(), Errc::unsupported);
  EXPECT_EQ(parse_bytes(wav_bytes(1, 2, 8000, 16, 2, 100, 100)).code(), Errc::malformed);
  Status truncated = parse_bytes(wav_bytes(1, 1, 8000, 16, 2, 1000, 100));
  EXPECT_EQ(truncated.code(), Errc::malformed);
  EXPECT_NE(truncated.message().find("truncated"), std::string::npos);
  EXPECT_EQ(parse_bytes(wav_bytes(1, 1, 8000, 16, 2, 100, 100, false)).code(), Errc::malformed);
  auto no_data = wav_bytes(1, 1, 8000, 16, 2, 100, 100);
  no_data.resize(12 + 24 + 12);  // RIFF + fmt + LIST only
  EXPECT_EQ(parse_bytes(no_data).code(), Errc::malformed);
  auto not_riff = wav_bytes(1, 1, 8000, 16, 2, 100, 100);
  not_riff[0] = 'X';
  EXPECT_EQ(parse_bytes(not_riff).code(), Errc::malformed);
  auto not_wave = wav_bytes(1, 1, 8000, 16, 2, 100, 100);
  not_wave[8] = 'A';
  EXPECT_EQ(parse_bytes(not_wave).code(), Errc::malformed);
  EXPECT_EQ(parse_bytes({'R', 'I', 'F'}).code(), Errc::malformed);
  // A chunk whose size runs past the end.
  auto runaway = wav_bytes(1, 1, 8000, 16, 2, 100, 100);
  runaway[36 + 4] = 0xFF;  // LIST size
  runaway[36 + 7] = 0x7F;
  EXPECT_EQ(parse_bytes(runaway).code(), Errc::malformed);
}

TEST(WavSourceTest, OddDataSizeKeepsWholeFramesAndFileErrors) {
  const auto odd = wav_bytes(1, 2, 8000, 16, 4, 10, 10);
  io::MemorySource odd_src(odd);
  auto info = parse_wav(odd_src);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->data_bytes, 8u);
  ManualClock clock;
  auto missing = open_audio_source("wav:/nonexistent/x.wav", fast_tone(), clock);
  EXPECT_EQ(missing.status().code(), Errc::not_found);
  TempDir dir;
  auto r = run_command("ffmpeg -nostdin -v error -f lavfi -i sine=sample_rate=8000:duration=0.1 "
                       "-c:a pcm_f32le " + shell_quote(dir.file("f.wav")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto f = open_audio_source("wav:" + dir.file("f.wav"), fast_tone(), clock);
  EXPECT_EQ(f.status().code(), Errc::unsupported);
  EXPECT_NE(f.status().message().find("f.wav"), std::string::npos);
}

TEST(AlsaSourceTest, MissingDeviceIsAnError) {
  AudioOptions o;
  auto r = open_audio_source("alsa:camrec_no_such_pcm", o, steady_clock());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.status().code(), Errc::not_found);
  EXPECT_NE(r.status().message().find("camrec_no_such_pcm"), std::string::npos);
  o.channels = 0;
  EXPECT_EQ(open_alsa_source("default", o, steady_clock()).status().code(), Errc::invalid_argument);
}

TEST(AlsaSourceTest, CapturesFromTheDefaultDevice) {
  AudioOptions o;
  o.max_chunks = 3;
  auto src = open_audio_source("alsa:default", o, steady_clock());
  if (!src) GTEST_SKIP() << "no ALSA capture device: " << src.status().to_string();
  ASSERT_TRUE((*src)->start().is_ok());
  int64_t last = INT64_MIN;
  for (int i = 0; i < 3; ++i) {
    auto c = (*src)->read();
    ASSERT_TRUE(c.has_value()) << c.status().to_string();
    EXPECT_EQ(c->frames(), 320u);
    EXPECT_GT(c->pts_us, last);
    EXPECT_LT(c->pts_us, steady_clock().now_us());
    last = c->pts_us;
  }
  (*src)->stop();
}

}  // namespace
}  // namespace camrec::media
