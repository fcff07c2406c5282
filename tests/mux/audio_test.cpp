// SPDX-License-Identifier: LGPL-2.1-or-later
// Audio beside video through the C++ Muxer API: G.711 µ-law and A-law, AAC (ADTS input)
// and Opus, in both layouts. ffprobe sees both streams with the right durations, ffmpeg
// decodes the audio to exactly what the input decodes to, and G.711 comes back out of
// `camrec extract` byte for byte.
#include <gtest/gtest.h>

#include <optional>

#include <filesystem>
#include <string>
#include <vector>

#include "box/boxes.h"
#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "codec/opus.h"
#include "testing/probe_util.h"
#include "testing/readback.h"
#include "testing/stream_fixtures.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;
using testing::TimedPacket;

constexpr int kVideoFrames = 60;  // 2 s at 30 fps

struct AudioInput {
  AudioTrackConfig config;
  std::vector<TimedPacket> packets;
  std::string reference_path;  // what ffmpeg decodes for the expected PCM
  std::string reference_args;  // input options for it
  std::string probe_codec;     // ffprobe codec_name
  std::vector<uint8_t> raw;    // G.711: the bytes fed
  int64_t captured_frames = 0; // Opus: samples per channel the encoder was given
  int64_t end_padding = 0;     // Opus: samples the last packet decodes past them
  uint32_t pre_skip = 0;       // Opus
};

/// Makes the input of `codec` in `dir`; packets go to track 1. Fails the test on error.
AudioInput make_audio(const std::string& codec, const testing::TempDir& dir) {
  AudioInput in;
  if (codec == "ulaw" || codec == "alaw") {
    // 2 s of a 440 Hz tone, 8 kHz mono; packets of 320 bytes = 40 ms, as K230's G.711 encoder.
    const std::string path = dir.file("tone." + codec);
    auto r = testing::run_command("ffmpeg -nostdin -v error -y -f lavfi -i sine=f=440:r=8000:d=2 -f " +
                                  std::string(codec == "ulaw" ? "mulaw" : "alaw") + " " + shell_quote(path));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    in.raw = testing::read_file(path);
    EXPECT_EQ(in.raw.size(), 16000u);
    in.packets = testing::g711_packets(in.raw, 320, 8000, 1);
    in.config.codec = codec == "ulaw" ? Codec::g711_ulaw : Codec::g711_alaw;
    in.config.sample_rate = 8000;
    in.config.channels = 1;
    in.reference_path = path;
    in.reference_args = std::string("-f ") + (codec == "ulaw" ? "mulaw" : "alaw") + " -ar 8000 -ac 1";
    in.probe_codec = codec == "ulaw" ? "pcm_mulaw" : "pcm_alaw";
  } else if (codec == "aac") {
    const std::string path = dir.file("tone.aac");
    auto r = testing::run_command("ffmpeg -nostdin -v error -y -f lavfi -i sine=f=440:r=48000:d=2 -c:a aac -b:a 64k " +
                                  shell_quote(path));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    in.packets = testing::adts_packets(testing::read_file(path), 48000, 1);
    EXPECT_GT(in.packets.size(), 90u);
    in.config.codec = Codec::aac;
    in.config.sample_rate = 48000;
    in.config.channels = 1;
    in.reference_path = path;
    in.probe_codec = "aac";
  } else if (codec == "opus") {
    // ffmpeg writes Opus in MP4; our demuxer takes the packets out of it.
    const std::string path = dir.file("tone_opus.mp4");
    auto r = testing::run_command("ffmpeg -nostdin -v error -y -f lavfi -i sine=f=440:r=48000:d=2 -c:a libopus -b:a 64k " +
                                  shell_quote(path));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto demuxer = Demuxer::open(path);
    EXPECT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
    if (!demuxer) return in;
    const auto& t = (*demuxer)->tracks().at(0);
    EXPECT_EQ(t.sample_entry, "Opus");
    auto head = codec::parse_dops(t.decoder_config);
    EXPECT_TRUE(head.has_value());
    if (!head) return in;
    in.config.codec = Codec::opus;
    in.config.sample_rate = 48000;
    in.config.channels = head->channel_count;
    in.config.codec_config = codec::serialize_opus_head(*head);
    DemuxedSample s;
    std::optional<int64_t> first_dts;
    uint64_t media_ticks = 0;
    while (true) {
      auto more = (*demuxer)->next(s);
      EXPECT_TRUE(more.has_value());
      if (!more || !*more) break;
      TimedPacket p;
      p.track = 1;
      p.data = s.data;
      // The packets in decode time from 0 (the demuxer applies the pre-skip edit, so the
      // first packet reads as -312): the muxer's timeline starts at the first packet.
      if (!first_dts) first_dts = s.dts;
      p.pts = p.dts = s.dts - *first_dts;
      p.timescale = t.timescale;
      p.key = true;
      // What the packet decodes to (ffmpeg's stts gives the last one its kept length).
      auto decoded = codec::opus_packet_samples(s.data);
      EXPECT_TRUE(decoded.has_value());
      media_ticks += decoded ? *decoded : 0;
      in.packets.push_back(std::move(p));
    }
    // The capture is what the input's edit list presents (2 s); the last packet says how
    // much of it is sound, as an encoder that padded it does.
    in.captured_frames = static_cast<int64_t>(t.edit_duration);
    EXPECT_EQ(in.captured_frames, 96000);
    const uint64_t kept = t.edit_duration + head->pre_skip;
    if (!in.packets.empty() && media_ticks > kept) {
      auto samples = codec::opus_packet_samples(in.packets.back().data);
      EXPECT_TRUE(samples.has_value());
      const int64_t last = samples ? static_cast<int64_t>(*samples) : 960;
      in.packets.back().duration = last - static_cast<int64_t>(media_ticks - kept);
      in.end_padding = static_cast<int64_t>(media_ticks - kept);
    }
    in.pre_skip = head->pre_skip;
    in.reference_path = path;
    in.probe_codec = "opus";
  }
  return in;
}

/// The video track beside the audio: made and decoded once per test program.
struct VideoFixture {
  testing::TempDir dir;
  std::vector<TimedPacket> packets;
  std::vector<std::string> md5s;
};

const VideoFixture& video_fixture() {
  // A static object, so that its directory is removed at exit.
  static VideoFixture f;
  static const bool made = [] {
    f.packets = testing::make_h264_packets(f.dir.file("v.h264"), kVideoFrames, 0);
    f.md5s = testing::video_frame_md5s(f.dir.file("v.h264"));
    return true;
  }();
  (void)made;
  return f;
}

struct AudioCase {
  std::string codec;
  Layout layout;
};

class AudioMuxTest : public ::testing::TestWithParam<AudioCase> {};

TEST_P(AudioMuxTest, BothStreamsPresentAndAudioDecodesToTheInput) {
  const AudioCase& c = GetParam();
  testing::TempDir dir;
  const VideoFixture& vf = video_fixture();
  const auto& video = vf.packets;
  ASSERT_EQ(video.size(), static_cast<size_t>(kVideoFrames));
  AudioInput audio = make_audio(c.codec, dir);
  ASSERT_FALSE(audio.packets.empty());

  const std::string out = dir.file("out.mp4");
  MuxerOptions options;
  options.layout = c.layout;
  auto muxer = Muxer::create_file(out, options);
  ASSERT_TRUE(muxer.has_value()) << muxer.error().to_string();
  auto vt = (*muxer)->add_video_track(VideoTrackConfig{});
  ASSERT_TRUE(vt.has_value());
  ASSERT_EQ(*vt, 0u);
  auto at = (*muxer)->add_audio_track(audio.config);
  ASSERT_TRUE(at.has_value()) << at.error().to_string();
  ASSERT_EQ(*at, 1u);
  for (const auto& p : testing::interleave({video, audio.packets})) {
    Status s = (*muxer)->write(p.track, p.packet());
    ASSERT_TRUE(s.is_ok()) << s.to_string();
  }
  ASSERT_TRUE((*muxer)->close().is_ok());
  EXPECT_EQ((*muxer)->stats().samples_written, video.size() + audio.packets.size());
  EXPECT_EQ((*muxer)->stats().samples_dropped, 0u);

  EXPECT_EQ(testing::ffprobe_warnings(out), "");
  auto streams = testing::ffprobe_streams(out);
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(streams[0].codec_type, "video");
  EXPECT_EQ(streams[0].codec_name, "h264");
  EXPECT_EQ(streams[1].codec_type, "audio");
  EXPECT_EQ(streams[1].codec_name, audio.probe_codec);
  EXPECT_EQ(streams[1].channels, static_cast<int>(audio.config.channels));
  EXPECT_EQ(streams[1].sample_rate, c.codec == "opus" ? 48000 : static_cast<int>(audio.config.sample_rate));

  // Packets: every frame and every audio packet.
  auto video_packets = testing::ffprobe_packets(out, "v:0");
  auto audio_packets = testing::ffprobe_packets(out, "a:0");
  EXPECT_EQ(video_packets.size(), static_cast<size_t>(kVideoFrames));
  EXPECT_EQ(audio_packets.size(), audio.packets.size());

  // Durations: video 2 s exactly; audio the input's length within one packet (ffprobe's
  // stream duration, from the track header or the fragments).
  auto duration = [&](const std::string& type) { return std::stod("0" + testing::ffprobe_stream_value(out, type, "duration")); };
  EXPECT_NEAR(duration("v"), 2.0, 1e-6);
  const double packet_s = c.codec == "aac" ? 1024.0 / 48000 : c.codec == "opus" ? 0.02 : 0.04;
  // G.711: the bytes fed; AAC: the ADTS frames (the encoder's priming frame included: ADTS
  // cannot say it is one); Opus: the 2 s the input file declares.
  const double input_s = c.codec == "aac" ? static_cast<double>(audio.packets.size()) * packet_s
                         : c.codec == "opus" ? 2.0
                                             : static_cast<double>(audio.raw.size()) / 8000.0;
  EXPECT_NEAR(duration("a"), input_s, packet_s + 1e-9);

  // Decoded audio equals the input's.
  std::string err_in, err_out;
  std::string expected = testing::decoded_audio_md5(audio.reference_path, audio.reference_args, &err_in);
  std::string actual = testing::decoded_audio_md5(out, "", &err_out);
  ASSERT_FALSE(expected.empty()) << err_in;
  EXPECT_EQ(actual, expected) << err_out;

  // The video is untouched by the audio beside it.
  EXPECT_EQ(testing::video_frame_md5s(out), vf.md5s);

  if (c.codec == "opus") {
    // The pre-skip is edited out: neither reader plays the encoder's priming (GStreamer
    // did). The regular file's edit also ends where the last packet's padding starts, as
    // ffmpeg's own files do; neither reader cuts inside a packet there: ffmpeg 5.1 decodes
    // the last packet whole, GStreamer 1.22 leaves it out (the same with ffmpeg's files).
    std::string err;
    const int64_t whole = audio.captured_frames + audio.end_padding;
    const int64_t last_packet = static_cast<int64_t>(*codec::opus_packet_samples(audio.packets.back().data));
    EXPECT_EQ(testing::ffmpeg_decoded_audio_frames(out, 1, &err), whole) << err;
    EXPECT_EQ(testing::gst_decoded_audio_frames(out, 1, &err),
              c.layout == Layout::regular && audio.end_padding > 0 ? whole - last_packet : whole)
        << err;
    if (c.layout == Layout::regular) {
      auto final_moov = testing::last_top_level_box<box::MovieBox>(out);
      ASSERT_TRUE(final_moov.has_value());
      const auto& elst = final_moov->traks.at(1).edts->elst->entries.back();
      EXPECT_EQ(elst.segment_duration, static_cast<uint64_t>(audio.captured_frames / 48));  // ms
    }
    auto moov = testing::last_top_level_box<box::MovieBox>(out);
    ASSERT_TRUE(moov.has_value());
    const auto& trak = moov->traks.at(1);
    ASSERT_TRUE(trak.edts && trak.edts->elst);
    EXPECT_EQ(trak.edts->elst->entries.back().media_time, static_cast<int64_t>(audio.pre_skip));
    // Opus in ISOBMFF 4.3.6.2: a 'roll' group of -4 for 20 ms packets, over every sample.
    const auto& stbl = trak.mdia.minf.stbl;
    ASSERT_EQ(stbl.sgpd.size(), 1u);
    EXPECT_EQ(stbl.sgpd[0].grouping_type, box::fourcc("roll"));
    ASSERT_EQ(stbl.sgpd[0].entries.size(), 1u);
    EXPECT_EQ(stbl.sgpd[0].entries[0], (std::vector<uint8_t>{0xff, 0xfc}));
    uint64_t grouped = 0;
    if (c.layout == Layout::regular) {
      ASSERT_EQ(stbl.sbgp.size(), 1u);
      for (const auto& e : stbl.sbgp[0].entries) grouped += e.group_description_index == 1 ? e.sample_count : 0;
    } else {
      for (const auto& moof : testing::movie_fragments(out))
        for (const auto& traf : moof.trafs)
          if (traf.tfhd.track_ID == trak.tkhd.track_ID) {
            ASSERT_EQ(traf.sbgp.size(), 1u);
            for (const auto& e : traf.sbgp[0].entries) grouped += e.group_description_index == 1 ? e.sample_count : 0;
          }
    }
    EXPECT_EQ(grouped, audio.packets.size());
  }

  if (c.codec == "ulaw" || c.codec == "alaw") {
    // GStreamer's qtdemux plays every sample (it read 320-byte samples as 150 bytes of sound).
    std::string gst_err;
    EXPECT_EQ(testing::gst_decoded_audio_frames(out, 1, &gst_err), static_cast<int64_t>(audio.raw.size())) << gst_err;
    if (c.layout == Layout::regular) {
      // The QuickTime sound layout: one sample per byte, one chunk per packet fed.
      auto moov = testing::last_top_level_box<box::MovieBox>(out);
      ASSERT_TRUE(moov.has_value());
      const auto& stbl = moov->traks.at(1).mdia.minf.stbl;
      ASSERT_TRUE(stbl.stsz.has_value());
      EXPECT_EQ(stbl.stsz->sample_size, 1u);
      EXPECT_EQ(stbl.stsz->sample_count, audio.raw.size());
      ASSERT_EQ(stbl.stts.entries.size(), 1u);
      EXPECT_EQ(stbl.stts.entries[0].sample_delta, 1u);
      ASSERT_EQ(stbl.stsc.entries.size(), 1u);
      EXPECT_EQ(stbl.stsc.entries[0].samples_per_chunk, 320u);
    }
    // The demuxer (and kd_mp4_get_frame above it) hands out the packets fed, 320 bytes each.
    auto demuxer = Demuxer::open(out);
    ASSERT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
    DemuxedSample sample;
    std::vector<uint8_t> back_bytes;
    size_t audio_samples = 0;
    while (true) {
      auto more = (*demuxer)->next(sample);
      ASSERT_TRUE(more.has_value()) << more.error().to_string();
      if (!*more) break;
      if (sample.track != 1) continue;
      EXPECT_EQ(sample.data.size(), 320u);
      EXPECT_EQ(sample.duration, 320u);
      EXPECT_EQ(sample.dts, static_cast<int64_t>(audio_samples * 320));
      back_bytes.insert(back_bytes.end(), sample.data.begin(), sample.data.end());
      ++audio_samples;
    }
    EXPECT_EQ(audio_samples, audio.packets.size());
    EXPECT_EQ(back_bytes, audio.raw);
    // A remux of the file writes the same layout and the same sound.
    const std::string again = dir.file("again.mp4");
    auto remux = testing::run_command(std::string(CAMREC_CLI) + " remux " + shell_quote(out) + " " + shell_quote(again) +
                                      (c.layout == Layout::fragmented ? " --fmp4" : ""));
    ASSERT_EQ(remux.exit_code, 0) << remux.err;
    EXPECT_EQ(testing::decoded_audio_md5(again), expected);
    EXPECT_EQ(testing::gst_decoded_audio_frames(again, 1), static_cast<int64_t>(audio.raw.size()));

    // `camrec extract` writes the track as WAVE; its bytes are the bytes fed.
    auto r = testing::run_command(std::string(CAMREC_CLI) + " extract " + shell_quote(out) + " -o " +
                                  shell_quote(dir.file("x")));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string wav = dir.file("x.track2.wav");
    ASSERT_TRUE(std::filesystem::exists(wav)) << r.out;
    const std::string back = dir.file("back.raw");
    auto conv = testing::run_command("ffmpeg -nostdin -v error -y -i " + shell_quote(wav) + " -f " +
                                     std::string(c.codec == "ulaw" ? "mulaw" : "alaw") + " -c:a copy " + shell_quote(back));
    ASSERT_EQ(conv.exit_code, 0) << conv.err;
    EXPECT_EQ(testing::read_file(back), audio.raw);
    auto info = testing::run_command("ffprobe -v error -show_entries stream=codec_name,sample_rate,channels -of csv=p=0 " +
                                     shell_quote(wav));
    EXPECT_EQ(info.out, audio.probe_codec + ",8000,1\n");
  }
}

std::string audio_case_name(const ::testing::TestParamInfo<AudioCase>& info) {
  return info.param.codec + (info.param.layout == Layout::regular ? "_regular" : "_fmp4");
}

INSTANTIATE_TEST_SUITE_P(Codecs, AudioMuxTest,
                         ::testing::Values(AudioCase{"ulaw", Layout::regular}, AudioCase{"ulaw", Layout::fragmented},
                                           AudioCase{"alaw", Layout::regular}, AudioCase{"alaw", Layout::fragmented},
                                           AudioCase{"aac", Layout::regular}, AudioCase{"aac", Layout::fragmented},
                                           AudioCase{"opus", Layout::regular}, AudioCase{"opus", Layout::fragmented}),
                         audio_case_name);

}  // namespace
}  // namespace camrec
