// SPDX-License-Identifier: LGPL-2.1-or-later
// The AAC-LC encoder (libavcodec) behind make_audio_encoder().
#pragma once

#include <memory>

#include "camrec/media/audio_encoder.h"
#include "camrec/status.h"

namespace camrec::media {

/// An AAC-LC encoder: 8000..48000 Hz (the MPEG-4 rates), 1 or 2 channels, 1024-sample
/// frames. Errors: invalid_argument for another rate, channel count, frame size or a bitrate
/// outside 8000..6144 bits per 1024 samples per channel; internal when libavcodec fails.
Result<std::unique_ptr<AudioEncoder>> make_aac_encoder(const AudioEncoderConfig& config);

}  // namespace camrec::media
