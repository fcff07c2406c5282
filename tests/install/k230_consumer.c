/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A program outside the camrec tree, written only against the K230 header and built with
 * `pkg-config --cflags --libs camrec`: it records an H.264 Annex B file (one access unit per
 * AUD) with a G.711 µ-law tone into an MP4, then demuxes that MP4 back and checks what it
 * reads. Usage: k230_consumer IN.h264 FRAMES_PER_SECOND OUT.mp4 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp4_format.h"

static int fail(const char* what, int ret) {
  fprintf(stderr, "k230_consumer: %s returned %d: %s\n", what, ret, kd_mp4_error_message());
  return 1;
}

/* G.711 µ-law of one 16-bit sample (ITU-T G.711, the segment/mantissa form). */
static uint8_t ulaw(int16_t pcm) {
  int sign = pcm < 0 ? 0x80 : 0;
  int magnitude = pcm < 0 ? -(int)pcm : pcm;
  if (magnitude > 32635) magnitude = 32635;
  magnitude += 0x84;
  int exponent = 7;
  for (int mask = 0x4000; (magnitude & mask) == 0 && exponent > 0; mask >>= 1) exponent--;
  int mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return (uint8_t)~(sign | (exponent << 4) | mantissa);
}

/* Offset of the next access unit delimiter (00 00 01 09 or 00 00 00 01 09) at or after `from`. */
static size_t next_aud(const uint8_t* b, size_t size, size_t from) {
  for (size_t i = from; i + 4 <= size; i++)
    if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1 && (b[i + 3] & 0x1f) == 9)
      return (i > 0 && b[i - 1] == 0) ? i - 1 : i;
  return size;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: k230_consumer IN.h264 FPS OUT.mp4\n");
    return 2;
  }
  FILE* in = fopen(argv[1], "rb");
  if (!in) { perror(argv[1]); return 1; }
  fseek(in, 0, SEEK_END);
  size_t size = (size_t)ftell(in);
  fseek(in, 0, SEEK_SET);
  uint8_t* stream = malloc(size);
  if (!stream || fread(stream, 1, size, in) != size) { fprintf(stderr, "cannot read %s\n", argv[1]); return 1; }
  fclose(in);
  const uint64_t fps = (uint64_t)atoi(argv[2]);

  KD_HANDLE mp4 = NULL, video = NULL, audio = NULL;
  k_mp4_config_s cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.config_type = K_MP4_CONFIG_MUXER;
  snprintf(cfg.muxer_config.file_name, sizeof cfg.muxer_config.file_name, "%s", argv[3]);
  cfg.muxer_config.fmp4_flag = 0;
  int ret = kd_mp4_create(&mp4, &cfg);
  if (ret) return fail("kd_mp4_create", ret);

  k_mp4_track_info_s vt;
  memset(&vt, 0, sizeof vt);
  vt.track_type = K_MP4_STREAM_VIDEO;
  vt.time_scale = 1000;
  vt.video_info.width = 320;
  vt.video_info.height = 240;
  vt.video_info.codec_id = K_MP4_CODEC_ID_H264;
  if ((ret = kd_mp4_create_track(mp4, &video, &vt))) return fail("kd_mp4_create_track(video)", ret);
  k_mp4_track_info_s at;
  memset(&at, 0, sizeof at);
  at.track_type = K_MP4_STREAM_AUDIO;
  at.time_scale = 1000;
  at.audio_info.channels = 1;
  at.audio_info.sample_rate = 8000;
  at.audio_info.bit_per_sample = 16;
  at.audio_info.codec_id = K_MP4_CODEC_ID_G711U;
  if ((ret = kd_mp4_create_track(mp4, &audio, &at))) return fail("kd_mp4_create_track(audio)", ret);

  /* Video access units at 1/fps, and after each one the 40 ms audio chunks (320 samples of a
   * 1 kHz tone at 8 kHz) that end by then, as K230's Mp4Container interleaves them. */
  uint8_t chunk[320];
  uint64_t frames = 0, chunks = 0, audio_samples = 0;
  size_t start = next_aud(stream, size, 0);
  while (start < size) {
    size_t end = next_aud(stream, size, start + 4);
    k_mp4_frame_data_s f;
    memset(&f, 0, sizeof f);
    f.codec_id = K_MP4_CODEC_ID_H264;
    f.time_stamp = frames * 1000000 / fps;
    f.data = stream + start;
    f.data_length = (uint32_t)(end - start);
    if ((ret = kd_mp4_write_frame(mp4, video, &f))) return fail("kd_mp4_write_frame(video)", ret);
    frames++;
    while ((chunks + 1) * 40000 <= frames * 1000000 / fps) {
      for (int i = 0; i < 320; i++, audio_samples++)
        chunk[i] = ulaw((int16_t)(12000 * sin(2 * 3.14159265358979 * 1000 * (double)audio_samples / 8000)));
      k_mp4_frame_data_s a;
      memset(&a, 0, sizeof a);
      a.codec_id = K_MP4_CODEC_ID_G711U;
      a.time_stamp = chunks * 40000;
      a.data = chunk;
      a.data_length = sizeof chunk;
      if ((ret = kd_mp4_write_frame(mp4, audio, &a))) return fail("kd_mp4_write_frame(audio)", ret);
      chunks++;
    }
    start = end;
  }
  free(stream);
  if ((ret = kd_mp4_destroy_tracks(mp4))) return fail("kd_mp4_destroy_tracks", ret);
  if ((ret = kd_mp4_destroy(mp4))) return fail("kd_mp4_destroy", ret);

  /* Read it back. */
  memset(&cfg, 0, sizeof cfg);
  cfg.config_type = K_MP4_CONFIG_DEMUXER;
  snprintf(cfg.demuxer_config.file_name, sizeof cfg.demuxer_config.file_name, "%s", argv[3]);
  if ((ret = kd_mp4_create(&mp4, &cfg))) return fail("kd_mp4_create(demuxer)", ret);
  k_mp4_file_info_s info;
  if ((ret = kd_mp4_get_file_info(mp4, &info))) return fail("kd_mp4_get_file_info", ret);
  if (info.track_num != 2) { fprintf(stderr, "track_num %u, expected 2\n", info.track_num); return 1; }
  for (uint32_t i = 0; i < info.track_num; i++) {
    k_mp4_track_info_s ti;
    if ((ret = kd_mp4_get_track_by_index(mp4, i, &ti))) return fail("kd_mp4_get_track_by_index", ret);
  }
  uint64_t read_video = 0, read_audio_bytes = 0;
  for (;;) {
    k_mp4_frame_data_s f;
    memset(&f, 0, sizeof f);
    if ((ret = kd_mp4_get_frame(mp4, &f))) return fail("kd_mp4_get_frame", ret);
    if (f.eof) break;
    if (f.codec_id == K_MP4_CODEC_ID_H264) read_video++;
    else if (f.codec_id == K_MP4_CODEC_ID_G711U) read_audio_bytes += f.data_length;
  }
  if ((ret = kd_mp4_destroy(mp4))) return fail("kd_mp4_destroy(demuxer)", ret);
  printf("wrote %llu video frames and %llu audio samples; read back %llu video frames, %llu audio samples, "
         "%llu ms\n", (unsigned long long)frames, (unsigned long long)(chunks * 320),
         (unsigned long long)read_video, (unsigned long long)read_audio_bytes, (unsigned long long)info.duration);
  if (read_video != frames || read_audio_bytes != chunks * 320) {
    fprintf(stderr, "k230_consumer: read back differs from what was written\n");
    return 1;
  }
  return 0;
}
