// SPDX-License-Identifier: LGPL-2.1-or-later
// Files that play right in every reader: H.265 open-GOP streams cut at a CRA (leading
// pictures dropped, every kept frame at its time), random access points marked by a 'rap '
// sample group instead of stss, the presentation size and colour of the VUI, and constant
// durations for a constant-rate source stamped by a jittery clock. Each result is read back
// by ffmpeg (decoded frames, their times and MD5s) and checked against the input stream.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "box/boxes.h"
#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "testing/probe_util.h"
#include "testing/readback.h"
#include "testing/stream_fixtures.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;

constexpr int kFrames = 90;           // 3 s at 30 fps
constexpr int64_t kFrameUs = 33'333;  // one frame, rounded down

/// og.h265: x265 with open GOPs, a key frame every 30 pictures: every CRA is followed (in
/// decode order) by RASL pictures shown before it. Made once per test program.
struct OpenGop {
  testing::TempDir dir;
  std::string stream;
  std::vector<std::string> md5s;  // ffmpeg's decoded frames, presentation order
};

const OpenGop& open_gop() {
  static OpenGop g;
  static const bool made = [] {
    g.stream = g.dir.file("og.h265");
    EXPECT_TRUE(testing::make_stream(g.stream, "320x240", kFrames, 30,
                                     "-c:v libx265 -x265-params keyint=30:min-keyint=30:open-gop=1:scenecut=0:log-level=error"));
    for (const auto& f : testing::decoded_video_frames(g.stream, nullptr, "-framerate 30")) g.md5s.push_back(f.md5);
    EXPECT_EQ(g.md5s.size(), static_cast<size_t>(kFrames));
    return true;
  }();
  (void)made;
  return g;
}

testing::CommandResult camrec(const std::string& args) { return testing::run_command(std::string(CAMREC_CLI) + " " + args); }

/// Index of `md5` among the input's frames, or -1.
int frame_index(const OpenGop& g, const std::string& md5) {
  for (size_t i = 0; i < g.md5s.size(); ++i)
    if (g.md5s[i] == md5) return static_cast<int>(i);
  return -1;
}

/// Checks that ffmpeg decodes `path` to a run of consecutive input frames, each one frame
/// after the other in time and every packet decoded; returns the index of the first.
int expect_consecutive_frames(const OpenGop& g, const std::string& path, size_t* count = nullptr) {
  std::string err;
  auto frames = testing::decoded_video_frames(path, &err);
  EXPECT_FALSE(frames.empty()) << path << ": " << err;
  if (frames.empty()) return -1;
  EXPECT_EQ(static_cast<int>(frames.size()), testing::ffprobe_packet_count(path, "v")) << path;
  const int first = frame_index(g, frames[0].md5);
  EXPECT_GE(first, 0) << path << ": the first frame is not one of the input's";
  for (size_t j = 0; j < frames.size(); ++j) {
    EXPECT_EQ(frames[j].md5, first + j < g.md5s.size() ? g.md5s[first + j] : "") << path << " frame " << j;
    // Every frame at its own time: j frames after the first (to a millisecond).
    EXPECT_NEAR(static_cast<double>(frames[j].pts_us - frames[0].pts_us), static_cast<double>(j) * 1e6 / 30, 1000)
        << path << " frame " << j;
  }
  if (count) *count = frames.size();
  return first;
}

TEST(LeadingPictures, SegmentsStartingAtACraShowEveryKeptFrameAtItsTime) {
  const OpenGop& g = open_gop();
  testing::TempDir dir;
  auto r = camrec("remux -y " + shell_quote(g.stream) + " --fps 30 --segment-duration 1 " + shell_quote(dir.file("o{index}.mp4")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t total = 0;
  int segments = 0;
  for (int k = 0; std::filesystem::exists(dir.file("o" + std::to_string(k) + ".mp4")); ++k, ++segments) {
    size_t n = 0;
    const int first = expect_consecutive_frames(g, dir.file("o" + std::to_string(k) + ".mp4"), &n);
    // Each segment starts at its key frame: the CRA shown at 1 s, 2 s.
    EXPECT_EQ(first, 30 * k) << "segment " << k;
    total += n;
  }
  ASSERT_EQ(segments, 3);
  // Only the RASL pictures of the two starting CRAs are gone (they refer to pictures of
  // the previous segment); x265 puts 3 to 4 before each CRA.
  EXPECT_GE(total, static_cast<size_t>(kFrames - 8));
  EXPECT_LT(total, static_cast<size_t>(kFrames));
}

TEST(LeadingPictures, RemuxOfAnMp4CutAtACraPresentsWhatTheInputDoes) {
  const OpenGop& g = open_gop();
  testing::TempDir dir;
  auto r = camrec("remux -y " + shell_quote(g.stream) + " --fps 30 " + shell_quote(dir.file("og.mp4")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(expect_consecutive_frames(g, dir.file("og.mp4")), 0);
  // ffmpeg's stream copy starts at the CRA before 1.5 s and keeps its RASL pictures.
  auto cut = testing::run_command("ffmpeg -nostdin -v error -y -ss 1.5 -i " + shell_quote(dir.file("og.mp4")) +
                                  " -c copy " + shell_quote(dir.file("cut.mp4")));
  ASSERT_EQ(cut.exit_code, 0) << cut.err;
  // Its edit list starts the presentation at 1.5 s: the regular output keeps that edit and
  // decodes to exactly the frames the cut file shows (from frame 45 on).
  std::string err;
  const auto shown = testing::video_frame_md5s(dir.file("cut.mp4"), &err);
  ASSERT_EQ(shown.size(), 45u) << err;
  EXPECT_EQ(frame_index(g, shown[0]), 45);
  r = camrec("remux -y " + shell_quote(dir.file("cut.mp4")) + " " + shell_quote(dir.file("out.mp4")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::video_frame_md5s(dir.file("out.mp4"), &err), shown) << err;
  // The edit ends where the last picture shown ends: 1.5 s, as in the input. The RASL
  // pictures dropped at the CRA leave decode time that no picture shows (it made 1.633 s).
  auto duration = [](const std::string& path) {
    return testing::run_command("ffprobe -v error -show_entries format=duration -of csv=p=0 " + shell_quote(path)).out;
  };
  EXPECT_EQ(duration(dir.file("cut.mp4")), "1.500000\n");
  EXPECT_EQ(duration(dir.file("out.mp4")), duration(dir.file("cut.mp4")));
  auto edit_of = [](const std::string& path) {
    auto moov = testing::last_top_level_box<box::MovieBox>(path);
    const bool edited = moov && moov->traks.size() == 1 && moov->traks[0].edts && moov->traks[0].edts->elst &&
                        !moov->traks[0].edts->elst->entries.empty() && moov->mvhd.timescale > 0;
    EXPECT_TRUE(edited) << path;
    if (!edited) return std::make_pair(-1.0, int64_t{-1});
    const auto& e = moov->traks[0].edts->elst->entries.back();
    // In seconds (the movie timescales of the two files may differ) and in media ticks.
    return std::make_pair(static_cast<double>(e.segment_duration) / moov->mvhd.timescale, e.media_time);
  };
  EXPECT_EQ(edit_of(dir.file("out.mp4")), edit_of(dir.file("cut.mp4")));
  // ffmpeg 5.1 does not apply a fragmented file's edit list: it shows every kept frame from
  // the CRA on, each at its time.
  r = camrec("remux -y " + shell_quote(dir.file("cut.mp4")) + " " + shell_quote(dir.file("out.mp4")) + " --fmp4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t n = 0;
  EXPECT_EQ(expect_consecutive_frames(g, dir.file("out.mp4"), &n), 30);
  EXPECT_GE(n, 52u);
}

/// Rewrites the regular MP4 at `path` (ftyp, mdat, moov) the way GPAC writes H.265: an
/// empty stss and the random access points in a 'rap ' sample group.
void move_sync_samples_to_rap_group(const std::string& path) {
  auto moov = testing::last_top_level_box<box::MovieBox>(path);
  ASSERT_TRUE(moov.has_value());
  auto boxes = testing::top_level_boxes(path);
  ASSERT_EQ(boxes.back().type, "moov");
  auto& stbl = moov->traks.at(0).mdia.minf.stbl;
  ASSERT_TRUE(stbl.stss.has_value());
  const std::vector<uint32_t> sync = stbl.stss->sample_numbers;
  ASSERT_GE(sync.size(), 3u);
  stbl.stss->sample_numbers.clear();
  box::SampleGroupDescriptionBox sgpd;
  sgpd.version = 1;
  sgpd.grouping_type = box::fourcc("rap ");
  sgpd.default_length = 1;
  sgpd.entries = {{0x00}};  // num_leading_samples_known = 0
  box::SampleToGroupBox sbgp;
  sbgp.grouping_type = box::fourcc("rap ");
  uint32_t samples = stbl.stsz->sample_count;
  uint32_t next = 1;
  for (uint32_t s : sync) {
    if (s > next) sbgp.entries.push_back({s - next, 0});
    sbgp.entries.push_back({1, 1});
    next = s + 1;
  }
  if (samples >= next) sbgp.entries.push_back({samples - next + 1, 0});
  stbl.sgpd.push_back(sgpd);
  stbl.sbgp.push_back(sbgp);
  auto bytes = testing::read_file(path);
  bytes.resize(boxes.back().offset);
  auto tail = box::serialize_box(*moov);
  bytes.insert(bytes.end(), tail.begin(), tail.end());
  ASSERT_TRUE(testing::write_file(path, bytes));
}

TEST(RandomAccessGroups, RapGroupWithAnEmptyStssIsReadAsKeyFrames) {
  const OpenGop& g = open_gop();
  testing::TempDir dir;
  const std::string rap = dir.file("rap.mp4");
  auto r = camrec("remux -y " + shell_quote(g.stream) + " --fps 30 " + shell_quote(rap));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  move_sync_samples_to_rap_group(rap);
  // ffmpeg reads the rewritten file (its own index ignores the group).
  EXPECT_EQ(testing::decoded_video_frames(rap).size(), static_cast<size_t>(kFrames));

  auto demuxer = Demuxer::open(rap);
  ASSERT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
  ASSERT_TRUE((*demuxer)->scan().is_ok());
  EXPECT_EQ((*demuxer)->tracks().at(0).key_frames, 3u);

  // extract: parameter sets before every random access point; ffmpeg decodes every frame.
  r = camrec("extract " + shell_quote(rap) + " -o " + shell_quote(dir.file("x")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string err;
  auto extracted = testing::decoded_video_frames(dir.file("x.track1.h265"), &err, "-framerate 30");
  ASSERT_EQ(extracted.size(), static_cast<size_t>(kFrames)) << err;
  for (size_t i = 0; i < extracted.size(); ++i) EXPECT_EQ(extracted[i].md5, g.md5s[i]) << i;

  // remux: every frame at its time.
  r = camrec("remux -y " + shell_quote(rap) + " " + shell_quote(dir.file("again.mp4")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t n = 0;
  EXPECT_EQ(expect_consecutive_frames(g, dir.file("again.mp4"), &n), 0);
  EXPECT_EQ(n, static_cast<size_t>(kFrames));

  // segments: one per key frame, each playable on its own.
  r = camrec("remux -y " + shell_quote(rap) + " --segment-duration 1 " + shell_quote(dir.file("s{index}.mp4")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int k = 0; k < 3; ++k) {
    const std::string seg = dir.file("s" + std::to_string(k) + ".mp4");
    ASSERT_TRUE(std::filesystem::exists(seg)) << seg;
    EXPECT_GT(std::filesystem::file_size(seg), 10'000u) << seg;
    EXPECT_EQ(expect_consecutive_frames(g, seg), 30 * k) << seg;
  }
}

/// A stream whose VUI says SAR 4:3 and BT.709 colour, limited range.
std::string make_sar_stream(const testing::TempDir& dir, bool hevc) {
  const std::string path = dir.file(hevc ? "sar.h265" : "sar.h264");
  const std::string colour = "-color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv";
  const std::string codec = hevc ? "-c:v libx265 -x265-params log-level=error:colorprim=bt709:transfer=bt709:colormatrix=bt709:range=limited"
                                 : "-c:v libx264 " + colour;
  EXPECT_TRUE(testing::make_stream(path, "640x360", 10, 30, "-vf setsar=4/3 " + codec));
  return path;
}

class PresentationSize : public ::testing::TestWithParam<bool> {};

TEST_P(PresentationSize, TkhdWidthFromTheSampleAspectAndColourFromTheVui) {
  const bool hevc = GetParam();
  testing::TempDir dir;
  const std::string stream = make_sar_stream(dir, hevc);
  // ffmpeg's own MP4 of the same stream is the reference for tkhd and colr.
  const std::string ref = dir.file("ffmpeg.mp4");
  auto f = testing::run_command("ffmpeg -nostdin -v error -y -framerate 30 -i " + shell_quote(stream) +
                                " -c copy " + (hevc ? "-tag:v hvc1 " : "") + shell_quote(ref));
  ASSERT_EQ(f.exit_code, 0) << f.err;
  auto ref_moov = testing::last_top_level_box<box::MovieBox>(ref);
  ASSERT_TRUE(ref_moov.has_value());
  const auto& ref_trak = ref_moov->traks.at(0);

  for (const char* layout : {"", " --fmp4"}) {
    const std::string out = dir.file("out.mp4");
    auto r = camrec("remux -y " + shell_quote(stream) + " --fps 30 " + shell_quote(out) + layout);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto moov = testing::last_top_level_box<box::MovieBox>(out);
    ASSERT_TRUE(moov.has_value());
    const auto& trak = moov->traks.at(0);
    // 640 pixels of SAR 4:3 are shown 853.33 wide (16.16 fixed point), as ffmpeg writes.
    EXPECT_EQ(trak.tkhd.width, (640u * 4 << 16) / 3) << layout;
    EXPECT_EQ(trak.tkhd.width, ref_trak.tkhd.width) << layout;
    EXPECT_EQ(trak.tkhd.height, 360u << 16) << layout;
    const auto& entry = trak.mdia.minf.stbl.stsd.visual.at(0);
    EXPECT_EQ(entry.width, 640) << layout;
    ASSERT_TRUE(entry.pasp.has_value()) << layout;
    EXPECT_EQ(entry.pasp->hSpacing, 4u);
    EXPECT_EQ(entry.pasp->vSpacing, 3u);
    ASSERT_TRUE(entry.colr.has_value()) << layout;
    EXPECT_EQ(entry.colr->colour_type, box::fourcc("nclx"));
    EXPECT_EQ(entry.colr->colour_primaries, 1);
    EXPECT_EQ(entry.colr->transfer_characteristics, 1);
    EXPECT_EQ(entry.colr->matrix_coefficients, 1);
    EXPECT_EQ(entry.colr->full_range_flag, 0);
    const auto& ref_entry = ref_trak.mdia.minf.stbl.stsd.visual.at(0);
    if (ref_entry.colr) {
      EXPECT_EQ(entry.colr->colour_primaries, ref_entry.colr->colour_primaries);
      EXPECT_EQ(entry.colr->matrix_coefficients, ref_entry.colr->matrix_coefficients);
    }
    // Readers show the display aspect 16:9 (853.33 x 360 = 64:27 pixels of 4:3).
    EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "display_aspect_ratio"), "64:27") << layout;
    EXPECT_EQ(testing::mediainfo(out, "Video;%colour_primaries%"), "BT.709") << layout;
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, PresentationSize, ::testing::Values(false, true),
                         [](const auto& p) { return std::string(p.param ? "h265" : "h264"); });

/// Writes `frames` frames of an H.264 stream at the given microsecond times (each packet
/// saying it lasts one frame, as the recorder does) and returns the final moov's stts.
std::vector<box::TimeToSampleBox::Entry> stts_for_times(const std::vector<int64_t>& times_us, Layout layout,
                                                        const std::string& out) {
  testing::TempDir dir;
  auto packets = testing::make_h264_packets(dir.file("v.h264"), static_cast<int>(times_us.size()), 0);
  EXPECT_EQ(packets.size(), times_us.size());
  MuxerOptions options;
  options.layout = layout;
  auto muxer = Muxer::create_file(out, options);
  EXPECT_TRUE(muxer.has_value());
  if (!muxer) return {};
  EXPECT_TRUE((*muxer)->add_video_track(VideoTrackConfig{}).has_value());
  for (size_t i = 0; i < packets.size(); ++i) {
    Packet p{packets[i].data, times_us[i], times_us[i], kMicroseconds, kFrameUs};
    Status s = (*muxer)->write(0, p);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
  }
  EXPECT_TRUE((*muxer)->close().is_ok());
  std::vector<box::TimeToSampleBox::Entry> stts;
  if (layout == Layout::regular) {
    auto moov = testing::last_top_level_box<box::MovieBox>(out);
    if (moov) stts = moov->traks.at(0).mdia.minf.stbl.stts.entries;
  } else {
    for (const auto& moof : testing::movie_fragments(out))
      for (const auto& e : moof.trafs.at(0).truns.at(0).entries) {
        if (!stts.empty() && stts.back().sample_delta == e.sample_duration) ++stts.back().sample_count;
        else stts.push_back({1, e.sample_duration});
      }
  }
  return stts;
}

class ConstantRate : public ::testing::TestWithParam<Layout> {};

TEST_P(ConstantRate, CaptureClockJitterGivesConstantDurations) {
  // A 30 fps source stamped by a clock that wanders a few microseconds: 2999/3001-tick
  // gaps at 90 kHz if taken as they come.
  std::vector<int64_t> times;
  const int jitter[] = {0, 17, -12, 9, -15, 4};
  for (int i = 0; i < kFrames; ++i) times.push_back(i * 1'000'000LL / 30 + jitter[i % 6]);
  testing::TempDir dir;
  const std::string out = dir.file("c.mp4");
  auto stts = stts_for_times(times, GetParam(), out);
  ASSERT_EQ(stts.size(), 1u) << "durations: " << stts.size() << " runs, first " << (stts.empty() ? 0 : stts[0].sample_delta);
  EXPECT_EQ(stts[0].sample_delta, 3000u);
  EXPECT_EQ(stts[0].sample_count, static_cast<uint32_t>(kFrames));
  // Every frame still within a millisecond of its capture time.
  auto frames = testing::decoded_video_frames(out);
  ASSERT_EQ(frames.size(), static_cast<size_t>(kFrames));
  for (int i = 0; i < kFrames; ++i) EXPECT_NEAR(static_cast<double>(frames[i].pts_us - times[i]), 0, 1000) << i;
}

TEST_P(ConstantRate, IrregularArrivalsAreKept) {
  // A frame that really came late (10 ms) and a gap of a missing frame stay as they are.
  std::vector<int64_t> times;
  for (int i = 0; i < 60; ++i) times.push_back(i * 1'000'000LL / 30 + (i >= 20 ? 10'000 : 0) + (i >= 40 ? 33'333 : 0));
  testing::TempDir dir;
  const std::string out = dir.file("i.mp4");
  auto stts = stts_for_times(times, GetParam(), out);
  uint64_t total = 0;
  for (const auto& e : stts) total += e.sample_count;
  EXPECT_EQ(total, 60u);
  EXPECT_GE(stts.size(), 3u);
  auto frames = testing::decoded_video_frames(out);
  ASSERT_EQ(frames.size(), 60u);
  for (int i = 0; i < 60; ++i) EXPECT_NEAR(static_cast<double>(frames[i].pts_us - times[i]), 0, 1000) << i;
}

INSTANTIATE_TEST_SUITE_P(Layouts, ConstantRate, ::testing::Values(Layout::regular, Layout::fragmented),
                         [](const auto& p) { return std::string(p.param == Layout::regular ? "regular" : "fmp4"); });

TEST(Cmaf, OneTrackPerFileCarriesTheBrandAndEveryMoofHasOneTraf) {
  testing::TempDir dir;
  const std::string stream = make_sar_stream(dir, false);
  const std::string video = dir.file("video.mp4");
  auto r = camrec("remux -y " + shell_quote(stream) + " --fps 30 --fmp4 --cmaf " + shell_quote(video));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string av = dir.file("av.mp4");
  r = camrec("record --fast -q --frames 60 --size 320x240 --audio opus --fmp4 --cmaf -o " + shell_quote(av));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  auto brands = [](const std::string& path) {
    auto d = Demuxer::open(path);
    return d ? (*d)->layout().brands : std::vector<std::string>{};
  };
  auto has = [](const std::vector<std::string>& v, const std::string& b) {
    return std::find(v.begin(), v.end(), b) != v.end();
  };
  // A CMAF track file holds one track; a file with audio and video is not one.
  EXPECT_TRUE(has(brands(video), "cmfc"));
  EXPECT_FALSE(has(brands(av), "cmfc"));
  for (const std::string& path : {video, av}) {
    auto moofs = testing::movie_fragments(path);
    ASSERT_FALSE(moofs.empty()) << path;
    std::set<uint32_t> tracks;
    for (const auto& moof : moofs) {
      EXPECT_EQ(moof.trafs.size(), 1u) << path << ": CMAF fragments hold one traf";
      for (const auto& traf : moof.trafs) tracks.insert(traf.tfhd.track_ID);
    }
    auto moov = testing::last_top_level_box<box::MovieBox>(path);
    ASSERT_TRUE(moov.has_value());
    EXPECT_EQ(tracks.size(), moov->traks.size()) << path;
    for (const auto& trak : moov->traks)
      for (const auto& entry : trak.mdia.minf.stbl.stsd.visual) EXPECT_TRUE(entry.pasp.has_value()) << path;
    // Every frame and every audio packet is there for ffmpeg.
    EXPECT_EQ(testing::decoded_video_frames(path).size(), path == video ? 10u : 60u) << path;
  }
  auto moov = testing::last_top_level_box<box::MovieBox>(video);
  ASSERT_TRUE(moov.has_value());
  EXPECT_TRUE(moov->traks.at(0).mdia.minf.stbl.stsd.visual.at(0).colr.has_value());
}

/// ffprobe's start and duration of each stream, and of the file, in seconds.
struct ProbeTimes {
  double format_duration = -1;
  std::vector<std::pair<double, double>> streams;  // start_time, duration
};

ProbeTimes ffprobe_times(const std::string& path) {
  ProbeTimes t;
  auto r = testing::run_command("ffprobe -v error -show_entries format=duration -of csv=p=0 " + shell_quote(path));
  t.format_duration = std::atof(r.out.c_str());
  r = testing::run_command("ffprobe -v error -show_entries stream=start_time,duration -of csv=p=0 " + shell_quote(path));
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    double start = 0, duration = 0;
    if (std::sscanf(line.c_str(), "%lf,%lf", &start, &duration) == 2) t.streams.push_back({start, duration});
  }
  return t;
}

/// Checks `camrec info --json` against ffprobe: each track's start, and for a regular file
/// the file's duration (and each track's, when `durations`), to a millisecond. ffprobe
/// adds a fragmented track's start to its duration and the file's; those are checked
/// against mehd by the caller.
void expect_info_like_ffprobe(const std::string& path, bool regular, bool durations) {
  auto r = camrec("info --json " + shell_quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Parsed by Python's json module: one line per track, "start duration timescale".
  const std::string script =
      "import json,sys\n"
      "d=json.load(sys.stdin)\n"
      "print(d['duration_ms'])\n"
      "for t in d['tracks']: print(t['start'], t['duration'], t['timescale'])\n";
  testing::TempDir dir;
  ASSERT_TRUE(testing::write_file(dir.file("info.json"), std::vector<uint8_t>(r.out.begin(), r.out.end())));
  ASSERT_TRUE(testing::write_file(dir.file("read.py"), std::vector<uint8_t>(script.begin(), script.end())));
  auto parsed = testing::run_command("python3 " + shell_quote(dir.file("read.py")) + " < " + shell_quote(dir.file("info.json")));
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err << r.out;
  std::istringstream lines(parsed.out);
  double duration_ms = 0;
  lines >> duration_ms;
  const ProbeTimes probe = ffprobe_times(path);
  if (regular) {
    EXPECT_NEAR(duration_ms / 1000, probe.format_duration, 0.0015) << path;
  }
  for (size_t i = 0; i < probe.streams.size(); ++i) {
    double start = 0, duration = 0, timescale = 1;
    ASSERT_TRUE(lines >> start >> duration >> timescale) << "track " << i;
    EXPECT_NEAR(start / timescale, probe.streams[i].first, 0.0015) << path << " track " << i << " start";
    if (durations) {
      EXPECT_NEAR(duration / timescale, probe.streams[i].second, 0.0015) << path << " track " << i << " duration";
    }
  }
}

/// `camrec info --json`'s duration_ms of `path`.
double info_duration_ms(const std::string& path) {
  auto r = camrec("info --json " + shell_quote(path));
  auto at = r.out.find("\"duration_ms\":");
  return at == std::string::npos ? -1 : std::atof(r.out.c_str() + at + 14);
}

TEST(Info, StartsAndDurationsAreWhatFfprobeReports) {
  testing::TempDir dir;
  // ffmpeg's regular MP4 with AAC: the edit list hides the encoder's priming.
  const std::string aac = dir.file("aac.mp4");
  auto f = testing::run_command(
      "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i sine=f=440:r=48000 -t 3 "
      "-c:v libx264 -preset ultrafast -c:a aac " + shell_quote(aac));
  ASSERT_EQ(f.exit_code, 0) << f.err;
  expect_info_like_ffprobe(aac, true, true);

  // camrec's fragmented file whose audio starts 319/8000 s after the video, and the same
  // file in the regular layout; and the Opus file with its pre-skip edited out.
  auto video = testing::make_h264_packets(dir.file("v.h264"), 60, 0);
  ASSERT_EQ(video.size(), 60u);
  std::vector<uint8_t> tone(16000, 0x7f);
  auto audio = testing::g711_packets(tone, 320, 8000, 1);
  for (auto& p : audio) p.pts = p.dts = p.dts + 319;
  for (Layout layout : {Layout::fragmented, Layout::regular}) {
    const std::string out = dir.file(layout == Layout::regular ? "late.mp4" : "late_f.mp4");
    MuxerOptions options;
    options.layout = layout;
    auto muxer = Muxer::create_file(out, options);
    ASSERT_TRUE(muxer.has_value());
    ASSERT_TRUE((*muxer)->add_video_track(VideoTrackConfig{}).has_value());
    AudioTrackConfig ac;
    ASSERT_TRUE((*muxer)->add_audio_track(ac).has_value());
    for (const auto& p : testing::interleave({video, audio})) ASSERT_TRUE((*muxer)->write(p.track, p.packet()).is_ok());
    ASSERT_TRUE((*muxer)->close().is_ok());
    expect_info_like_ffprobe(out, layout == Layout::regular, false);
    // The file lasts until the audio's end, 319/8000 s after 2 s: what mvhd and mehd say.
    EXPECT_EQ(info_duration_ms(out), 2040) << out;
    auto d = Demuxer::open(out);
    ASSERT_TRUE(d.has_value());
    ASSERT_TRUE((*d)->scan().is_ok());
    // The fragment's tfdt holds it exactly; the regular file's empty edit counts in the
    // movie's milliseconds.
    if (layout == Layout::fragmented) {
      EXPECT_EQ((*d)->tracks().at(1).start, 319);
    } else {
      EXPECT_NEAR(static_cast<double>((*d)->tracks().at(1).start), 319, 8);
    }
  }
  const std::string opus = dir.file("opus.mp4");
  auto r = camrec("record --fast -q --frames 60 --size 320x240 --audio opus -o " + shell_quote(opus));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_info_like_ffprobe(opus, true, false);
  // The Opus track lasts what its edit presents: the pre-skip left out.
  auto d = Demuxer::open(opus);
  ASSERT_TRUE(d.has_value());
  ASSERT_TRUE((*d)->scan().is_ok());
  const auto& audio_track = (*d)->tracks().at(1);
  EXPECT_EQ(audio_track.edit_duration,
            static_cast<uint64_t>(rescale(static_cast<int64_t>(audio_track.duration) - 312, 48000, 1000) * 48));
}

TEST(Info, BoxesJsonHasUniqueKeys) {
  testing::TempDir dir;
  const std::string out = dir.file("f.mp4");
  auto r = camrec("record --fast -q --frames 30 --size 320x240 --audio g711u --fmp4 -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = camrec("info --boxes --json " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_NE(r.out.find("\"mfro\""), std::string::npos);
  // A strict reader: a key twice in one object is an error, not "the last one wins".
  const std::string script =
      "import json,sys\n"
      "def strict(pairs):\n"
      "  keys=[k for k,_ in pairs]\n"
      "  dup=[k for k in set(keys) if keys.count(k)>1]\n"
      "  if dup: raise ValueError('duplicate keys %s in %s' % (dup, dict(pairs).get('type')))\n"
      "  return dict(pairs)\n"
      "json.load(sys.stdin, object_pairs_hook=strict)\n";
  ASSERT_TRUE(testing::write_file(dir.file("boxes.json"), std::vector<uint8_t>(r.out.begin(), r.out.end())));
  ASSERT_TRUE(testing::write_file(dir.file("strict.py"), std::vector<uint8_t>(script.begin(), script.end())));
  auto parsed = testing::run_command("python3 " + shell_quote(dir.file("strict.py")) + " < " + shell_quote(dir.file("boxes.json")));
  EXPECT_EQ(parsed.exit_code, 0) << parsed.err;
}

/// The file at `path` cut `into` bytes into its first top-level box of `type` after the
/// header (a crash while that box was being written).
bool cut_inside_first(const std::string& path, const std::string& type, uint64_t into) {
  auto boxes = testing::top_level_boxes(path);
  for (size_t i = 2; i < boxes.size(); ++i) {
    if (boxes[i].type != type) continue;
    std::filesystem::resize_file(path, boxes[i].offset + into);
    return true;
  }
  return false;
}

TEST(Recover, FileCutInsideItsFirstMoofHasNothingToKeep) {
  testing::TempDir dir;
  const std::string out = dir.file("cut.mp4");
  auto r = camrec("record --fast -q --frames 90 --size 320x240 --audio g711u --fmp4 -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(cut_inside_first(out, "moof", 100));
  r = camrec("recover " + shell_quote(out) + " -o " + shell_quote(dir.file("fixed.mp4")));
  // No track has a sample: a clear "nothing to recover", not a file with an empty audio
  // track and no video.
  EXPECT_EQ(r.exit_code, 65) << r.out;
  EXPECT_NE(r.err.find("nothing to recover"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("fixed.mp4")) && !testing::top_level_boxes(dir.file("fixed.mp4")).empty() &&
               testing::ffprobe_streams(dir.file("fixed.mp4")).size() == 1);
}

TEST(Recover, KeepsEveryTrackThatHasSamplesAndOnlyThose) {
  testing::TempDir dir;
  auto video = testing::make_h264_packets(dir.file("v.h264"), kFrames, 0);
  ASSERT_EQ(video.size(), static_cast<size_t>(kFrames));
  for (Layout layout : {Layout::fragmented, Layout::regular}) {
    const std::string out = dir.file("v.mp4");
    // A G.711 track declared in the header whose microphone never delivered; the video
    // is killed in its third fragment.
    MuxerOptions options;
    options.layout = layout;
    options.fragment_duration_us = 1'000'000;
    auto muxer = Muxer::create_file(out, options);
    ASSERT_TRUE(muxer.has_value());
    ASSERT_TRUE((*muxer)->add_video_track(VideoTrackConfig{}).has_value());
    ASSERT_TRUE((*muxer)->add_audio_track(AudioTrackConfig{}).has_value());
    for (const auto& p : video) ASSERT_TRUE((*muxer)->write(0, p.packet()).is_ok());
    // A copy of the file now is what a crash leaves: two whole fragments of video (the
    // third is still in memory), the audio track declared and empty.
    const std::string crashed = dir.file("crashed.mp4");
    std::filesystem::copy_file(out, crashed, std::filesystem::copy_options::overwrite_existing);
    muxer->reset();
    size_t expected = 60;
    if (layout == Layout::fragmented) {
      // Cut inside the second fragment, so the file needs repairing at all.
      auto boxes = testing::top_level_boxes(crashed);
      auto last_moof = std::find_if(boxes.rbegin(), boxes.rend(), [](const auto& b) { return b.type == "moof"; });
      ASSERT_NE(last_moof, boxes.rend());
      std::filesystem::resize_file(crashed, last_moof->offset + 50);
      expected = 30;
    }
    // recover writes a new file only: one name per layout.
    const std::string fixed = dir.file(layout == Layout::fragmented ? "fixed_f.mp4" : "fixed_r.mp4");
    auto r = camrec("recover " + shell_quote(crashed) + " -o " + shell_quote(fixed));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto streams = testing::ffprobe_streams(fixed);
    ASSERT_EQ(streams.size(), 1u) << r.out;
    EXPECT_EQ(streams[0].codec_type, "video");
    EXPECT_EQ(testing::decoded_video_frames(fixed).size(), expected);
  }
}

}  // namespace
}  // namespace camrec
