// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/h264.h"

#include <gtest/gtest.h>

#include "codec/access_unit.h"
#include "codec_test_helpers.h"

namespace camrec::codec {
namespace {

using Bytes = std::vector<uint8_t>;
using testing::ffprobe_values;

std::string ffmpeg_profile_name(const H264Sps& s) {
  bool cs1 = s.constraint_flags & 0x40, cs3 = s.constraint_flags & 0x10;
  switch (s.profile_idc) {
    case 66: return cs1 ? "Constrained Baseline" : "Baseline";
    case 77: return "Main";
    case 88: return "Extended";
    case 100: return "High";
    case 110: return cs3 ? "High 10 Intra" : "High 10";
    case 122: return "High 4:2:2";
    case 244: return "High 4:4:4 Predictive";
    default: return "?";
  }
}

std::string pix_fmt(uint32_t chroma_format_idc, uint32_t bit_depth) {
  std::string base = chroma_format_idc == 0 ? "gray" : chroma_format_idc == 1 ? "yuv420p" : chroma_format_idc == 2 ? "yuv422p" : "yuv444p";
  return bit_depth == 8 ? base : base + std::to_string(bit_depth) + "le";
}

struct Case {
  const char* name;
  std::string (*make)();
};

class H264Streams : public ::testing::TestWithParam<Case> {};

TEST_P(H264Streams, SpsMatchesFfprobe) {
  std::string file = GetParam().make();
  ASSERT_FALSE(file.empty());
  auto stream = testing::split_stream(VideoCodec::h264, file);
  ASSERT_TRUE(stream.status.is_ok()) << stream.status.to_string();
  ASSERT_FALSE(stream.aus.empty());
  auto sps_nals = testing::nals_of_type(VideoCodec::h264, stream.aus[0], 7);
  auto pps_nals = testing::nals_of_type(VideoCodec::h264, stream.aus[0], 8);
  ASSERT_EQ(sps_nals.size(), 1u);
  ASSERT_EQ(pps_nals.size(), 1u);
  auto sps = parse_h264_sps(sps_nals[0]);
  ASSERT_TRUE(sps) << sps.error().to_string();
  auto pps = parse_h264_pps(pps_nals[0]);
  ASSERT_TRUE(pps) << pps.error().to_string();
  EXPECT_EQ(pps->seq_parameter_set_id, sps->seq_parameter_set_id);

  auto probe = ffprobe_values("-select_streams v:0 -show_entries stream=profile,level,width,height,pix_fmt,has_b_frames,"
                              "r_frame_rate,field_order,sample_aspect_ratio,bits_per_raw_sample",
                              file);
  EXPECT_EQ(ffmpeg_profile_name(*sps), probe["profile"]);
  EXPECT_EQ(std::to_string(sps->level_idc), probe["level"]);
  EXPECT_EQ(std::to_string(sps->width), probe["width"]);
  EXPECT_EQ(std::to_string(sps->height), probe["height"]);
  EXPECT_EQ(pix_fmt(sps->chroma_format_idc, sps->bit_depth_luma), probe["pix_fmt"]);
  EXPECT_EQ(std::to_string(sps->bit_depth_luma), probe["bits_per_raw_sample"]);
  EXPECT_EQ(std::to_string(sps->reorder_depth()), probe["has_b_frames"]);
  ASSERT_TRUE(sps->vui.timing_info_present_flag);
  uint32_t num = sps->vui.time_scale, den = 2 * sps->vui.num_units_in_tick;
  while (num % 2 == 0 && den % 2 == 0) num /= 2, den /= 2;
  EXPECT_EQ(std::to_string(num) + "/" + std::to_string(den), probe["r_frame_rate"]);
  if (sps->vui.aspect_ratio_info_present_flag) {
    EXPECT_EQ(std::to_string(sps->vui.sar_width) + ":" + std::to_string(sps->vui.sar_height), probe["sample_aspect_ratio"]);
  }
  EXPECT_EQ(sps->frame_mbs_only_flag, probe["field_order"] == "progressive");
  // Cross-checks that do not come from ffprobe: the coded size is whole macroblocks.
  EXPECT_EQ(sps->coded_width % 16, 0u);
  EXPECT_GE(sps->coded_height, sps->height);
  EXPECT_EQ(sps->chroma_array_type(), 1u);
}

TEST_P(H264Streams, PresentationOrderFromPocMatchesDecoder) {
  std::string file = GetParam().make();
  ASSERT_FALSE(file.empty());
  auto stream = testing::split_stream(VideoCodec::h264, file);
  ASSERT_TRUE(stream.status.is_ok());
  AccessUnitParser parser(VideoCodec::h264);
  AccessUnit au;
  std::vector<PictureOrder> orders;
  for (const auto& bytes : stream.aus) {
    ASSERT_TRUE(parser.parse(bytes, au).is_ok());
    ASSERT_TRUE(au.order.has_value());
    EXPECT_FALSE(au.droppable);
    orders.push_back(*au.order);
  }
  auto rank = presentation_order(orders);
  std::vector<size_t> mine(rank.size());
  for (size_t i = 0; i < rank.size(); ++i) mine[rank[i]] = i;
  auto decoder = testing::ffprobe_output_order(file, stream.offsets);
  EXPECT_EQ(mine, decoder);
  bool reordered = false;
  for (size_t i = 0; i < mine.size(); ++i) reordered = reordered || mine[i] != i;
  auto sps = parse_h264_sps(testing::nals_of_type(VideoCodec::h264, stream.aus[0], 7).at(0));
  ASSERT_TRUE(sps);
  EXPECT_EQ(reordered, sps->reorder_depth() > 0);
}

INSTANTIATE_TEST_SUITE_P(Ffmpeg, H264Streams,
                         ::testing::Values(Case{"main", testing::h264_main}, Case{"high_b", testing::h264_high_b},
                                           Case{"baseline", testing::h264_baseline}, Case{"high10", testing::h264_high10},
                                           Case{"interlaced", testing::h264_interlaced}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(H264Sps, FieldsOfKnownStreams) {
  auto stream = testing::split_stream(VideoCodec::h264, testing::h264_high_b());
  ASSERT_TRUE(stream.status.is_ok());
  auto sps = parse_h264_sps(testing::nals_of_type(VideoCodec::h264, stream.aus[0], 7).at(0));
  ASSERT_TRUE(sps);
  EXPECT_EQ(sps->profile_idc, 100);
  EXPECT_EQ(sps->pic_order_cnt_type, 0u);  // x264 uses type 0 with B-frames
  EXPECT_EQ(sps->coded_height, 368u);      // 23 macroblock rows, cropped to 360
  EXPECT_TRUE(sps->frame_cropping_flag);
  EXPECT_EQ(sps->frame_crop_bottom_offset, 4u);
  EXPECT_EQ(sps->vui.max_num_reorder_frames, 2u);
  EXPECT_GE(sps->vui.max_dec_frame_buffering, sps->max_num_ref_frames);
  EXPECT_EQ(sps->vui.time_scale / sps->vui.num_units_in_tick, 50u);  // 25 frames/s, 2 fields each

  auto main = testing::split_stream(VideoCodec::h264, testing::h264_main());
  auto main_sps = parse_h264_sps(testing::nals_of_type(VideoCodec::h264, main.aus[0], 7).at(0));
  ASSERT_TRUE(main_sps);
  EXPECT_EQ(main_sps->pic_order_cnt_type, 2u);  // no B-frames
  EXPECT_FALSE(main_sps->frame_cropping_flag);

  auto pps = parse_h264_pps(testing::nals_of_type(VideoCodec::h264, stream.aus[0], 8).at(0));
  ASSERT_TRUE(pps);
  EXPECT_TRUE(pps->entropy_coding_mode_flag);  // CABAC in High
  EXPECT_TRUE(pps->transform_8x8_mode_flag);
  auto base = testing::split_stream(VideoCodec::h264, testing::h264_baseline());
  auto base_pps = parse_h264_pps(testing::nals_of_type(VideoCodec::h264, base.aus[0], 8).at(0));
  ASSERT_TRUE(base_pps);
  EXPECT_FALSE(base_pps->entropy_coding_mode_flag);
  EXPECT_FALSE(base_pps->transform_8x8_mode_flag);
}

TEST(H264SliceHeader, KeyFramesAndSliceTypes) {
  auto stream = testing::split_stream(VideoCodec::h264, testing::h264_high_b());
  ASSERT_TRUE(stream.status.is_ok());
  H264ParameterSets sets;
  int idr = 0, b = 0;
  for (const auto& au : stream.aus) {
    auto nals = split_annexb(au);
    ASSERT_TRUE(nals);
    for (const auto& nal : *nals) {
      uint8_t t = h264_nal_type(nal[0]);
      if (t == 7) {
        ASSERT_TRUE(sets.add_sps(nal).is_ok());
      }
      if (t == 8) {
        ASSERT_TRUE(sets.add_pps(nal).is_ok());
      }
      if (!h264_has_slice_header(t)) continue;
      auto h = parse_h264_slice_header(nal, sets);
      ASSERT_TRUE(h) << h.error().to_string();
      EXPECT_EQ(h->first_mb_in_slice, 0u);
      if (h->is_idr()) {
        ++idr;
        EXPECT_EQ(h->slice_class(), 2u);
        EXPECT_EQ(h->frame_num, 0u);
      }
      if (h->slice_class() == 1) ++b;
    }
  }
  EXPECT_EQ(idr, 2);  // 75 frames with -g 50
  EXPECT_GT(b, 20);
}

TEST(H264Errors, ParameterSets) {
  auto stream = testing::split_stream(VideoCodec::h264, testing::h264_high_b());
  Bytes sps = testing::nals_of_type(VideoCodec::h264, stream.aus[0], 7).at(0);
  Bytes pps = testing::nals_of_type(VideoCodec::h264, stream.aus[0], 8).at(0);
  for (size_t cut = 1; cut + 1 < sps.size(); ++cut) {
    Bytes truncated(sps.begin(), sps.begin() + static_cast<ptrdiff_t>(cut));
    auto r = parse_h264_sps(truncated);
    ASSERT_FALSE(r) << "cut at " << cut;
    EXPECT_EQ(r.error().code(), Errc::malformed);
  }
  EXPECT_EQ(parse_h264_sps(pps).error().code(), Errc::invalid_argument);
  EXPECT_EQ(parse_h264_pps(sps).error().code(), Errc::invalid_argument);
  EXPECT_EQ(parse_h264_sps(Bytes{}).error().code(), Errc::malformed);
  Bytes forbidden = sps;
  forbidden[0] |= 0x80;
  EXPECT_NE(parse_h264_sps(forbidden).error().message().find("forbidden_zero_bit"), std::string::npos);
  // seq_parameter_set_id 32 (ue 000001 00001) is out of range.
  Bytes bad_id = {0x67, 0x42, 0xC0, 0x1E, 0b00000100, 0b00110000};
  auto r = parse_h264_sps(bad_id);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("seq_parameter_set_id"), std::string::npos);
  Bytes garbage(40, 0x00);  // an Exp-Golomb code longer than 32 bits
  garbage[0] = 0x67;
  EXPECT_FALSE(parse_h264_sps(garbage));
}

TEST(H264Errors, SliceWithoutParameterSets) {
  auto stream = testing::split_stream(VideoCodec::h264, testing::h264_main());
  Bytes idr = testing::nals_of_type(VideoCodec::h264, stream.aus[0], 5).at(0);
  H264ParameterSets empty;
  auto r = parse_h264_slice_header(idr, empty);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::malformed);
  EXPECT_NE(r.error().message().find("PPS 0"), std::string::npos);

  H264ParameterSets pps_only;
  ASSERT_TRUE(pps_only.add_pps(testing::nals_of_type(VideoCodec::h264, stream.aus[0], 8).at(0)).is_ok());
  r = parse_h264_slice_header(idr, pps_only);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("SPS 0"), std::string::npos);

  H264ParameterSets full;
  ASSERT_TRUE(full.add_sps(testing::nals_of_type(VideoCodec::h264, stream.aus[0], 7).at(0)).is_ok());
  ASSERT_TRUE(full.add_pps(testing::nals_of_type(VideoCodec::h264, stream.aus[0], 8).at(0)).is_ok());
  EXPECT_EQ(parse_h264_slice_header(Bytes{0x65}, full).error().code(), Errc::malformed);
  EXPECT_EQ(parse_h264_slice_header(Bytes{0x67, 0x42}, full).error().code(), Errc::invalid_argument);
  EXPECT_EQ(parse_h264_slice_header(Bytes{0x74, 0x80}, full).error().code(), Errc::unsupported);
}

// POC unit tests on hand-made headers: expected values worked out from 8.2.1 by hand.
H264SliceHeader slice(uint8_t type, bool ref, uint32_t frame_num, uint32_t lsb = 0) {
  H264SliceHeader h;
  h.nal_unit_type = type;
  h.nal_ref_idc = ref ? 2 : 0;
  h.frame_num = frame_num;
  h.pic_order_cnt_lsb = lsb;
  return h;
}

TEST(H264Poc, Type0WrapsAndGoesBack) {
  H264Sps sps;
  sps.pic_order_cnt_type = 0;
  sps.log2_max_pic_order_cnt_lsb = 4;  // MaxPicOrderCntLsb 16
  H264PocCalculator calc;
  auto poc = [&](H264SliceHeader h) { return calc.compute(h, sps)->pic_order_cnt; };
  EXPECT_EQ(poc(slice(5, true, 0, 0)), 0);
  EXPECT_EQ(poc(slice(1, true, 1, 4)), 4);
  EXPECT_EQ(poc(slice(1, true, 2, 12)), 12);
  EXPECT_EQ(poc(slice(1, true, 3, 0)), 16);    // lsb wrapped: msb += 16
  EXPECT_EQ(poc(slice(1, false, 4, 14)), 14);  // a B-frame shown before it
  EXPECT_EQ(poc(slice(1, false, 4, 2)), 18);   // non-reference pictures do not move prev
  auto idr = calc.compute(slice(5, true, 0, 0), sps);
  EXPECT_EQ(idr->pic_order_cnt, 0);
  EXPECT_TRUE(idr->resets_order);
}

TEST(H264Poc, Type0BottomFieldDelta) {
  H264Sps sps;
  sps.log2_max_pic_order_cnt_lsb = 6;
  H264PocCalculator calc;
  auto h = slice(5, true, 0, 0);
  h.delta_pic_order_cnt_bottom = 1;
  auto r = calc.compute(h, sps);
  EXPECT_EQ(r->top_field_order_cnt, 0);
  EXPECT_EQ(r->bottom_field_order_cnt, 1);
  h = slice(1, true, 1, 6);
  h.delta_pic_order_cnt_bottom = -1;
  r = calc.compute(h, sps);
  EXPECT_EQ(r->top_field_order_cnt, 6);
  EXPECT_EQ(r->bottom_field_order_cnt, 5);
  EXPECT_EQ(r->pic_order_cnt, 5);
  h = slice(1, true, 2, 8);
  h.field_pic_flag = true;
  h.bottom_field_flag = true;
  EXPECT_EQ(calc.compute(h, sps)->pic_order_cnt, 8);
}

TEST(H264Poc, Type1ExpectedDeltas) {
  H264Sps sps;
  sps.pic_order_cnt_type = 1;
  sps.log2_max_frame_num = 4;  // MaxFrameNum 16
  sps.delta_pic_order_always_zero_flag = true;
  sps.offset_for_ref_frame = {2};
  sps.offset_for_non_ref_pic = -1;
  H264PocCalculator calc;
  auto poc = [&](H264SliceHeader h) { return calc.compute(h, sps)->pic_order_cnt; };
  EXPECT_EQ(poc(slice(5, true, 0)), 0);
  EXPECT_EQ(poc(slice(1, true, 1)), 2);
  EXPECT_EQ(poc(slice(1, false, 2)), 1);  // absFrameNum 2 - 1, expected 2, offset -1
  EXPECT_EQ(poc(slice(1, true, 2)), 4);
  for (uint32_t fn = 3; fn < 16; ++fn) EXPECT_EQ(poc(slice(1, true, fn)), static_cast<int32_t>(2 * fn));
  EXPECT_EQ(poc(slice(1, true, 0)), 32);  // frame_num wrapped: FrameNumOffset 16
  EXPECT_EQ(poc(slice(1, true, 1)), 34);
}

TEST(H264Poc, Type2AndMmco5) {
  H264Sps sps;
  sps.pic_order_cnt_type = 2;
  sps.log2_max_frame_num = 4;
  H264PocCalculator calc;
  auto poc = [&](H264SliceHeader h) { return calc.compute(h, sps)->pic_order_cnt; };
  EXPECT_EQ(poc(slice(5, true, 0)), 0);
  EXPECT_EQ(poc(slice(1, true, 1)), 2);
  EXPECT_EQ(poc(slice(1, false, 2)), 3);
  for (uint32_t fn = 2; fn < 16; ++fn) EXPECT_EQ(poc(slice(1, true, fn)), static_cast<int32_t>(2 * fn));
  EXPECT_EQ(poc(slice(1, true, 0)), 32);
  auto h = slice(1, true, 1);
  h.memory_management_control_operation_5 = true;
  auto r = calc.compute(h, sps);
  EXPECT_EQ(r->pic_order_cnt, 0);  // 34 before the reset
  EXPECT_TRUE(r->resets_order);
  EXPECT_EQ(poc(slice(1, true, 1)), 2);  // counting restarts from frame_num 0

  H264Sps type0;
  type0.log2_max_pic_order_cnt_lsb = 5;
  H264PocCalculator calc0;
  EXPECT_EQ(calc0.compute(slice(5, true, 0, 0), type0)->pic_order_cnt, 0);
  EXPECT_EQ(calc0.compute(slice(1, true, 1, 4), type0)->pic_order_cnt, 4);
  auto m = slice(1, true, 2, 8);
  m.memory_management_control_operation_5 = true;
  EXPECT_EQ(calc0.compute(m, type0)->pic_order_cnt, 0);
  EXPECT_EQ(calc0.compute(slice(1, true, 1, 2), type0)->pic_order_cnt, 2);
}

TEST(H264Poc, FirstPictureMustBeIdr) {
  H264Sps sps;
  H264PocCalculator calc;
  auto r = calc.compute(slice(1, true, 3, 6), sps);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::malformed);
}

}  // namespace
}  // namespace camrec::codec
