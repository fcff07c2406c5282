// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/audio.h"

#include <atomic>
#include <cmath>
#include <numbers>

#include "camrec/time.h"

namespace camrec::media {

int64_t AudioChunk::duration_us() const {
  if (sample_rate == 0) return 0;
  return rescale(frames(), sample_rate, kMicroseconds);
}

namespace {

class ToneSource final : public AudioSource {
 public:
  ToneSource(const AudioOptions& options, Clock& clock) : options_(options), clock_(clock) {}

  AudioFormat format() const override { return {options_.sample_rate, options_.channels}; }

  Status start() override {
    stop_.store(false);
    started_ = true;
    frames_ = 0;
    chunks_ = 0;
    start_us_ = clock_.now_us();
    origin_us_ = options_.beeps.origin_us >= 0 ? options_.beeps.origin_us : start_us_;
    return Status::ok();
  }

  Result<AudioChunk> read() override {
    if (!started_) return make_error(Errc::wrong_state, "tone source read before start");
    if (stop_.load()) return make_error(Errc::end_of_stream, "tone source stopped");
    if (options_.max_chunks != 0 && chunks_ >= options_.max_chunks) {
      return make_error(Errc::end_of_stream, "tone source reached its chunk limit");
    }
    const uint32_t rate = options_.sample_rate;
    const uint32_t n = options_.frames_per_chunk;
    AudioChunk chunk;
    chunk.sample_rate = rate;
    chunk.channels = options_.channels;
    chunk.pts_us = start_us_ + rescale(static_cast<int64_t>(frames_), rate, kMicroseconds);
    chunk.sequence = chunks_;
    chunk.samples.assign(size_t{n} * options_.channels, 0);
    for (uint32_t i = 0; i < n; ++i) {
      const int64_t t = start_us_ +
                        rescale(static_cast<int64_t>(frames_ + i), rate, kMicroseconds) -
                        origin_us_;
      int64_t since = 0;
      if (!beep_active(options_.beeps, t, &since)) continue;
      // The waveform uses floating point; timestamps never do.
      const double phase = 2.0 * std::numbers::pi * options_.tone_hz *
                           static_cast<double>(since) / 1e6;
      const auto v = static_cast<int16_t>(std::lround(options_.amplitude * std::sin(phase)));
      for (uint16_t c = 0; c < options_.channels; ++c) {
        chunk.samples[size_t{i} * options_.channels + c] = v;
      }
    }
    frames_ += n;
    ++chunks_;
    // A real input has the chunk only once its last sample was captured.
    if (options_.paced) {
      const int64_t end = start_us_ + rescale(static_cast<int64_t>(frames_), rate, kMicroseconds);
      if (!clock_.sleep_until_us(end, &stop_)) {
        return make_error(Errc::end_of_stream, "tone source stopped");
      }
    }
    return chunk;
  }

  void interrupt() override { stop_.store(true); }
  void stop() override {
    stop_.store(true);
    started_ = false;
  }

 private:
  AudioOptions options_;
  Clock& clock_;
  std::atomic<bool> stop_{false};
  bool started_ = false;
  uint64_t frames_ = 0;
  uint64_t chunks_ = 0;
  int64_t start_us_ = 0;
  int64_t origin_us_ = 0;
};

}  // namespace

Result<std::unique_ptr<AudioSource>> make_tone_source(const AudioOptions& options, Clock& clock) {
  if (options.sample_rate < 8000 || options.sample_rate > 192000) {
    return make_error(Errc::invalid_argument, "tone sample rate " +
                                                  std::to_string(options.sample_rate) +
                                                  " is outside 8000..192000");
  }
  if (options.channels == 0 || options.channels > 8) {
    return make_error(Errc::invalid_argument, "channel count " +
                                                  std::to_string(options.channels) +
                                                  " is outside 1..8");
  }
  if (options.frames_per_chunk == 0 || options.frames_per_chunk > 192000) {
    return make_error(Errc::invalid_argument, "chunk of " +
                                                  std::to_string(options.frames_per_chunk) +
                                                  " frames is outside 1..192000");
  }
  if (options.tone_hz == 0 || uint64_t{options.tone_hz} * 2 >= options.sample_rate) {
    return make_error(Errc::invalid_argument, "tone of " + std::to_string(options.tone_hz) +
                                                  " Hz is not below half the sample rate");
  }
  const BeepSchedule& b = options.beeps;
  if (b.first_us < 0 || b.period_us < 0 || b.duration_us <= 0 ||
      (b.period_us > 0 && b.duration_us > b.period_us)) {
    return make_error(Errc::invalid_argument,
                      "beep schedule needs first >= 0, period >= 0 and 0 < duration <= period");
  }
  return std::unique_ptr<AudioSource>(new ToneSource(options, clock));
}

Result<std::unique_ptr<AudioSource>> open_audio_source(const std::string& spec,
                                                       const AudioOptions& options,
                                                       Clock& clock) {
  if (spec.empty() || spec == "tone") return make_tone_source(options, clock);
  if (spec.rfind("wav:", 0) == 0) {
    if (spec.size() == 4) return make_error(Errc::invalid_argument, "wav: source needs a path");
    return open_wav_source(spec.substr(4), options, clock);
  }
  if (spec.rfind("alsa:", 0) == 0) {
    if (spec.size() == 5) return make_error(Errc::invalid_argument, "alsa: source needs a device");
    return open_alsa_source(spec.substr(5), options, clock);
  }
  return make_error(Errc::invalid_argument,
                    "unknown audio source '" + spec + "' (use tone, wav:PATH or alsa:DEVICE)");
}

}  // namespace camrec::media
