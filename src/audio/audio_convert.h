// SPDX-License-Identifier: LGPL-2.1-or-later
// Sample rate and channel conversion of 16-bit PCM with libswresample (FFmpeg's resampler),
// so that any WAV file or capture device can feed any audio codec: a 44.1 kHz stereo WAV
// becomes 48 kHz for Opus, or 8 kHz mono for G.711.
#pragma once

#include <cstdint>
#include <memory>

#include "camrec/media/audio.h"
#include "camrec/media/audio_encoder.h"
#include "camrec/status.h"

namespace camrec::libs {
struct SwResample;
}

namespace camrec::media {

/// Converts interleaved 16-bit PCM from one rate and channel count to another. Each output
/// chunk is stamped with the capture time of its first sample (the input's time less what
/// the filter holds back), so conversion moves no sound in time. Channels are mixed with
/// FFmpeg's default matrices for the usual layouts (stereo to mono: the mean of both sides;
/// mono to stereo: the same sound on both), normalised so nothing clips. Not thread-safe.
class AudioConverter {
 public:
  /// Errors: invalid_argument for a rate outside 1000..384000 or channels outside 1..8;
  /// not_found when libswresample cannot be loaded; internal when it cannot set up the
  /// conversion.
  static Result<std::unique_ptr<AudioConverter>> create(AudioFormat in, AudioFormat out);
  ~AudioConverter();
  AudioConverter(const AudioConverter&) = delete;
  AudioConverter& operator=(const AudioConverter&) = delete;

  /// The input format.
  AudioFormat input() const { return in_; }
  /// The output format.
  AudioFormat output() const { return out_; }
  /// Converts `chunk` (which must be in the input format); the result may be shorter or
  /// empty while the filter fills. Errors: invalid_argument for a chunk of another format;
  /// internal when libswresample fails.
  Result<AudioChunk> convert(const AudioChunk& chunk);
  /// What the filter still holds at the end of the input (maybe empty). Errors: internal.
  Result<AudioChunk> flush();
  /// Forgets all input, for a new stream (after flush() the filter only drains). Errors:
  /// internal when libswresample cannot set up again.
  Status reset();

 private:
  AudioConverter(AudioFormat in, AudioFormat out, const libs::SwResample& api, void* context);
  Result<AudioChunk> run(const int16_t* samples, uint32_t frames, int64_t pts_us);

  AudioFormat in_;
  AudioFormat out_;
  const libs::SwResample& api_;
  void* context_ = nullptr;   // SwrContext
  int64_t next_pts_us_ = -1;  // time of the next output sample, for flush()
  uint64_t sequence_ = 0;
};

/// An AudioSource delivering `source`'s audio through `converter` (whose input must be the
/// source's format). At the end of the source it delivers what the filter still holds, then
/// end_of_stream. Errors: the source's, and the converter's.
std::unique_ptr<AudioSource> make_converting_source(std::unique_ptr<AudioSource> source,
                                                    std::unique_ptr<AudioConverter> converter);

/// True when `codec` takes `rate` Hz: G.711 8000 only (K230's, and what players expect),
/// Opus 8000, 12000, 16000, 24000, 48000, AAC the nine rates from 8000 to 48000.
bool audio_codec_takes_rate(AudioCodec codec, uint32_t rate);
/// True when `codec` takes `channels`: G.711 1, Opus and AAC 1 or 2.
bool audio_codec_takes_channels(AudioCodec codec, uint16_t channels);

/// The format `codec` is fed from a source of format `source`: `rate` and `channels` when
/// not 0 (checked), else the source's own when the codec takes it, else 8000 Hz for G.711
/// and 48000 Hz for Opus and AAC, mono for G.711 and stereo for more channels than the codec
/// takes. Errors: invalid_argument naming what the codec takes when `rate` or `channels` is
/// given and the codec does not take it.
Result<AudioFormat> audio_format_for(AudioCodec codec, AudioFormat source, uint32_t rate, uint16_t channels);

}  // namespace camrec::media
