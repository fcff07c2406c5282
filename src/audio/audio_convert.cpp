// SPDX-License-Identifier: LGPL-2.1-or-later
#include "audio/audio_convert.h"

#include <algorithm>
#include <atomic>
#include <string>

#include "camrec/time.h"
#include "libs/audio.h"

namespace camrec::media {

namespace {

SwrContext* swr(void* p) { return static_cast<SwrContext*>(p); }

std::string describe(AudioFormat f) {
  return std::to_string(f.sample_rate) + " Hz x" + std::to_string(f.channels);
}

Status check_format(AudioFormat f, const char* what) {
  if (f.sample_rate < 1000 || f.sample_rate > 384000 || f.channels < 1 || f.channels > 8)
    return make_error(Errc::invalid_argument, std::string("audio conversion: ") + what + " " + describe(f) +
                                                  " is outside 1000..384000 Hz x 1..8 channels");
  return Status::ok();
}

class ConvertingSource final : public AudioSource {
 public:
  ConvertingSource(std::unique_ptr<AudioSource> source, std::unique_ptr<AudioConverter> converter)
      : source_(std::move(source)), converter_(std::move(converter)) {}

  AudioFormat format() const override { return converter_->output(); }
  Status start() override {
    flushed_ = false;
    interrupted_ = false;
    // A restarted source is a new stream: nothing of the last one may leak into it.
    CAMREC_RETURN_IF_ERROR(converter_->reset());
    return source_->start();
  }
  Result<AudioChunk> read() override {
    for (;;) {
      if (flushed_) return make_error(Errc::end_of_stream, "end of the converted audio");
      auto chunk = source_->read();
      if (!chunk) {
        if (chunk.error().code() != Errc::end_of_stream || interrupted_) return chunk.error();
        // The end of a file: the filter's tail is the file's last few milliseconds.
        flushed_ = true;
        CAMREC_ASSIGN_OR_RETURN(AudioChunk tail, converter_->flush());
        if (tail.samples.empty()) continue;
        return tail;
      }
      CAMREC_ASSIGN_OR_RETURN(AudioChunk out, converter_->convert(*chunk));
      if (!out.samples.empty()) return out;
    }
  }
  void interrupt() override {
    interrupted_ = true;
    source_->interrupt();
  }
  void stop() override { source_->stop(); }
  uint64_t overruns() const override { return source_->overruns(); }

 private:
  std::unique_ptr<AudioSource> source_;
  std::unique_ptr<AudioConverter> converter_;
  std::atomic<bool> interrupted_{false};
  bool flushed_ = false;
};

}  // namespace

AudioConverter::AudioConverter(AudioFormat in, AudioFormat out, const libs::SwResample& api, void* context)
    : in_(in), out_(out), api_(api), context_(context) {}

AudioConverter::~AudioConverter() {
  SwrContext* s = swr(context_);
  api_.swr_free(&s);
}

Result<std::unique_ptr<AudioConverter>> AudioConverter::create(AudioFormat in, AudioFormat out) {
  CAMREC_RETURN_IF_ERROR(check_format(in, "input"));
  CAMREC_RETURN_IF_ERROR(check_format(out, "output"));
  CAMREC_ASSIGN_OR_RETURN(const libs::SwResample* api, libs::swresample());
  AVChannelLayout in_layout, out_layout;
  api->av_channel_layout_default(&in_layout, in.channels);
  api->av_channel_layout_default(&out_layout, out.channels);
  SwrContext* s = nullptr;
  int rc = api->swr_alloc_set_opts2(&s, &out_layout, AV_SAMPLE_FMT_S16, static_cast<int>(out.sample_rate), &in_layout,
                               AV_SAMPLE_FMT_S16, static_cast<int>(in.sample_rate), 0, nullptr);
  api->av_channel_layout_uninit(&in_layout);
  api->av_channel_layout_uninit(&out_layout);
  if (rc < 0 || !s || api->swr_init(s) < 0) {
    api->swr_free(&s);
    return make_error(Errc::internal, "libswresample cannot convert " + describe(in) + " to " + describe(out));
  }
  return std::unique_ptr<AudioConverter>(new AudioConverter(in, out, *api, s));
}

Result<AudioChunk> AudioConverter::run(const int16_t* samples, uint32_t frames, int64_t pts_us) {
  SwrContext* s = swr(context_);
  const int room = api_.swr_get_out_samples(s, static_cast<int>(frames));
  if (room < 0) return make_error(Errc::internal, "libswresample: cannot size the output");
  AudioChunk out;
  out.sample_rate = out_.sample_rate;
  out.channels = out_.channels;
  out.pts_us = pts_us;
  out.sequence = sequence_;
  out.samples.resize(size_t(room) * out_.channels);
  uint8_t* out_planes[1] = {reinterpret_cast<uint8_t*>(out.samples.data())};
  const uint8_t* in_planes[1] = {reinterpret_cast<const uint8_t*>(samples)};
  const int got = api_.swr_convert(s, out_planes, room, samples ? in_planes : nullptr, static_cast<int>(frames));
  if (got < 0) return make_error(Errc::internal, "libswresample failed to convert " + describe(in_));
  out.samples.resize(size_t(got) * out_.channels);
  if (got > 0) ++sequence_;
  next_pts_us_ = pts_us + rescale(got, out_.sample_rate, kMicroseconds);
  return out;
}

Result<AudioChunk> AudioConverter::convert(const AudioChunk& chunk) {
  if (chunk.sample_rate != in_.sample_rate || chunk.channels != in_.channels)
    return make_error(Errc::invalid_argument, "audio conversion from " + describe(in_) + " got a chunk of " +
                                                  describe({chunk.sample_rate, chunk.channels}));
  // The first sample out is the one the filter centres on now: the input's time less what
  // it holds back.
  const int64_t held_us = api_.swr_get_delay(swr(context_), kMicroseconds);
  return run(chunk.samples.data(), chunk.frames(), chunk.pts_us - held_us);
}

Status AudioConverter::reset() {
  api_.swr_close(swr(context_));
  if (api_.swr_init(swr(context_)) < 0)
    return make_error(Errc::internal, "libswresample cannot convert " + describe(in_) + " to " + describe(out_));
  next_pts_us_ = -1;
  return Status::ok();
}

Result<AudioChunk> AudioConverter::flush() { return run(nullptr, 0, std::max<int64_t>(next_pts_us_, 0)); }

std::unique_ptr<AudioSource> make_converting_source(std::unique_ptr<AudioSource> source,
                                                    std::unique_ptr<AudioConverter> converter) {
  return std::make_unique<ConvertingSource>(std::move(source), std::move(converter));
}

bool audio_codec_takes_rate(AudioCodec codec, uint32_t rate) {
  switch (codec) {
    case AudioCodec::g711a:
    case AudioCodec::g711u: return rate == 8000;
    case AudioCodec::opus: return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
    case AudioCodec::aac:
      for (uint32_t r : {8000u, 11025u, 12000u, 16000u, 22050u, 24000u, 32000u, 44100u, 48000u})
        if (rate == r) return true;
      return false;
  }
  return false;
}

bool audio_codec_takes_channels(AudioCodec codec, uint16_t channels) {
  if (codec == AudioCodec::g711a || codec == AudioCodec::g711u) return channels == 1;
  return channels == 1 || channels == 2;
}

Result<AudioFormat> audio_format_for(AudioCodec codec, AudioFormat source, uint32_t rate, uint16_t channels) {
  const bool g711 = codec == AudioCodec::g711a || codec == AudioCodec::g711u;
  const std::string name = g711 ? "G.711" : codec == AudioCodec::opus ? "Opus" : "AAC";
  if (rate != 0 && !audio_codec_takes_rate(codec, rate)) {
    const char* takes = g711 ? "8000 Hz only"
                        : codec == AudioCodec::opus
                            ? "8000, 12000, 16000, 24000 or 48000 Hz"
                            : "8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100 or 48000 Hz";
    return make_error(Errc::invalid_argument, "audio rate " + std::to_string(rate) + ": " + name + " takes " + takes);
  }
  if (channels != 0 && !audio_codec_takes_channels(codec, channels))
    return make_error(Errc::invalid_argument, std::to_string(channels) + " audio channels: " + name + " takes " +
                                                  (g711 ? "1 (mono only)" : "1 or 2"));
  AudioFormat f;
  f.sample_rate = rate ? rate : audio_codec_takes_rate(codec, source.sample_rate) ? source.sample_rate : g711 ? 8000 : 48000;
  f.channels = channels ? channels : audio_codec_takes_channels(codec, source.channels) ? source.channels : g711 ? 1 : 2;
  return f;
}

}  // namespace camrec::media
