// SPDX-License-Identifier: LGPL-2.1-or-later
// Reads an MP4 back with the K230 kd_mp4 demuxer: file info, tracks, then every frame (video
// as Annex B with parameter sets in front of key frames, times in ms).
//   example_mp4_demux FILE.mp4 [OUT.h264]   (writes the video track as an elementary stream)
#include <cstdio>
#include <cstring>

#include "mp4_format.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE.mp4 [VIDEO_OUT]\n", argv[0]);
    return 64;
  }
  k_mp4_config_s cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.config_type = K_MP4_CONFIG_DEMUXER;
  std::strncpy(cfg.demuxer_config.file_name, argv[1], sizeof cfg.demuxer_config.file_name - 1);
  KD_HANDLE h = nullptr;
  if (kd_mp4_create(&h, &cfg)) {
    std::fprintf(stderr, "kd_mp4_create: %s\n", kd_mp4_error_message());
    return 1;
  }
  k_mp4_file_info_s info;
  kd_mp4_get_file_info(h, &info);
  std::printf("duration %llu ms, %u tracks\n", static_cast<unsigned long long>(info.duration), info.track_num);
  for (uint32_t i = 0; i < info.track_num; ++i) {
    k_mp4_track_info_s t;
    if (kd_mp4_get_track_by_index(h, i, &t)) continue;
    if (t.track_type == K_MP4_STREAM_VIDEO)
      std::printf("track %u: video codec %d %ux%u, time scale %u\n", t.video_info.track_id, t.video_info.codec_id,
                  t.video_info.width, t.video_info.height, t.time_scale);
    else
      std::printf("track %u: audio codec %d %u Hz %u ch, time scale %u\n", t.audio_info.track_id,
                  t.audio_info.codec_id, t.audio_info.sample_rate, t.audio_info.channels, t.time_scale);
  }
  FILE* out = argc > 2 ? std::fopen(argv[2], "wb") : nullptr;
  unsigned video = 0, audio = 0;
  k_mp4_frame_data_s frame;
  while (true) {
    if (kd_mp4_get_frame(h, &frame)) {
      std::fprintf(stderr, "kd_mp4_get_frame: %s\n", kd_mp4_error_message());
      return 1;
    }
    if (frame.eof) break;
    if (frame.codec_id == K_MP4_CODEC_ID_H264 || frame.codec_id == K_MP4_CODEC_ID_H265) {
      ++video;
      if (out) std::fwrite(frame.data, 1, frame.data_length, out);
    } else {
      ++audio;
    }
  }
  if (out) std::fclose(out);
  std::printf("%u video frames, %u audio frames\n", video, audio);
  return kd_mp4_destroy(h) ? 1 : 0;
}
