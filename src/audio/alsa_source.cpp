// SPDX-License-Identifier: LGPL-2.1-or-later
#include <atomic>
#include <cerrno>
#include <cstdarg>

#include "camrec/media/audio.h"
#include "camrec/time.h"
#include "libs/alsa.h"

namespace camrec::media {

namespace {

constexpr int kWaitSliceMs = 100;
constexpr int64_t kReadTimeoutUs = 5'000'000;

// ALSA prints its own diagnostics to stderr; the Status we return carries the message.
void quiet_alsa_errors(const char*, int, const char*, int, const char*, ...) {}

Status alsa_error(const libs::Alsa& alsa, Errc code, const std::string& device, const char* what, int err) {
  return make_error(code, "ALSA " + device + ": " + what + ": " + alsa.snd_strerror(err));
}

class AlsaSource final : public AudioSource {
 public:
  AlsaSource(const libs::Alsa& alsa, std::string device, snd_pcm_t* pcm, AudioFormat format,
             const AudioOptions& options, Clock& clock)
      : alsa_(alsa), device_(std::move(device)), pcm_(pcm), format_(format), options_(options),
        clock_(clock) {}

  ~AlsaSource() override {
    stop();
    alsa_.snd_pcm_close(pcm_);
  }

  AudioFormat format() const override { return format_; }

  Status start() override {
    stop_.store(false);
    chunks_ = 0;
    last_pts_ = INT64_MIN;
    int err = alsa_.snd_pcm_prepare(pcm_);
    if (err < 0) return alsa_error(alsa_, Errc::io, device_, "prepare", err);
    err = alsa_.snd_pcm_start(pcm_);
    if (err < 0) return alsa_error(alsa_, Errc::io, device_, "start", err);
    started_ = true;
    return Status::ok();
  }

  Result<AudioChunk> read() override {
    if (!started_) return make_error(Errc::wrong_state, "ALSA source read before start");
    if (options_.max_chunks != 0 && chunks_ >= options_.max_chunks) {
      return make_error(Errc::end_of_stream, "ALSA source reached its chunk limit");
    }
    const uint32_t want = options_.frames_per_chunk;
    AudioChunk chunk;
    chunk.sample_rate = format_.sample_rate;
    chunk.channels = format_.channels;
    chunk.samples.assign(size_t{want} * format_.channels, 0);
    uint32_t got = 0;
    const int64_t give_up = steady_clock().now_us() + kReadTimeoutUs;
    while (got < want) {
      if (stop_.load()) return make_error(Errc::end_of_stream, "ALSA source stopped");
      int ready = alsa_.snd_pcm_wait(pcm_, kWaitSliceMs);
      if (ready == 0) {
        if (steady_clock().now_us() > give_up) {
          return make_error(Errc::io, "ALSA " + device_ + ": no audio for 5 s");
        }
        continue;
      }
      snd_pcm_sframes_t r = ready < 0 ? ready
                                      : alsa_.snd_pcm_readi(pcm_, chunk.samples.data() + size_t{got} * format_.channels,
                                                      want - got);
      if (r == -EAGAIN) continue;
      if (r == -EPIPE || r == -ESTRPIPE) {
        // Overrun: samples were lost; restart the stream and keep the timeline honest
        // (the next chunk gets a fresh timestamp from the clock).
        ++overruns_;
        int err = alsa_.snd_pcm_prepare(pcm_);
        if (err < 0) return alsa_error(alsa_, Errc::io, device_, "recover", err);
        alsa_.snd_pcm_start(pcm_);
        got = 0;
        continue;
      }
      if (r < 0) return alsa_error(alsa_, Errc::io, device_, "read", static_cast<int>(r));
      got += static_cast<uint32_t>(r);
    }
    // The last sample was captured `delay` frames ago: the device still holds that many.
    snd_pcm_sframes_t delay = 0;
    if (alsa_.snd_pcm_delay(pcm_, &delay) < 0 || delay < 0) delay = 0;
    const int64_t now = clock_.now_us();
    int64_t pts = now - rescale(static_cast<int64_t>(want) + delay, format_.sample_rate,
                                kMicroseconds);
    if (pts <= last_pts_) pts = last_pts_ + 1;
    last_pts_ = pts;
    chunk.pts_us = pts;
    chunk.sequence = chunks_++;
    return chunk;
  }

  void interrupt() override { stop_.store(true); }
  uint64_t overruns() const override { return overruns_.load(); }

  void stop() override {
    stop_.store(true);
    if (started_) {
      alsa_.snd_pcm_drop(pcm_);
      started_ = false;
    }
  }

 private:
  const libs::Alsa& alsa_;
  std::string device_;
  snd_pcm_t* pcm_;
  AudioFormat format_;
  AudioOptions options_;
  Clock& clock_;
  std::atomic<bool> stop_{false};
  bool started_ = false;
  uint64_t chunks_ = 0;
  std::atomic<uint64_t> overruns_{0};
  int64_t last_pts_ = INT64_MIN;
};

}  // namespace

Result<std::unique_ptr<AudioSource>> open_alsa_source(const std::string& device,
                                                      const AudioOptions& options,
                                                      Clock& clock) {
  if (options.channels == 0 || options.channels > 8 || options.sample_rate < 8000 ||
      options.sample_rate > 192000 || options.frames_per_chunk == 0 ||
      options.frames_per_chunk > 192000) {
    return make_error(Errc::invalid_argument,
                      "ALSA capture needs 1..8 channels, 8000..192000 Hz and 1..192000 frames "
                      "per chunk");
  }
  CAMREC_ASSIGN_OR_RETURN(const libs::Alsa* alsa, libs::alsa());
  alsa->snd_lib_error_set_handler(quiet_alsa_errors);
  snd_pcm_t* pcm = nullptr;
  int err = alsa->snd_pcm_open(&pcm, device.c_str(), SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK);
  if (err < 0) return alsa_error(*alsa, Errc::not_found, device, "cannot open capture device", err);
  auto fail = [&](Errc code, const char* what, int e) {
    alsa->snd_pcm_close(pcm);
    return alsa_error(*alsa, code, device, what, e);
  };
  snd_pcm_hw_params_t* hw = nullptr;
  if ((err = alsa->snd_pcm_hw_params_malloc(&hw)) < 0) return fail(Errc::internal, "hw_params_malloc", err);
  std::unique_ptr<snd_pcm_hw_params_t, void (*)(snd_pcm_hw_params_t*)> hw_owner(hw, alsa->snd_pcm_hw_params_free);
  if ((err = alsa->snd_pcm_hw_params_any(pcm, hw)) < 0) return fail(Errc::io, "hw_params_any", err);
  if ((err = alsa->snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0) {
    return fail(Errc::unsupported, "interleaved access", err);
  }
  if ((err = alsa->snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE)) < 0) {
    return fail(Errc::unsupported, "S16_LE format", err);
  }
  if ((err = alsa->snd_pcm_hw_params_set_channels(pcm, hw, options.channels)) < 0) {
    return fail(Errc::unsupported, "channel count", err);
  }
  unsigned int rate = options.sample_rate;
  if ((err = alsa->snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, nullptr)) < 0) {
    return fail(Errc::unsupported, "sample rate", err);
  }
  snd_pcm_uframes_t period = options.frames_per_chunk;
  alsa->snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, nullptr);
  snd_pcm_uframes_t buffer = period * 8;
  alsa->snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer);
  if ((err = alsa->snd_pcm_hw_params(pcm, hw)) < 0) return fail(Errc::io, "hw_params", err);
  AudioFormat format{rate, options.channels};
  return std::unique_ptr<AudioSource>(new AlsaSource(*alsa, device, pcm, format, options, clock));
}

}  // namespace camrec::media
