// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/g711.h"

#include <gtest/gtest.h>

#include "codec_test_helpers.h"

namespace camrec::codec {
namespace {

using Bytes = std::vector<uint8_t>;

// Every 16-bit sample value once, as little-endian PCM.
Bytes all_samples_pcm(std::vector<int16_t>& samples) {
  samples.clear();
  Bytes pcm;
  for (int v = -32768; v <= 32767; ++v) {
    samples.push_back(static_cast<int16_t>(v));
    pcm.push_back(static_cast<uint8_t>(v & 0xFF));
    pcm.push_back(static_cast<uint8_t>((v >> 8) & 0xFF));
  }
  return pcm;
}

void check_encoder(const char* codec, const char* format, void (*encode)(std::span<const int16_t>, std::span<uint8_t>)) {
  testing::TempDir dir;
  std::vector<int16_t> samples;
  testing::write_file(dir.file("in.pcm"), all_samples_pcm(samples));
  auto r = testing::run_command("ffmpeg -nostdin -y -v error -f s16le -ar 8000 -ac 1 -i '" + dir.file("in.pcm") +
                                "' -c:a " + codec + " -f " + format + " '" + dir.file("out.raw") + "'");
  ASSERT_EQ(r.exit_code, 0);
  Bytes theirs = testing::read_file(dir.file("out.raw"));
  Bytes mine(samples.size());
  encode(samples, mine);
  ASSERT_EQ(theirs.size(), mine.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < mine.size(); ++i) {
    if (mine[i] != theirs[i] && mismatches++ < 5)
      ADD_FAILURE() << codec << " sample " << samples[i] << ": ours " << int(mine[i]) << ", ffmpeg " << int(theirs[i]);
  }
  EXPECT_EQ(mismatches, 0u);
}

void check_decoder(const char* format, void (*decode)(std::span<const uint8_t>, std::span<int16_t>)) {
  testing::TempDir dir;
  Bytes codes;
  for (int c = 0; c < 256; ++c) codes.push_back(static_cast<uint8_t>(c));
  testing::write_file(dir.file("in.raw"), codes);
  auto r = testing::run_command(std::string("ffmpeg -nostdin -y -v error -f ") + format + " -ar 8000 -ac 1 -i '" +
                                dir.file("in.raw") + "' -f s16le '" + dir.file("out.pcm") + "'");
  ASSERT_EQ(r.exit_code, 0);
  Bytes pcm = testing::read_file(dir.file("out.pcm"));
  ASSERT_EQ(pcm.size(), 512u);
  std::vector<int16_t> mine(256);
  decode(codes, mine);
  for (int c = 0; c < 256; ++c) {
    int16_t theirs = static_cast<int16_t>(pcm[2 * c] | (pcm[2 * c + 1] << 8));
    EXPECT_EQ(mine[c], theirs) << format << " code " << c;
  }
}

TEST(G711, MulawEncoderMatchesFfmpegForEverySample) { check_encoder("pcm_mulaw", "mulaw", encode_ulaw); }
TEST(G711, AlawEncoderMatchesFfmpegForEverySample) { check_encoder("pcm_alaw", "alaw", encode_alaw); }
TEST(G711, MulawDecoderMatchesFfmpeg) { check_decoder("mulaw", decode_ulaw); }
TEST(G711, AlawDecoderMatchesFfmpeg) { check_decoder("alaw", decode_alaw); }

TEST(G711, KnownCodesAndRoundTrip) {
  EXPECT_EQ(linear_to_ulaw(0), 0xFF);
  EXPECT_EQ(linear_to_alaw(0), 0xD5);
  EXPECT_EQ(ulaw_to_linear(0xFF), 0);
  EXPECT_EQ(ulaw_to_linear(0x00), -32124);  // largest negative µ-law level
  EXPECT_EQ(alaw_to_linear(0xAA), 32256);   // largest positive A-law level
  EXPECT_EQ(linear_to_ulaw(32767), 0x80);
  EXPECT_EQ(linear_to_alaw(-32768), 0x2A);
  // Decoding then encoding any code gives the code back (the levels are fixed points),
  // except µ-law's negative zero, which encodes as positive zero.
  for (int c = 0; c < 256; ++c) {
    uint8_t code = static_cast<uint8_t>(c);
    EXPECT_EQ(linear_to_alaw(alaw_to_linear(code)), code) << c;
    if (code != 0x7F) {
      EXPECT_EQ(linear_to_ulaw(ulaw_to_linear(code)), code) << c;
    }
  }
  // The companding error stays within half a quantization step of the segment.
  for (int v = -32768; v <= 32767; v += 7) {
    int16_t s = static_cast<int16_t>(v);
    int err_u = std::abs(ulaw_to_linear(linear_to_ulaw(s)) - v);
    int err_a = std::abs(alaw_to_linear(linear_to_alaw(s)) - v);
    EXPECT_LE(err_u, std::abs(v) / 16 + 8) << v;
    EXPECT_LE(err_a, std::abs(v) / 16 + 16) << v;
  }
}

}  // namespace
}  // namespace camrec::codec
