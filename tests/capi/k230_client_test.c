// SPDX-License-Identifier: LGPL-2.1-or-later
/* A K230-style C client: written only against "mp4_format.h", as a K230 program is. It must
 * compile as C and produce a clean file (checked by capi_test.cpp). */
#include <string.h>

#include "mp4_format.h"

/* Writes `count` Annex B access units (30 fps, µs timestamps) and, when `g711` is set, a
 * 40 ms G.711 µ-law packet per frame (the seed's audio chunk), into `path`. Returns 0 or the
 * first kd_mp4 error. */
int k230_write_clip(const char* path, const unsigned char* const* units, const unsigned int* sizes, int count,
                    int fmp4, int g711) {
  k_mp4_config_s cfg;
  KD_HANDLE mp4 = NULL, video = NULL, audio = NULL;
  k_mp4_track_info_s info;
  k_mp4_frame_data_s frame;
  unsigned char pcm[320];
  int ret, i;

  memset(&cfg, 0, sizeof cfg);
  cfg.config_type = K_MP4_CONFIG_MUXER;
  strncpy(cfg.muxer_config.file_name, path, sizeof cfg.muxer_config.file_name - 1);
  cfg.muxer_config.fmp4_flag = (uint8_t)fmp4;
  ret = kd_mp4_create(&mp4, &cfg);
  if (ret) return ret;

  memset(&info, 0, sizeof info);
  info.track_type = K_MP4_STREAM_VIDEO;
  info.time_scale = 1000;
  info.video_info.width = 320;
  info.video_info.height = 240;
  info.video_info.codec_id = K_MP4_CODEC_ID_H264;
  ret = kd_mp4_create_track(mp4, &video, &info);
  if (ret) return ret;
  if (g711) {
    memset(&info, 0, sizeof info);
    info.track_type = K_MP4_STREAM_AUDIO;
    info.time_scale = 1000;
    info.audio_info.channels = 1;
    info.audio_info.sample_rate = 8000;
    info.audio_info.bit_per_sample = 16;
    info.audio_info.codec_id = K_MP4_CODEC_ID_G711U;
    ret = kd_mp4_create_track(mp4, &audio, &info);
    if (ret) return ret;
  }
  memset(pcm, 0xFF, sizeof pcm); /* µ-law silence */
  for (i = 0; i < count; ++i) {
    memset(&frame, 0, sizeof frame);
    frame.codec_id = K_MP4_CODEC_ID_H264;
    frame.data = (uint8_t*)units[i];
    frame.data_length = sizes[i];
    frame.time_stamp = (uint64_t)i * 1000000 / 30;
    ret = kd_mp4_write_frame(mp4, video, &frame);
    if (ret) return ret;
    if (g711 && (uint64_t)i * 1000000 / 30 >= (uint64_t)(i * 4 / 3) * 40000) {
      frame.codec_id = K_MP4_CODEC_ID_G711U;
      frame.data = pcm;
      frame.data_length = sizeof pcm;
      ret = kd_mp4_write_frame(mp4, audio, &frame);
      if (ret) return ret;
    }
  }
  ret = kd_mp4_destroy_tracks(mp4);
  if (ret) return ret;
  return kd_mp4_destroy(mp4);
}
