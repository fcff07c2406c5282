// SPDX-License-Identifier: LGPL-2.1-or-later
// The live path without HTTP: a real recording (test pattern, x264) goes through the
// TeeWriter into the file and the LiveFeed; the live parts are short whatever the file's
// fragment length, every segment starts on a key frame, and the live stream holds the same
// frames as the file. The window, the playlist and the blocking rules are checked on it.
#include <gtest/gtest.h>

#include "camrec/demuxer.h"
#include "camrec/media/clock.h"
#include "camrec/muxer.h"
#include "camrec/recorder/recorder.h"
#include "server/hls_playlist.h"
#include "server/live_feed.h"
#include "server/live_hub.h"
#include "server/tee_writer.h"
#include "testing/probe_util.h"
#include "testing/test_util.h"

namespace camrec::server {
namespace {

using camrec::testing::TempDir;

/// Collects everything the feed publishes, the whole stream kept.
class Collect final : public LiveSink {
 public:
  void publish_init(std::vector<uint8_t> bytes, std::string c) override {
    init = std::move(bytes);
    codec = std::move(c);
  }
  void publish_fragment(std::shared_ptr<const LiveFragment> f) override { fragments.push_back(std::move(f)); }
  void publish_end() override { ended = true; }

  std::vector<uint8_t> init;
  std::string codec;
  std::vector<std::shared_ptr<const LiveFragment>> fragments;
  bool ended = false;
};

/// A small unpaced recording on a manual clock: the same pictures and times every run.
recorder::RecorderConfig small_config(uint32_t frames, media::ManualClock& clock) {
  recorder::RecorderConfig c;
  c.clock = &clock;
  c.width = 320;
  c.height = 240;
  c.paced = false;
  c.max_frames = frames;
  c.gop = 30;
  return c;
}

/// Records `config` to `path` with a muxer cutting 2 s fragments, teeing into `live` when
/// given. Returns the recorder's statistics.
recorder::RecorderStats record(const recorder::RecorderConfig& config, const std::string& path, LiveSink* live) {
  MuxerOptions options;
  options.fragment_duration_us = 2'000'000;
  options.max_fragment_duration_us = 2'000'000;
  auto muxer = Muxer::create_file(path, options);
  EXPECT_TRUE(muxer) << muxer.error().to_string();
  std::unique_ptr<MediaWriter> writer = std::move(*muxer);
  if (live) {
    auto feed = LiveFeed::create(*live);
    EXPECT_TRUE(feed);
    writer = std::make_unique<TeeWriter>(std::move(writer), std::move(*feed));
  }
  auto rec = recorder::Recorder::create(config, std::move(writer));
  EXPECT_TRUE(rec) << rec.error().to_string();
  EXPECT_TRUE((*rec)->start().is_ok());
  Status s;
  while ((s = (*rec)->process()).is_ok()) {
  }
  EXPECT_EQ(s.code(), Errc::end_of_stream) << s.to_string();
  EXPECT_TRUE((*rec)->stop().is_ok());
  return (*rec)->stats();
}

TEST(Live, PartsAreShortStartOnKeyFramesAndHoldTheFilesFrames) {
  TempDir dir;
  Collect live;
  media::ManualClock clock1(1'000'000), clock2(1'000'000);
  const auto stats = record(small_config(90, clock1), dir.file("with.mp4"), &live);
  ASSERT_EQ(stats.frames_written, 90u);
  ASSERT_FALSE(live.init.empty());
  EXPECT_EQ(live.codec.rfind("avc3.", 0), 0u) << live.codec;  // parameter sets in-band (docs/server.md)
  EXPECT_TRUE(live.ended);
  ASSERT_GE(live.fragments.size(), 15u) << "3 s in parts of at most 200 ms";
  int64_t expected_start = 0;
  for (size_t i = 0; i < live.fragments.size(); ++i) {
    const LiveFragment& f = *live.fragments[i];
    EXPECT_EQ(f.sequence, i);
    EXPECT_LE(f.duration_us, 200'000) << "part " << i << " (the file cuts 2 s fragments)";
    EXPECT_GT(f.duration_us, 0);
    EXPECT_EQ(f.media_start_us, expected_start) << "parts follow each other without a gap";
    expected_start = f.media_start_us + f.duration_us;
    // GOP 30 at 30 fps: a key frame every second, each opening a part.
    EXPECT_EQ(f.key, f.media_start_us % 1'000'000 == 0) << "part " << i << " at " << f.media_start_us;
  }
  EXPECT_EQ(expected_start, 3'000'000);

  // The live stream, saved as one file, has the recording's frames, picture for picture.
  std::vector<uint8_t> stream = live.init;
  for (const auto& f : live.fragments) stream.insert(stream.end(), f->bytes.begin(), f->bytes.end());
  ASSERT_TRUE(camrec::testing::write_file(dir.file("live.mp4"), stream));
  auto live_md5 = camrec::testing::video_frame_md5s(dir.file("live.mp4"));
  auto file_md5 = camrec::testing::video_frame_md5s(dir.file("with.mp4"));
  ASSERT_EQ(file_md5.size(), 90u);
  EXPECT_EQ(live_md5, file_md5);

  // And the recording has the frames of one made without a viewer: the same count, times
  // and key frames. (Their pictures are compared above, live stream against file, in one
  // run: two separate x264 runs on a busy machine once differed in one picture's coding.)
  record(small_config(90, clock2), dir.file("without.mp4"), nullptr);
  const auto with_packets = camrec::testing::ffprobe_packets(dir.file("with.mp4"), "v:0");
  const auto without_packets = camrec::testing::ffprobe_packets(dir.file("without.mp4"), "v:0");
  ASSERT_EQ(with_packets.size(), 90u);
  ASSERT_EQ(without_packets.size(), with_packets.size());
  for (size_t i = 0; i < with_packets.size(); ++i) {
    EXPECT_EQ(without_packets[i].pts, with_packets[i].pts) << "frame " << i;
    EXPECT_EQ(without_packets[i].dts, with_packets[i].dts) << "frame " << i;
    EXPECT_EQ(without_packets[i].key, with_packets[i].key) << "frame " << i;
  }
}

/// The live stream (init + every fragment) saved as one file.
std::string save_stream(const Collect& live, const std::string& path) {
  std::vector<uint8_t> stream = live.init;
  for (const auto& f : live.fragments) stream.insert(stream.end(), f->bytes.begin(), f->bytes.end());
  EXPECT_TRUE(camrec::testing::write_file(path, stream));
  return path;
}

TEST(Live, OpusAudioRidesAlongWithTheVideo) {
  TempDir dir;
  Collect live;
  media::ManualClock clock(1'000'000);
  auto config = small_config(90, clock);
  config.audio = media::AudioCodec::opus;
  config.audio_rate = 48000;
  const auto stats = record(config, dir.file("with.mp4"), &live);
  ASSERT_EQ(stats.frames_written, 90u);
  ASSERT_GT(stats.audio_packets, 100u) << "3 s of 20 ms Opus packets";
  EXPECT_EQ(live.codec.find(','), live.codec.rfind(',')) << live.codec;
  EXPECT_EQ(live.codec.substr(live.codec.find(',')), ",opus") << live.codec;
  // The parts stay short and keyed by the video; their times are the video's.
  int64_t expected_start = 0;
  for (const auto& f : live.fragments) {
    EXPECT_LE(f->duration_us, 200'000);
    EXPECT_EQ(f->media_start_us, expected_start);
    expected_start = f->media_start_us + f->duration_us;
    EXPECT_EQ(f->key, f->media_start_us % 1'000'000 == 0) << f->media_start_us;
  }
  EXPECT_EQ(expected_start, 3'000'000);
  // The live stream has the file's audio packets and both tracks decode.
  const std::string stream = save_stream(live, dir.file("live.mp4"));
  const int file_audio = camrec::testing::ffprobe_packet_count(dir.file("with.mp4"), "a");
  EXPECT_GT(file_audio, 100);
  EXPECT_EQ(camrec::testing::ffprobe_packet_count(stream, "a"), file_audio);
  auto r = camrec::testing::run_command("ffmpeg -nostdin -v error -xerror -i " + camrec::testing::shell_quote(stream) +
                                        " -map 0:v -map 0:a -f null - 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(camrec::testing::video_frame_md5s(stream), camrec::testing::video_frame_md5s(dir.file("with.mp4")));
}

TEST(Live, G711StaysInTheFileAndTheLiveViewCarriesTheVideo) {
  TempDir dir;
  Collect live;
  media::ManualClock clock(1'000'000);
  auto config = small_config(60, clock);
  config.audio = media::AudioCodec::g711u;
  MuxerOptions options;
  auto muxer = Muxer::create_file(dir.file("with.mp4"), options);
  ASSERT_TRUE(muxer);
  auto feed = LiveFeed::create(live);
  ASSERT_TRUE(feed);
  auto tee = std::make_unique<TeeWriter>(std::move(*muxer), std::move(*feed));
  TeeWriter* raw = tee.get();
  auto rec = recorder::Recorder::create(config, std::move(tee));
  ASSERT_TRUE(rec);
  ASSERT_TRUE((*rec)->start().is_ok());
  Status s;
  while ((s = (*rec)->process()).is_ok()) {
  }
  EXPECT_EQ(s.code(), Errc::end_of_stream);
  EXPECT_TRUE(raw->live_error().is_ok()) << "G.711 is left out, not an error: " << raw->live_error().to_string();
  ASSERT_TRUE((*rec)->stop().is_ok());
  EXPECT_EQ(live.codec.find(','), std::string::npos) << live.codec;
  EXPECT_EQ(live.codec.rfind("avc3.", 0), 0u) << live.codec;  // parameter sets in-band (docs/server.md)
  EXPECT_GT(camrec::testing::ffprobe_packet_count(dir.file("with.mp4"), "a"), 0);
  const std::string stream = save_stream(live, dir.file("live.mp4"));
  auto demuxer = Demuxer::open(stream);
  ASSERT_TRUE(demuxer) << demuxer.error().to_string();
  ASSERT_EQ((*demuxer)->tracks().size(), 1u);
  EXPECT_TRUE((*demuxer)->tracks()[0].video);
  EXPECT_EQ(camrec::testing::video_frame_md5s(stream).size(), 60u);
}

/// A live writer that refuses every packet: the recording must not notice.
class FailingWriter final : public MediaWriter {
 public:
  Result<uint32_t> add_video_track(const VideoTrackConfig&) override { return 0u; }
  Result<uint32_t> add_audio_track(const AudioTrackConfig&) override { return 0u; }
  Status write(uint32_t, const Packet&) override { return make_error(Errc::no_space, "out of memory for viewers"); }
  Status close() override { return Status::ok(); }
  MuxerStats stats() const override { return {}; }
};

/// A live writer that cannot take an audio track for a reason other than its codec.
class AudioFailingWriter final : public MediaWriter {
 public:
  Result<uint32_t> add_video_track(const VideoTrackConfig&) override { return 0u; }
  Result<uint32_t> add_audio_track(const AudioTrackConfig&) override {
    return make_error(Errc::io, "no memory for another track");
  }
  Status write(uint32_t, const Packet&) override {
    ++writes;
    return Status::ok();
  }
  Status close() override { return Status::ok(); }
  MuxerStats stats() const override { return {}; }
  int writes = 0;
};

TEST(Live, AnAudioTrackTheLiveWriterCannotTakeSwitchesItOff) {
  TempDir dir;
  auto muxer = Muxer::create_file(dir.file("out.mp4"));
  ASSERT_TRUE(muxer);
  auto live = std::make_unique<AudioFailingWriter>();
  AudioFailingWriter* live_raw = live.get();
  TeeWriter tee(std::move(*muxer), std::move(live));
  VideoTrackConfig video;
  ASSERT_TRUE(tee.add_video_track(video));
  AudioTrackConfig audio;
  audio.codec = Codec::opus;
  audio.sample_rate = 48000;
  ASSERT_TRUE(tee.add_audio_track(audio)) << "the recording keeps its audio track";
  EXPECT_EQ(tee.live_error().code(), Errc::io);
  EXPECT_NE(tee.live_error().to_string().find("live view stopped"), std::string::npos);
  EXPECT_TRUE(tee.close().is_ok());
  EXPECT_EQ(live_raw->writes, 0);
}

TEST(Live, AFailingLiveWriterNeverFailsTheRecording) {
  TempDir dir;
  auto muxer = Muxer::create_file(dir.file("out.mp4"));
  ASSERT_TRUE(muxer);
  auto tee = std::make_unique<TeeWriter>(std::move(*muxer), std::make_unique<FailingWriter>());
  TeeWriter* raw = tee.get();
  media::ManualClock clock;
  auto rec = recorder::Recorder::create(small_config(30, clock), std::move(tee));
  ASSERT_TRUE(rec);
  ASSERT_TRUE((*rec)->start().is_ok());
  Status s;
  while ((s = (*rec)->process()).is_ok()) {
  }
  EXPECT_EQ(s.code(), Errc::end_of_stream);
  EXPECT_EQ(raw->live_error().code(), Errc::no_space);
  EXPECT_NE(raw->live_error().to_string().find("live view stopped"), std::string::npos);
  ASSERT_TRUE((*rec)->stop().is_ok());
  EXPECT_EQ(camrec::testing::video_frame_md5s(dir.file("out.mp4")).size(), 30u);
}

/// A fragment of `ms` milliseconds at `start_ms`, `key` or not, of `bytes` bytes.
std::shared_ptr<LiveFragment> fragment(uint64_t sequence, int64_t start_ms, int64_t ms, bool key, size_t bytes = 10) {
  auto f = std::make_shared<LiveFragment>();
  f->sequence = sequence;
  f->key = key;
  f->media_start_us = start_ms * 1000;
  f->duration_us = ms * 1000;
  f->bytes.assign(bytes, static_cast<uint8_t>(sequence));
  return f;
}

/// Publishes `segments` segments of 5 parts of 200 ms.
void publish_segments(LiveHub& hub, int segments, uint64_t& sequence) {
  for (int s = 0; s < segments; ++s)
    for (int p = 0; p < 5; ++p) {
      hub.publish_fragment(fragment(sequence, static_cast<int64_t>(sequence) * 200, 200, p == 0));
      ++sequence;
    }
}

TEST(LiveHub, KeepsARollingWindowOfWholeSegments) {
  LiveHub hub(LiveHubOptions{3, 1u << 20});
  hub.publish_init({1, 2, 3}, "avc1.42c01e");
  uint64_t sequence = 0;
  publish_segments(hub, 10, sequence);
  LiveSnapshot snap = hub.snapshot();
  ASSERT_FALSE(snap.parts.empty());
  EXPECT_EQ(snap.parts.front().part, 0u) << "the window starts on a key fragment";
  EXPECT_EQ(snap.parts.front().msn, 6u);
  EXPECT_EQ(snap.parts.back().msn, 9u);
  EXPECT_EQ(snap.parts.size(), 20u);
  EXPECT_EQ(*hub.newest_key(), 45u);
  bool lost = false;
  auto since = hub.parts_since(2, lost);
  EXPECT_TRUE(lost) << "a viewer at fragment 2 fell out of the window";
  EXPECT_EQ(since.size(), 20u);
  since = hub.parts_since(47, lost);
  EXPECT_FALSE(lost);
  EXPECT_EQ(since.size(), 3u);

  // A byte bound drops old segments too, but never the one being written.
  LiveHub small(LiveHubOptions{100, 1000});
  uint64_t seq = 0;
  for (int i = 0; i < 20; ++i) small.publish_fragment(fragment(seq++, i * 200, 200, i % 5 == 0, 100));
  LiveSnapshot s2 = small.snapshot();
  uint64_t bytes = 0;
  for (const auto& p : s2.parts) bytes += p.fragment->bytes.size();
  EXPECT_LE(bytes, 1000u);
  EXPECT_EQ(s2.parts.front().part, 0u);
}

TEST(HlsPlaylist, ListsPartsSegmentsAndAnswersBlockingRequests) {
  LiveHub hub;
  hub.publish_init({1}, "avc1.42c01e");
  uint64_t sequence = 0;
  publish_segments(hub, 4, sequence);
  hub.publish_fragment(fragment(sequence++, 4000, 200, true));  // segment 4 begins
  hub.publish_fragment(fragment(sequence++, 4200, 150, false));
  LiveSnapshot snap = hub.snapshot();
  HlsOptions options;
  std::string m = render_playlist(snap, options, "?token=abc");
  EXPECT_EQ(m.rfind("#EXTM3U\n", 0), 0u);
  EXPECT_NE(m.find("#EXT-X-TARGETDURATION:1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("#EXT-X-PART-INF:PART-TARGET=0.200\n"), std::string::npos);
  EXPECT_NE(m.find("CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.600"), std::string::npos);
  EXPECT_NE(m.find("#EXT-X-MAP:URI=\"init.mp4?token=abc\""), std::string::npos);
  EXPECT_NE(m.find("#EXTINF:1.000,\nseg/3.m4s?token=abc\n"), std::string::npos) << m;
  EXPECT_EQ(m.find("seg/4.m4s"), std::string::npos) << "segment 4 is still growing";
  EXPECT_NE(m.find("#EXT-X-PART:DURATION=0.150,URI=\"part/4.1.m4s?token=abc\"\n"), std::string::npos) << m;
  EXPECT_NE(m.find("URI=\"part/4.0.m4s?token=abc\",INDEPENDENT=YES"), std::string::npos);
  EXPECT_EQ(m.find("part/0.0.m4s"), std::string::npos) << "parts only for the newest segments";
  EXPECT_EQ(m.find("#EXT-X-ENDLIST"), std::string::npos);

  EXPECT_EQ(hls_ready(snap, {4, 1}), HlsReady::now);
  EXPECT_EQ(hls_ready(snap, {4, 2}), HlsReady::wait);
  EXPECT_EQ(hls_ready(snap, {3, std::nullopt}), HlsReady::now);
  EXPECT_EQ(hls_ready(snap, {4, std::nullopt}), HlsReady::wait) << "segment 4 is not complete";
  EXPECT_EQ(hls_ready(snap, {6, 0}), HlsReady::wait);
  EXPECT_EQ(hls_ready(snap, {7, 0}), HlsReady::too_far);

  auto seg = find_segment(snap, 3);
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->size(), 50u);
  EXPECT_FALSE(find_segment(snap, 4)) << "incomplete";
  ASSERT_TRUE(find_part(snap, 4, 1));
  EXPECT_EQ(find_part(snap, 4, 1)->duration_us, 150'000);
  EXPECT_FALSE(find_part(snap, 9, 0));

  hub.publish_end();
  snap = hub.snapshot();
  m = render_playlist(snap, options, "");
  EXPECT_NE(m.find("seg/4.m4s\n#EXT-X-ENDLIST\n"), std::string::npos) << m;
  EXPECT_EQ(hls_ready(snap, {9, 0}), HlsReady::now) << "an ended stream answers at once";
}

}  // namespace
}  // namespace camrec::server
