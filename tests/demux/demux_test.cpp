// SPDX-License-Identifier: LGPL-2.1-or-later
// The demuxer against what was written and against ffprobe: files our muxer writes come back
// with the samples, timestamps and key flags that went in; files written by ffmpeg (mp4,
// mov with G.711, fragmented with and without an empty moov) and GStreamer (mp4mux, plain
// and fragmented) give per track the packets ffprobe lists (same pts, dts, size, key flag
// and MD5 of the data). Annex B output decodes to the frames of the file.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "camrec/demuxer.h"
#include "box/boxes.h"
#include "camrec/muxer.h"
#include "testing/k230_fragments.h"
#include "testing/probe_util.h"
#include "testing/stream_fixtures.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;
using testing::TimedPacket;

struct Sample {
  uint32_t track = 0;
  int64_t pts = 0;
  int64_t dts = 0;
  uint32_t duration = 0;
  bool sync = false;
  uint64_t offset = 0;
  std::vector<uint8_t> data;
};

struct Demuxed {
  std::vector<TrackInfo> tracks;
  FileLayout layout;
  std::vector<Sample> samples;  // decode order across tracks, as next() returns them
};

/// Every sample of `path`; fails the test on an error.
Demuxed demux_all(const std::string& path, DemuxOptions options = {}) {
  Demuxed d;
  auto demuxer = Demuxer::open(path, options);
  EXPECT_TRUE(demuxer.has_value()) << path << ": " << demuxer.error().to_string();
  if (!demuxer) return d;
  // Per-track counts of a fragmented file are known only after reading every fragment.
  Status scanned = (*demuxer)->scan();
  EXPECT_TRUE(scanned.is_ok()) << scanned.to_string();
  d.tracks = (*demuxer)->tracks();
  d.layout = (*demuxer)->layout();
  DemuxedSample s;
  while (true) {
    auto more = (*demuxer)->next(s);
    EXPECT_TRUE(more.has_value()) << more.error().to_string();
    if (!more || !*more) break;
    d.samples.push_back({s.track, s.pts, s.dts, s.duration, s.sync, s.offset, s.data});
  }
  return d;
}

std::vector<Sample> of_track(const Demuxed& d, uint32_t track) {
  std::vector<Sample> out;
  for (const auto& s : d.samples)
    if (s.track == track) out.push_back(s);
  return out;
}

using testing::mp4_sample;

// ---------------------------------------------------------------------------------------
// Files written by our muxer.

struct RoundTripCase {
  std::string name;
  bool hevc = false;
  std::string codec_args;
  bool audio = false;
  Layout layout = Layout::regular;
};

class OwnFileTest : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(OwnFileTest, SamplesTimestampsAndKeyFlagsAreWhatWasWritten) {
  const RoundTripCase& c = GetParam();
  testing::TempDir dir;
  const std::string es = dir.file(c.hevc ? "v.h265" : "v.h264");
  ASSERT_TRUE(testing::make_stream(es, "160x120", 45, 30, c.codec_args));
  auto video = testing::read_video_packets(es, c.hevc, 0);
  ASSERT_EQ(video.size(), 45u);
  std::vector<TimedPacket> audio;
  if (c.audio) {
    // Audio joins 200 ms after the video: an empty edit (regular) or a later tfdt
    // (fragmented) must keep it there.
    std::vector<uint8_t> bytes(8000 + 1000);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7 + (i >> 5));
    audio = testing::g711_packets(bytes, 320, 8000, 1);
    for (auto& p : audio) p.pts = p.dts = p.pts + 1600;
  }

  const std::string out = dir.file("own.mp4");
  MuxerOptions options;
  options.layout = c.layout;
  options.max_fragment_duration_us = 500'000;  // several fragments, some without a key frame
  auto muxer = Muxer::create_file(out, options);
  ASSERT_TRUE(muxer.has_value());
  VideoTrackConfig vc;
  vc.codec = c.hevc ? Codec::h265 : Codec::h264;
  ASSERT_TRUE((*muxer)->add_video_track(vc).has_value());
  if (c.audio) {
    ASSERT_TRUE((*muxer)->add_audio_track(AudioTrackConfig{}).has_value());
  }
  for (const auto& p : testing::interleave({video, audio})) ASSERT_TRUE((*muxer)->write(p.track, p.packet()).is_ok());
  ASSERT_TRUE((*muxer)->close().is_ok());

  Demuxed d = demux_all(out);
  ASSERT_EQ(d.tracks.size(), c.audio ? 2u : 1u);
  EXPECT_EQ(d.layout.fragmented, c.layout == Layout::fragmented);
  EXPECT_FALSE(d.layout.truncated);
  EXPECT_EQ(d.tracks[0].sample_entry, c.hevc ? "hvc1" : "avc1");
  EXPECT_EQ(d.tracks[0].width, 160u);
  EXPECT_EQ(d.tracks[0].height, 120u);

  // The file's origin is the first packet written: the first video frame's pts.
  const TimedPacket& first = video.front();
  auto v = of_track(d, 0);
  ASSERT_EQ(v.size(), video.size());
  const Timescale vts = d.tracks[0].timescale;
  for (size_t i = 0; i < v.size(); ++i) {
    const auto& in = video[i];
    EXPECT_EQ(v[i].pts, rescale(in.pts - first.pts, in.timescale, vts)) << "frame " << i;
    // Decode times keep their distance to the presentation times (B-frames: the first
    // frame decodes before 0, as ffmpeg reports it too).
    EXPECT_EQ(v[i].dts, rescale(in.dts - first.pts, in.timescale, vts)) << "frame " << i;
    EXPECT_EQ(v[i].sync, in.key) << "frame " << i;
    EXPECT_EQ(v[i].data, mp4_sample(in.data, c.hevc)) << "frame " << i;
  }
  if (c.audio) {
    auto a = of_track(d, 1);
    ASSERT_EQ(a.size(), audio.size());
    const Timescale ats = d.tracks[1].timescale;
    ASSERT_EQ(ats, 8000u);
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].pts, audio[i].pts - rescale(first.pts, first.timescale, ats)) << "packet " << i;
      EXPECT_EQ(a[i].dts, a[i].pts);
      EXPECT_EQ(a[i].duration, audio[i].data.size());
      EXPECT_TRUE(a[i].sync);
      EXPECT_EQ(a[i].data, audio[i].data);
    }
    // Regular: the empty edit; fragmented: the first tfdt (it read 0 there).
    EXPECT_EQ(d.tracks[1].start, 1600);
    // ffprobe agrees that the audio starts 200 ms into the file.
    EXPECT_EQ(testing::ffprobe_stream_value(out, "a", "start_time"), "0.200000");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Files, OwnFileTest,
    ::testing::Values(
        RoundTripCase{"h264_bframes_g711_regular", false, "-c:v libx264 -bf 3 -g 15", true, Layout::regular},
        RoundTripCase{"h264_bframes_g711_fmp4", false, "-c:v libx264 -bf 3 -g 15", true, Layout::fragmented},
        RoundTripCase{"hevc_regular", true, "-c:v libx265 -x265-params keyint=15:log-level=error", false,
                      Layout::regular},
        RoundTripCase{"hevc_fmp4", true, "-c:v libx265 -x265-params keyint=15:log-level=error", false,
                      Layout::fragmented}),
    [](const auto& param_info) { return param_info.param.name; });

// ---------------------------------------------------------------------------------------
// Files written by ffmpeg and GStreamer, against ffprobe.

/// Compares our samples of every track with ffprobe's packets of the same stream: pts, dts,
/// size, key flag and MD5, in the track timescale (ffprobe's time base for MP4).
void expect_same_as_ffprobe(const std::string& path, const Demuxed& d) {
  auto streams = testing::ffprobe_streams(path);
  ASSERT_EQ(streams.size(), d.tracks.size()) << path;
  auto packets = testing::ffprobe_packets(path, "", true);
  ASSERT_FALSE(packets.empty());
  std::vector<std::vector<uint8_t>> datas;
  for (const auto& s : d.samples) datas.push_back(s.data);
  auto md5s = testing::md5_hex(datas);
  ASSERT_EQ(md5s.size(), d.samples.size());
  for (uint32_t t = 0; t < d.tracks.size(); ++t) {
    SCOPED_TRACE("track " + std::to_string(t));
    EXPECT_EQ(streams[t].codec_type, d.tracks[t].video ? "video" : "audio");
    ASSERT_EQ(streams[t].tb_num, 1);
    ASSERT_EQ(streams[t].tb_den, d.tracks[t].timescale);
    std::vector<testing::ProbePacket> theirs;
    for (const auto& p : packets)
      if (p.stream_index == static_cast<int>(t)) theirs.push_back(p);
    std::vector<size_t> ours;
    for (size_t i = 0; i < d.samples.size(); ++i)
      if (d.samples[i].track == t) ours.push_back(i);
    ASSERT_EQ(ours.size(), theirs.size());
    EXPECT_EQ(d.tracks[t].sample_count, ours.size());
    for (size_t k = 0; k < ours.size(); ++k) {
      const Sample& s = d.samples[ours[k]];
      const auto& p = theirs[k];
      SCOPED_TRACE("packet " + std::to_string(k));
      ASSERT_TRUE(p.pts && p.dts);
      EXPECT_EQ(s.pts, *p.pts);
      EXPECT_EQ(s.dts, *p.dts);
      EXPECT_EQ(static_cast<int64_t>(s.data.size()), p.size);
      EXPECT_EQ(s.sync, p.key);
      EXPECT_EQ(static_cast<int64_t>(s.offset), p.pos);
      EXPECT_EQ(md5s[ours[k]], p.md5);
      if (::testing::Test::HasFailure()) return;  // one packet's story is enough
    }
  }
}

struct ForeignCase {
  std::string name;
  std::string command;  // makes OUT (shell, OUT replaced by the path)
  bool fragmented = false;
};

class ForeignFileTest : public ::testing::TestWithParam<ForeignCase> {};

TEST_P(ForeignFileTest, SamplesAndTimestampsMatchFfprobe) {
  const ForeignCase& c = GetParam();
  testing::TempDir dir;
  const std::string out = dir.file(c.name + (c.name.find("mov") != std::string::npos ? ".mov" : ".mp4"));
  std::string cmd = c.command;
  cmd.replace(cmd.find("OUT"), 3, shell_quote(out));
  auto r = testing::run_command(cmd);
  ASSERT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
  Demuxed d = demux_all(out);
  ASSERT_FALSE(d.samples.empty());
  EXPECT_EQ(d.layout.fragmented, c.fragmented);
  EXPECT_FALSE(d.layout.truncated);
  expect_same_as_ffprobe(out, d);

  // Annex B output of the video track decodes to the frames of the file.
  Demuxed annexb = demux_all(out, DemuxOptions{.annexb = true});
  std::vector<uint8_t> es;
  for (const auto& s : annexb.samples)
    if (annexb.tracks[s.track].video) es.insert(es.end(), s.data.begin(), s.data.end());
  const bool hevc = annexb.tracks[0].sample_entry[0] == 'h';
  const std::string es_path = dir.file(hevc ? "v.h265" : "v.h264");
  ASSERT_TRUE(testing::write_file(es_path, es));
  std::string err;
  auto expected = testing::video_frame_md5s(out, &err);
  ASSERT_FALSE(expected.empty()) << err;
  EXPECT_EQ(testing::video_frame_md5s(es_path, &err), expected) << err;
}

const std::string kLavfiVideo = "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x120:rate=30 ";
const std::string kLavfiAv = kLavfiVideo + "-f lavfi -i sine=f=440:r=48000 ";

INSTANTIATE_TEST_SUITE_P(
    Writers, ForeignFileTest,
    ::testing::Values(
        ForeignCase{"ffmpeg_mp4",
                    kLavfiAv + "-t 2 -pix_fmt yuv420p -c:v libx264 -bf 2 -g 15 -c:a aac OUT", false},
        ForeignCase{"ffmpeg_hevc_mp4",
                    kLavfiVideo + "-frames:v 45 -pix_fmt yuv420p -c:v libx265 -tag:v hvc1 "
                                  "-x265-params keyint=15:log-level=error OUT",
                    false},
        ForeignCase{"ffmpeg_mov_mulaw",
                    kLavfiVideo + "-f lavfi -i sine=f=440:r=8000 -t 2 -pix_fmt yuv420p -c:v libx264 -g 15 "
                                  "-c:a pcm_mulaw -ar 8000 -ac 1 OUT",
                    false},
        ForeignCase{"ffmpeg_fragmented",
                    kLavfiAv + "-t 2 -pix_fmt yuv420p -c:v libx264 -bf 2 -g 15 -c:a aac "
                               "-movflags frag_keyframe+empty_moov+default_base_moof OUT",
                    true},
        ForeignCase{"ffmpeg_fragmented_moov_samples",
                    kLavfiAv + "-t 2 -pix_fmt yuv420p -c:v libx264 -g 15 -c:a aac -movflags frag_keyframe OUT", true},
        ForeignCase{"gstreamer_mp4",
                    "gst-launch-1.0 -q -e videotestsrc num-buffers=60 ! video/x-raw,width=160,height=120,framerate=30/1 ! openh264enc ! "
                    "h264parse ! mp4mux ! filesink location=OUT",
                    false},
        ForeignCase{"gstreamer_fragmented",
                    "gst-launch-1.0 -q -e videotestsrc num-buffers=60 ! video/x-raw,width=160,height=120,framerate=30/1 ! openh264enc ! "
                    "h264parse ! mp4mux fragment-duration=500 ! filesink location=OUT",
                    true}),
    [](const auto& param_info) { return param_info.param.name; });

// ---------------------------------------------------------------------------------------
// Annex B output of our own file.

TEST(DemuxAnnexB, OwnFileDecodesToTheSameFrames) {
  testing::TempDir dir;
  const std::string es = dir.file("v.h264");
  ASSERT_TRUE(testing::make_stream(es, "160x120", 45, 30, "-c:v libx264 -bf 2 -g 15"));
  const std::string mp4 = dir.file("v.mp4");
  auto r = testing::run_command(std::string(CAMREC_CLI) + " remux -q " + shell_quote(es) + " " + shell_quote(mp4));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Demuxed d = demux_all(mp4, DemuxOptions{.annexb = true});
  ASSERT_EQ(d.samples.size(), 45u);
  std::vector<uint8_t> bytes;
  for (const auto& s : d.samples) {
    // Every key frame carries its parameter sets in front.
    if (s.sync) {
      ASSERT_GE(s.data.size(), 5u);
      EXPECT_EQ(s.data[4] & 0x1f, 7) << "key frame does not start with an SPS";
    }
    bytes.insert(bytes.end(), s.data.begin(), s.data.end());
  }
  ASSERT_TRUE(testing::write_file(dir.file("back.h264"), bytes));
  EXPECT_EQ(testing::video_frame_md5s(dir.file("back.h264")), testing::video_frame_md5s(es));
}


// ---------------------------------------------------------------------------------------
// Fragments of a track the moov does not declare (K230's fMP4 with audio).

TEST(DemuxUndeclaredTrack, DeclaredTrackReadsWhole_UndeclaredTrafsSkippedAndCountedOnce) {
  testing::TempDir dir;
  auto k230 = testing::make_k230_fragmented(dir.path().string());
  ASSERT_FALSE(k230.path.empty());
  ASSERT_GT(k230.audio_fragments, 1);
  Demuxed complete = demux_all(k230.complete);
  Demuxed d = demux_all(k230.path);
  ASSERT_EQ(d.tracks.size(), 1u);
  EXPECT_TRUE(d.tracks[0].video);
  EXPECT_EQ(d.tracks[0].sample_count, static_cast<uint64_t>(k230.video_frames));
  auto want = of_track(complete, 0);
  ASSERT_EQ(d.samples.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(d.samples[i].track, 0u);
    EXPECT_EQ(d.samples[i].pts, want[i].pts) << i;
    EXPECT_EQ(d.samples[i].dts, want[i].dts) << i;
    EXPECT_EQ(d.samples[i].sync, want[i].sync) << i;
    EXPECT_EQ(d.samples[i].offset, want[i].offset) << i;
    EXPECT_TRUE(d.samples[i].data == want[i].data) << "sample " << i << " differs";
  }

  // scan() then every sample: each fragment counted once.
  auto demuxer = Demuxer::open(k230.path);
  ASSERT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
  EXPECT_EQ((*demuxer)->warning(), "") << "nothing is skipped before a fragment is read";
  ASSERT_TRUE((*demuxer)->scan().is_ok());
  ASSERT_TRUE((*demuxer)->scan().is_ok());
  DemuxedSample s;
  while (true) {
    auto more = (*demuxer)->next(s);
    ASSERT_TRUE(more.has_value()) << more.error().to_string();
    if (!*more) break;
  }
  const UndeclaredTracks& u = (*demuxer)->undeclared();
  EXPECT_EQ(u.track_ids, std::vector<uint32_t>{2});
  EXPECT_EQ(u.track_fragments, static_cast<uint64_t>(k230.audio_fragments));
  EXPECT_EQ(u.samples, static_cast<uint64_t>(k230.audio_samples));
  uint64_t audio_bytes = 0;
  for (const auto& a : of_track(complete, 1)) audio_bytes += a.data.size();
  EXPECT_EQ(u.bytes, audio_bytes);
  const std::string w = (*demuxer)->warning();
  EXPECT_NE(w.find("skipped " + std::to_string(k230.audio_fragments) + " track fragments (" +
                   std::to_string(k230.audio_samples) + " samples, " + std::to_string(audio_bytes) +
                   " bytes) of track 2, which the moov does not declare"),
            std::string::npos)
      << w;
}

TEST(DemuxUndeclaredTrack, FragmentsWithoutAnyDeclaredTrackAreRefused) {
  testing::TempDir dir;
  auto k230 = testing::make_k230_fragmented(dir.path().string(), 30);
  ASSERT_FALSE(k230.path.empty());
  // The video track goes too: nothing the fragments carry can be read.
  auto bytes = testing::read_file(k230.path);
  auto boxes = testing::top_level_boxes(bytes);
  ASSERT_GE(boxes.size(), 3u);
  ASSERT_EQ(boxes[1].type, "moov");
  auto moov = box::parse_box<box::MovieBox>(
      std::span<const uint8_t>(bytes).subspan(static_cast<size_t>(boxes[1].offset), static_cast<size_t>(boxes[1].size)));
  ASSERT_TRUE(moov.has_value());
  moov->traks.clear();
  moov->mvex->trex.clear();
  auto new_moov = box::serialize_box(*moov);
  box::FreeSpaceBox filler;
  filler.data.assign(static_cast<size_t>(boxes[1].size - new_moov.size() - 8), 0);
  auto free_bytes = box::serialize_box(filler);
  new_moov.insert(new_moov.end(), free_bytes.begin(), free_bytes.end());
  std::copy(new_moov.begin(), new_moov.end(), bytes.begin() + static_cast<ptrdiff_t>(boxes[1].offset));
  const std::string path = dir.file("no_track.mp4");
  ASSERT_TRUE(testing::write_file(path, bytes));
  auto demuxer = Demuxer::open(path);
  ASSERT_FALSE(demuxer.has_value());
  EXPECT_EQ(demuxer.error().code(), Errc::malformed);
  EXPECT_NE(demuxer.error().message().find("the moov declares no track, but"), std::string::npos)
      << demuxer.error().message();
}

}  // namespace
}  // namespace camrec
