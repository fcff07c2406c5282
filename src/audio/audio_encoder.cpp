// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/audio_encoder.h"

#include "audio/aac_encoder.h"
#include "camrec/time.h"
#include "libs/audio.h"

#include "codec/g711.h"
#include "codec/opus.h"

namespace camrec::media {

const char* audio_codec_name(AudioCodec codec) {
  switch (codec) {
    case AudioCodec::g711a: return "g711a";
    case AudioCodec::g711u: return "g711u";
    case AudioCodec::opus: return "opus";
    case AudioCodec::aac: return "aac";
  }
  return "unknown";
}

Status AudioEncoder::encode(const AudioChunk& chunk, std::vector<AudioPacket>& out) {
  if (chunk.sample_rate != sample_rate() || chunk.channels != channels()) {
    return make_error(Errc::invalid_argument,
                      std::string(audio_codec_name(codec())) + " encoder takes " +
                          std::to_string(sample_rate()) + " Hz x" + std::to_string(channels()) +
                          ", the chunk is " + std::to_string(chunk.sample_rate) + " Hz x" +
                          std::to_string(chunk.channels));
  }
  if (pending_.empty()) {
    anchor_pts_ = chunk.pts_us;
    emitted_since_anchor_ = 0;
  }
  pending_.insert(pending_.end(), chunk.samples.begin(), chunk.samples.end());
  const size_t frame = size_t{frame_samples()} * channels();
  size_t used = 0;
  while (pending_.size() - used >= frame) {
    CAMREC_RETURN_IF_ERROR(emit(std::span<const int16_t>(pending_).subspan(used, frame), out));
    used += frame;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(used));
  return Status::ok();
}

Status AudioEncoder::flush(std::vector<AudioPacket>& out) {
  if (!pending_.empty()) {
    pending_.resize(size_t{frame_samples()} * channels(), 0);
    Status s = emit(pending_, out);
    pending_.clear();
    CAMREC_RETURN_IF_ERROR(s);
  }
  return drain(out);
}

Status AudioEncoder::emit(std::span<const int16_t> pcm, std::vector<AudioPacket>& out) {
  // Counted in samples from the chunk that started the buffer, so rounding never piles up.
  const int64_t pts_us = anchor_pts_ + rescale(static_cast<int64_t>(emitted_since_anchor_),
                                               sample_rate(), kMicroseconds);
  CAMREC_RETURN_IF_ERROR(encode_frame(pcm, pts_us, out));
  emitted_since_anchor_ += frame_samples();
  return Status::ok();
}

int64_t AudioEncoder::pts_after_input_us(uint64_t n) const {
  return anchor_pts_ + rescale(static_cast<int64_t>(emitted_since_anchor_ + n * frame_samples()), sample_rate(),
                               kMicroseconds);
}

AudioPacket AudioEncoder::frame_packet(int64_t pts_us) const {
  AudioPacket p;
  p.pts_us = pts_us;
  p.samples = frame_samples();
  p.duration_us = rescale(p.samples, sample_rate(), kMicroseconds);
  return p;
}

namespace {

class OpusAudioEncoder final : public AudioEncoder {
 public:
  OpusAudioEncoder(const AudioEncoderConfig& c, uint32_t frame) : config_(c), frame_(frame) {}
  ~OpusAudioEncoder() override {
    if (enc_ != nullptr) opus_->opus_encoder_destroy(enc_);
  }

  Status open() {
    CAMREC_ASSIGN_OR_RETURN(opus_, libs::opus());
    int err = OPUS_OK;
    enc_ = opus_->opus_encoder_create(static_cast<opus_int32>(config_.sample_rate), config_.channels,
                               OPUS_APPLICATION_AUDIO, &err);
    if (err != OPUS_OK || enc_ == nullptr) {
      return make_error(Errc::internal, std::string("opus_encoder_create: ") + opus_->opus_strerror(err));
    }
    if (config_.bitrate_bps != 0 &&
        opus_->opus_encoder_ctl(enc_, OPUS_SET_BITRATE(static_cast<opus_int32>(config_.bitrate_bps))) != OPUS_OK) {
      return make_error(Errc::invalid_argument, "opus rejects bitrate " +
                                                    std::to_string(config_.bitrate_bps));
    }
    opus_int32 lookahead = 0;
    if (opus_->opus_encoder_ctl(enc_, OPUS_GET_LOOKAHEAD(&lookahead)) != OPUS_OK) {
      return make_error(Errc::internal, "OPUS_GET_LOOKAHEAD failed");
    }
    // OpusHead counts pre-skip at 48 kHz whatever the input rate (RFC 7845 section 5.1).
    const auto pre_skip = static_cast<uint16_t>(rescale(lookahead, config_.sample_rate, 48000));
    CAMREC_ASSIGN_OR_RETURN(head_, codec::opus_head_from_encoder(config_.channels,
                                                                 config_.sample_rate, pre_skip));
    return Status::ok();
  }

  AudioCodec codec() const override { return AudioCodec::opus; }
  uint32_t sample_rate() const override { return config_.sample_rate; }
  uint16_t channels() const override { return config_.channels; }
  uint32_t frame_samples() const override { return frame_; }
  std::vector<uint8_t> opus_head() const override { return codec::serialize_opus_head(head_); }

 protected:
  Status encode_frame(std::span<const int16_t> pcm, int64_t pts_us, std::vector<AudioPacket>& out) override {
    AudioPacket packet = frame_packet(pts_us);
    // RFC 6716 caps one frame's packet at 1275 bytes; 4000 is libopus's recommended room.
    packet.data.resize(4000);
    opus_int32 n = opus_->opus_encode(enc_, pcm.data(), static_cast<int>(frame_), packet.data.data(),
                               static_cast<opus_int32>(packet.data.size()));
    if (n < 0) return make_error(Errc::internal, std::string("opus_encode: ") + opus_->opus_strerror(n));
    packet.data.resize(static_cast<size_t>(n));
    out.push_back(std::move(packet));
    encoded_ = true;
    return Status::ok();
  }

  // The encoder's lookahead (the pre-skip) still holds the end of the sound: one frame of
  // silence pushes it out, so the decoded audio reaches the last sample captured.
  Status drain(std::vector<AudioPacket>& out) override {
    if (!encoded_ || head_.pre_skip == 0) return Status::ok();
    const std::vector<int16_t> silence(size_t{frame_} * config_.channels, 0);
    Status s = encode_frame(silence, pts_after_input_us(0), out);
    encoded_ = false;
    return s;
  }

 private:
  AudioEncoderConfig config_;
  uint32_t frame_;
  bool encoded_ = false;  // a frame went in since the last drain
  const libs::Opus* opus_ = nullptr;
  OpusEncoder* enc_ = nullptr;
  codec::OpusHead head_;
};

class G711AudioEncoder final : public AudioEncoder {
 public:
  G711AudioEncoder(const AudioEncoderConfig& c, uint32_t frame) : config_(c), frame_(frame) {}
  AudioCodec codec() const override { return config_.codec; }
  uint32_t sample_rate() const override { return config_.sample_rate; }
  uint16_t channels() const override { return config_.channels; }
  uint32_t frame_samples() const override { return frame_; }

 protected:
  Status encode_frame(std::span<const int16_t> pcm, int64_t pts_us, std::vector<AudioPacket>& out) override {
    AudioPacket packet = frame_packet(pts_us);
    packet.data.resize(pcm.size());
    if (config_.codec == AudioCodec::g711a) {
      codec::encode_alaw(pcm, packet.data);
    } else {
      codec::encode_ulaw(pcm, packet.data);
    }
    out.push_back(std::move(packet));
    return Status::ok();
  }

 private:
  AudioEncoderConfig config_;
  uint32_t frame_;
};

}  // namespace

Result<std::unique_ptr<AudioEncoder>> make_audio_encoder(const AudioEncoderConfig& config) {
  if (config.codec == AudioCodec::aac) return make_aac_encoder(config);
  if (config.codec == AudioCodec::opus) {
    const uint32_t r = config.sample_rate;
    if (r != 8000 && r != 12000 && r != 16000 && r != 24000 && r != 48000) {
      return make_error(Errc::invalid_argument, "Opus takes 8, 12, 16, 24 or 48 kHz, not " +
                                                    std::to_string(r) + " Hz");
    }
    if (config.channels < 1 || config.channels > 2) {
      return make_error(Errc::invalid_argument, "Opus takes 1 or 2 channels");
    }
    // libopus silently clamps; an out-of-range request is a caller mistake worth reporting.
    if (config.bitrate_bps != 0 && (config.bitrate_bps < 6000 || config.bitrate_bps > 510000)) {
      return make_error(Errc::invalid_argument, "Opus bitrate " +
                                                    std::to_string(config.bitrate_bps) +
                                                    " is outside 6000..510000 bit/s");
    }
    uint32_t frame = config.frame_samples == 0 ? r / 50 : config.frame_samples;
    // 2.5, 5, 10, 20, 40 or 60 ms.
    const uint32_t tenth_ms = static_cast<uint32_t>(uint64_t{frame} * 10000 / r);
    const bool exact = uint64_t{frame} * 10000 % r == 0;
    if (!exact || (tenth_ms != 25 && tenth_ms != 50 && tenth_ms != 100 && tenth_ms != 200 &&
                   tenth_ms != 400 && tenth_ms != 600)) {
      return make_error(Errc::invalid_argument, "Opus frames of " + std::to_string(frame) +
                                                    " samples are not 2.5/5/10/20/40/60 ms");
    }
    auto enc = std::make_unique<OpusAudioEncoder>(config, frame);
    CAMREC_RETURN_IF_ERROR(enc->open());
    return std::unique_ptr<AudioEncoder>(std::move(enc));
  }
  if (config.sample_rate < 8000 || config.sample_rate > 48000) {
    return make_error(Errc::invalid_argument, "G.711 takes 8000..48000 Hz, not " +
                                                  std::to_string(config.sample_rate));
  }
  if (config.channels < 1 || config.channels > 8) {
    return make_error(Errc::invalid_argument, "G.711 takes 1..8 channels");
  }
  const uint32_t frame = config.frame_samples == 0 ? 320 : config.frame_samples;
  if (frame > config.sample_rate) {
    return make_error(Errc::invalid_argument, "G.711 frames of " + std::to_string(frame) +
                                                  " samples exceed one second");
  }
  return std::unique_ptr<AudioEncoder>(new G711AudioEncoder(config, frame));
}

}  // namespace camrec::media
