// SPDX-License-Identifier: LGPL-2.1-or-later
// Every parser of the codec layer on damaged versions of real inputs: bit flips, cuts and
// random bytes must give a value or an error, never a crash or a read out of bounds (the
// sanitizer build checks the latter).
#include <gtest/gtest.h>

#include <random>

#include "codec/aac.h"
#include "codec/access_unit.h"
#include "codec/au_splitter.h"
#include "codec/avc_config.h"
#include "codec/hevc_config.h"
#include "codec/opus.h"
#include "codec_test_helpers.h"

namespace camrec::codec {
namespace {

using Bytes = std::vector<uint8_t>;

// Deterministic damage: flip a few bits, cut the end, or both.
std::vector<Bytes> damaged(const Bytes& input, std::mt19937& rng, int count) {
  std::vector<Bytes> out;
  for (int i = 0; i < count; ++i) {
    Bytes b = input;
    if (b.empty()) break;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) b[rng() % b.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    if (rng() % 3 == 0) b.resize(rng() % b.size());
    out.push_back(std::move(b));
  }
  return out;
}

TEST(Robustness, VideoParsersSurviveDamagedInput) {
  std::mt19937 rng(1234);
  size_t errors = 0, total = 0;
  for (auto [codec, file] : {std::pair{VideoCodec::h264, testing::h264_high_b()},
                             std::pair{VideoCodec::h265, testing::h265_open_gop()}}) {
    auto stream = testing::split_stream(codec, file);
    ASSERT_TRUE(stream.status.is_ok());
    auto nals = split_annexb(stream.aus[0]);
    ASSERT_TRUE(nals);
    for (auto nal : *nals) {
      for (const Bytes& d : damaged(Bytes(nal.begin(), nal.end()), rng, 200)) {
        ++total;
        VideoParameterSets sets;
        sets.codec = codec;
        if (!add_parameter_set(sets, d)) ++errors;
        if (codec == VideoCodec::h264) {
          (void)parse_h264_sps(d);
          (void)parse_h264_pps(d);
        } else {
          (void)parse_h265_vps(d);
          (void)parse_h265_sps(d);
          (void)parse_h265_pps(d);
        }
      }
    }
    // Whole access units through the stateful parser, and the damaged stream through the
    // splitter.
    AccessUnitParser parser(codec);
    AccessUnit au;
    for (size_t i = 0; i < 20 && i < stream.aus.size(); ++i) {
      for (const Bytes& d : damaged(stream.aus[i], rng, 20)) {
        ++total;
        if (!parser.parse(d, au).is_ok()) ++errors;
      }
    }
    Bytes all = testing::read_file(file);
    for (int round = 0; round < 5; ++round) {
      Bytes d = all;
      for (int f = 0; f < 50; ++f) d[rng() % d.size()] ^= static_cast<uint8_t>(rng());
      AccessUnitSplitter splitter(codec);
      splitter.feed(d);
      splitter.finish();
      for (int n = 0; n < 100000; ++n) {
        auto r = splitter.next();
        if (!r || !*r) break;
      }
    }
  }
  EXPECT_GT(errors, 0u);
  EXPECT_LT(errors, total);
}

TEST(Robustness, ConfigRecordParsersSurviveDamagedInput) {
  std::mt19937 rng(99);
  auto h264 = testing::split_stream(VideoCodec::h264, testing::h264_high_b());
  auto h265 = testing::split_stream(VideoCodec::h265, testing::h265_closed_gop());
  VideoParameterSets avc, hevc;
  hevc.codec = VideoCodec::h265;
  auto avc_nals = split_annexb(h264.aus.at(0));
  auto hevc_nals = split_annexb(h265.aus.at(0));
  ASSERT_TRUE(avc_nals && hevc_nals);
  for (auto nal : *avc_nals) {
    if (is_parameter_set(VideoCodec::h264, nal)) {
      ASSERT_TRUE(add_parameter_set(avc, nal));
    }
  }
  for (auto nal : *hevc_nals) {
    if (is_parameter_set(VideoCodec::h265, nal)) {
      ASSERT_TRUE(add_parameter_set(hevc, nal));
    }
  }
  Bytes avcc = build_decoder_config(avc).value();
  Bytes hvcc = build_decoder_config(hevc).value();
  EsDescriptor es;
  es.decoder_config.decoder_specific_info = {0x11, 0x90, 0x56, 0xE5, 0x00};
  Bytes esds = serialize_es_descriptor(es);
  OpusHead head;
  head.channel_count = 6;
  head.channel_mapping_family = 1;
  head.stream_count = 4;
  head.coupled_count = 2;
  head.channel_mapping = {0, 4, 1, 2, 3, 5};
  Bytes dops = serialize_dops(head), ogg_head = serialize_opus_head(head);
  for (int i = 0; i < 500; ++i) {
    for (const Bytes& d : damaged(avcc, rng, 1)) (void)parse_avc_config(d);
    for (const Bytes& d : damaged(hvcc, rng, 1)) (void)parse_hevc_config(d);
    for (const Bytes& d : damaged(esds, rng, 1)) (void)parse_es_descriptor(d);
    for (const Bytes& d : damaged(es.decoder_config.decoder_specific_info, rng, 1)) (void)parse_audio_specific_config(d);
    for (const Bytes& d : damaged(dops, rng, 1)) (void)parse_dops(d);
    for (const Bytes& d : damaged(ogg_head, rng, 1)) (void)parse_opus_head(d);
    Bytes random(rng() % 64);
    for (auto& b : random) b = static_cast<uint8_t>(rng());
    (void)parse_avc_config(random);
    (void)parse_hevc_config(random);
    (void)parse_es_descriptor(random);
    (void)parse_adts_header(random);
    (void)opus_packet_samples(random);
  }
  SUCCEED();
}

}  // namespace
}  // namespace camrec::codec
