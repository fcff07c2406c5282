// SPDX-License-Identifier: LGPL-2.1-or-later
// The encoder libraries, x264 and x265, loaded on first use (see loader.h).
#pragma once

#include <stdint.h>  // x264.h needs it first
#include <x264.h>
#include <x265.h>

#include "camrec/status.h"
#include "libs/loader.h"

namespace camrec::libs {

#define CAMREC_LIBS_X264_FUNCTIONS(X)                                                       \
  X(x264_param_default_preset) X(x264_param_apply_profile) X(x264_encoder_open)             \
  X(x264_encoder_close) X(x264_picture_init) X(x264_encoder_encode) X(x264_encoder_delayed_frames)

/// The libx264 functions camrec calls, named as in x264.h.
struct X264 {
  CAMREC_LIBS_X264_FUNCTIONS(CAMREC_LIBS_MEMBER)
};

/// libx264, opened on the first call (thread-safe). Errors: not_found naming the library.
Result<const X264*> x264();

/// libx265's own function table (x265_api_get, 8-bit), opened on the first call.
/// Errors: not_found naming the library.
Result<const x265_api*> x265();

}  // namespace camrec::libs
