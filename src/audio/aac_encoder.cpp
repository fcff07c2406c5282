// SPDX-License-Identifier: LGPL-2.1-or-later
// AAC-LC with FFmpeg's native AAC encoder (libavcodec). The format every MP4 player plays:
// QuickTime, Safari/iOS, Windows' player and browsers, where G.711 in MP4 plays almost
// nowhere.
#include "audio/aac_encoder.h"

#include <algorithm>
#include <deque>
#include <iterator>
#include <string>

#include "camrec/time.h"
#include "libs/audio.h"

namespace camrec::media {

namespace {

std::string av_message(const libs::AvCodec& av, int err) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av.av_strerror(err, text, sizeof text);
  return text;
}

// Bitrate when none is asked for: 64 kbit/s per channel from 32 kHz up, less below, where
// the encoder cannot spend more (its ceiling is 6144 bits per channel per 1024 samples).
uint32_t default_aac_bitrate(uint32_t rate, uint16_t channels) {
  const uint32_t per_channel = rate >= 32000 ? 64000 : rate * 2;
  return per_channel * channels;
}

class AacAudioEncoder final : public AudioEncoder {
 public:
  explicit AacAudioEncoder(const AudioEncoderConfig& c) : config_(c) {}
  ~AacAudioEncoder() override {
    if (av_ == nullptr) return;
    av_->av_frame_free(&frame_);
    av_->av_packet_free(&packet_);
    av_->avcodec_free_context(&ctx_);
  }

  Status open() {
    CAMREC_ASSIGN_OR_RETURN(av_, libs::avcodec());
    // libavcodec logs at info level to stderr by default ("Qavg: ..." when an encoder
    // closes); a recorder's output is its own messages. A level the host set is kept.
    if (av_->av_log_get_level() == AV_LOG_INFO) av_->av_log_set_level(AV_LOG_ERROR);
    const AVCodec* codec = av_->avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (codec == nullptr) return make_error(Errc::internal, "libavcodec has no AAC encoder");
    ctx_ = av_->avcodec_alloc_context3(codec);
    frame_ = av_->av_frame_alloc();
    packet_ = av_->av_packet_alloc();
    if (ctx_ == nullptr || frame_ == nullptr || packet_ == nullptr) {
      return make_error(Errc::internal, "libavcodec: out of memory for the AAC encoder");
    }
    ctx_->sample_fmt = AV_SAMPLE_FMT_FLTP;  // the only input format of FFmpeg's AAC encoder
    ctx_->sample_rate = static_cast<int>(config_.sample_rate);
    av_->av_channel_layout_default(&ctx_->ch_layout, config_.channels);
    ctx_->bit_rate = config_.bitrate_bps != 0 ? config_.bitrate_bps
                                              : default_aac_bitrate(config_.sample_rate, config_.channels);
    ctx_->profile = FF_PROFILE_AAC_LOW;
    ctx_->time_base = AVRational{1, static_cast<int>(config_.sample_rate)};
    // The AudioSpecificConfig goes into extradata (for the muxer's esds), not in-band.
    ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (int err = av_->avcodec_open2(ctx_, codec, nullptr); err < 0) {
      return make_error(Errc::internal, "libavcodec AAC encoder: " + av_message(*av_, err));
    }
    if (ctx_->frame_size != 1024 || ctx_->extradata_size < 2) {
      return make_error(Errc::internal, "libavcodec AAC encoder: unexpected frame size or configuration");
    }
    audio_specific_config_.assign(ctx_->extradata, ctx_->extradata + ctx_->extradata_size);
    frame_->format = AV_SAMPLE_FMT_FLTP;
    frame_->nb_samples = ctx_->frame_size;
    frame_->sample_rate = ctx_->sample_rate;
    if (av_->av_channel_layout_copy(&frame_->ch_layout, &ctx_->ch_layout) < 0 || av_->av_frame_get_buffer(frame_, 0) < 0) {
      return make_error(Errc::internal, "libavcodec: out of memory for an AAC frame");
    }
    return Status::ok();
  }

  AudioCodec codec() const override { return AudioCodec::aac; }
  uint32_t sample_rate() const override { return config_.sample_rate; }
  uint16_t channels() const override { return config_.channels; }
  uint32_t frame_samples() const override { return 1024; }
  std::vector<uint8_t> audio_specific_config() const override { return audio_specific_config_; }
  uint32_t priming_samples() const override { return static_cast<uint32_t>(ctx_->initial_padding); }

 protected:
  Status encode_frame(std::span<const int16_t> pcm, int64_t pts_us, std::vector<AudioPacket>& out) override {
    if (int err = av_->av_frame_make_writable(frame_); err < 0) {
      return make_error(Errc::internal, "libavcodec: " + av_message(*av_, err));
    }
    const uint16_t n = config_.channels;
    for (uint16_t c = 0; c < n; ++c) {
      auto* plane = reinterpret_cast<float*>(frame_->extended_data[c]);
      for (uint32_t i = 0; i < 1024; ++i) plane[i] = static_cast<float>(pcm[size_t{i} * n + c]) / 32768.0f;
    }
    frame_->pts = frames_sent_ * 1024;
    frames_sent_++;
    input_pts_us_.push_back(pts_us);
    if (int err = av_->avcodec_send_frame(ctx_, frame_); err < 0) {
      return make_error(Errc::internal, "libavcodec AAC encoder: " + av_message(*av_, err));
    }
    return receive(out);
  }

  Status drain(std::vector<AudioPacket>& out) override {
    if (frames_sent_ == 0 || drained_) return Status::ok();
    drained_ = true;
    if (int err = av_->avcodec_send_frame(ctx_, nullptr); err < 0) {
      return make_error(Errc::internal, "libavcodec AAC encoder: " + av_message(*av_, err));
    }
    return receive(out);
  }

 private:
  // Packet k is stamped with frame k's capture time, as Opus packets are: the decoder's
  // output runs priming_samples() late (packet 0 decodes to the delay, then frame 0), and
  // the edit list's media_time takes that back, so frame 0 is heard at its capture time.
  Status receive(std::vector<AudioPacket>& out) {
    for (;;) {
      int err = av_->avcodec_receive_packet(ctx_, packet_);
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return Status::ok();
      if (err < 0) return make_error(Errc::internal, "libavcodec AAC encoder: " + av_message(*av_, err));
      AudioPacket p;
      p.samples = 1024;
      p.duration_us = rescale(p.samples, config_.sample_rate, kMicroseconds);
      if (!input_pts_us_.empty()) {
        p.pts_us = input_pts_us_.front();
        input_pts_us_.pop_front();
      } else {
        // The delay's worth after the last frame, on the same sample count as the frames.
        p.pts_us = pts_after_input_us(packets_after_input_++);
      }
      p.data.assign(packet_->data, packet_->data + packet_->size);
      av_->av_packet_unref(packet_);
      out.push_back(std::move(p));
    }
  }

  AudioEncoderConfig config_;
  const libs::AvCodec* av_ = nullptr;
  AVCodecContext* ctx_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
  std::vector<uint8_t> audio_specific_config_;
  std::deque<int64_t> input_pts_us_;  // capture times of the frames not yet matched to a packet
  int64_t frames_sent_ = 0;
  uint64_t packets_after_input_ = 0;  // packets handed out after the last frame's
  bool drained_ = false;
};

}  // namespace

Result<std::unique_ptr<AudioEncoder>> make_aac_encoder(const AudioEncoderConfig& config) {
  static constexpr uint32_t kRates[] = {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000};
  if (std::find(std::begin(kRates), std::end(kRates), config.sample_rate) == std::end(kRates)) {
    return make_error(Errc::invalid_argument, "AAC takes 8000, 11025, 12000, 16000, 22050, 24000, 32000, "
                                              "44100 or 48000 Hz, not " + std::to_string(config.sample_rate) +
                                              " Hz (--audio-rate)");
  }
  if (config.channels < 1 || config.channels > 2) {
    return make_error(Errc::invalid_argument, "AAC takes 1 or 2 channels, not " + std::to_string(config.channels));
  }
  if (config.frame_samples != 0 && config.frame_samples != 1024) {
    return make_error(Errc::invalid_argument, "AAC-LC frames hold 1024 samples, not " +
                                                  std::to_string(config.frame_samples));
  }
  const uint32_t ceiling = 6144 * config.sample_rate / 1024 * config.channels;
  if (config.bitrate_bps != 0 && (config.bitrate_bps < 8000 || config.bitrate_bps > ceiling)) {
    return make_error(Errc::invalid_argument, "AAC bitrate " + std::to_string(config.bitrate_bps) +
                                                  " is outside 8000.." + std::to_string(ceiling) +
                                                  " bit/s at this rate and channel count");
  }
  auto encoder = std::make_unique<AacAudioEncoder>(config);
  CAMREC_RETURN_IF_ERROR(encoder->open());
  return std::unique_ptr<AudioEncoder>(std::move(encoder));
}

}  // namespace camrec::media
