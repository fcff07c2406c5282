// SPDX-License-Identifier: LGPL-2.1-or-later
// Streams whose parameter sets change mid-stream (two encodes joined, a new resolution, H.264
// and H.265): each set of parameters becomes a sample description of its own, in both
// layouts, through `camrec remux` and the Muxer API; the output decodes frame for frame to
// what the input decodes to, and `camrec extract` gives a stream that does too. A fragmented
// header is rewritten in place, and every state of that rewrite opens.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "box/boxes.h"
#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "codec/annexb.h"
#include "codec/video_config.h"
#include "io/byte_writer.h"
#include "testing/conformance.h"
#include "testing/probe_util.h"
#include "testing/stream_fixtures.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;

struct Joined {
  std::string name;
  bool hevc = false;
  std::string size1, size2;
  std::string args1, args2;
};

const std::vector<Joined>& joined_streams() {
  static const std::vector<Joined> list = {
      {"h264_same_size", false, "640x360", "640x360", "-c:v libx264 -profile:v high -crf 30 -g 15",
       "-c:v libx264 -profile:v main -crf 20 -g 15 -bf 0"},
      {"h264_new_size", false, "1280x720", "640x480", "-c:v libx264 -g 15", "-c:v libx264 -g 15"},
      {"h265_new_size", true, "640x360", "320x240", "-c:v libx265 -x265-params keyint=15:log-level=error",
       "-c:v libx265 -x265-params keyint=15:no-open-gop=1:log-level=error"},
  };
  return list;
}

/// Two encodes of 30 frames each, joined into one elementary stream in `dir`.
std::string make_joined(const Joined& j, const testing::TempDir& dir) {
  const std::string ext = j.hevc ? ".h265" : ".h264";
  const std::string a = dir.file("a" + ext), b = dir.file("b" + ext), out = dir.file(j.name + ext);
  EXPECT_TRUE(testing::make_stream(a, j.size1, 30, 30, j.args1));
  EXPECT_TRUE(testing::make_stream(b, j.size2, 30, 30, j.args2));
  auto bytes = testing::read_file(a);
  auto second = testing::read_file(b);
  bytes.insert(bytes.end(), second.begin(), second.end());
  EXPECT_TRUE(testing::write_file(out, bytes));
  return out;
}

struct Case {
  std::string stream;
  bool fragmented;
};

class ParameterChangeTest : public ::testing::TestWithParam<Case> {};

TEST_P(ParameterChangeTest, RemuxKeepsEveryFrameWithTwoDescriptions) {
  const Joined* j = nullptr;
  for (const auto& s : joined_streams())
    if (s.name == GetParam().stream) j = &s;
  ASSERT_NE(j, nullptr);
  testing::TempDir dir;
  const std::string in = make_joined(*j, dir);
  std::string err;
  const auto want = testing::video_frame_md5s(in, &err);
  ASSERT_EQ(want.size(), 60u) << err;

  const std::string out = dir.file("out.mp4");
  auto r = testing::run_command(std::string(CAMREC_CLI) + " remux " + shell_quote(in) + " " + shell_quote(out) +
                                " --fps 30" + (GetParam().fragmented ? " --fmp4" : ""));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::conformance_report(out), "");

  auto demuxer = Demuxer::open(out);
  ASSERT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
  ASSERT_EQ((*demuxer)->tracks().size(), 1u);
  EXPECT_EQ((*demuxer)->tracks()[0].description_count, 2u);
  // The samples of the second encode point at the second description, from its key frame on.
  DemuxedSample s;
  std::vector<uint32_t> descriptions;
  while (true) {
    auto more = (*demuxer)->next(s);
    ASSERT_TRUE(more.has_value()) << more.error().to_string();
    if (!*more) break;
    descriptions.push_back(s.description);
  }
  ASSERT_EQ(descriptions.size(), 60u);
  EXPECT_EQ(std::count(descriptions.begin(), descriptions.begin() + 30, 1u), 30);
  EXPECT_EQ(std::count(descriptions.begin() + 30, descriptions.end(), 2u), 30);

  EXPECT_EQ(testing::ffprobe_packet_count(out, "v"), 60);
  // ffmpeg (5.1) ignores a fragment's tfhd.sample_description_index: it decodes the second
  // encode right because its key frames carry their parameter sets in-band ('avc3'/'hev1').
  EXPECT_EQ(testing::video_frame_md5s(out, &err), want) << err;
  // GStreamer decodes the file frame for frame when it reads it in order (as a stream), in
  // both layouts, and when it seeks in the regular one.
  const auto gst_want = testing::gst_video_frame_md5s(in);
  ASSERT_EQ(gst_want.size(), 60u);
  EXPECT_EQ(testing::gst_video_frame_md5s(out, testing::GstRead::push), gst_want);
  const auto pulled = testing::gst_video_frame_md5s(out);
  if (!GetParam().fragmented) {
    EXPECT_EQ(pulled, gst_want);
  } else {
    // Reading a local fragmented file (filesrc: playbin, gst-discoverer), qtdemux 1.22 parses
    // the next moof before it pushes the last sample of the current one, and a tfhd's
    // sample_description_index replaces the track's current entry at once: the new caps
    // reach the decoder one sample early and reset it before the last picture of the first
    // encode in decode order (docs/file-layout.md). The pictures that picture would have
    // released come out wrong or not at all (one or two here: the B-frames' reordering);
    // everything before them and the whole second encode come out exact. Should GStreamer
    // fix it, the last check fails and this becomes the equality above.
    ASSERT_GE(pulled.size(), 58u);
    ASSERT_LE(pulled.size(), 60u);
    EXPECT_TRUE(std::equal(gst_want.begin(), gst_want.begin() + 28, pulled.begin()));
    EXPECT_TRUE(std::equal(gst_want.end() - 30, gst_want.end(), pulled.end() - 30));
    EXPECT_NE(pulled, gst_want);
  }
  auto m = testing::mp4box_read(out);
  if (m.available) {
    EXPECT_TRUE(m.ready) << m.json;
    EXPECT_EQ(m.descriptions, std::vector<int64_t>{2}) << m.json;
    EXPECT_EQ(m.sample_counts, std::vector<int64_t>{60}) << m.json;
  }

  // extract writes the second description's parameter sets in front of its key frame.
  const std::string back = dir.file(std::string("back.track1") + (j->hevc ? ".h265" : ".h264"));
  r = testing::run_command(std::string(CAMREC_CLI) + " extract " + shell_quote(out) + " -o " +
                           shell_quote(dir.file("back")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::video_frame_md5s(back, &err), want) << err;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const auto& s : joined_streams())
    for (bool fragmented : {false, true}) out.push_back({s.name, fragmented});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Streams, ParameterChangeTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& case_info) {
                           return case_info.param.stream + (case_info.param.fragmented ? "_fmp4" : "_regular");
                         });

/// The packets of the first two joined streams' halves through the Muxer API.
std::vector<testing::TimedPacket> joined_packets(const testing::TempDir& dir) {
  const std::string in = make_joined(joined_streams()[1], dir);
  return testing::read_video_packets(in, false, 0);
}

/// Writes `packets` as one video track of `codec` into `path`.
void mux_video(const std::string& path, const std::vector<testing::TimedPacket>& packets, MuxerOptions options = {},
               Codec codec = Codec::h264) {
  auto muxer = Muxer::create_file(path, options);
  ASSERT_TRUE(muxer.has_value());
  VideoTrackConfig v;
  v.codec = codec;
  ASSERT_TRUE((*muxer)->add_video_track(v).has_value());
  for (const auto& p : packets) ASSERT_TRUE((*muxer)->write(0, p.packet()).is_ok());
  ASSERT_TRUE((*muxer)->close().is_ok());
}

TEST(ParameterChange, FragmentedHeaderIsRewrittenAndEveryStateOpens) {
  testing::TempDir dir;
  auto packets = joined_packets(dir);
  ASSERT_EQ(packets.size(), 60u);
  const std::string path = dir.file("f.mp4");
  std::vector<std::string> copies;
  MuxerOptions o;
  o.layout = Layout::fragmented;
  o.on_step = [&](const char* step) {
    if (std::string(step).rfind("header-", 0) != 0) return;
    copies.push_back(dir.file(std::string(step) + ".mp4"));
    EXPECT_TRUE(testing::write_file(copies.back(), testing::read_file(path)));
  };
  mux_video(path, packets, o);
  ASSERT_EQ(copies.size(), 2u);  // the second moov added, then the first one retired
  for (const auto& copy : copies) {
    EXPECT_EQ(testing::conformance_report(copy), "") << copy;
    // Both states hold the first encode's fragments, which the ruling moov describes.
    std::string err;
    EXPECT_EQ(testing::video_frame_md5s(copy, &err).size(), 30u) << copy << err;
  }
  // The file's moov has both descriptions; fragments of the second encode name it in tfhd.
  auto top = testing::top_level_boxes(path);
  auto bytes = testing::read_file(path);
  int moovs = 0, second_description_trafs = 0;
  for (const auto& b : top) {
    std::span<const uint8_t> whole(bytes.data() + b.offset, b.size);
    if (b.type == "moov") {
      ++moovs;
      auto moov = box::parse_box<box::MovieBox>(whole, b.offset);
      ASSERT_TRUE(moov.has_value());
      EXPECT_EQ(moov->traks[0].mdia.minf.stbl.stsd.visual.size(), 2u);
      EXPECT_EQ(moov->traks[0].mdia.minf.stbl.stsd.visual[1].width, 640);
    } else if (b.type == "moof") {
      auto moof = box::parse_box<box::MovieFragmentBox>(whole, b.offset);
      ASSERT_TRUE(moof.has_value());
      const auto& tfhd = moof->trafs[0].tfhd;
      if (tfhd.flags & box::TrackFragmentHeaderBox::kSampleDescriptionIndexPresent) {
        EXPECT_EQ(tfhd.sample_description_index, 2u);
        ++second_description_trafs;
      }
    }
  }
  EXPECT_EQ(moovs, 1);
  EXPECT_EQ(second_description_trafs, 2);  // 30 frames, a key frame every 15
  EXPECT_EQ(testing::conformance_report(path, {false}), "");
}

TEST(ParameterChange, RegularFileListsTheSecondDescriptionInStsc) {
  testing::TempDir dir;
  auto packets = joined_packets(dir);
  const std::string path = dir.file("r.mp4");
  mux_video(path, packets);
  auto top = testing::top_level_boxes(path);
  ASSERT_EQ(top.back().type, "moov");
  auto bytes = testing::read_file(path);
  auto moov = box::parse_box<box::MovieBox>(
      std::span<const uint8_t>(bytes.data() + top.back().offset, top.back().size), top.back().offset);
  ASSERT_TRUE(moov.has_value());
  const auto& stbl = moov->traks[0].mdia.minf.stbl;
  ASSERT_EQ(stbl.stsd.visual.size(), 2u);
  ASSERT_GE(stbl.stsc.entries.size(), 2u);
  EXPECT_EQ(stbl.stsc.entries.front().sample_description_index, 1u);
  EXPECT_EQ(stbl.stsc.entries.back().sample_description_index, 2u);
  EXPECT_EQ(testing::conformance_report(path, {false}), "");
}

TEST(ParameterChange, InBandRepeatsAreNotChanges) {
  // x264 repeats SPS/PPS before every key frame (-x264-params repeat-headers): one description.
  testing::TempDir dir;
  auto packets = testing::make_h264_packets(dir.file("rep.h264"), 60, 0, "320x240", 15, "-x264-params repeat-headers=1");
  ASSERT_EQ(packets.size(), 60u);
  const std::string path = dir.file("rep.mp4");
  mux_video(path, packets);
  auto demuxer = Demuxer::open(path);
  ASSERT_TRUE(demuxer.has_value());
  EXPECT_EQ((*demuxer)->tracks()[0].description_count, 1u);
}

TEST(ParameterChange, ParameterSetsHandedOverAloneApplyAtTheNextKeyFrame) {
  // As a K230 encoder hands them: the HEADER pack (SPS/PPS alone), then the key frame.
  testing::TempDir dir;
  auto packets = joined_packets(dir);
  const std::string path = dir.file("held.mp4");
  auto muxer = Muxer::create_file(path, {});
  ASSERT_TRUE(muxer.has_value());
  ASSERT_TRUE((*muxer)->add_video_track({}).has_value());
  for (size_t i = 0; i < packets.size(); ++i) {
    auto& p = packets[i];
    if (i == 30) {
      // Split the key frame's parameter sets off and hand them over first.
      auto nals = codec::split_annexb(p.data);
      ASSERT_TRUE(nals.has_value());
      std::vector<uint8_t> sets, frame;
      for (const auto& nal : *nals) {
        auto& to = codec::is_parameter_set(codec::VideoCodec::h264, nal) ? sets : frame;
        to.insert(to.end(), {0, 0, 0, 1});
        to.insert(to.end(), nal.begin(), nal.end());
      }
      ASSERT_FALSE(sets.empty());
      EXPECT_EQ((*muxer)->write_parameter_sets(0, frame).code(), Errc::invalid_argument);
      ASSERT_TRUE((*muxer)->write_parameter_sets(0, sets).is_ok());
      p.data = frame;
    }
    ASSERT_TRUE((*muxer)->write(0, p.packet()).is_ok()) << i;
  }
  ASSERT_TRUE((*muxer)->close().is_ok());
  auto demuxer = Demuxer::open(path);
  ASSERT_TRUE(demuxer.has_value());
  EXPECT_EQ((*demuxer)->tracks()[0].description_count, 2u);
  std::string err;
  EXPECT_EQ(testing::video_frame_md5s(path, &err).size(), 60u) << err;
}

TEST(ParameterChange, NoRoomLeftInTheHeaderIsAClearErrorAndTheFileStaysValid) {
  testing::TempDir dir;
  auto packets = joined_packets(dir);
  const std::string path = dir.file("full.mp4");
  MuxerOptions o;
  o.layout = Layout::fragmented;
  o.header_reserve_bytes = 0;
  auto muxer = Muxer::create_file(path, o);
  ASSERT_TRUE(muxer.has_value());
  ASSERT_TRUE((*muxer)->add_video_track({}).has_value());
  Status failed;
  for (const auto& p : packets) {
    failed = (*muxer)->write(0, p.packet());
    if (!failed.is_ok()) break;
  }
  if (failed.is_ok()) failed = (*muxer)->close();
  ASSERT_EQ(failed.code(), Errc::limit_exceeded) << failed.to_string();
  EXPECT_NE(failed.message().find("start a new file"), std::string::npos) << failed.message();
  (void)(*muxer)->close();
  std::string err;
  EXPECT_EQ(testing::video_frame_md5s(path, &err).size(), 30u) << err;
}

TEST(ParameterChange, AnotherCodecInTheSameTrackIsRefused) {
  // An H.264 file whose track also lists an H.265 description: remux cannot keep both in one
  // track and says so instead of writing a track of mixed codecs.
  testing::TempDir dir;
  auto h264 = testing::make_h264_packets(dir.file("a.h264"), 30, 0);
  ASSERT_TRUE(testing::make_stream(dir.file("b.h265"), "320x240", 15, 30, "-c:v libx265 -x265-params log-level=error"));
  auto h265 = testing::read_video_packets(dir.file("b.h265"), true, 0);
  ASSERT_FALSE(h265.empty());
  mux_video(dir.file("a.mp4"), h264);
  mux_video(dir.file("b.mp4"), h265, {}, Codec::h265);
  auto moov_of = [](const std::string& path, std::vector<uint8_t>& bytes, testing::TopBox& where) {
    bytes = testing::read_file(path);
    where = testing::top_level_boxes(bytes).back();
    return box::parse_box<box::MovieBox>(std::span<const uint8_t>(bytes.data() + where.offset, where.size), where.offset);
  };
  std::vector<uint8_t> a_bytes, b_bytes;
  testing::TopBox a_where, b_where;
  auto a = moov_of(dir.file("a.mp4"), a_bytes, a_where);
  auto b = moov_of(dir.file("b.mp4"), b_bytes, b_where);
  ASSERT_TRUE(a.has_value() && b.has_value());
  a->traks[0].mdia.minf.stbl.stsd.visual.push_back(b->traks[0].mdia.minf.stbl.stsd.visual[0]);
  io::ByteWriter w;
  w.bytes(std::span<const uint8_t>(a_bytes.data(), a_where.offset));
  box::write_box(w, *a);  // the moov is last: nothing after it moves
  ASSERT_TRUE(testing::write_file(dir.file("mixed.mp4"), w.buffer()));

  auto r = testing::run_command(std::string(CAMREC_CLI) + " remux " + shell_quote(dir.file("mixed.mp4")) + " " +
                                shell_quote(dir.file("out.mp4")));
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_NE(r.err.find("track 1 changes codec from 'avc1' to 'hvc1'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace camrec
