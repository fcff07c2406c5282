// SPDX-License-Identifier: LGPL-2.1-or-later
// The RIFF WAVE header parser behind open_wav_source, kept internal: it reads through the
// io layer's Source, which is not part of the public API.
#pragma once

#include <cstdint>

#include "camrec/media/audio.h"
#include "camrec/status.h"
#include "io/source.h"

namespace camrec::media {

/// Layout of a RIFF WAVE PCM file.
struct WavInfo {
  AudioFormat format;        ///< Rate and channels from the fmt chunk.
  uint64_t data_offset = 0;  ///< File offset of the first sample.
  uint64_t data_bytes = 0;   ///< Bytes of samples (a whole number of frames).
};

/// Parses and validates a WAV header. Errors: malformed (not RIFF/WAVE, broken or missing
/// fmt/data chunks, a data chunk longer than the file, a bad block alignment), unsupported
/// (not 16-bit integer PCM, more than 8 channels, a rate outside 1000..384000).
Result<WavInfo> parse_wav(io::Source& source);

}  // namespace camrec::media
