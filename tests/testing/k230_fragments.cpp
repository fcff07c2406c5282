// SPDX-License-Identifier: LGPL-2.1-or-later
#include "testing/k230_fragments.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "box/boxes.h"
#include "camrec/muxer.h"
#include "testing/stream_fixtures.h"
#include "testing/test_util.h"

namespace camrec::testing {

K230FragmentedFile make_k230_fragmented(const std::string& dir, int frames) {
  K230FragmentedFile out;
  const std::string es = (std::filesystem::path(dir) / "k230_video.h264").string();
  auto video = make_h264_packets(es, frames, 0);
  EXPECT_EQ(video.size(), static_cast<size_t>(frames)) << "ffmpeg could not make the video";
  if (video.size() != static_cast<size_t>(frames)) return {};
  // 8 kHz u-law in 40 ms packets (K230's audio chunk), as long as the video. Any byte is a
  // G.711 sample; a slow ramp keeps it audible rather than noise.
  std::vector<uint8_t> pcm(static_cast<size_t>(frames) * 8000 / 30);
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<uint8_t>(0x80 + (i / 16) % 64);
  auto audio = g711_packets(pcm, 320, 8000, 1);
  out.audio_samples = static_cast<int>(audio.size());
  out.video_frames = frames;

  out.complete = (std::filesystem::path(dir) / "k230_complete.mp4").string();
  out.path = (std::filesystem::path(dir) / "k230_undeclared_audio.mp4").string();
  {
    MuxerOptions options;
    options.layout = Layout::fragmented;
    options.fragment_duration_us = 1'000'000;
    auto muxer = Muxer::create_file(out.complete, options);
    EXPECT_TRUE(muxer.has_value());
    if (!muxer) return {};
    VideoTrackConfig vt;
    AudioTrackConfig at;  // G.711 u-law, 8 kHz mono: K230's audio
    EXPECT_TRUE((*muxer)->add_video_track(vt).has_value());
    EXPECT_TRUE((*muxer)->add_audio_track(at).has_value());
    for (const auto& p : interleave({video, audio})) {
      Status s = (*muxer)->write(p.track, p.packet());
      EXPECT_TRUE(s.is_ok()) << s.to_string();
      if (!s.is_ok()) return {};
    }
    Status closed = (*muxer)->close();
    EXPECT_TRUE(closed.is_ok()) << closed.to_string();
  }

  auto bytes = read_file(out.complete);
  auto boxes = top_level_boxes(bytes);
  auto moov_box = std::find_if(boxes.begin(), boxes.end(), [](const TopBox& b) { return b.type == "moov"; });
  EXPECT_NE(moov_box, boxes.end());
  if (moov_box == boxes.end()) return {};
  auto moov = box::parse_box<box::MovieBox>(
      std::span<const uint8_t>(bytes).subspan(static_cast<size_t>(moov_box->offset), static_cast<size_t>(moov_box->size)),
      moov_box->offset);
  EXPECT_TRUE(moov.has_value());
  if (!moov) return {};
  EXPECT_EQ(moov->traks.size(), 2u);
  EXPECT_TRUE(moov->mvex.has_value());
  if (moov->traks.size() != 2 || !moov->mvex) return {};
  const uint32_t audio_id = moov->traks[1].tkhd.track_ID;
  EXPECT_EQ(audio_id, 2u);
  moov->traks.pop_back();
  auto& trex = moov->mvex->trex;
  trex.erase(std::remove_if(trex.begin(), trex.end(), [&](const auto& t) { return t.track_ID == audio_id; }),
             trex.end());
  moov->child_order = {};  // written in the canonical order
  auto new_moov = box::serialize_box(*moov);
  EXPECT_GE(moov_box->size, new_moov.size() + 8);
  box::FreeSpaceBox filler;
  filler.data.assign(static_cast<size_t>(moov_box->size - new_moov.size() - 8), 0);
  auto free_bytes = box::serialize_box(filler);
  new_moov.insert(new_moov.end(), free_bytes.begin(), free_bytes.end());
  std::copy(new_moov.begin(), new_moov.end(), bytes.begin() + static_cast<ptrdiff_t>(moov_box->offset));
  // K230 writes no mfra; its tfra would name the undeclared track too.
  if (!boxes.empty() && boxes.back().type == "mfra") bytes.resize(static_cast<size_t>(boxes.back().offset));
  for (const auto& b : boxes) {
    if (b.type != "moof") continue;
    auto moof = box::parse_box<box::MovieFragmentBox>(
        std::span<const uint8_t>(bytes).subspan(static_cast<size_t>(b.offset), static_cast<size_t>(b.size)), b.offset);
    EXPECT_TRUE(moof.has_value());
    if (!moof) return {};
    for (const auto& traf : moof->trafs) out.audio_fragments += traf.tfhd.track_ID == audio_id;
  }
  EXPECT_TRUE(write_file(out.path, bytes));
  return out;
}

}  // namespace camrec::testing
