// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/h265.h"

#include <gtest/gtest.h>

#include "codec/access_unit.h"
#include "codec/hevc_config.h"
#include "codec_test_helpers.h"

namespace camrec::codec {
namespace {

using Bytes = std::vector<uint8_t>;
using testing::ffprobe_values;

struct Case {
  const char* name;
  std::string (*make)();
};

class H265Streams : public ::testing::TestWithParam<Case> {};

TEST_P(H265Streams, ParameterSetsMatchFfprobe) {
  std::string file = GetParam().make();
  ASSERT_FALSE(file.empty());
  auto stream = testing::split_stream(VideoCodec::h265, file);
  ASSERT_TRUE(stream.status.is_ok()) << stream.status.to_string();
  auto vps = parse_h265_vps(testing::nals_of_type(VideoCodec::h265, stream.aus.at(0), 32).at(0));
  auto sps = parse_h265_sps(testing::nals_of_type(VideoCodec::h265, stream.aus.at(0), 33).at(0));
  auto pps = parse_h265_pps(testing::nals_of_type(VideoCodec::h265, stream.aus.at(0), 34).at(0));
  ASSERT_TRUE(vps) << vps.error().to_string();
  ASSERT_TRUE(sps) << sps.error().to_string();
  ASSERT_TRUE(pps) << pps.error().to_string();
  EXPECT_EQ(sps->sps_video_parameter_set_id, vps->vps_video_parameter_set_id);
  EXPECT_EQ(pps->pps_seq_parameter_set_id, sps->sps_seq_parameter_set_id);
  EXPECT_EQ(vps->profile_tier_level, sps->profile_tier_level);

  auto probe = ffprobe_values("-select_streams v:0 -show_entries stream=profile,level,width,height,pix_fmt,"
                              "has_b_frames,r_frame_rate,sample_aspect_ratio",
                              file);
  const auto& ptl = sps->profile_tier_level;
  std::string profile = ptl.general_profile_idc == 1 ? "Main" : ptl.general_profile_idc == 2 ? "Main 10" : "?";
  EXPECT_EQ(profile, probe["profile"]);
  EXPECT_EQ(std::to_string(ptl.general_level_idc), probe["level"]);
  EXPECT_EQ(std::to_string(sps->width), probe["width"]);
  EXPECT_EQ(std::to_string(sps->height), probe["height"]);
  EXPECT_EQ(sps->bit_depth_luma == 8 ? "yuv420p" : "yuv420p" + std::to_string(sps->bit_depth_luma) + "le", probe["pix_fmt"]);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_EQ(std::to_string(sps->reorder_depth()), probe["has_b_frames"]);
  ASSERT_TRUE(sps->vui.vui_timing_info_present_flag);
  EXPECT_EQ(std::to_string(sps->vui.vui_time_scale / sps->vui.vui_num_units_in_tick) + "/1", probe["r_frame_rate"]);
  // Structure every x265 stream has: general flags consistent with the profile.
  EXPECT_TRUE(ptl.general_profile_compatibility_flags & (0x80000000u >> ptl.general_profile_idc));
  EXPECT_TRUE(ptl.general_constraint_indicator_flags >> 47);  // general_progressive_source_flag
  EXPECT_GE(sps->max_dec_pic_buffering(), sps->reorder_depth() + 1);
  EXPECT_EQ(sps->pic_width_in_luma_samples % (1u << sps->log2_min_luma_coding_block_size), 0u);
}

TEST_P(H265Streams, PresentationOrderFromPocMatchesDecoder) {
  std::string file = GetParam().make();
  ASSERT_FALSE(file.empty());
  auto stream = testing::split_stream(VideoCodec::h265, file);
  ASSERT_TRUE(stream.status.is_ok());
  AccessUnitParser parser(VideoCodec::h265);
  AccessUnit au;
  std::vector<PictureOrder> orders;
  for (const auto& bytes : stream.aus) {
    Status st = parser.parse(bytes, au);
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    ASSERT_TRUE(au.order.has_value());
    EXPECT_FALSE(au.droppable);  // the streams start with an IDR: every RASL is decodable
    orders.push_back(*au.order);
  }
  auto rank = presentation_order(orders);
  std::vector<size_t> mine(rank.size());
  for (size_t i = 0; i < rank.size(); ++i) mine[rank[i]] = i;
  EXPECT_EQ(mine, testing::ffprobe_output_order(file, stream.offsets));
}

INSTANTIATE_TEST_SUITE_P(Ffmpeg, H265Streams,
                         ::testing::Values(Case{"open_gop", testing::h265_open_gop},
                                           Case{"closed_gop", testing::h265_closed_gop},
                                           Case{"main10", testing::h265_main10}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(H265Sps, ConformanceWindowAndKnownFields) {
  auto stream = testing::split_stream(VideoCodec::h265, testing::h265_open_gop());
  ASSERT_TRUE(stream.status.is_ok());
  auto sps = parse_h265_sps(testing::nals_of_type(VideoCodec::h265, stream.aus.at(0), 33).at(0));
  ASSERT_TRUE(sps);
  EXPECT_EQ(sps->width, 642u);
  EXPECT_EQ(sps->height, 362u);
  EXPECT_GT(sps->pic_width_in_luma_samples, 642u);  // coded in whole minimum coding blocks
  EXPECT_GT(sps->pic_height_in_luma_samples, 362u);
  EXPECT_EQ(sps->profile_tier_level.general_profile_idc, 1);
  EXPECT_FALSE(sps->profile_tier_level.general_tier_flag);
}

TEST(H265Streams, KeyFramesOfOpenAndClosedGops) {
  auto count = [](const std::string& file, int& idr, int& cra, int& rasl) {
    auto stream = testing::split_stream(VideoCodec::h265, file);
    ASSERT_TRUE(stream.status.is_ok());
    AccessUnit au;
    for (const auto& bytes : stream.aus) {
      ASSERT_TRUE(parse_access_unit(VideoCodec::h265, bytes, au).is_ok());
      if (h265_is_idr(au.nal_unit_type)) ++idr;
      if (au.nal_unit_type == 21) ++cra;
      if (au.is_rasl) ++rasl;
      EXPECT_EQ(au.is_key, h265_is_irap(au.nal_unit_type));
    }
  };
  int idr = 0, cra = 0, rasl = 0;
  count(testing::h265_open_gop(), idr, cra, rasl);
  EXPECT_EQ(idr, 1);
  EXPECT_GE(cra, 2);
  EXPECT_GT(rasl, 0);
  idr = cra = rasl = 0;
  count(testing::h265_closed_gop(), idr, cra, rasl);
  EXPECT_GE(idr, 3);
  EXPECT_EQ(cra, 0);
  EXPECT_EQ(rasl, 0);
}

// A stream cut at a CRA (as a recorder joining mid-stream sees it): its RASL pictures
// reference pictures before the cut; the decoder drops them, and so must the muxer.
TEST(H265Rasl, CraStartingTheStreamMakesItsRaslPicturesDroppable) {
  auto stream = testing::split_stream(VideoCodec::h265, testing::h265_open_gop());
  ASSERT_TRUE(stream.status.is_ok());
  size_t cra = 0;
  AccessUnit au;
  for (size_t i = 1; i < stream.aus.size() && cra == 0; ++i) {
    ASSERT_TRUE(parse_access_unit(VideoCodec::h265, stream.aus[i], au).is_ok());
    if (au.nal_unit_type == 21) cra = i;
  }
  ASSERT_GT(cra, 0u);
  Bytes cut;
  for (int type : {32, 33, 34}) {
    for (const auto& nal : testing::nals_of_type(VideoCodec::h265, stream.aus[0], type)) {
      cut.insert(cut.end(), {0, 0, 0, 1});
      cut.insert(cut.end(), nal.begin(), nal.end());
    }
  }
  for (size_t i = cra; i < stream.aus.size(); ++i) cut.insert(cut.end(), stream.aus[i].begin(), stream.aus[i].end());
  std::string file = testing::Fixtures::get().dir().file("cut_at_cra.h265");
  testing::write_file(file, cut);

  auto cut_stream = testing::split_stream(VideoCodec::h265, file);
  ASSERT_TRUE(cut_stream.status.is_ok());
  AccessUnitParser parser(VideoCodec::h265);
  std::vector<PictureOrder> orders;
  std::vector<size_t> kept;
  size_t droppable = 0;
  for (size_t i = 0; i < cut_stream.aus.size(); ++i) {
    ASSERT_TRUE(parser.parse(cut_stream.aus[i], au).is_ok());
    if (au.droppable) {
      EXPECT_TRUE(au.is_rasl);
      ++droppable;
      continue;
    }
    orders.push_back(*au.order);
    kept.push_back(i);
  }
  EXPECT_GT(droppable, 0u);
  auto probe = ffprobe_values("-count_frames -select_streams v:0 -show_entries stream=nb_read_frames", file);
  EXPECT_EQ(std::to_string(cut_stream.aus.size() - droppable), probe["nb_read_frames"]);
  auto rank = presentation_order(orders);
  std::vector<size_t> mine(rank.size());
  for (size_t i = 0; i < rank.size(); ++i) mine[rank[i]] = kept[i];
  EXPECT_EQ(mine, testing::ffprobe_output_order(file, cut_stream.offsets));
}

H265SliceHeader slice(uint8_t type, uint32_t lsb, uint8_t tid = 0) {
  H265SliceHeader h;
  h.nal_unit_type = type;
  h.first_slice_segment_in_pic_flag = true;
  h.slice_pic_order_cnt_lsb = lsb;
  h.temporal_id = tid;
  return h;
}

TEST(H265Poc, Tid0PicturesCarryTheMsb) {
  H265Sps sps;
  sps.log2_max_pic_order_cnt_lsb = 4;  // 16
  H265PocCalculator calc;
  auto poc = [&](H265SliceHeader h) { return calc.compute(h, sps)->pic_order_cnt; };
  EXPECT_EQ(poc(slice(19, 0)), 0);       // IDR_W_RADL
  EXPECT_EQ(poc(slice(1, 6)), 6);        // TRAIL_R
  EXPECT_EQ(poc(slice(1, 12)), 12);
  EXPECT_EQ(poc(slice(0, 14, 1)), 14);   // TRAIL_N, temporal layer 1: not a prevTid0Pic
  EXPECT_EQ(poc(slice(1, 2)), 18);       // wraps relative to 12, not 14
  EXPECT_EQ(poc(slice(0, 1)), 17);       // sub-layer non-reference: does not move prev
  EXPECT_EQ(poc(slice(1, 8)), 24);       // still relative to 18
  auto idr = calc.compute(slice(20, 0), sps);  // IDR_N_LP resets
  EXPECT_EQ(idr->pic_order_cnt, 0);
  EXPECT_TRUE(idr->resets_order);
  EXPECT_EQ(poc(slice(7, 14)), -2);      // RADL before the IDR in output order
}

TEST(H265Poc, RaslDroppableOnlyAfterACraWithNoRaslOutputFlag) {
  H265Sps sps;
  sps.log2_max_pic_order_cnt_lsb = 8;
  H265PocCalculator calc;
  auto first = calc.compute(slice(21, 40), sps);  // CRA starting the stream
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->resets_order);
  EXPECT_EQ(first->pic_order_cnt, 40);  // msb 0, lsb kept
  auto rasl = calc.compute(slice(9, 37), sps);
  EXPECT_TRUE(rasl->droppable);
  EXPECT_FALSE(rasl->output);
  EXPECT_FALSE(calc.compute(slice(1, 44), sps)->droppable);
  auto mid_cra = calc.compute(slice(21, 72), sps);
  EXPECT_FALSE(mid_cra->resets_order);
  EXPECT_EQ(mid_cra->pic_order_cnt, 72);
  auto rasl2 = calc.compute(slice(8, 70), sps);
  EXPECT_FALSE(rasl2->droppable);
  EXPECT_TRUE(rasl2->output);
  calc.end_of_sequence();
  auto after_eos = calc.compute(slice(21, 100), sps);
  EXPECT_TRUE(after_eos->resets_order);
  EXPECT_TRUE(calc.compute(slice(8, 98), sps)->droppable);
  auto bla = calc.compute(slice(16, 130), sps);  // BLA_W_LP
  EXPECT_TRUE(bla->resets_order);
  EXPECT_TRUE(calc.compute(slice(9, 128), sps)->droppable);
  auto hidden = slice(1, 140);
  hidden.pic_output_flag = false;
  EXPECT_FALSE(calc.compute(hidden, sps)->output);
}

TEST(H265Poc, FirstPictureMustBeIrap) {
  H265Sps sps;
  H265PocCalculator calc;
  auto r = calc.compute(slice(1, 5), sps);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::malformed);
}

TEST(H265Errors, ParameterSets) {
  auto stream = testing::split_stream(VideoCodec::h265, testing::h265_open_gop());
  Bytes vps = testing::nals_of_type(VideoCodec::h265, stream.aus.at(0), 32).at(0);
  Bytes sps = testing::nals_of_type(VideoCodec::h265, stream.aus.at(0), 33).at(0);
  Bytes pps = testing::nals_of_type(VideoCodec::h265, stream.aus.at(0), 34).at(0);
  for (size_t cut = 0; cut + 1 < sps.size(); ++cut) {
    auto r = parse_h265_sps(Bytes(sps.begin(), sps.begin() + static_cast<ptrdiff_t>(cut)));
    ASSERT_FALSE(r) << "cut at " << cut;
    EXPECT_EQ(r.error().code(), Errc::malformed) << r.error().to_string();
  }
  for (size_t cut = 0; cut + 1 < vps.size(); ++cut)
    EXPECT_FALSE(parse_h265_vps(Bytes(vps.begin(), vps.begin() + static_cast<ptrdiff_t>(cut)))) << "cut at " << cut;
  EXPECT_FALSE(parse_h265_pps(Bytes(pps.begin(), pps.begin() + 3)));
  EXPECT_EQ(parse_h265_sps(vps).error().code(), Errc::invalid_argument);
  EXPECT_EQ(parse_h265_vps(pps).error().code(), Errc::invalid_argument);
  Bytes layered = sps;
  layered[1] |= 0x08;  // nuh_layer_id 1
  EXPECT_EQ(parse_h265_sps(layered).error().code(), Errc::unsupported);
  Bytes no_tid = sps;
  no_tid[1] &= 0xF8;
  EXPECT_EQ(parse_h265_sps(no_tid).error().code(), Errc::malformed);
  Bytes forbidden = sps;
  forbidden[0] |= 0x80;
  EXPECT_NE(parse_h265_sps(forbidden).error().message().find("forbidden_zero_bit"), std::string::npos);
  Bytes bad_reserved = vps;
  bad_reserved[5] = 0x00;  // part of vps_reserved_0xffff_16bits
  EXPECT_FALSE(parse_h265_vps(bad_reserved));
}

TEST(H265Errors, SliceHeaders) {
  auto stream = testing::split_stream(VideoCodec::h265, testing::h265_open_gop());
  Bytes idr;
  for (int t : {19, 20}) {
    auto v = testing::nals_of_type(VideoCodec::h265, stream.aus.at(0), t);
    if (!v.empty()) idr = v[0];
  }
  ASSERT_FALSE(idr.empty());
  H265ParameterSets empty;
  auto r = parse_h265_slice_header(idr, empty);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("PPS 0"), std::string::npos);
  H265ParameterSets sets;
  ASSERT_TRUE(sets.add_vps(testing::nals_of_type(VideoCodec::h265, stream.aus[0], 32).at(0)).is_ok());
  ASSERT_TRUE(sets.add_sps(testing::nals_of_type(VideoCodec::h265, stream.aus[0], 33).at(0)).is_ok());
  ASSERT_TRUE(sets.add_pps(testing::nals_of_type(VideoCodec::h265, stream.aus[0], 34).at(0)).is_ok());
  auto ok = parse_h265_slice_header(idr, sets);
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_TRUE(ok->first_slice_segment_in_pic_flag);
  EXPECT_EQ(ok->slice_type, 2u);
  EXPECT_EQ(ok->slice_pic_order_cnt_lsb, 0u);
  EXPECT_EQ(parse_h265_slice_header(Bytes{0x26}, sets).error().code(), Errc::malformed);
  EXPECT_EQ(parse_h265_slice_header(Bytes{0x26, 0x01}, sets).error().code(), Errc::malformed);
  EXPECT_EQ(parse_h265_slice_header(Bytes{0x40, 0x01, 0x0C}, sets).error().code(), Errc::invalid_argument);
  EXPECT_EQ(parse_h265_slice_header(Bytes{0x26, 0x00, 0xAF}, sets).error().code(), Errc::malformed);
}

}  // namespace
}  // namespace camrec::codec

namespace camrec::codec {
namespace {

// An SPS with everything x265 leaves out: two sub-layers, scaling lists, PCM, short-term
// RPS sets (two of them predicted from the previous set), long-term pictures and a VUI with
// HRD parameters. The VUI values come out right only if every bit before them was consumed
// exactly as 7.3.2.2 and 7.4.8 say (a wrong NumDeltaPocs shifts everything after it).
Bytes hand_made_sps() {
  testing::BitWriter w;
  w.u(0, 4);      // sps_video_parameter_set_id
  w.u(1, 3);      // sps_max_sub_layers_minus1
  w.flag(true);   // sps_temporal_id_nesting_flag
  w.u(0, 2);      // general_profile_space
  w.flag(false);  // general_tier_flag
  w.u(1, 5);      // general_profile_idc
  w.u(0x60000000, 32);
  w.u(0x900000000000, 48);
  w.u(93, 8);     // general_level_idc
  w.flag(true);   // sub_layer_profile_present_flag[0]
  w.flag(true);   // sub_layer_level_present_flag[0]
  w.u(0, 14);     // reserved_zero_2bits for i = 1..7
  w.u(0x5A5A5A5A5A5A5A5A, 64);  // sub-layer profile (88 bits)
  w.u(0xA5A5A5, 24);
  w.u(90, 8);     // sub_layer_level_idc
  w.ue(0);        // sps_seq_parameter_set_id
  w.ue(1);        // chroma_format_idc
  w.ue(1920);
  w.ue(1088);
  w.flag(true);   // conformance_window_flag
  w.ue(0);
  w.ue(0);
  w.ue(0);
  w.ue(4);        // bottom offset: 8 luma rows
  w.ue(0);        // bit_depth_luma_minus8
  w.ue(0);
  w.ue(4);        // log2_max_pic_order_cnt_lsb_minus4
  w.flag(true);   // sps_sub_layer_ordering_info_present_flag
  w.ue(2), w.ue(0), w.ue(0);  // sub-layer 0
  w.ue(4), w.ue(2), w.ue(0);  // sub-layer 1
  w.ue(0);        // log2_min_luma_coding_block_size_minus3
  w.ue(3);        // log2_diff_max_min_luma_coding_block_size
  w.ue(0);
  w.ue(3);
  w.ue(1);
  w.ue(1);
  w.flag(true);   // scaling_list_enabled_flag
  w.flag(true);   // sps_scaling_list_data_present_flag
  for (int size_id = 0; size_id < 4; ++size_id) {
    for (int matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
      bool explicit_list = (size_id == 0 && matrix_id == 0) || (size_id == 2 && matrix_id == 1);
      w.flag(explicit_list);
      if (!explicit_list) {
        w.ue(0);
        continue;
      }
      int coefs = std::min(64, 1 << (4 + (size_id << 1)));
      if (size_id > 1) w.se(-3);
      for (int i = 0; i < coefs; ++i) w.se(i % 3 - 1);
    }
  }
  w.flag(true);   // amp_enabled_flag
  w.flag(true);   // sample_adaptive_offset_enabled_flag
  w.flag(true);   // pcm_enabled_flag
  w.u(7, 4);
  w.u(7, 4);
  w.ue(0);
  w.ue(1);
  w.flag(false);
  w.ue(4);        // num_short_term_ref_pic_sets
  // Set 0: S0 = {-1, -3}, S1 = {+1}.
  w.ue(2), w.ue(1);
  w.ue(0), w.flag(true);
  w.ue(1), w.flag(true);
  w.ue(0), w.flag(false);
  // Set 1 from set 0 with deltaRps -1: 4 flags; derived S0 = {-1, -2, -4}, S1 = {} (the +1
  // entry becomes 0 and is dropped), so NumDeltaPocs = 3.
  w.flag(true), w.flag(true), w.ue(0);
  for (int j = 0; j < 4; ++j) w.flag(true);
  // Set 2 from set 1 with deltaRps +2: 4 flags (j = 1 unused and not kept); NumDeltaPocs 3.
  w.flag(true), w.flag(false), w.ue(1);
  w.flag(true);
  w.flag(false), w.flag(false);
  w.flag(true);
  w.flag(true);
  // Set 3 from set 2 with deltaRps -1: NumDeltaPocs[2] + 1 = 4 flags.
  w.flag(true), w.flag(true), w.ue(0);
  for (int j = 0; j < 4; ++j) w.flag(true);
  w.flag(true);   // long_term_ref_pics_present_flag
  w.ue(2);
  w.u(17, 8), w.flag(true);
  w.u(200, 8), w.flag(false);
  w.flag(true);   // sps_temporal_mvp_enabled_flag
  w.flag(true);   // strong_intra_smoothing_enabled_flag
  w.flag(true);   // vui_parameters_present_flag
  w.flag(true), w.u(255, 8), w.u(4, 16), w.u(3, 16);  // SAR 4:3
  w.flag(false);  // overscan_info_present_flag
  w.flag(true), w.u(5, 3), w.flag(true), w.flag(true), w.u(1, 8), w.u(1, 8), w.u(1, 8);
  w.flag(false);  // chroma_loc_info_present_flag
  w.flag(false), w.flag(false), w.flag(false);
  w.flag(true), w.ue(0), w.ue(0), w.ue(0), w.ue(0);  // default display window
  w.flag(true), w.u(1001, 32), w.u(60000, 32);      // timing
  w.flag(true), w.ue(0);                            // poc proportional
  w.flag(true);   // vui_hrd_parameters_present_flag
  w.flag(true), w.flag(false);  // nal, vcl
  w.flag(false);                // sub_pic_hrd_params_present_flag
  w.u(2, 4), w.u(3, 4), w.u(23, 5), w.u(23, 5), w.u(23, 5);
  w.flag(false), w.flag(true), w.ue(0);   // sub-layer 0: fixed within CVS
  w.ue(1);                                // cpb_cnt_minus1
  for (int i = 0; i < 2; ++i) w.ue(1000), w.ue(2000), w.flag(false);
  w.flag(true), w.ue(0);                  // sub-layer 1: fixed in general
  w.ue(0);
  w.ue(500), w.ue(900), w.flag(true);
  w.flag(true);   // bitstream_restriction_flag
  w.flag(false), w.flag(true), w.flag(true);
  w.ue(8);        // min_spatial_segmentation_idc
  w.ue(2), w.ue(1), w.ue(15), w.ue(15);
  w.flag(false);  // sps_extension_present_flag
  w.trailing_bits();
  Bytes nal = {0x42, 0x01};
  Bytes ebsp = rbsp_to_ebsp(w.bytes());
  nal.insert(nal.end(), ebsp.begin(), ebsp.end());
  return nal;
}

TEST(H265Sps, HandMadeSpsWithRpsLongTermAndHrd) {
  auto sps = parse_h265_sps(hand_made_sps());
  ASSERT_TRUE(sps) << sps.error().to_string();
  EXPECT_EQ(sps->sps_max_sub_layers, 2u);
  EXPECT_EQ(sps->profile_tier_level.general_level_idc, 93);
  EXPECT_EQ(sps->profile_tier_level.general_constraint_indicator_flags, 0x900000000000u);
  EXPECT_EQ(sps->width, 1920u);
  EXPECT_EQ(sps->height, 1080u);
  EXPECT_EQ(sps->log2_max_pic_order_cnt_lsb, 8u);
  EXPECT_EQ(sps->sps_max_dec_pic_buffering[0], 3u);
  EXPECT_EQ(sps->max_dec_pic_buffering(), 5u);
  EXPECT_EQ(sps->reorder_depth(), 2u);
  EXPECT_EQ(sps->num_short_term_ref_pic_sets, 4u);
  EXPECT_TRUE(sps->long_term_ref_pics_present_flag);
  EXPECT_EQ(sps->num_long_term_ref_pics_sps, 2u);
  EXPECT_TRUE(sps->sps_temporal_mvp_enabled_flag);
  EXPECT_TRUE(sps->strong_intra_smoothing_enabled_flag);
  EXPECT_EQ(sps->vui.sar_width, 4);
  EXPECT_EQ(sps->vui.sar_height, 3);
  EXPECT_TRUE(sps->vui.video_full_range_flag);
  EXPECT_EQ(sps->vui.colour_primaries, 1);
  EXPECT_TRUE(sps->vui.vui_timing_info_present_flag);
  EXPECT_EQ(sps->vui.vui_num_units_in_tick, 1001u);
  EXPECT_EQ(sps->vui.vui_time_scale, 60000u);
  EXPECT_TRUE(sps->vui.vui_hrd_parameters_present_flag);
  EXPECT_TRUE(sps->vui.bitstream_restriction_flag);
  EXPECT_EQ(sps->vui.min_spatial_segmentation_idc, 8u);

  // hvcC from it: min_spatial_segmentation_idc and the PPS's parallelism, and the larger
  // sub-layer count of VPS and SPS.
  auto stream = testing::split_stream(VideoCodec::h265, testing::h265_closed_gop());
  auto vps = testing::nals_of_type(VideoCodec::h265, stream.aus.at(0), 32);
  auto pps = testing::nals_of_type(VideoCodec::h265, stream.aus.at(0), 34);
  auto parsed_pps = parse_h265_pps(pps.at(0));
  ASSERT_TRUE(parsed_pps);
  Bytes sps_nal = hand_made_sps();
  std::vector<NalView> v = {vps[0]}, s = {sps_nal}, p = {pps[0]};
  auto config = build_hevc_config(v, s, p);
  ASSERT_TRUE(config) << config.error().to_string();
  EXPECT_EQ(config->min_spatial_segmentation_idc, 8);
  uint8_t expected_parallelism = parsed_pps->entropy_coding_sync_enabled_flag ? (parsed_pps->tiles_enabled_flag ? 0 : 3)
                                                                              : (parsed_pps->tiles_enabled_flag ? 2 : 1);
  EXPECT_EQ(config->parallelism_type, expected_parallelism);
  EXPECT_EQ(config->num_temporal_layers, 2);
  EXPECT_TRUE(config->temporal_id_nested);
  EXPECT_EQ(hevc_codec_string(*config), "hvc1.1.6.L93.90");

  // Cutting the SPS anywhere before its last byte fails cleanly.
  for (size_t n = 2; n + 1 < sps_nal.size(); ++n)
    EXPECT_FALSE(parse_h265_sps(Bytes(sps_nal.begin(), sps_nal.begin() + static_cast<ptrdiff_t>(n)))) << n;
}

}  // namespace
}  // namespace camrec::codec
