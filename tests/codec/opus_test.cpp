// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/opus.h"

#include <gtest/gtest.h>

#include "codec_test_helpers.h"

namespace camrec::codec {
namespace {

using Bytes = std::vector<uint8_t>;
using testing::hex;

// Packets of the first logical stream of an Ogg file (RFC 3533): lacing values of 255
// continue a packet, across pages too.
std::vector<Bytes> ogg_packets(const Bytes& d) {
  std::vector<Bytes> packets;
  Bytes current;
  size_t pos = 0;
  while (pos + 27 <= d.size() && std::memcmp(&d[pos], "OggS", 4) == 0) {
    size_t segments = d[pos + 26];
    size_t data = pos + 27 + segments;
    for (size_t i = 0; i < segments; ++i) {
      size_t len = d[pos + 27 + i];
      current.insert(current.end(), d.begin() + static_cast<ptrdiff_t>(data), d.begin() + static_cast<ptrdiff_t>(data + len));
      data += len;
      if (len < 255) packets.push_back(std::move(current)), current.clear();
    }
    pos = data;
  }
  return packets;
}

struct OpusCase {
  const char* name;
  const char* args;
  int channels;
  uint32_t input_rate;
  uint16_t pre_skip;
};

class OpusStreams : public ::testing::TestWithParam<OpusCase> {};

TEST_P(OpusStreams, HeadDopsAndDurationsMatchFfmpeg) {
  std::string ogg = testing::fixture(std::string("opus_") + GetParam().name + ".ogg", GetParam().args);
  ASSERT_FALSE(ogg.empty());
  auto packets = ogg_packets(testing::read_file(ogg));
  ASSERT_GT(packets.size(), 3u);
  auto head = parse_opus_head(packets[0]);
  ASSERT_TRUE(head) << head.error().to_string();
  EXPECT_EQ(head->version, 1);
  EXPECT_EQ(head->channel_count, GetParam().channels);
  EXPECT_EQ(head->channel_mapping_family, GetParam().channels > 2 ? 1 : 0);
  EXPECT_EQ(head->input_sample_rate, GetParam().input_rate);
  EXPECT_EQ(serialize_opus_head(*head), packets[0]);
  auto probe = testing::ffprobe_values("-select_streams a:0 -show_entries stream=channels,extradata_size", ogg);
  EXPECT_EQ(std::to_string(head->channel_count), probe["channels"]);
  EXPECT_EQ(std::to_string(packets[0].size()), probe["extradata_size"]);
  // libopus's lookahead: 2.5 ms, plus 4 ms delay compensation unless restricted-lowdelay.
  EXPECT_EQ(head->pre_skip, GetParam().pre_skip);

  // dOps as ffmpeg writes it when remuxing the same stream into MP4.
  std::string mp4 = ogg + ".mp4";
  ASSERT_EQ(testing::run_command("ffmpeg -nostdin -y -v error -i '" + ogg + "' -c copy '" + mp4 + "'").exit_code, 0);
  auto dops = testing::find_box_payload(testing::read_file(mp4), "dOps");
  ASSERT_TRUE(dops);
  EXPECT_EQ(hex(serialize_dops(*head)), hex(*dops));
  auto parsed = parse_dops(*dops);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  OpusHead expected = *head;
  expected.version = 0;
  EXPECT_EQ(*parsed, expected);

  // Packet durations from the TOC byte against ffprobe's, packet by packet (the last one
  // may be trimmed by the end granule position, so it is left out).
  auto durations = testing::ffprobe_lines("-select_streams a:0 -show_entries packet=duration", ogg);
  ASSERT_EQ(durations.size() + 2, packets.size());  // OpusHead and OpusTags are not packets
  for (size_t i = 2; i + 1 < packets.size(); ++i) {
    auto samples = opus_packet_samples(packets[i]);
    ASSERT_TRUE(samples) << samples.error().to_string();
    EXPECT_EQ(std::to_string(*samples), durations[i - 2]) << "packet " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Libopus, OpusStreams,
    ::testing::Values(
        OpusCase{"stereo20", "-f lavfi -i sine=frequency=440:sample_rate=48000 -ac 2 -t 1 -c:a libopus -b:a 64k", 2, 48000, 312},
        OpusCase{"mono60_voip", "-f lavfi -i sine=frequency=300:sample_rate=16000 -ac 1 -t 1 -c:a libopus "
                                "-application voip -frame_duration 60 -b:a 16k", 1, 16000, 312},
        OpusCase{"lowdelay_2_5", "-f lavfi -i sine=frequency=1000:sample_rate=48000 -ac 1 -t 0.5 -c:a libopus "
                                 "-application lowdelay -frame_duration 2.5 -b:a 64k", 1, 48000, 120},
        OpusCase{"surround51", "-f lavfi -i sine=frequency=440:sample_rate=48000 -ac 6 -t 1 -c:a libopus -b:a 128k", 6, 48000, 312}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(OpusHead, FromEncoderParameters) {
  auto head = opus_head_from_encoder(2, 44100, 312);
  ASSERT_TRUE(head);
  Bytes dops = serialize_dops(*head);
  EXPECT_EQ(hex(dops), "000201380000ac440000" "00");
  EXPECT_EQ(opus_head_from_encoder(3, 48000, 312).error().code(), Errc::invalid_argument);
}

TEST(OpusPacket, TocDurations) {
  auto samples = [](Bytes p) { return opus_packet_samples(p).value(); };
  EXPECT_EQ(samples({0x00}), 480u);           // SILK NB 10 ms, one frame
  EXPECT_EQ(samples({0x18}), 2880u);          // SILK 60 ms
  EXPECT_EQ(samples({0x79, 0, 0}), 1920u);    // hybrid FB 20 ms, two frames (code 1)
  EXPECT_EQ(samples({0x80}), 120u);           // CELT 2.5 ms
  EXPECT_EQ(samples({0xFB, 0x06}), 5760u);    // CELT 20 ms, 6 frames (code 3): 120 ms
  EXPECT_EQ(opus_packet_samples(Bytes{}).error().code(), Errc::malformed);
  EXPECT_EQ(opus_packet_samples(Bytes{0xFB}).error().code(), Errc::malformed);        // no count byte
  EXPECT_EQ(opus_packet_samples(Bytes{0xFB, 0x00}).error().code(), Errc::malformed);  // 0 frames
  EXPECT_EQ(opus_packet_samples(Bytes{0xFB, 0x07}).error().code(), Errc::malformed);  // 140 ms
}

TEST(OpusHead, Errors) {
  Bytes good = serialize_opus_head(*opus_head_from_encoder(2, 48000, 312));
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_FALSE(parse_opus_head(Bytes(good.begin(), good.begin() + static_cast<ptrdiff_t>(n)))) << n;
  Bytes magic = good;
  magic[0] = 'o';
  EXPECT_EQ(parse_opus_head(magic).error().code(), Errc::malformed);
  Bytes v16 = good;
  v16[8] = 16;
  EXPECT_EQ(parse_opus_head(v16).error().code(), Errc::unsupported);
  Bytes zero_channels = good;
  zero_channels[9] = 0;
  EXPECT_EQ(parse_opus_head(zero_channels).error().code(), Errc::malformed);
  Bytes three_family0 = good;
  three_family0[9] = 3;
  EXPECT_EQ(parse_opus_head(three_family0).error().code(), Errc::malformed);
  // Family 1 with a mapping entry past the decoded channels.
  OpusHead multi;
  multi.channel_count = 3;
  multi.channel_mapping_family = 1;
  multi.stream_count = 2;
  multi.coupled_count = 1;
  multi.channel_mapping = {0, 2, 1};
  Bytes ok = serialize_opus_head(multi);
  EXPECT_TRUE(parse_opus_head(ok));
  ok.back() = 3;
  EXPECT_EQ(parse_opus_head(ok).error().code(), Errc::malformed);
  ok.pop_back();
  EXPECT_EQ(parse_opus_head(ok).error().code(), Errc::malformed);  // table truncated
  Bytes dops = serialize_dops(multi);
  EXPECT_EQ(parse_dops(dops).value().channel_mapping, multi.channel_mapping);
  for (size_t n = 0; n < dops.size(); ++n)
    EXPECT_FALSE(parse_dops(Bytes(dops.begin(), dops.begin() + static_cast<ptrdiff_t>(n)))) << n;
  dops[0] = 1;
  EXPECT_EQ(parse_dops(dops).error().code(), Errc::unsupported);
  multi.coupled_count = 3;
  EXPECT_EQ(parse_dops(serialize_dops(multi)).error().code(), Errc::malformed);
}

}  // namespace
}  // namespace camrec::codec
