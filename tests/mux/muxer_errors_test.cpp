// SPDX-License-Identifier: LGPL-2.1-or-later
// Bad input gets a clear error (the right Errc and a message that says what is wrong) and
// loses nothing already written: after each refused call the muxer goes on, and the file
// holds every frame accepted before and after it. A full output (memory sink with a
// capacity, a small tmpfs) gives no_space and leaves a valid MP4 with every fragment
// written before the error.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <memory>
#include <string>
#include <vector>

#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "io/sink.h"
#include "io/source.h"
#include "testing/probe_util.h"
#include "testing/stream_fixtures.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::TimedPacket;

constexpr size_t kFrames = 45;  // 3 GOPs of 15 at 30 fps

/// The test stream, made once: 160x120 baseline H.264, a key frame every 15 frames.
const std::vector<TimedPacket>& frames() {
  static testing::TempDir dir;
  static const std::vector<TimedPacket> packets = testing::make_h264_packets(dir.file("v.h264"), kFrames, 0, "160x120", 15);
  return packets;
}

/// A muxer writing to a memory sink, and what it accepted.
struct Harness {
  io::MemorySink* sink = nullptr;  // owned by the muxer
  std::unique_ptr<Muxer> muxer;
  std::vector<TimedPacket> accepted;
  uint32_t video = 0;

  explicit Harness(MuxerOptions options = {}, uint64_t capacity = UINT64_MAX) {
    auto s = std::make_unique<io::MemorySink>();
    s->set_capacity(capacity);
    sink = s.get();
    auto m = Muxer::create(std::move(s), options);
    EXPECT_TRUE(m.has_value());
    muxer = std::move(*m);
    auto t = muxer->add_video_track({});
    EXPECT_TRUE(t.has_value());
    video = *t;
  }

  /// Writes frames [from, to) of the stream; each must be accepted.
  void write_good(size_t from, size_t to) {
    const auto& f = frames();
    ASSERT_EQ(f.size(), kFrames);
    for (size_t i = from; i < to; ++i) {
      Status s = muxer->write(video, f[i].packet());
      ASSERT_TRUE(s.is_ok()) << "frame " << i << ": " << s.to_string();
      accepted.push_back(f[i]);
    }
  }

  /// Closes and checks that the file holds exactly the accepted frames: our demuxer gives
  /// their bytes, ffprobe counts them, ffmpeg decodes them without an error.
  void close_and_check_all_kept() {
    Status closed = muxer->close();
    ASSERT_TRUE(closed.is_ok()) << closed.to_string();
    expect_file_holds(accepted.size());
  }

  /// The bytes in the sink are an MP4 holding the first `n` accepted frames.
  void expect_file_holds(size_t n) {
    testing::TempDir dir;
    const std::string path = dir.file("out.mp4");
    ASSERT_TRUE(testing::write_file(path, sink->data()));
    auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(sink->data()));
    ASSERT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
    DemuxedSample s;
    size_t k = 0;
    while (true) {
      auto more = (*demuxer)->next(s);
      ASSERT_TRUE(more.has_value()) << more.error().to_string();
      if (!*more) break;
      ASSERT_LT(k, n);
      EXPECT_EQ(s.data, testing::mp4_sample(accepted[k].data, false)) << "sample " << k;
      EXPECT_EQ(s.sync, accepted[k].key) << "sample " << k;
      ++k;
    }
    EXPECT_EQ(k, n);
    EXPECT_EQ(testing::ffprobe_packet_count(path, "v"), static_cast<int>(n));
    std::string err;
    EXPECT_EQ(testing::video_frame_md5s(path, &err).size(), n) << err;
  }
};

/// Expects `s` to be the error `code` with a message mentioning `words`.
void expect_error(const Status& s, Errc code, const std::string& words) {
  EXPECT_EQ(s.code(), code) << s.to_string();
  EXPECT_NE(s.message().find(words), std::string::npos) << s.to_string();
}

Packet packet_like(const TimedPacket& p, std::span<const uint8_t> data) {
  return Packet{data, p.pts, p.dts, p.timescale, p.duration};
}

TEST(MuxerErrors, GarbageInsteadOfAnnexB) {
  Harness h;
  h.write_good(0, 20);
  std::vector<uint8_t> garbage(3000);
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(0x9d + i * 31);
  expect_error(h.muxer->write(h.video, packet_like(frames()[20], garbage)), Errc::malformed, "start code");
  h.write_good(20, kFrames);
  h.close_and_check_all_kept();
}

TEST(MuxerErrors, NalUnitWithForbiddenBitSet) {
  Harness h;
  h.write_good(0, 20);
  std::vector<uint8_t> bad = {0, 0, 0, 1, 0xE1, 0x9a, 0x00, 0x13};
  expect_error(h.muxer->write(h.video, packet_like(frames()[20], bad)), Errc::malformed, "forbidden");
  h.write_good(20, kFrames);
  h.close_and_check_all_kept();
}

TEST(MuxerErrors, TruncatedNalUnits) {
  Harness h;
  h.write_good(0, 20);
  // A P frame cut right after its NAL header: no slice header to read.
  const auto& f = frames()[20];
  std::vector<uint8_t> cut;
  for (size_t i = 0; i + 4 < f.data.size(); ++i) {
    if (f.data[i] == 0 && f.data[i + 1] == 0 && f.data[i + 2] == 1 && (f.data[i + 3] & 0x1f) == 1) {
      cut.assign(f.data.begin(), f.data.begin() + static_cast<ptrdiff_t>(i + 4));
      break;
    }
  }
  ASSERT_FALSE(cut.empty());
  Status s = h.muxer->write(h.video, packet_like(f, cut));
  EXPECT_EQ(s.code(), Errc::malformed) << s.to_string();
  // A start code with nothing after it.
  std::vector<uint8_t> empty_nal = {0, 0, 0, 1};
  s = h.muxer->write(h.video, packet_like(f, empty_nal));
  EXPECT_EQ(s.code(), Errc::malformed) << s.to_string();
  h.write_good(20, kFrames);
  h.close_and_check_all_kept();
}

TEST(MuxerErrors, KeyFrameWithoutParameterSetsFirst) {
  Harness h;
  // The first IDR with its SPS and PPS taken out.
  std::vector<uint8_t> bare;
  const auto& idr = frames()[0];
  ASSERT_TRUE(idr.key);
  std::vector<uint8_t> sample = testing::mp4_sample(idr.data, false);
  for (size_t pos = 0; pos + 4 <= sample.size();) {
    uint32_t n = (uint32_t{sample[pos]} << 24) | (sample[pos + 1] << 16) | (sample[pos + 2] << 8) | sample[pos + 3];
    bare.insert(bare.end(), {0, 0, 0, 1});
    bare.insert(bare.end(), sample.begin() + static_cast<ptrdiff_t>(pos + 4), sample.begin() + static_cast<ptrdiff_t>(pos + 4 + n));
    pos += 4 + n;
  }
  expect_error(h.muxer->write(h.video, packet_like(idr, bare)), Errc::malformed, "PPS 0, which has not been seen");
  h.write_good(0, kFrames);
  h.close_and_check_all_kept();
}

TEST(MuxerErrors, FirstFrameIsNotAKeyFrame) {
  Harness h;
  ASSERT_FALSE(frames()[1].key);
  expect_error(h.muxer->write(h.video, frames()[1].packet()), Errc::invalid_argument, "not a key frame");
  h.write_good(0, kFrames);
  h.close_and_check_all_kept();
}

TEST(MuxerErrors, TimestampGoesBack) {
  Harness h;
  h.write_good(0, 20);
  TimedPacket p = frames()[20];
  p.pts = p.dts = frames()[10].dts;
  expect_error(h.muxer->write(h.video, p.packet()), Errc::invalid_argument, "does not increase");
  h.write_good(20, kFrames);
  h.close_and_check_all_kept();
}

TEST(MuxerErrors, EqualDecodeTimes) {
  Harness h;
  h.write_good(0, 20);
  TimedPacket p = frames()[20];
  p.dts = frames()[19].dts;
  p.pts = std::max(p.pts, p.dts);
  expect_error(h.muxer->write(h.video, p.packet()), Errc::invalid_argument, "does not increase");
  h.write_good(20, kFrames);
  h.close_and_check_all_kept();
}

// Not an error: negative composition offsets (ctts/trun version 1) present a sample before
// it is decoded, and remuxing such files (camrec's own, with B-frames) must work. The
// presentation times are kept.
TEST(MuxerErrors, DecodeTimeAfterPresentationTimeIsAccepted) {
  Harness h;
  for (size_t i = 0; i < kFrames; ++i) {
    TimedPacket p = frames()[i];
    p.dts = p.pts + 1;
    ASSERT_TRUE(h.muxer->write(h.video, p.packet()).is_ok()) << "frame " << i;
    h.accepted.push_back(p);
  }
  h.close_and_check_all_kept();
  auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(h.sink->data()));
  ASSERT_TRUE(demuxer.has_value());
  DemuxedSample s;
  for (size_t i = 0; i < kFrames; ++i) {
    ASSERT_TRUE(*(*demuxer)->next(s));
    EXPECT_EQ(s.pts, rescale(frames()[i].pts, frames()[i].timescale, (*demuxer)->tracks()[0].timescale));
  }
}

TEST(MuxerErrors, EmptyPacket) {
  Harness h;
  h.write_good(0, 20);
  expect_error(h.muxer->write(h.video, packet_like(frames()[20], {})), Errc::invalid_argument, "empty");
  h.write_good(20, kFrames);
  h.close_and_check_all_kept();
}

TEST(MuxerErrors, HugePacketExceedsTheLimit) {
  Harness h;
  h.write_good(0, 20);
  // More than 64 MiB: a real frame's bytes followed by filler data (NAL type 12).
  std::vector<uint8_t> huge = frames()[20].data;
  huge.insert(huge.end(), {0, 0, 0, 1, 12});
  huge.resize((64u << 20) + 16, 0xFF);
  huge.back() = 0x80;
  expect_error(h.muxer->write(h.video, packet_like(frames()[20], huge)), Errc::limit_exceeded, "bytes");
  h.write_good(20, kFrames);
  h.close_and_check_all_kept();
}

TEST(MuxerErrors, HugeAudioPacketExceedsTheLimit) {
  auto sink = std::make_unique<io::MemorySink>();
  auto muxer = Muxer::create(std::move(sink));
  ASSERT_TRUE(muxer.has_value());
  auto a = (*muxer)->add_audio_track({});
  ASSERT_TRUE(a.has_value());
  std::vector<uint8_t> big((1u << 20) + 1, 0xFF);
  expect_error((*muxer)->write(*a, Packet{big, 0, 0, 8000, 0}), Errc::limit_exceeded, "bytes");
  std::vector<uint8_t> ok(320, 0xFF);
  EXPECT_TRUE((*muxer)->write(*a, Packet{ok, 0, 0, 8000, 0}).is_ok());
}

TEST(MuxerErrors, UnknownTrackIndex) {
  Harness h;
  h.write_good(0, 20);
  expect_error(h.muxer->write(7, frames()[20].packet()), Errc::invalid_argument, "no track 7");
  h.write_good(20, kFrames);
  h.close_and_check_all_kept();
}

TEST(MuxerErrors, AddTrackAfterTheFirstWrite) {
  Harness h;
  h.write_good(0, 20);
  auto v = h.muxer->add_video_track({});
  ASSERT_FALSE(v.has_value());
  expect_error(v.error(), Errc::wrong_state, "before the first sample");
  auto a = h.muxer->add_audio_track({});
  ASSERT_FALSE(a.has_value());
  expect_error(a.error(), Errc::wrong_state, "before the first sample");
  h.write_good(20, kFrames);
  h.close_and_check_all_kept();
}

TEST(MuxerErrors, WriteAfterClose) {
  Harness h;
  h.write_good(0, kFrames);
  ASSERT_TRUE(h.muxer->close().is_ok());
  const std::vector<uint8_t> closed = h.sink->data();
  expect_error(h.muxer->write(h.video, frames()[0].packet()), Errc::wrong_state, "after close");
  auto t = h.muxer->add_audio_track({});
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code(), Errc::wrong_state);
  EXPECT_EQ(h.sink->data(), closed);
  h.expect_file_holds(kFrames);
}

TEST(MuxerErrors, CloseTwice) {
  for (Layout layout : {Layout::regular, Layout::fragmented}) {
    MuxerOptions o;
    o.layout = layout;
    Harness h(o);
    h.write_good(0, kFrames);
    ASSERT_TRUE(h.muxer->close().is_ok());
    const std::vector<uint8_t> closed = h.sink->data();
    EXPECT_TRUE(h.muxer->close().is_ok());
    EXPECT_EQ(h.sink->data(), closed);
    h.expect_file_holds(kFrames);
  }
}

TEST(MuxerErrors, InvalidOptionsAndConfigs) {
  MuxerOptions o;
  o.layout = Layout::fragmented;
  o.faststart = true;
  auto m = Muxer::create(std::make_unique<io::MemorySink>(), o);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code(), Errc::invalid_argument);
  EXPECT_EQ(Muxer::create(nullptr).error().code(), Errc::invalid_argument);
  auto ok = Muxer::create(std::make_unique<io::MemorySink>());
  ASSERT_TRUE(ok.has_value());
  VideoTrackConfig audio_as_video;
  audio_as_video.codec = Codec::aac;
  EXPECT_EQ((*ok)->add_video_track(audio_as_video).error().code(), Errc::invalid_argument);
  AudioTrackConfig no_rate;
  no_rate.sample_rate = 0;
  EXPECT_EQ((*ok)->add_audio_track(no_rate).error().code(), Errc::invalid_argument);
  AudioTrackConfig nine_channels;
  nine_channels.channels = 9;
  EXPECT_EQ((*ok)->add_audio_track(nine_channels).error().code(), Errc::invalid_argument);
}

/// Writes every frame until the sink refuses one; returns the index of the refused frame.
size_t write_until_full(Harness& h, Status* error) {
  const auto& f = frames();
  for (size_t i = 0; i < f.size(); ++i) {
    Status s = h.muxer->write(h.video, f[i].packet());
    if (!s.is_ok()) {
      *error = s;
      return i;
    }
    h.accepted.push_back(f[i]);
  }
  return f.size();
}

TEST(MuxerErrors, FullSinkKeepsEveryFragmentWrittenBefore) {
  for (Layout layout : {Layout::regular, Layout::fragmented}) {
    SCOPED_TRACE(layout == Layout::regular ? "regular" : "fragmented");
    // Room for the header and the first fragment and a few bytes: the second fragment
    // does not fit, nor does the final moov of the regular layout.
    MuxerOptions o;
    o.layout = layout;
    uint64_t one_fragment = 0;
    {
      Harness probe(o);
      probe.write_good(0, 16);  // frame 15 cuts the first fragment
      one_fragment = probe.muxer->stats().bytes_written;
      ASSERT_EQ(probe.muxer->stats().fragments_written, 1u);
    }
    Harness h(o, one_fragment + 10);
    Status error;
    size_t refused = write_until_full(h, &error);
    ASSERT_EQ(refused, 30u) << "the frame that cuts the second fragment meets the full sink";
    expect_error(error, Errc::no_space, "fragment 2");
    EXPECT_EQ(h.muxer->stats().samples_written, 15u);
    // Every later call gets the same error; nothing more is written.
    expect_error(h.muxer->write(h.video, frames()[31].packet()), Errc::no_space, "fragment 2");
    EXPECT_EQ(h.sink->data().size(), one_fragment) << "the torn fragment is cut off";
    EXPECT_EQ(h.muxer->close().code(), Errc::no_space);
    // The file ends on the first fragment: a valid fragmented MP4.
    auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(h.sink->data()));
    ASSERT_TRUE(demuxer.has_value());
    EXPECT_TRUE((*demuxer)->layout().fragmented);
    EXPECT_FALSE((*demuxer)->layout().truncated);
    h.expect_file_holds(15);
  }
}

TEST(MuxerErrors, FullSinkWithRoomForTheIndexBecomesARegularFile) {
  // The torn fragment is cut off, which frees the room close() needs for the final moov.
  MuxerOptions o;
  uint64_t two_fragments = 0;
  {
    Harness probe(o);
    probe.write_good(0, 31);
    two_fragments = probe.muxer->stats().bytes_written;
  }
  Harness h(o, two_fragments - 100);
  Status error;
  ASSERT_EQ(write_until_full(h, &error), 30u);
  EXPECT_EQ(error.code(), Errc::no_space);
  EXPECT_EQ(h.muxer->close().code(), Errc::no_space);
  auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(h.sink->data()));
  ASSERT_TRUE(demuxer.has_value());
  EXPECT_FALSE((*demuxer)->layout().fragmented) << "the final moov should have fit";
  h.expect_file_holds(15);
}

TEST(MuxerErrors, FullFileSystem) {
  testing::TempDir dir;
  const std::string mnt = dir.file("small");
  std::filesystem::create_directory(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) GTEST_SKIP() << "cannot mount a tmpfs here";
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount(path.c_str()); }
  } unmount{mnt};
  // Lossless 320x240 frames (tens of kB each) fill 1 MiB within a few dozen frames; the
  // stream repeats with later timestamps until the disk is full.
  const std::string es = dir.file("big.h264");
  ASSERT_TRUE(testing::make_stream(es, "320x240", 30, 30, "-c:v libx264 -qp 0 -g 15"));
  auto packets = testing::read_video_packets(es, false, 0);
  ASSERT_EQ(packets.size(), 30u);
  const std::string path = mnt + "/rec.mp4";
  auto muxer = Muxer::create_file(path);
  ASSERT_TRUE(muxer.has_value());
  ASSERT_TRUE((*muxer)->add_video_track({}).has_value());
  Status error;
  size_t written = 0;
  for (int round = 0; round < 100 && error.is_ok(); ++round) {
    for (const auto& p : packets) {
      TimedPacket q = p;
      q.pts += round * 30;
      q.dts += round * 30;
      error = (*muxer)->write(0, q.packet());
      if (!error.is_ok()) break;
      ++written;
    }
  }
  expect_error(error, Errc::no_space, "No space left on device");
  const uint64_t kept = (*muxer)->stats().samples_written;
  EXPECT_GT(kept, 15u);
  EXPECT_LE(kept, written);
  EXPECT_EQ((*muxer)->close().code(), Errc::no_space);
  // What is on the file system is a valid MP4 with every fragment written before.
  auto demuxer = Demuxer::open(path);
  ASSERT_TRUE(demuxer.has_value()) << demuxer.error().to_string();
  ASSERT_TRUE((*demuxer)->scan().is_ok());
  EXPECT_EQ((*demuxer)->tracks()[0].sample_count, kept);
  EXPECT_FALSE((*demuxer)->layout().truncated);
  EXPECT_EQ(testing::ffprobe_packet_count(path, "v"), static_cast<int>(kept));
  std::string err;
  EXPECT_EQ(testing::video_frame_md5s(path, &err).size(), kept) << err;
}

}  // namespace
}  // namespace camrec
