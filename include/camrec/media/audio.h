// SPDX-License-Identifier: LGPL-2.1-or-later
// Audio inputs: 16-bit PCM chunks stamped on the same capture clock as video frames.
// Sources: "tone" (silence with beeps on a BeepSchedule), "wav:PATH", "alsa:DEVICE".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "camrec/media/beep_schedule.h"
#include "camrec/media/clock.h"
#include "camrec/status.h"

namespace camrec::media {

/// Sample rate and channel count of a PCM stream.
struct AudioFormat {
  uint32_t sample_rate = 8000;  ///< Hz.
  uint16_t channels = 1;        ///< Interleaved channels.
};

/// One read of PCM: interleaved signed 16-bit samples.
struct AudioChunk {
  std::vector<int16_t> samples;  ///< frames() * channels values, interleaved.
  uint32_t sample_rate = 8000;  ///< Hz.
  uint16_t channels = 1;        ///< Interleaved channels.
  int64_t pts_us = 0;     ///< Capture time of the first sample (capture clock, µs).
  uint64_t sequence = 0;  ///< Chunk number since start().
  /// Sample frames (samples per channel).
  uint32_t frames() const {
    return channels == 0 ? 0 : static_cast<uint32_t>(samples.size() / channels);
  }
  /// Duration in µs (rounded).
  int64_t duration_us() const;
};

/// Options shared by audio sources; each reads the ones that apply to it.
struct AudioOptions {
  uint32_t sample_rate = 8000;      ///< Tone and ALSA rate (wav files carry their own).
  uint16_t channels = 1;            ///< Tone and ALSA channels (1..8).
  uint32_t frames_per_chunk = 320;  ///< Frames per read (K230: 320 = 40 ms at 8 kHz).
  /// Tone and wav: true delivers each chunk when the clock reaches its end (real time);
  /// false as fast as possible with timestamps still contiguous.
  bool paced = true;
  BeepSchedule beeps;        ///< Tone beep instants (first at origin + 1 s by default).
  uint32_t tone_hz = 1000;   ///< Beep frequency.
  int16_t amplitude = 16000; ///< Beep peak value.
  uint64_t max_chunks = 0;   ///< End with end_of_stream after this many chunks (0 = no limit).
};

/// A PCM producer; read() runs on one thread, interrupt() may come from any thread.
class AudioSource {
 public:
  virtual ~AudioSource() = default;
  /// Format of the chunks read() returns.
  virtual AudioFormat format() const = 0;
  /// Starts capture; the first sample is stamped at (or, for devices, near) the clock's now.
  /// Errors: io for device failures.
  virtual Status start() = 0;
  /// The next chunk (frames_per_chunk frames; the last chunk of a file may be shorter).
  /// Errors: end_of_stream at the end, after max_chunks or when interrupted; wrong_state
  /// before start(); io for device failures.
  virtual Result<AudioChunk> read() = 0;
  /// Makes a blocked or later read() return end_of_stream until start() again.
  virtual void interrupt() = 0;
  /// Stops capture.
  virtual void stop() = 0;
  /// Times the device overran and samples were lost (the chunk after a loss is stamped
  /// afresh from the clock, so the gap shows in the timestamps). 0 for files and tones.
  virtual uint64_t overruns() const { return 0; }
};

/// Opens "tone" (also ""), "wav:PATH" or "alsa:DEVICE". `clock` must outlive the source.
/// Errors: invalid_argument for an unknown spec or bad options, and each source's errors.
Result<std::unique_ptr<AudioSource>> open_audio_source(const std::string& spec,
                                                       const AudioOptions& options, Clock& clock);

/// The tone source: silence with `tone_hz` beeps of beeps.duration_us at each beep instant.
/// Errors: invalid_argument for a rate outside 8000..192000, channels outside 1..8, chunk
/// size outside 1..192000, tone_hz at or above half the rate, or a bad beep schedule.
Result<std::unique_ptr<AudioSource>> make_tone_source(const AudioOptions& options, Clock& clock);

/// A wav file source (16-bit integer PCM, up to 8 channels, 1000..384000 Hz). Errors:
/// not_found / io for the file, malformed for a broken RIFF/WAVE header, unsupported for
/// another sample format.
Result<std::unique_ptr<AudioSource>> open_wav_source(const std::string& path,
                                                     const AudioOptions& options, Clock& clock);

/// An ALSA capture device ("default", "hw:0,0", ...). Errors: not_found when the device
/// cannot be opened, unsupported when it refuses S16_LE / the channel count, io otherwise.
Result<std::unique_ptr<AudioSource>> open_alsa_source(const std::string& device,
                                                      const AudioOptions& options, Clock& clock);

}  // namespace camrec::media
