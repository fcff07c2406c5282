// SPDX-License-Identifier: LGPL-2.1-or-later
/* The K230 kd_mp4 C API (names, struct layouts and enum values as in the K230 SDK), on
 * camrec's MP4 engine. A K230 program that includes "mp4_format.h" compiles unchanged.
 *
 * Unlike the K230 implementation: every error is returned as a negative K_MP4_ERR_* code
 * (kd_mp4_error_message() says what went wrong); time_scale is honoured (0 = default);
 * any H.265 IRAP may start a track; 3-byte start codes are safe; audio and video may be
 * written to one handle from two threads; a regular MP4 survives a crash.
 *
 * Handles: a KD_HANDLE is a token, not an address. A destroyed handle stays invalid for
 * ever (K_MP4_ERR_INVALID_ARGUMENT, never another file's); every call holds its handle for
 * its whole duration, and kd_mp4_destroy waits for the calls in flight on other threads
 * (calls that start after it get K_MP4_ERR_INVALID_ARGUMENT). Track handles end with
 * kd_mp4_destroy_tracks or kd_mp4_destroy.
 *
 * Muxer: kd_mp4_write_frame takes one Annex B access unit or one audio packet (G.711: one
 * byte per sample), time_stamp in microseconds. The first video unit written must be a key
 * frame, with its parameter sets in front (the tutorial glues the encoder's HEADER pack to
 * the first I frame) or written just before it on their own. A unit of parameter sets
 * alone is accepted at any time: the same sets again are absorbed (nothing is written), new
 * ones go in front of the next key frame.
 *
 * Limits (each refused with an error that names it):
 *   - a video frame (access unit) is at most 64 MiB, an audio packet at most 1 MiB
 *     (K_MP4_ERR_LIMIT);
 *   - a file holds at most 64 tracks (K_MP4_ERR_LIMIT), all created before the first
 *     kd_mp4_write_frame (later: K_MP4_ERR_WRONG_STATE);
 *   - the file header lists the audio tracks and the video tracks whose first key frame
 *     came within 5 s (media time) of the first video frame; a video track that starts
 *     later is left out of the file and its frames are refused (K_MP4_ERR_WRONG_STATE).
 *
 * Demuxer: kd_mp4_get_frame returns the samples of all tracks in decode order, video as
 * Annex B with the parameter sets in front of key frames, time_stamp in milliseconds,
 * eof = 1 after the last one; `data` stays valid until the next call. */
#ifndef CAMREC_K230_MP4_FORMAT_H
#define CAMREC_K230_MP4_FORMAT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void* KD_HANDLE;

typedef enum {
  K_MP4_CONFIG_MUXER = 1,
  K_MP4_CONFIG_DEMUXER,
  K_MP4_CONFIG_BUTT
} k_mp4_config_type_e;

typedef enum {
  K_MP4_STREAM_VIDEO = 1,
  K_MP4_STREAM_AUDIO,
  K_MP4_STREAM_BUTT
} k_mp4_track_type_e;

typedef enum {
  K_MP4_CODEC_ID_H264 = 0,
  K_MP4_CODEC_ID_H265,
  K_MP4_CODEC_ID_G711A,
  K_MP4_CODEC_ID_G711U,
  K_MP4_CODEC_ID_BUTT
} k_mp4_codec_id_e;

/* camrec extensions: audio codecs the K230 muxer lacks (values past K_MP4_CODEC_ID_BUTT). */
#define K_MP4_CODEC_ID_AAC ((k_mp4_codec_id_e)5)
#define K_MP4_CODEC_ID_OPUS ((k_mp4_codec_id_e)6)

typedef struct {
  char file_name[128];
  uint8_t fmp4_flag; /* 1: fragmented MP4; 0: regular MP4 (crash-safe while recording) */
} k_mp4_config_muxer_s;

typedef struct {
  char file_name[128];
} k_mp4_config_demuxer_s;

typedef struct {
  k_mp4_config_type_e config_type;
  union {
    k_mp4_config_muxer_s muxer_config;
    k_mp4_config_demuxer_s demuxer_config;
  };
} k_mp4_config_s;

typedef struct {
  uint32_t width;
  uint32_t height;
  uint32_t track_id;
  k_mp4_codec_id_e codec_id;
} k_mp4_video_info_s;

typedef struct {
  uint32_t channels;
  uint32_t sample_rate;
  uint32_t bit_per_sample;
  uint32_t track_id;
  k_mp4_codec_id_e codec_id;
} k_mp4_audio_info_s;

typedef struct {
  k_mp4_track_type_e track_type;
  uint32_t time_scale; /* ticks per second of the track; 0 = 90000 video, sample rate audio */
  union {
    k_mp4_video_info_s video_info;
    k_mp4_audio_info_s audio_info;
  };
} k_mp4_track_info_s;

typedef struct {
  uint64_t duration; /* milliseconds */
  uint32_t track_num;
} k_mp4_file_info_s;

typedef struct {
  k_mp4_codec_id_e codec_id;
  uint64_t time_stamp; /* write: microseconds; read: milliseconds */
  uint8_t* data;
  uint32_t data_length;
  uint8_t eof;
} k_mp4_frame_data_s;

/* Error codes (camrec): every function returns 0 or one of these. */
#define K_MP4_ERR_INVALID_ARGUMENT (-1) /* NULL pointer, bad value, unknown or destroyed handle */
#define K_MP4_ERR_WRONG_STATE (-2)      /* call not allowed now (a track after the first frame, a
                                          handle being destroyed by another thread) */
#define K_MP4_ERR_MALFORMED (-3)        /* input data breaks its specification */
#define K_MP4_ERR_UNSUPPORTED (-4)
#define K_MP4_ERR_LIMIT (-5)            /* input asks for more than a limit (see Limits above) */
#define K_MP4_ERR_IO (-6)
#define K_MP4_ERR_NO_SPACE (-7)         /* disk full: the file keeps every earlier fragment */
#define K_MP4_ERR_FILE_TOO_LARGE (-8)   /* e.g. FAT32's 4 GiB: the file keeps every earlier fragment */
#define K_MP4_ERR_NOT_FOUND (-9)
#define K_MP4_ERR_INTERNAL (-12)
#define K_MP4_ERR_PERMISSION (-13)      /* the system refused access to the file (EACCES, EPERM, read-only) */
#define K_MP4_ERR_BUSY (-14)            /* another writer holds the file: one writer per file */

int kd_mp4_create(KD_HANDLE* mp4_handle, k_mp4_config_s* mp4_cfg);
int kd_mp4_destroy(KD_HANDLE mp4_handle);
int kd_mp4_create_track(KD_HANDLE mp4_handle, KD_HANDLE* track_handle, k_mp4_track_info_s* mp4_track_info);
int kd_mp4_destroy_tracks(KD_HANDLE mp4_handle);
int kd_mp4_write_frame(KD_HANDLE mp4_handle, KD_HANDLE track_handle, k_mp4_frame_data_s* frame_data);
int kd_mp4_get_file_info(KD_HANDLE mp4_handle, k_mp4_file_info_s* file_info);
int kd_mp4_get_track_by_index(KD_HANDLE mp4_handle, uint32_t index, k_mp4_track_info_s* mp4_track_info);
int kd_mp4_get_frame(KD_HANDLE mp4_handle, k_mp4_frame_data_s* frame_data);

/* camrec extension: the message of the last error returned to this thread. */
const char* kd_mp4_error_message(void);

/* camrec extension: fragments a demuxer skips because the file's moov does not declare their
 * track. K230's fragmented MP4 muxer can write audio fragments for a track its header leaves
 * out; without a sample description nothing can read them, so kd_mp4_get_frame returns the
 * declared tracks only. A demuxer handle reads the whole index at kd_mp4_create, so the
 * counts are complete from the start. */
#define K_MP4_MAX_UNDECLARED_TRACKS 16
typedef struct {
  uint32_t track_num;  /* tracks with fragments that the moov does not declare (0: none skipped) */
  uint32_t track_ids[K_MP4_MAX_UNDECLARED_TRACKS]; /* their track_IDs, ascending (the first
                                                      K_MP4_MAX_UNDECLARED_TRACKS; the rest 0) */
  uint64_t track_fragments; /* track fragments (traf) skipped */
  uint64_t samples;         /* samples they list */
  uint64_t bytes;           /* media bytes those samples take */
} k_mp4_undeclared_s;

/* Fills `undeclared` for a demuxer handle (K_MP4_ERR_INVALID_ARGUMENT for a muxer handle). */
int kd_mp4_get_undeclared(KD_HANDLE mp4_handle, k_mp4_undeclared_s* undeclared);

#ifdef __cplusplus
}
#endif

#endif /* CAMREC_K230_MP4_FORMAT_H */
