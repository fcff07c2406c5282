// SPDX-License-Identifier: LGPL-2.1-or-later
// The K230 tutorial's mp4_muxer_test in C++: the one-object recorder Mp4Container,
// H.265 + G.711 µ-law, 200 frames.
//   example_mp4_container [OUTPUT.mp4] [FRAMES] [fmp4 0|1]
#include <cstdio>
#include <cstdlib>

#include "camrec/recorder/mp4_container.h"

using camrec::recorder::Mp4CfgStr;
using camrec::recorder::Mp4Container;

int main(int argc, char** argv) {
  const char* file_name = argc > 1 ? argv[1] : "test.mp4";
  const int frames = argc > 2 ? std::atoi(argv[2]) : 200;
  const int fmp4 = argc > 3 ? std::atoi(argv[3]) : 0;
  std::printf("mp4_muxer_test start\n");
  Mp4Container mp4_muxer;
  Mp4CfgStr mp4_cfg(Mp4Container::MP4_CONFIG_TYPE_MUXER);
  if (mp4_cfg.type == Mp4Container::MP4_CONFIG_TYPE_MUXER)
    mp4_cfg.SetMuxerCfg(file_name, Mp4Container::MP4_CODEC_ID_H265, 1280, 720, Mp4Container::MP4_CODEC_ID_G711U, fmp4);

  auto fail = [](const char* what, const camrec::Status& s) {
    std::fprintf(stderr, "%s: %s\n", what, s.to_string().c_str());
    return 1;
  };
  if (auto s = mp4_muxer.Create(mp4_cfg); !s.is_ok()) return fail("Create", s);
  if (auto s = mp4_muxer.Start(); !s.is_ok()) return fail("Start", s);
  int frame_count = 0;
  while (frame_count < frames) {
    auto s = mp4_muxer.Process();  // one video frame and the audio captured meanwhile
    if (!s.is_ok()) return fail("Process", s);
    ++frame_count;
  }
  if (auto s = mp4_muxer.Stop(); !s.is_ok()) return fail("Stop", s);
  // Stop also writes the frames the encoder still held: report what the file has.
  const auto stats = mp4_muxer.stats();
  if (auto s = mp4_muxer.Destroy(); !s.is_ok()) return fail("Destroy", s);
  std::printf("mp4_muxer_test stop: %d frames processed, %llu in %s\n", frame_count,
              static_cast<unsigned long long>(stats.frames_written), file_name);
  // The camera runs at its own pace: the frames it captured while Process was not asking
  // wait in the pipeline, and Stop writes them too, so the file may hold a few more frames
  // than Process calls. The capture times say how many the camera took in all.
  std::printf("frames dropped: %llu, first capture %lld us, last %lld us\n",
              static_cast<unsigned long long>(stats.frames_dropped), static_cast<long long>(stats.first_pts_us),
              static_cast<long long>(stats.last_pts_us));
  return 0;
}
