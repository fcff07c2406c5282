// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/access_unit.h"

#include <gtest/gtest.h>

#include "codec_test_helpers.h"

namespace camrec::codec {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes annexb(std::initializer_list<Bytes> nals, bool four_byte = true) {
  Bytes out;
  for (const auto& nal : nals) {
    if (four_byte) out.push_back(0);
    out.insert(out.end(), {0, 0, 1});
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

// Expected sample: the access unit's NAL units minus parameter sets and AUDs.
Bytes expected_sample(VideoCodec codec, const Bytes& au) {
  auto nals = split_annexb(au);
  std::vector<NalView> keep;
  for (auto nal : *nals) {
    int t = codec == VideoCodec::h264 ? (nal[0] & 0x1F) : ((nal[0] >> 1) & 0x3F);
    bool drop = codec == VideoCodec::h264 ? (t == 7 || t == 8 || t == 9) : (t >= 32 && t <= 35);
    if (!drop) keep.push_back(nal);
  }
  return to_length_prefixed(keep);
}

TEST(AccessUnit, EncoderStyleH264KeyFrame) {
  auto stream = testing::split_stream(VideoCodec::h264, testing::h264_main());
  ASSERT_TRUE(stream.status.is_ok());
  // As the K230 encoder hands it over: AUD, then the header pack glued to the I pack.
  Bytes au = annexb({{0x09, 0xF0}});
  au.insert(au.end(), stream.aus[0].begin(), stream.aus[0].end());
  AccessUnit out;
  ASSERT_TRUE(parse_access_unit(VideoCodec::h264, au, out).is_ok());
  EXPECT_TRUE(out.is_key);
  EXPECT_EQ(out.nal_unit_type, 5);
  EXPECT_EQ(out.parameter_sets.size(), 2u);
  EXPECT_EQ(out.parameter_sets[0][0] & 0x1F, 7);
  EXPECT_EQ(out.parameter_sets[1][0] & 0x1F, 8);
  EXPECT_EQ(out.sample, expected_sample(VideoCodec::h264, au));
  // The SEI stays, the AUD and the parameter sets go.
  std::vector<NalView> sample_nals;
  ASSERT_TRUE(split_length_prefixed(out.sample, sample_nals).is_ok());
  ASSERT_GE(sample_nals.size(), 2u);
  EXPECT_EQ(sample_nals[0][0] & 0x1F, 6);
  EXPECT_EQ(sample_nals.back()[0] & 0x1F, 5);
  EXPECT_FALSE(out.order.has_value());  // stateless parsing computes no POC

  // The same access unit with 3-byte start codes gives the same sample.
  auto nals = split_annexb(au);
  Bytes three;
  for (auto nal : *nals) {
    three.insert(three.end(), {0, 0, 1});
    three.insert(three.end(), nal.begin(), nal.end());
  }
  AccessUnit out3;
  ASSERT_TRUE(parse_access_unit(VideoCodec::h264, three, out3).is_ok());
  EXPECT_EQ(out3.sample, out.sample);

  AccessUnit p;
  ASSERT_TRUE(parse_access_unit(VideoCodec::h264, stream.aus[1], p).is_ok());
  EXPECT_FALSE(p.is_key);
  EXPECT_TRUE(p.parameter_sets.empty());
  EXPECT_EQ(p.sample, expected_sample(VideoCodec::h264, stream.aus[1]));
}

TEST(AccessUnit, H265KeyFramesAndRasl) {
  auto stream = testing::split_stream(VideoCodec::h265, testing::h265_open_gop());
  ASSERT_TRUE(stream.status.is_ok());
  AccessUnit out;
  ASSERT_TRUE(parse_access_unit(VideoCodec::h265, stream.aus[0], out).is_ok());
  EXPECT_TRUE(out.is_key);
  EXPECT_EQ(out.parameter_sets.size(), 3u);
  EXPECT_EQ(out.sample, expected_sample(VideoCodec::h265, stream.aus[0]));
  size_t rasl = 0, keys = 0;
  for (const auto& au : stream.aus) {
    ASSERT_TRUE(parse_access_unit(VideoCodec::h265, au, out).is_ok());
    rasl += out.is_rasl;
    keys += out.is_key;
    EXPECT_EQ(out.is_rasl, out.nal_unit_type == 8 || out.nal_unit_type == 9);
  }
  EXPECT_GT(rasl, 0u);
  EXPECT_GE(keys, 3u);
}

TEST(AccessUnitParser, ParameterSetChangesAndPoc) {
  auto stream = testing::split_stream(VideoCodec::h264, testing::h264_main());
  AccessUnitParser parser(VideoCodec::h264);
  AccessUnit out;
  ASSERT_TRUE(parser.parse(stream.aus[0], out).is_ok());
  EXPECT_TRUE(out.parameter_sets_changed);
  EXPECT_TRUE(parser.parameter_sets().complete());
  ASSERT_TRUE(out.order.has_value());
  EXPECT_EQ(out.order->poc, 0);
  EXPECT_TRUE(out.order->resets_order);
  size_t changes = 0, keys = 1;
  for (size_t i = 1; i < stream.aus.size(); ++i) {
    ASSERT_TRUE(parser.parse(stream.aus[i], out).is_ok());
    changes += out.parameter_sets_changed;
    keys += out.is_key;
    EXPECT_EQ(out.order->resets_order, out.is_key);
  }
  EXPECT_EQ(keys, 2u);     // 60 frames, GOP 30
  EXPECT_EQ(changes, 0u);  // repeated identical SPS/PPS are no change
  EXPECT_EQ(parser.parameter_sets().sps.size(), 1u);
}

TEST(AccessUnitParser, PicturesBeforeTheFirstKeyFrameAreDroppable) {
  auto stream = testing::split_stream(VideoCodec::h264, testing::h264_main());
  AccessUnitParser parser(VideoCodec::h264);
  AccessUnit out;
  // Joining mid-stream: P-frames whose SPS/PPS were never seen.
  for (size_t i = 5; i < 10; ++i) {
    ASSERT_TRUE(parser.parse(stream.aus[i], out).is_ok());
    EXPECT_TRUE(out.droppable);
    EXPECT_FALSE(out.order.has_value());
  }
  EXPECT_FALSE(parser.seen_key_frame());
  ASSERT_TRUE(parser.parse(stream.aus[30], out).is_ok());  // the second IDR, with its SPS/PPS
  EXPECT_TRUE(out.is_key);
  EXPECT_FALSE(out.droppable);
  EXPECT_TRUE(parser.seen_key_frame());
}

TEST(AccessUnitParser, KeyFrameWithoutParameterSetsFails) {
  auto stream = testing::split_stream(VideoCodec::h264, testing::h264_main());
  Bytes idr_only = annexb({testing::nals_of_type(VideoCodec::h264, stream.aus[0], 5).at(0)});
  AccessUnitParser parser(VideoCodec::h264);
  AccessUnit out;
  Status st = parser.parse(idr_only, out);
  EXPECT_EQ(st.code(), Errc::malformed);
  EXPECT_NE(st.message().find("has not been seen"), std::string::npos) << st.to_string();

  auto h265 = testing::split_stream(VideoCodec::h265, testing::h265_closed_gop());
  Bytes no_vps;
  for (int t : {33, 34, 19, 20}) {
    for (const auto& nal : testing::nals_of_type(VideoCodec::h265, h265.aus[0], t)) {
      no_vps.insert(no_vps.end(), {0, 0, 0, 1});
      no_vps.insert(no_vps.end(), nal.begin(), nal.end());
    }
  }
  AccessUnitParser p265(VideoCodec::h265);
  ASSERT_TRUE(p265.parse(no_vps, out).is_ok());  // slices need the SPS/PPS only
  EXPECT_FALSE(p265.parameter_sets().complete());
  auto record = build_decoder_config(p265.parameter_sets());
  EXPECT_EQ(record.error().code(), Errc::invalid_argument);  // hvcC needs the VPS
}

TEST(AccessUnit, Errors) {
  AccessUnit out;
  auto expect_error = [&](VideoCodec codec, const Bytes& au, const char* what) {
    Status st = parse_access_unit(codec, au, out);
    EXPECT_EQ(st.code(), Errc::malformed) << what;
    EXPECT_NE(st.message().find(what), std::string::npos) << st.to_string();
    AccessUnitParser parser(codec);
    EXPECT_FALSE(parser.parse(au, out).is_ok()) << what;
  };
  expect_error(VideoCodec::h264, Bytes{}, "empty access unit");
  expect_error(VideoCodec::h264, annexb({{0x67, 0x42, 0xC0, 0x1E}, {0x68, 0xCE}}), "no slice");
  expect_error(VideoCodec::h264, annexb({{0x09, 0xF0}}), "no slice");
  expect_error(VideoCodec::h264, Bytes{0, 0, 1, 0, 0, 1, 0x65, 0x88}, "empty NAL unit");
  expect_error(VideoCodec::h264, annexb({{0xE5, 0x88}}), "forbidden_zero_bit");
  expect_error(VideoCodec::h264, annexb({{0x65}}), "no slice header");
  expect_error(VideoCodec::h264, annexb({{0x00, 0x88}}), "nal_unit_type 0");
  expect_error(VideoCodec::h264, annexb({{0x65, 0x88}, {0x41, 0x9A}}), "differs");
  expect_error(VideoCodec::h264, Bytes{0x12, 0x34, 0x56, 0x78}, "no Annex B start code");
  expect_error(VideoCodec::h265, annexb({{0x26}}), "shorter than the 2-byte");
  expect_error(VideoCodec::h265, annexb({{0x26, 0x00, 0xAF}}), "nuh_temporal_id_plus1");
  expect_error(VideoCodec::h265, annexb({{0x26, 0x01}}), "no slice header");
  expect_error(VideoCodec::h265, annexb({{0x26, 0x01, 0xAF}, {0x02, 0x01, 0xD0}}), "differs");
  expect_error(VideoCodec::h265, annexb({{0x40, 0x01, 0x0C}}), "no slice");

  std::vector<NalView> none;
  EXPECT_EQ(parse_access_unit_nals(VideoCodec::h264, none, out).code(), Errc::malformed);
  Bytes empty;
  std::vector<NalView> zero = {NalView(empty)};
  EXPECT_EQ(parse_access_unit_nals(VideoCodec::h264, zero, out).code(), Errc::malformed);
}

TEST(PresentationOrder, PeriodsAndPocs) {
  // I0 P3 B1 B2 | IDR: I0 P2 B1
  std::vector<PictureOrder> pics = {{0, true}, {6, false}, {2, false}, {4, false}, {0, true}, {4, false}, {2, false}};
  EXPECT_EQ(presentation_order(pics), (std::vector<uint32_t>{0, 3, 1, 2, 4, 6, 5}));
  // Leading pictures with negative POC stay in their period, after the previous one.
  std::vector<PictureOrder> leading = {{0, true}, {8, false}, {16, true}, {-4, false}, {-2, false}};
  EXPECT_EQ(presentation_order(leading), (std::vector<uint32_t>{0, 1, 4, 2, 3}));
  EXPECT_TRUE(presentation_order({}).empty());
}

}  // namespace
}  // namespace camrec::codec
