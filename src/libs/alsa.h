// SPDX-License-Identifier: LGPL-2.1-or-later
// ALSA (libasound), loaded on first use (see loader.h): audio capture and device listing.
#pragma once

#include <alsa/asoundlib.h>

#include "camrec/status.h"
#include "libs/loader.h"

namespace camrec::libs {

#define CAMREC_LIBS_ALSA_FUNCTIONS(X)                                                             \
  X(snd_strerror) X(snd_lib_error_set_handler) X(snd_pcm_open) X(snd_pcm_close) X(snd_pcm_prepare) \
  X(snd_pcm_start) X(snd_pcm_drop) X(snd_pcm_delay) X(snd_pcm_readi) X(snd_pcm_wait)              \
  X(snd_pcm_hw_params_malloc) X(snd_pcm_hw_params_free) X(snd_pcm_hw_params_any)                  \
  X(snd_pcm_hw_params_set_access) X(snd_pcm_hw_params_set_format)                                 \
  X(snd_pcm_hw_params_set_channels) X(snd_pcm_hw_params_set_rate_near)                            \
  X(snd_pcm_hw_params_set_period_size_near) X(snd_pcm_hw_params_set_buffer_size_near)             \
  X(snd_pcm_hw_params) X(snd_device_name_hint) X(snd_device_name_get_hint)                        \
  X(snd_device_name_free_hint)

/// The ALSA functions camrec calls (capture and device listing), named as in asoundlib.h.
struct Alsa {
  CAMREC_LIBS_ALSA_FUNCTIONS(CAMREC_LIBS_MEMBER)
};
/// libasound, opened on the first call. Errors: not_found naming the library.
Result<const Alsa*> alsa();

}  // namespace camrec::libs
