// SPDX-License-Identifier: LGPL-2.1-or-later
// The audio codec libraries, loaded on first use (see loader.h): libopus, FFmpeg's libavcodec
// and libavutil (the AAC encoder) and libswresample (rate and channel conversion).
#pragma once

#include <opus/opus.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

#include "camrec/status.h"
#include "libs/loader.h"

namespace camrec::libs {

#define CAMREC_LIBS_OPUS_FUNCTIONS(X)                                                 \
  X(opus_encoder_create) X(opus_encoder_ctl) X(opus_encoder_destroy) X(opus_encode)   \
  X(opus_strerror) X(opus_get_version_string)

/// The libopus functions camrec calls, named as in opus.h.
struct Opus {
  CAMREC_LIBS_OPUS_FUNCTIONS(CAMREC_LIBS_MEMBER)
};
/// libopus, opened on the first call (thread-safe). Errors: not_found naming the library.
Result<const Opus*> opus();

#define CAMREC_LIBS_AVCODEC_FUNCTIONS(X)                                                        \
  X(avcodec_find_encoder) X(avcodec_alloc_context3) X(avcodec_open2) X(avcodec_send_frame)      \
  X(avcodec_receive_packet) X(avcodec_free_context) X(av_packet_alloc) X(av_packet_unref)       \
  X(av_packet_free)
#define CAMREC_LIBS_AVUTIL_FUNCTIONS(X)                                                         \
  X(av_strerror) X(av_log_get_level) X(av_log_set_level) X(av_frame_alloc) X(av_frame_free)     \
  X(av_frame_get_buffer) X(av_frame_make_writable) X(av_channel_layout_default)                 \
  X(av_channel_layout_copy) X(av_channel_layout_uninit)

/// The libavcodec and libavutil functions of the AAC encoder, named as in FFmpeg's headers.
struct AvCodec {
  CAMREC_LIBS_AVCODEC_FUNCTIONS(CAMREC_LIBS_MEMBER)
  CAMREC_LIBS_AVUTIL_FUNCTIONS(CAMREC_LIBS_MEMBER)
};
/// libavcodec and libavutil, opened on the first call. Errors: not_found naming the library.
Result<const AvCodec*> avcodec();

#define CAMREC_LIBS_SWRESAMPLE_FUNCTIONS(X)                                                  \
  X(swr_alloc_set_opts2) X(swr_init) X(swr_close) X(swr_free) X(swr_get_out_samples)         \
  X(swr_convert) X(swr_get_delay)

/// The libswresample functions camrec calls, and libavutil's channel layouts they take.
struct SwResample {
  CAMREC_LIBS_SWRESAMPLE_FUNCTIONS(CAMREC_LIBS_MEMBER)
  CAMREC_LIBS_MEMBER(av_channel_layout_default)
  CAMREC_LIBS_MEMBER(av_channel_layout_uninit)
};
/// libswresample and libavutil, opened on the first call. Errors: not_found naming the library.
Result<const SwResample*> swresample();

}  // namespace camrec::libs
