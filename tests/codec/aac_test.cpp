// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/aac.h"

#include <gtest/gtest.h>

#include "codec_test_helpers.h"

namespace camrec::codec {
namespace {

using Bytes = std::vector<uint8_t>;
using testing::hex;

std::string aac_mp4() {
  return testing::fixture("aac_lc.mp4", "-f lavfi -i sine=frequency=440:sample_rate=48000 -ac 2 -t 1 -c:a aac -b:a 128k");
}
std::string aac_adts() {
  return testing::fixture("aac_lc.aac", "-f lavfi -i sine=frequency=440:sample_rate=44100 -ac 1 -t 1 -c:a aac -b:a 64k");
}

TEST(Esds, ByteExactAgainstFfmpeg) {
  std::string file = aac_mp4();
  ASSERT_FALSE(file.empty());
  auto box = testing::find_box_payload(testing::read_file(file), "esds");
  ASSERT_TRUE(box);
  ASSERT_GT(box->size(), 4u);
  Bytes payload(box->begin() + 4, box->end());  // after version and flags
  auto es = parse_es_descriptor(payload);
  ASSERT_TRUE(es) << es.error().to_string();
  EXPECT_EQ(es->es_id, 1);
  EXPECT_EQ(es->decoder_config.object_type_indication, 0x40);
  EXPECT_EQ(es->decoder_config.stream_type, 5);
  EXPECT_FALSE(es->decoder_config.up_stream);
  EXPECT_EQ(es->sl_config_predefined, 2);
  EXPECT_GT(es->decoder_config.max_bitrate, 0u);
  EXPECT_GT(es->decoder_config.avg_bitrate, 0u);

  // DecSpecificInfo: AAC LC, 48 kHz, stereo, SBR explicitly absent, as ffmpeg's encoder says.
  AudioSpecificConfig asc;
  asc.audio_object_type = 2;
  asc.sampling_frequency_index = aac_sampling_frequency_index(48000);
  asc.sampling_frequency = 48000;
  asc.channel_configuration = 2;
  asc.sbr_present = false;
  auto dsi = serialize_audio_specific_config(asc);
  ASSERT_TRUE(dsi);
  EXPECT_EQ(hex(*dsi), hex(es->decoder_config.decoder_specific_info));
  auto parsed_asc = parse_audio_specific_config(es->decoder_config.decoder_specific_info);
  ASSERT_TRUE(parsed_asc);
  EXPECT_EQ(*parsed_asc, asc);
  EXPECT_EQ(parsed_asc->frame_samples(), 1024u);

  // Built from our own values, the descriptor is byte-identical to ffmpeg's.
  EsDescriptor mine;
  mine.es_id = 1;
  mine.decoder_config.max_bitrate = es->decoder_config.max_bitrate;
  mine.decoder_config.avg_bitrate = es->decoder_config.avg_bitrate;
  mine.decoder_config.buffer_size_db = es->decoder_config.buffer_size_db;
  mine.decoder_config.decoder_specific_info = *dsi;
  EXPECT_EQ(hex(serialize_es_descriptor(mine)), hex(payload));
  EXPECT_EQ(*es, mine);

  // The bitrates ffmpeg writes match what ffprobe says of the stream.
  auto probe = testing::ffprobe_values("-select_streams a:0 -show_entries stream=bit_rate,sample_rate,channels,profile", file);
  EXPECT_EQ(probe["profile"], "LC");
  EXPECT_EQ(probe["sample_rate"], std::to_string(parsed_asc->sampling_frequency));
  EXPECT_EQ(probe["channels"], std::to_string(parsed_asc->channel_configuration));
}

TEST(Esds, MinimalSizeFieldsRoundTrip) {
  EsDescriptor es;
  es.es_id = 2;
  es.depends_on_es_id = 7;
  es.url = "rtsp://camera/stream";
  es.ocr_es_id = 3;
  es.stream_priority = 9;
  es.decoder_config.decoder_specific_info = Bytes(200, 0x5A);  // needs a 2-byte size
  es.decoder_config.max_bitrate = 64000;
  Bytes one = serialize_es_descriptor(es, 1);
  Bytes four = serialize_es_descriptor(es, 4);
  EXPECT_LT(one.size(), four.size());
  EXPECT_EQ(parse_es_descriptor(one).value(), es);
  EXPECT_EQ(parse_es_descriptor(four).value(), es);
}

TEST(Esds, Errors) {
  EsDescriptor es;
  es.decoder_config.decoder_specific_info = {0x12, 0x10};
  Bytes good = serialize_es_descriptor(es);
  for (size_t n = 0; n < good.size(); ++n) {
    auto r = parse_es_descriptor(Bytes(good.begin(), good.begin() + static_cast<ptrdiff_t>(n)));
    EXPECT_FALSE(r) << "length " << n;
  }
  Bytes wrong_tag = good;
  wrong_tag[0] = 0x04;
  EXPECT_NE(parse_es_descriptor(wrong_tag).error().message().find("tag 3"), std::string::npos);
  Bytes long_size = {0x03, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00};
  EXPECT_NE(parse_es_descriptor(long_size).error().message().find("longer than 4 bytes"), std::string::npos);
  Bytes no_dcd = {0x03, 0x06, 0x00, 0x01, 0x00, 0x06, 0x01, 0x02};
  EXPECT_NE(parse_es_descriptor(no_dcd).error().message().find("without DecoderConfigDescriptor"), std::string::npos);
  Bytes past_parent = good;
  past_parent[1 + 4 + 3 + 1 + 3] = 0x7F;  // the DecoderConfigDescriptor claims 127 bytes
  EXPECT_EQ(parse_es_descriptor(past_parent).error().code(), Errc::malformed);
}

TEST(Adts, FramesMatchFfprobePackets) {
  std::string file = aac_adts();
  ASSERT_FALSE(file.empty());
  Bytes data = testing::read_file(file);
  size_t pos = 0, frames = 0;
  std::optional<AdtsHeader> first;
  while (pos < data.size()) {
    auto h = parse_adts_header(std::span<const uint8_t>(data).subspan(pos));
    ASSERT_TRUE(h) << "at " << pos << ": " << h.error().to_string();
    if (!first) first = *h;
    EXPECT_EQ(h->sampling_frequency(), 44100u);
    EXPECT_EQ(h->channel_configuration, 1);
    EXPECT_EQ(h->audio_object_type, 2);
    pos += h->frame_length;
    ++frames;
  }
  EXPECT_EQ(pos, data.size());
  auto packets = testing::ffprobe_lines("-select_streams a:0 -show_entries packet=size", file);
  EXPECT_EQ(frames, packets.size());
  // ffmpeg's AudioSpecificConfig for the same stream starts with the two bytes ADTS implies.
  auto asc = serialize_audio_specific_config(asc_from_adts(*first));
  ASSERT_TRUE(asc);
  EXPECT_EQ(hex(*asc), "1208");
}

TEST(Adts, Errors) {
  Bytes good = {0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC};  // LC, 44.1 kHz, stereo, 16 bytes
  auto h = parse_adts_header(good);
  ASSERT_TRUE(h) << h.error().to_string();
  EXPECT_EQ(h->frame_length, 16u);
  EXPECT_EQ(h->payload_size(), 9u);
  EXPECT_EQ(h->header_size(), 7u);
  auto code = [](const Bytes& b) { return parse_adts_header(b).error().code(); };
  EXPECT_EQ(code(Bytes(good.begin(), good.end() - 1)), Errc::malformed);
  Bytes no_sync = good;
  no_sync[1] = 0xE1;
  EXPECT_EQ(code(no_sync), Errc::malformed);
  Bytes layer = good;
  layer[1] = 0xF3;
  EXPECT_EQ(code(layer), Errc::malformed);
  Bytes crc = good;
  crc[1] = 0xF0;  // protection_absent 0: needs 9 bytes
  EXPECT_EQ(code(crc), Errc::malformed);
  Bytes blocks = good;
  blocks[6] = 0xFD;  // two raw data blocks
  EXPECT_EQ(code(blocks), Errc::unsupported);
  Bytes short_frame = good;
  short_frame[4] = 0x00;
  short_frame[5] = 0xDF;  // frame_length 6
  EXPECT_EQ(code(short_frame), Errc::malformed);
  Bytes reserved_rate = good;
  reserved_rate[2] = 0x74;  // sampling_frequency_index 13
  EXPECT_EQ(code(reserved_rate), Errc::malformed);
  Bytes pce = good;
  pce[3] = 0x00;  // channel_configuration 0
  EXPECT_EQ(code(pce), Errc::unsupported);
}

TEST(AudioSpecificConfig, HeAacSignalling) {
  // Explicit hierarchical HE-AAC v2: AOT 29, 24 kHz core, mono, SBR at 48 kHz, AOT 2.
  Bytes explicit_v2 = {0xEB, 0x09, 0x88, 0x00};
  auto a = parse_audio_specific_config(explicit_v2);
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(a->audio_object_type, 2);
  EXPECT_EQ(a->sampling_frequency, 24000u);
  EXPECT_EQ(a->channel_configuration, 1);
  EXPECT_EQ(a->sbr_present, true);
  EXPECT_EQ(a->ps_present, true);
  EXPECT_EQ(a->extension_sampling_frequency, 48000u);
  EXPECT_EQ(a->frame_samples(), 2048u);
  // Written back in the backward-compatible form, it parses to the same configuration.
  auto compat = serialize_audio_specific_config(*a);
  ASSERT_TRUE(compat);
  EXPECT_EQ(parse_audio_specific_config(*compat).value(), *a);
  EXPECT_EQ((*compat)[0] >> 3, 2);  // core object type first

  AudioSpecificConfig explicit_rate;
  explicit_rate.sampling_frequency_index = 15;
  explicit_rate.sampling_frequency = 12345;
  explicit_rate.channel_configuration = 1;
  auto bytes = serialize_audio_specific_config(explicit_rate);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(parse_audio_specific_config(*bytes).value(), explicit_rate);
}

TEST(AudioSpecificConfig, Errors) {
  EXPECT_EQ(parse_audio_specific_config(Bytes{0x12}).error().code(), Errc::malformed);
  EXPECT_EQ(parse_audio_specific_config(Bytes{0x17, 0x08}).error().code(), Errc::malformed);  // index 14
  EXPECT_EQ(parse_audio_specific_config(Bytes{0xF8, 0x26, 0x40}).error().code(), Errc::unsupported);  // AOT 33
  EXPECT_EQ(parse_audio_specific_config(Bytes{0x11, 0x80}).error().code(), Errc::unsupported);  // channel config 0
  auto main_profile = parse_audio_specific_config(Bytes{0x09, 0x90});  // AAC Main, 48 kHz, stereo
  ASSERT_TRUE(main_profile);
  EXPECT_EQ(main_profile->audio_object_type, 1);
  EXPECT_EQ(main_profile->channel_configuration, 2);
  AudioSpecificConfig bad;
  bad.audio_object_type = 42;
  EXPECT_EQ(serialize_audio_specific_config(bad).error().code(), Errc::invalid_argument);
  bad.audio_object_type = 2;
  bad.channel_configuration = 0;
  EXPECT_EQ(serialize_audio_specific_config(bad).error().code(), Errc::invalid_argument);
  bad.channel_configuration = 2;
  bad.sampling_frequency_index = 13;
  EXPECT_EQ(serialize_audio_specific_config(bad).error().code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace camrec::codec
