// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/video_config.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "codec/h264.h"
#include "codec/h265.h"
#include "codec_test_helpers.h"

namespace camrec::codec {
namespace {

using Bytes = std::vector<uint8_t>;
using testing::hex;

std::vector<NalView> views(const std::vector<Bytes>& v) { return {v.begin(), v.end()}; }

// The record ffmpeg writes for the stream (remuxed with -c copy), from the MP4's box.
Bytes ffmpeg_record(const std::string& stream_file, const char* box, const std::string& extra_args = "") {
  std::string mp4 = stream_file + "." + box + ".mp4";
  auto r = testing::run_command("ffmpeg -nostdin -y -v error -i '" + stream_file + "' -c copy " + extra_args + " '" + mp4 + "'");
  if (r.exit_code != 0) return {};
  auto payload = testing::find_box_payload(testing::read_file(mp4), box);
  return payload ? *payload : Bytes{};
}

struct AvcCase {
  const char* name;
  std::string (*make)();
};

class AvcConfigStreams : public ::testing::TestWithParam<AvcCase> {};

TEST_P(AvcConfigStreams, ByteExactAgainstFfmpeg) {
  std::string file = GetParam().make();
  ASSERT_FALSE(file.empty());
  auto stream = testing::split_stream(VideoCodec::h264, file);
  ASSERT_TRUE(stream.status.is_ok());
  auto sps = testing::nals_of_type(VideoCodec::h264, stream.aus.at(0), 7);
  auto pps = testing::nals_of_type(VideoCodec::h264, stream.aus.at(0), 8);
  auto config = build_avc_config(views(sps), views(pps));
  ASSERT_TRUE(config) << config.error().to_string();
  Bytes mine = serialize_avc_config(*config);
  Bytes theirs = ffmpeg_record(file, "avcC");
  ASSERT_FALSE(theirs.empty());
  EXPECT_EQ(hex(mine), hex(theirs));
  auto parsed = parse_avc_config(theirs);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(*parsed, *config);
  // The same record through VideoParameterSets.
  VideoParameterSets sets;
  for (const auto& nal : sps) ASSERT_TRUE(add_parameter_set(sets, nal));
  for (const auto& nal : pps) ASSERT_TRUE(add_parameter_set(sets, nal));
  auto record = build_decoder_config(sets);
  ASSERT_TRUE(record);
  EXPECT_EQ(*record, theirs);
  // Codec string: profile and constraint byte of x264's profiles, level as ffprobe reports it.
  auto probe = testing::ffprobe_values("-select_streams v:0 -show_entries stream=level,profile", file);
  char expected[32];
  uint8_t profile = probe["profile"] == "Main" ? 0x4d : probe["profile"] == "High" ? 0x64 : probe["profile"] == "High 10" ? 0x6e : 0x42;
  uint8_t constraints = profile == 0x4d ? 0x40 : profile == 0x42 ? 0xc0 : 0x00;
  std::snprintf(expected, sizeof expected, "avc1.%02x%02x%02x", profile, constraints, std::stoi(probe["level"]));
  EXPECT_EQ(avc_codec_string(*config), expected);
  EXPECT_EQ(codec_string(sets).value(), expected);
}

INSTANTIATE_TEST_SUITE_P(Ffmpeg, AvcConfigStreams,
                         ::testing::Values(AvcCase{"main", testing::h264_main}, AvcCase{"high_b", testing::h264_high_b},
                                           AvcCase{"baseline", testing::h264_baseline},
                                           AvcCase{"high10", testing::h264_high10}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(AvcConfig, KnownCodecStringAndExtension) {
  auto stream = testing::split_stream(VideoCodec::h264, testing::h264_main());
  auto config = build_avc_config(views(testing::nals_of_type(VideoCodec::h264, stream.aus.at(0), 7)),
                                 views(testing::nals_of_type(VideoCodec::h264, stream.aus.at(0), 8)));
  ASSERT_TRUE(config);
  EXPECT_EQ(avc_codec_string(*config), "avc1.4d401f");  // Main, level 3.1
  EXPECT_FALSE(config->has_high_profile_extension);
  EXPECT_EQ(avc_codec_string(*config, "avc3"), "avc3.4d401f");

  auto high10 = testing::split_stream(VideoCodec::h264, testing::h264_high10());
  auto c10 = build_avc_config(views(testing::nals_of_type(VideoCodec::h264, high10.aus.at(0), 7)),
                              views(testing::nals_of_type(VideoCodec::h264, high10.aus.at(0), 8)));
  ASSERT_TRUE(c10);
  EXPECT_TRUE(c10->has_high_profile_extension);
  EXPECT_EQ(c10->bit_depth_luma_minus8, 2);
  EXPECT_EQ(c10->bit_depth_chroma_minus8, 2);
  EXPECT_EQ(c10->chroma_format, 1);
  auto bytes = serialize_avc_config(*c10);
  EXPECT_EQ(bytes[bytes.size() - 4], 0xFD);  // reserved 111111 + chroma_format 1
  EXPECT_EQ(bytes[bytes.size() - 3], 0xFA);  // reserved 11111 + bit_depth_luma_minus8 2
  EXPECT_EQ(bytes.back(), 0x00);             // no SPS extensions
}

TEST(AvcConfig, Errors) {
  auto stream = testing::split_stream(VideoCodec::h264, testing::h264_high_b());
  auto sps = testing::nals_of_type(VideoCodec::h264, stream.aus.at(0), 7);
  auto pps = testing::nals_of_type(VideoCodec::h264, stream.aus.at(0), 8);
  EXPECT_EQ(build_avc_config({}, views(pps)).error().code(), Errc::invalid_argument);
  EXPECT_EQ(build_avc_config(views(sps), {}).error().code(), Errc::invalid_argument);
  EXPECT_EQ(build_avc_config(views(pps), views(pps)).error().code(), Errc::invalid_argument);
  Bytes good = serialize_avc_config(*build_avc_config(views(sps), views(pps)));
  // Every truncation fails, except cutting the whole High-profile tail (old writers).
  size_t tail = good.size() - 4;
  for (size_t n = 0; n < good.size(); ++n) {
    auto r = parse_avc_config(Bytes(good.begin(), good.begin() + static_cast<ptrdiff_t>(n)));
    if (n == tail) {
      ASSERT_TRUE(r);
      EXPECT_FALSE(r->has_high_profile_extension);
    } else if (n > tail) {
      // 1..3 bytes of the tail: the tail is ignored when incomplete.
      EXPECT_TRUE(r);
    } else {
      ASSERT_FALSE(r) << "length " << n;
      EXPECT_EQ(r.error().code(), Errc::malformed);
    }
  }
  Bytes v2 = good;
  v2[0] = 2;
  EXPECT_EQ(parse_avc_config(v2).error().code(), Errc::unsupported);
  Bytes three_byte = good;
  three_byte[4] = 0xFE;
  EXPECT_EQ(parse_avc_config(three_byte).error().code(), Errc::malformed);
  Bytes many = good;
  many[5] = 0xFF;  // 31 SPS claimed
  EXPECT_EQ(parse_avc_config(many).error().code(), Errc::malformed);
  Bytes wrong_type = good;
  wrong_type[8] = 0x68;  // the SPS slot holds a PPS header
  EXPECT_EQ(parse_avc_config(wrong_type).error().code(), Errc::malformed);
}

struct HevcCase {
  const char* name;
  std::string (*make)();
  const char* codec_prefix;  // profile/compat part of the codec string
};

class HevcConfigStreams : public ::testing::TestWithParam<HevcCase> {};

TEST_P(HevcConfigStreams, ByteExactAgainstFfmpeg) {
  std::string file = GetParam().make();
  ASSERT_FALSE(file.empty());
  auto stream = testing::split_stream(VideoCodec::h265, file);
  ASSERT_TRUE(stream.status.is_ok());
  const auto& au = stream.aus.at(0);
  auto vps = testing::nals_of_type(VideoCodec::h265, au, 32);
  auto sps = testing::nals_of_type(VideoCodec::h265, au, 33);
  auto pps = testing::nals_of_type(VideoCodec::h265, au, 34);
  auto config = build_hevc_config(views(vps), views(sps), views(pps));
  ASSERT_TRUE(config) << config.error().to_string();
  Bytes theirs = ffmpeg_record(file, "hvcC", "-tag:v hvc1");
  ASSERT_FALSE(theirs.empty());
  EXPECT_EQ(hex(serialize_hevc_config(*config)), hex(theirs));
  auto parsed = parse_hevc_config(theirs);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(*parsed, *config);
  ASSERT_EQ(parsed->arrays.size(), 3u);
  EXPECT_TRUE(parsed->arrays[0].array_completeness);

  VideoParameterSets sets;
  sets.codec = VideoCodec::h265;
  for (const auto* list : {&vps, &sps, &pps})
    for (const auto& nal : *list) ASSERT_TRUE(add_parameter_set(sets, nal));
  EXPECT_EQ(build_decoder_config(sets).value(), theirs);
  auto probe = testing::ffprobe_values("-select_streams v:0 -show_entries stream=level", file);
  // x265 sets general_progressive_source_flag and general_frame_only_constraint_flag only
  // (0x90; encoders that also set non_packed_constraint give the common "B0").
  std::string expected = std::string(GetParam().codec_prefix) + ".L" + probe["level"] + ".90";
  EXPECT_EQ(hevc_codec_string(*config), expected);
  EXPECT_EQ(codec_string(sets).value(), expected);
}

INSTANTIATE_TEST_SUITE_P(Ffmpeg, HevcConfigStreams,
                         ::testing::Values(HevcCase{"open_gop", testing::h265_open_gop, "hvc1.1.6"},
                                           HevcCase{"closed_gop", testing::h265_closed_gop, "hvc1.1.6"},
                                           HevcCase{"main10", testing::h265_main10, "hvc1.2.4"}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(HevcConfig, CodecStringRules) {
  HevcDecoderConfig c;
  c.general_profile_idc = 1;
  c.general_profile_compatibility_flags = 0x60000000;  // flags 1 and 2
  c.general_level_idc = 93;
  c.general_constraint_indicator_flags = uint64_t{0xB0} << 40;
  EXPECT_EQ(hevc_codec_string(c), "hvc1.1.6.L93.B0");
  c.general_profile_space = 1;
  c.general_tier_flag = true;
  c.general_level_idc = 120;
  c.general_constraint_indicator_flags = (uint64_t{0x90} << 40) | (uint64_t{0x08} << 24);
  EXPECT_EQ(hevc_codec_string(c, "hev1"), "hev1.A1.6.H120.90.0.8");
  c.general_constraint_indicator_flags = 0;
  EXPECT_EQ(hevc_codec_string(c), "hvc1.A1.6.H120");
  c.general_profile_space = 0;
  c.general_profile_idc = 4;
  c.general_profile_compatibility_flags = 0x08000000;  // flag 4
  EXPECT_EQ(hevc_codec_string(c), "hvc1.4.10.H120");
}

TEST(HevcConfig, Errors) {
  auto stream = testing::split_stream(VideoCodec::h265, testing::h265_closed_gop());
  const auto& au = stream.aus.at(0);
  auto vps = testing::nals_of_type(VideoCodec::h265, au, 32);
  auto sps = testing::nals_of_type(VideoCodec::h265, au, 33);
  auto pps = testing::nals_of_type(VideoCodec::h265, au, 34);
  EXPECT_EQ(build_hevc_config({}, views(sps), views(pps)).error().code(), Errc::invalid_argument);
  EXPECT_EQ(build_hevc_config(views(vps), views(pps), views(pps)).error().code(), Errc::invalid_argument);
  Bytes good = serialize_hevc_config(*build_hevc_config(views(vps), views(sps), views(pps)));
  for (size_t n = 0; n < good.size(); ++n) {
    auto r = parse_hevc_config(Bytes(good.begin(), good.begin() + static_cast<ptrdiff_t>(n)));
    ASSERT_FALSE(r) << "length " << n;
    EXPECT_EQ(r.error().code(), Errc::malformed);
  }
  Bytes v0 = good;
  v0[0] = 0;
  EXPECT_EQ(parse_hevc_config(v0).error().code(), Errc::unsupported);
  Bytes bad_len = good;
  bad_len[21] = static_cast<uint8_t>((bad_len[21] & 0xFC) | 2);
  EXPECT_EQ(parse_hevc_config(bad_len).error().code(), Errc::malformed);
  Bytes many_arrays = good;
  many_arrays[22] = 200;
  EXPECT_EQ(parse_hevc_config(many_arrays).error().code(), Errc::malformed);
  Bytes wrong_type = good;
  wrong_type[23] = 0xA1;  // the VPS array claims type 33
  EXPECT_EQ(parse_hevc_config(wrong_type).error().code(), Errc::malformed);
}

TEST(VideoParameterSets, ChangesAreDetected) {
  auto stream = testing::split_stream(VideoCodec::h264, testing::h264_main());
  Bytes sps = testing::nals_of_type(VideoCodec::h264, stream.aus.at(0), 7).at(0);
  Bytes pps = testing::nals_of_type(VideoCodec::h264, stream.aus.at(0), 8).at(0);
  VideoParameterSets a;
  EXPECT_FALSE(a.complete());
  EXPECT_EQ(build_decoder_config(a).error().code(), Errc::invalid_argument);
  EXPECT_TRUE(add_parameter_set(a, sps).value());
  EXPECT_FALSE(a.complete());
  EXPECT_TRUE(add_parameter_set(a, pps).value());
  EXPECT_TRUE(a.complete());
  VideoParameterSets b = a;
  EXPECT_FALSE(add_parameter_set(b, sps).value());  // same bytes again: no change
  EXPECT_EQ(a, b);

  // Another stream's SPS with the same id replaces it: a new sample description is needed.
  auto other = testing::split_stream(VideoCodec::h264, testing::h264_baseline());
  Bytes other_sps = testing::nals_of_type(VideoCodec::h264, other.aus.at(0), 7).at(0);
  EXPECT_TRUE(add_parameter_set(b, other_sps).value());
  EXPECT_NE(a, b);
  EXPECT_EQ(b.sps.size(), 1u);
  EXPECT_EQ(b.sps[0], other_sps);

  // A PPS with another id (1, CAVLC, defaults) is added next to the first.
  Bytes pps1 = {0x68, 0x53, 0x8E, 0x20};
  ASSERT_EQ(parse_h264_pps(pps1).value().pic_parameter_set_id, 1u);
  EXPECT_TRUE(add_parameter_set(b, pps1).value());
  EXPECT_EQ(b.pps.size(), 2u);
  EXPECT_FALSE(add_parameter_set(b, pps1).value());

  EXPECT_EQ(add_parameter_set(a, Bytes{0x65, 0x88}).error().code(), Errc::invalid_argument);
  EXPECT_FALSE(add_parameter_set(a, Bytes{0x67, 0x64}));  // truncated SPS is not stored
  EXPECT_EQ(a.sps.size(), 1u);

  auto format = describe_video(a);
  ASSERT_TRUE(format);
  EXPECT_EQ(format->width, 1280u);
  EXPECT_EQ(format->height, 720u);
  EXPECT_EQ(format->rate_num, 30u);
  EXPECT_EQ(format->rate_den, 1u);
  EXPECT_EQ(format->reorder_depth, 0u);
  EXPECT_EQ(format->profile_idc, 77);

  VideoParameterSets h265;
  h265.codec = VideoCodec::h265;
  EXPECT_EQ(add_parameter_set(h265, sps).error().code(), Errc::invalid_argument);
  EXPECT_EQ(describe_video(h265).error().code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace camrec::codec
