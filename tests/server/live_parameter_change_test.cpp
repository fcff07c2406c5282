// SPDX-License-Identifier: LGPL-2.1-or-later
// The live view across new parameter sets (an encoder reconfigured mid-recording to a new
// resolution): the recording goes through the TeeWriter into the file and the LiveFeed, the
// file gains a second sample description, and a viewer that took the init segment once
// gets every picture of both encodes over the server's HTTP routes (init.mp4, the playlist
// and its segments), the new parameters in-band.
#include <gtest/gtest.h>

#include <sstream>

#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "server/live_feed.h"
#include "server/live_hub.h"
#include "server/recordings.h"
#include "server/routes.h"
#include "server/tee_writer.h"
#include "testing/conformance.h"
#include "testing/probe_util.h"
#include "testing/stream_fixtures.h"
#include "testing/test_util.h"

namespace camrec::server {
namespace {

using camrec::testing::TempDir;

/// Two x264 encodes of 30 frames (640x360, then 320x240; a key frame every 15) joined.
std::vector<camrec::testing::TimedPacket> reconfigured_stream(const TempDir& dir, std::string& joined) {
  const std::string a = dir.file("a.h264"), b = dir.file("b.h264");
  EXPECT_TRUE(camrec::testing::make_stream(a, "640x360", 30, 30, "-c:v libx264 -g 15"));
  EXPECT_TRUE(camrec::testing::make_stream(b, "320x240", 30, 30, "-c:v libx264 -g 15"));
  auto bytes = camrec::testing::read_file(a);
  auto second = camrec::testing::read_file(b);
  bytes.insert(bytes.end(), second.begin(), second.end());
  joined = dir.file("joined.h264");
  EXPECT_TRUE(camrec::testing::write_file(joined, bytes));
  return camrec::testing::read_video_packets(joined, false, 0);
}

/// GET `target` from `router`; the body of a 200 reply.
std::string get(const Router& router, const std::string& target) {
  Request request{"GET", target, "", "", "127.0.0.1", 1};
  Reply reply = router.handle(request);
  EXPECT_EQ(reply.status, 200u) << target << ": " << reply.body;
  return reply.body;
}

TEST(LiveParameterChange, AViewerGetsBothEncodesWithTheFirstInitSegment) {
  TempDir dir;
  std::string joined;
  const auto packets = reconfigured_stream(dir, joined);
  ASSERT_EQ(packets.size(), 60u);

  LiveHub hub;
  auto file = Muxer::create_file(dir.file("rec.mp4"), {});
  ASSERT_TRUE(file);
  auto feed = LiveFeed::create(hub);
  ASSERT_TRUE(feed);
  TeeWriter tee(std::move(*file), std::move(*feed));
  ASSERT_TRUE(tee.add_video_track({}).has_value());
  std::shared_ptr<const std::vector<uint8_t>> first_init;
  for (const auto& p : packets) {
    ASSERT_TRUE(tee.write(0, p.packet()).is_ok());
    if (!first_init) first_init = hub.snapshot().init;
  }
  ASSERT_TRUE(tee.close().is_ok());
  // The live side took every packet: the change did not switch it off.
  EXPECT_TRUE(tee.live_error().is_ok()) << tee.live_error().to_string();

  // The file has both descriptions.
  auto demuxer = Demuxer::open(dir.file("rec.mp4"));
  ASSERT_TRUE(demuxer) << demuxer.error().to_string();
  EXPECT_EQ((*demuxer)->tracks()[0].description_count, 2u);

  // The viewer's init segment never changed: one 'avc3' description, the parameters in-band.
  const LiveSnapshot snap = hub.snapshot();
  ASSERT_TRUE(snap.init && first_init);
  EXPECT_EQ(*snap.init, *first_init);
  EXPECT_EQ(snap.codec.rfind("avc3.", 0), 0u) << snap.codec;
  EXPECT_TRUE(snap.ended);

  // Everything a viewer fetches over HTTP: init.mp4, then each segment the playlist lists.
  TempDir recordings_dir;
  auto recordings = RecordingsDir::open(recordings_dir.path().string());
  ASSERT_TRUE(recordings);
  ServerOptions options;
  options.address = "127.0.0.1";
  Server::StatusProvider status;
  Counters counters;
  Router router(options, &hub, **recordings, status, counters);
  std::string stream = get(router, "/live/init.mp4");
  ASSERT_EQ(std::vector<uint8_t>(stream.begin(), stream.end()), *first_init);
  std::istringstream playlist(get(router, "/live/index.m3u8"));
  int segments = 0;
  for (std::string line; std::getline(playlist, line);) {
    if (line.rfind("seg/", 0) != 0) continue;
    stream += get(router, "/live/" + line);
    ++segments;
  }
  EXPECT_EQ(segments, 4);  // a key frame every 15 pictures
  const std::string saved = dir.file("viewer.mp4");
  ASSERT_TRUE(camrec::testing::write_file(saved, std::vector<uint8_t>(stream.begin(), stream.end())));
  EXPECT_EQ(camrec::testing::conformance_report(saved), "");

  // It decodes to the pictures of both encodes, in ffmpeg and in GStreamer.
  std::string err;
  const auto want = camrec::testing::video_frame_md5s(joined, &err);
  ASSERT_EQ(want.size(), 60u) << err;
  EXPECT_EQ(camrec::testing::video_frame_md5s(saved, &err), want) << err;
  const auto gst_want = camrec::testing::gst_video_frame_md5s(joined);
  ASSERT_EQ(gst_want.size(), 60u);
  EXPECT_EQ(camrec::testing::gst_video_frame_md5s(saved, camrec::testing::GstRead::push), gst_want);
  EXPECT_EQ(camrec::testing::gst_video_frame_md5s(saved), gst_want);
}

}  // namespace
}  // namespace camrec::server
