// SPDX-License-Identifier: LGPL-2.1-or-later
// `camrec remux` of H.264/H.265 elementary streams, checked with the tools people play files
// with: ffmpeg decodes the output to exactly the frames of the input stream, ffprobe sees
// the same frames, key frames and presentation times and has nothing to warn about,
// GStreamer (gst-discoverer, qtdemux + decodebin) and mediainfo recognise it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "camrec/demuxer.h"
#include "testing/probe_util.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;

struct StreamSpec {
  std::string name;
  std::string size;  // WxH
  int width = 0;
  int height = 0;
  int frames = 0;
  int fps = 30;
  bool hevc = false;
  std::string codec_args;
  bool pass_fps = true;  // else the frame rate comes from the stream's VUI
};

const std::vector<StreamSpec>& stream_specs() {
  static const std::vector<StreamSpec> specs = {
      {"baseline", "320x240", 320, 240, 60, 30, false, "-c:v libx264 -profile:v baseline -g 30", false},
      {"main720p", "1280x720", 1280, 720, 60, 30, false,
       "-c:v libx264 -preset veryfast -profile:v main -b:v 4M -maxrate 4M -bufsize 8M -g 30"},
      {"high_bframes", "320x240", 320, 240, 90, 30, false, "-c:v libx264 -profile:v high -bf 3 -g 30"},
      {"single_idr", "320x240", 320, 240, 60, 30, false,
       "-c:v libx264 -g 1000 -keyint_min 1000 -sc_threshold 0"},
      // x265's defaults (open GOP: IDR_N_LP first, then CRA with RASL pictures); keyint=30
      // only so that a 90-frame clip holds CRA pictures at all.
      {"hevc_open_gop", "320x240", 320, 240, 90, 30, true, "-c:v libx265 -x265-params keyint=30:log-level=error"},
      {"hevc_closed_gop", "320x240", 320, 240, 90, 25, true,
       "-c:v libx265 -x265-params keyint=30:no-open-gop=1:log-level=error"},
  };
  return specs;
}

/// An input stream and how ffmpeg/ffprobe read it, made once per test program.
struct Reference {
  StreamSpec spec;
  std::string path;
  std::vector<std::string> md5s;   // decoded frames, presentation order
  std::vector<bool> key_flags;     // per packet, decode order
  std::vector<uint8_t> bytes;
};

testing::TempDir& fixture_dir() {
  static testing::TempDir dir;
  return dir;
}

const Reference& reference(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Reference>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return *it->second;
  auto ref = std::make_unique<Reference>();
  for (const auto& s : stream_specs())
    if (s.name == name) ref->spec = s;
  const auto& s = ref->spec;
  ref->path = fixture_dir().file(s.name + (s.hevc ? ".h265" : ".h264"));
  EXPECT_TRUE(testing::make_stream(ref->path, s.size, s.frames, s.fps, s.codec_args)) << s.name;
  std::string err;
  ref->md5s = testing::video_frame_md5s(ref->path, &err);
  EXPECT_EQ(ref->md5s.size(), static_cast<size_t>(s.frames)) << err;
  for (const auto& p : testing::ffprobe_packets(ref->path, "v:0", false, "-framerate " + std::to_string(s.fps)))
    ref->key_flags.push_back(p.key);
  EXPECT_EQ(ref->key_flags.size(), static_cast<size_t>(s.frames));
  ref->bytes = testing::read_file(ref->path);
  return *cache.emplace(name, std::move(ref)).first->second;
}

/// NAL unit types found after the start codes of an Annex B stream.
std::vector<int> nal_types(const std::vector<uint8_t>& b, bool hevc) {
  std::vector<int> out;
  for (size_t i = 0; i + 3 < b.size(); ++i) {
    if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) {
      out.push_back(hevc ? (b[i + 3] >> 1) & 0x3f : b[i + 3] & 0x1f);
      i += 2;
    }
  }
  return out;
}

struct RemuxCase {
  std::string stream;
  std::string layout;  // regular | fmp4 | faststart
  std::string extra;   // more remux options
};

std::string case_name(const ::testing::TestParamInfo<RemuxCase>& info) {
  std::string n = info.param.stream + "_" + info.param.layout;
  if (!info.param.extra.empty()) n += "_opts";
  return n;
}

class RemuxTest : public ::testing::TestWithParam<RemuxCase> {};

TEST_P(RemuxTest, OutputMatchesTheElementaryStreamInEveryReader) {
  const RemuxCase& c = GetParam();
  const Reference& ref = reference(c.stream);
  const StreamSpec& s = ref.spec;
  ASSERT_EQ(ref.md5s.size(), static_cast<size_t>(s.frames));
  testing::TempDir dir;
  const std::string out = dir.file("out.mp4");

  std::string args = c.extra;
  if (c.layout == "fmp4") args += " --fmp4";
  if (c.layout == "faststart") args += " --faststart";
  if (s.pass_fps) args += " --fps " + std::to_string(s.fps);
  auto r = testing::run_command(std::string(CAMREC_CLI) + " remux " + shell_quote(ref.path) + " " + shell_quote(out) +
                                " " + args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out + ".faststart.tmp"));

  // ffmpeg -xerror decodes exactly the frames of the elementary stream.
  std::string err;
  auto md5s = testing::video_frame_md5s(out, &err);
  EXPECT_EQ(md5s, ref.md5s) << err;

  // ffprobe: nothing to warn about; same frames and key frames.
  EXPECT_EQ(testing::ffprobe_warnings(out), "");
  auto streams = testing::ffprobe_streams(out);
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].codec_name, s.hevc ? "hevc" : "h264");
  EXPECT_EQ(streams[0].width, s.width);
  EXPECT_EQ(streams[0].height, s.height);
  auto packets = testing::ffprobe_packets(out, "v:0");
  ASSERT_EQ(packets.size(), static_cast<size_t>(s.frames));
  std::vector<bool> keys;
  for (const auto& p : packets) keys.push_back(p.key);
  EXPECT_EQ(keys, ref.key_flags);

  // Presentation times: frame k of the stream at k / fps in every layout (B-frames are
  // written with non-negative composition offsets and an edit list, so ffmpeg presents the
  // first frame at 0 whether the file is fragmented or not).
  auto demuxer = Demuxer::open(out);
  ASSERT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
  EXPECT_EQ((*demuxer)->layout().fragmented, c.layout == "fmp4");
  DemuxedSample sample;
  uint64_t samples = 0;
  while (true) {
    auto more = (*demuxer)->next(sample);
    ASSERT_TRUE(more.has_value()) << more.error().to_string();
    if (!*more) break;
    ++samples;
    EXPECT_LE(sample.dts, sample.pts) << "no frame is presented before it is decoded";
  }
  EXPECT_EQ(samples, static_cast<uint64_t>(s.frames));
  ASSERT_GT(streams[0].tb_den, 0);
  ASSERT_EQ((streams[0].tb_den % (streams[0].tb_num * s.fps)), 0) << "time base cannot hold a frame exactly";
  const int64_t frame_ticks = streams[0].tb_den / (streams[0].tb_num * s.fps);
  const int64_t start = 0;
  std::vector<int64_t> pts;
  for (const auto& p : packets) {
    ASSERT_TRUE(p.pts.has_value());
    pts.push_back(*p.pts);
  }
  std::sort(pts.begin(), pts.end());
  for (size_t k = 0; k < pts.size(); ++k)
    ASSERT_EQ(pts[k], start + static_cast<int64_t>(k) * frame_ticks) << "frame " << k;

  // GStreamer: codec, size and duration; every frame decodes.
  auto gst = testing::gst_discover(out);
  ASSERT_TRUE(gst.ok) << gst.output;
  EXPECT_NE(gst.video_codec.find(s.hevc ? "H.265" : "H.264"), std::string::npos) << gst.output;
  EXPECT_EQ(gst.width, s.width);
  EXPECT_EQ(gst.height, s.height);
  const int64_t duration_ns = int64_t{s.frames} * 1'000'000'000 / s.fps;
  EXPECT_NEAR(static_cast<double>(gst.duration_ns), static_cast<double>(duration_ns), 1e6) << gst.output;
  int gst_exit = -1;
  EXPECT_EQ(testing::gst_decoded_video_frames(out, &gst_exit), s.frames);
  EXPECT_EQ(gst_exit, 0);

  // mediainfo: format and size.
  EXPECT_EQ(testing::mediainfo(out, "Video;%Format%|%Width%|%Height%"),
            std::string(s.hevc ? "HEVC" : "AVC") + "|" + std::to_string(s.width) + "|" + std::to_string(s.height));

  if (c.layout == "faststart") {
    // ftyp, moov, mdat: the index comes before the media.
    auto bytes = testing::read_file(out);
    ASSERT_GT(bytes.size(), 64u);
    uint32_t ftyp_size = (uint32_t{bytes[0]} << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
    ASSERT_LT(ftyp_size + 8, bytes.size());
    EXPECT_EQ(std::string(bytes.begin() + ftyp_size + 4, bytes.begin() + ftyp_size + 8), "moov");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Streams, RemuxTest,
    ::testing::Values(RemuxCase{"baseline", "regular", ""}, RemuxCase{"baseline", "fmp4", ""},
                      RemuxCase{"main720p", "regular", ""}, RemuxCase{"main720p", "fmp4", "--fragment-duration 1"},
                      RemuxCase{"main720p", "faststart", ""}, RemuxCase{"high_bframes", "regular", ""},
                      RemuxCase{"high_bframes", "fmp4", ""}, RemuxCase{"high_bframes", "faststart", ""},
                      RemuxCase{"single_idr", "regular", ""},
                      RemuxCase{"single_idr", "fmp4", "--max-fragment-duration 0.5"},
                      RemuxCase{"hevc_open_gop", "regular", ""}, RemuxCase{"hevc_open_gop", "fmp4", ""},
                      RemuxCase{"hevc_open_gop", "faststart", ""}, RemuxCase{"hevc_closed_gop", "regular", ""},
                      RemuxCase{"hevc_closed_gop", "fmp4", ""}),
    case_name);

// The fixtures are what the cases claim to cover.
TEST(RemuxFixtures, StreamsHaveTheStructureTheCasesNeed) {
  {
    const auto& ref = reference("hevc_open_gop");
    auto types = nal_types(ref.bytes, true);
    EXPECT_NE(std::find(types.begin(), types.end(), 20), types.end()) << "no IDR_N_LP";
    EXPECT_NE(std::find(types.begin(), types.end(), 21), types.end()) << "no CRA";
    bool rasl = std::find(types.begin(), types.end(), 8) != types.end() ||
                std::find(types.begin(), types.end(), 9) != types.end();
    EXPECT_TRUE(rasl) << "no RASL pictures";
  }
  {
    const auto& ref = reference("hevc_closed_gop");
    auto types = nal_types(ref.bytes, true);
    EXPECT_EQ(std::find(types.begin(), types.end(), 21), types.end()) << "closed GOP stream has a CRA";
    EXPECT_GE(std::count(ref.key_flags.begin(), ref.key_flags.end(), true), 3);
  }
  {
    const auto& ref = reference("single_idr");
    EXPECT_EQ(std::count(ref.key_flags.begin(), ref.key_flags.end(), true), 1);
  }
  {
    // B-frames: decode order differs from presentation order, so some pts < a later dts.
    const auto& ref = reference("high_bframes");
    EXPECT_EQ(std::count(ref.key_flags.begin(), ref.key_flags.end(), true), 3);
  }
}

// With B-frames the single-file reading by GStreamer and ffmpeg must give the frames in
// the right order: presentation order of the decoded frames equals the input's.
TEST(RemuxFixtures, BFrameStreamReordersFrames) {
  const auto& ref = reference("high_bframes");
  testing::TempDir dir;
  const std::string out = dir.file("b.mp4");
  auto r = testing::run_command(std::string(CAMREC_CLI) + " remux " + shell_quote(ref.path) + " " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto packets = testing::ffprobe_packets(out, "v:0");
  ASSERT_FALSE(packets.empty());
  bool reordered = false;
  for (size_t i = 1; i < packets.size(); ++i) reordered |= *packets[i].pts < *packets[i - 1].pts;
  EXPECT_TRUE(reordered);
}

// An H.265 stream cut at an open-GOP CRA (a recording that starts mid-stream): the RASL
// pictures after it reference pictures before the cut and cannot be decoded. camrec drops
// them, as a decoder does, and the file decodes to what ffmpeg gets from the cut stream.
TEST(RemuxFixtures, HevcStreamStartingAtAnOpenGopCra) {
  const auto& ref = reference("hevc_open_gop");
  const auto& b = ref.bytes;
  // NAL unit starts (including the 4th zero byte of 4-byte start codes) and types.
  std::vector<std::pair<size_t, int>> nals;
  for (size_t i = 0; i + 3 < b.size(); ++i) {
    if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) {
      nals.push_back({i > 0 && b[i - 1] == 0 ? i - 1 : i, (b[i + 3] >> 1) & 0x3f});
      i += 2;
    }
  }
  size_t cra = 0;
  while (cra < nals.size() && nals[cra].second != 21) ++cra;
  ASSERT_LT(cra, nals.size());
  size_t au = cra;  // the access unit starts with the parameter sets and SEI before the CRA
  while (au > 0 && (nals[au - 1].second >= 32 && nals[au - 1].second <= 40)) --au;
  ASSERT_EQ(nals[au].second, 32) << "x265 repeats VPS/SPS/PPS before each CRA";
  testing::TempDir dir;
  const std::string es = dir.file("cut.h265");
  ASSERT_TRUE(testing::write_file(es, std::vector<uint8_t>(b.begin() + static_cast<ptrdiff_t>(nals[au].first), b.end())));
  std::string err;
  auto expected = testing::video_frame_md5s(es, &err);
  ASSERT_FALSE(expected.empty()) << err;
  // x265 writes one slice per picture: the pictures of the cut stream, RASL included.
  size_t pictures = 0;
  for (size_t i = au; i < nals.size(); ++i) pictures += nals[i].second <= 31;
  ASSERT_LT(expected.size(), pictures) << "ffmpeg should drop the leading RASL pictures too";
  for (const char* layout : {"", " --fmp4"}) {
    SCOPED_TRACE(layout);
    const std::string out = dir.file("cut.mp4");
    auto r = testing::run_command(std::string(CAMREC_CLI) + " remux -y " + shell_quote(es) + " " + shell_quote(out) + layout);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("skipped " + std::to_string(pictures - expected.size()) + " undecodable leading pictures"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(testing::video_frame_md5s(out, &err), expected) << err;
    EXPECT_EQ(testing::ffprobe_warnings(out), "");
    auto packets = testing::ffprobe_packets(out, "v:0");
    ASSERT_EQ(packets.size(), expected.size());
    EXPECT_TRUE(packets[0].key);
  }
}

}  // namespace
}  // namespace camrec
