// SPDX-License-Identifier: LGPL-2.1-or-later
// Audio packets to MP4 samples: G.711 ('ulaw'/'alaw', QuickTime sound entries), AAC
// ('mp4a' + esds, raw or ADTS input) and Opus ('Opus' + dOps, Opus in ISOBMFF).
#include <algorithm>

#include "codec/aac.h"
#include "codec/opus.h"
#include "mux/track_input.h"

namespace camrec::mux {

namespace {

using box::fourcc;

/// Largest audio packet accepted: 1 s of 8-channel 48 kHz 16-bit PCM is far above any
/// compressed or G.711 packet a recorder produces.
constexpr size_t kMaxAudioPacket = 1u << 20;

class AudioInput : public TrackInput {
 public:
  explicit AudioInput(const AudioTrackConfig& c) : config_(c) {
    timescale_ = c.timescale ? c.timescale : (c.codec == Codec::opus ? 48'000 : c.sample_rate);
  }

  Result<InputSample> prepare(std::span<const uint8_t> packet, std::vector<uint8_t>& out) override {
    if (packet.size() > kMaxAudioPacket)
      return make_error(Errc::limit_exceeded, "audio packet of " + std::to_string(packet.size()) +
                                                  " bytes is larger than the limit of 1 MiB per audio packet");
    Result<Prepared> p = make_error(Errc::invalid_argument, "not an audio codec");
    switch (config_.codec) {
      case Codec::g711_alaw:
      case Codec::g711_ulaw: p = prepare_g711(packet); break;
      case Codec::aac: p = prepare_aac(packet); break;
      case Codec::opus: p = prepare_opus(packet); break;
      default: break;
    }
    if (!p) return p.error();
    out.insert(out.end(), p->data.begin(), p->data.end());
    return InputSample{p->data.size(), true, false, p->duration};
  }

  bool configured() const override { return config_.codec != Codec::aac || !asc_.empty(); }
  bool is_video() const override { return false; }
  Timescale timescale() const override { return timescale_; }

  uint32_t priming() const override {
    if (config_.codec == Codec::aac)
      return static_cast<uint32_t>(rescale(config_.priming_samples, config_.sample_rate, timescale_));
    if (config_.codec != Codec::opus) return 0;
    return static_cast<uint32_t>(rescale(opus_head_.pre_skip, 48'000, timescale_));
  }
  int16_t roll_distance() const override { return roll_distance_; }
  bool trims_end() const override { return config_.codec == Codec::opus; }

  uint32_t pcm_frame_bytes() const override {
    // GStreamer's qtdemux reads 'ulaw'/'alaw' as QuickTime sound, one sample per frame
    // (stsz = bytes per frame, stts delta 1): 320-byte samples come out as 150 bytes of
    // sound out of 48000. That layout needs a tick per frame, i.e. timescale = rate.
    const bool g711 = config_.codec == Codec::g711_alaw || config_.codec == Codec::g711_ulaw;
    return g711 && timescale_ == config_.sample_rate ? config_.channels : 0;
  }

  std::string codec_string() const override {
    switch (config_.codec) {
      case Codec::g711_alaw: return "alaw";
      case Codec::g711_ulaw: return "ulaw";
      case Codec::aac: return asc_.empty() ? "mp4a.40" : "mp4a.40." + std::to_string(asc_[0] >> 3);
      case Codec::opus: return "Opus";
      default: return "";
    }
  }

  void describe(box::SampleDescriptionBox& stsd) const override {
    box::AudioSampleEntry e;
    e.data_reference_index = 1;
    e.channelcount = static_cast<uint16_t>(config_.channels);
    e.samplesize = 16;
    // The 16.16 rate field cannot hold 65536 Hz or more; timescale carries the truth.
    e.samplerate = std::min<uint32_t>(config_.codec == Codec::opus ? 48'000 : config_.sample_rate, 65535) << 16;
    switch (config_.codec) {
      case Codec::g711_alaw: e.type = fourcc("alaw"); break;
      case Codec::g711_ulaw: e.type = fourcc("ulaw"); break;
      case Codec::aac: {
        e.type = fourcc("mp4a");
        codec::EsDescriptor es;
        es.decoder_config.decoder_specific_info = asc_;
        es.decoder_config.max_bitrate = max_bitrate_;
        es.decoder_config.avg_bitrate = avg_bitrate();
        es.decoder_config.buffer_size_db = max_frame_bytes_;
        box::EsdsBox esds;
        esds.descriptor = codec::serialize_es_descriptor(es);
        e.esds = std::move(esds);
        break;
      }
      case Codec::opus: {
        e.type = fourcc("Opus");
        box::OpusSpecificBox dops;
        dops.payload = codec::serialize_dops(opus_head_);
        e.dOps = std::move(dops);
        break;
      }
      default: break;
    }
    stsd.audio.push_back(std::move(e));
  }

  Status configure() {
    if (config_.channels == 0 || config_.channels > 8)
      return make_error(Errc::invalid_argument, "audio channels must be 1..8, not " + std::to_string(config_.channels));
    if (config_.sample_rate == 0 || config_.sample_rate > 384'000)
      return make_error(Errc::invalid_argument, "audio sample rate " + std::to_string(config_.sample_rate));
    if (config_.priming_samples != 0 && config_.codec != Codec::aac)
      return make_error(Errc::invalid_argument, "priming_samples is for AAC only (Opus carries its pre-skip)");
    // More than a second of delay is no encoder's: a wrong unit (µs, bytes) more likely.
    if (config_.priming_samples > config_.sample_rate)
      return make_error(Errc::invalid_argument, "AAC priming of " + std::to_string(config_.priming_samples) +
                                                    " samples is over a second at " +
                                                    std::to_string(config_.sample_rate) + " Hz");
    if (config_.codec == Codec::aac && !config_.codec_config.empty()) {
      CAMREC_ASSIGN_OR_RETURN(auto asc, codec::parse_audio_specific_config(config_.codec_config));
      asc_ = config_.codec_config;
      samples_per_frame_ = asc.frame_samples();
    }
    if (config_.codec == Codec::opus) {
      if (!config_.codec_config.empty()) {
        CAMREC_ASSIGN_OR_RETURN(opus_head_, codec::parse_opus_head(config_.codec_config));
      } else {
        // 312 samples is libopus' encoder lookahead at 48 kHz, what it reports by default.
        CAMREC_ASSIGN_OR_RETURN(opus_head_, codec::opus_head_from_encoder(static_cast<int>(config_.channels),
                                                                          config_.sample_rate, 312));
      }
    }
    return Status::ok();
  }

 private:
  /// A packet's sample bytes (a view into the packet) and duration.
  struct Prepared {
    std::span<const uint8_t> data;
    uint32_t duration = 0;
  };

  Result<Prepared> prepare_g711(std::span<const uint8_t> packet) {
    // One byte per sample and channel: the duration is in the packet's size.
    if (packet.size() % config_.channels != 0)
      return make_error(Errc::invalid_argument, "G.711 packet of " + std::to_string(packet.size()) +
                                                    " bytes is not a whole number of " +
                                                    std::to_string(config_.channels) + "-channel samples");
    Prepared s;
    s.data = packet;
    s.duration = static_cast<uint32_t>(rescale(static_cast<int64_t>(packet.size() / config_.channels),
                                               config_.sample_rate, timescale_));
    return s;
  }

  Result<Prepared> prepare_aac(std::span<const uint8_t> packet) {
    Prepared s;
    s.data = packet;
    if (packet.size() >= 2 && packet[0] == 0xFF && (packet[1] & 0xF6) == 0xF0) {  // ADTS syncword, layer 0
      CAMREC_ASSIGN_OR_RETURN(auto adts, codec::parse_adts_header(packet));
      if (adts.frame_length != packet.size())
        return make_error(Errc::malformed, "ADTS frame_length " + std::to_string(adts.frame_length) +
                                               " but the packet has " + std::to_string(packet.size()) + " bytes");
      CAMREC_ASSIGN_OR_RETURN(auto asc, codec::serialize_audio_specific_config(codec::asc_from_adts(adts)));
      if (asc_.empty()) {
        asc_ = asc;
        samples_per_frame_ = 1024;
      } else if (asc != asc_) {
        return make_error(Errc::unsupported, "AAC configuration changed mid-stream");
      }
      s.data = packet.subspan(adts.header_size());
    } else if (asc_.empty()) {
      return make_error(Errc::invalid_argument, "raw AAC needs an AudioSpecificConfig in the track config");
    }
    if (s.data.empty()) return make_error(Errc::invalid_argument, "empty AAC frame");
    max_frame_bytes_ = std::max<uint32_t>(max_frame_bytes_, static_cast<uint32_t>(s.data.size()));
    max_bitrate_ = std::max<uint32_t>(max_bitrate_, static_cast<uint32_t>(s.data.size() * 8 * config_.sample_rate / samples_per_frame_));
    total_bytes_ += s.data.size();
    ++frames_;
    s.duration = static_cast<uint32_t>(rescale(samples_per_frame_, config_.sample_rate, timescale_));
    return s;
  }

  Result<Prepared> prepare_opus(std::span<const uint8_t> packet) {
    CAMREC_ASSIGN_OR_RETURN(uint32_t samples48k, codec::opus_packet_samples(packet));
    Prepared s;
    s.data = packet;
    s.duration = static_cast<uint32_t>(rescale(samples48k, 48'000, timescale_));
    if (roll_distance_ == 0 && samples48k > 0) {
      // Opus in ISOBMFF 4.3.6.2: a decoder converges after 80 ms (3840 samples at 48 kHz):
      // -4 for 20 ms packets.
      roll_distance_ = static_cast<int16_t>(-static_cast<int32_t>((3840 + samples48k - 1) / samples48k));
    }
    return s;
  }

  uint32_t avg_bitrate() const {
    if (frames_ == 0) return 0;
    return static_cast<uint32_t>(total_bytes_ * 8 * config_.sample_rate / (frames_ * samples_per_frame_));
  }

  AudioTrackConfig config_;
  Timescale timescale_ = 0;
  std::vector<uint8_t> asc_;
  uint32_t samples_per_frame_ = 1024;
  uint32_t max_bitrate_ = 0;
  uint32_t max_frame_bytes_ = 0;
  uint64_t total_bytes_ = 0;
  uint64_t frames_ = 0;
  codec::OpusHead opus_head_;
  int16_t roll_distance_ = 0;  ///< From the first Opus packet's duration.
};

}  // namespace

Result<std::unique_ptr<TrackInput>> make_audio_input(const AudioTrackConfig& config) {
  switch (config.codec) {
    case Codec::g711_alaw:
    case Codec::g711_ulaw:
    case Codec::aac:
    case Codec::opus: break;
    default:
      return make_error(Errc::invalid_argument, std::string(codec_name(config.codec)) + " is not an audio codec");
  }
  if (config.timescale == 0 && config.sample_rate == 0)
    return make_error(Errc::invalid_argument, "audio sample rate is 0");
  auto input = std::make_unique<AudioInput>(config);
  CAMREC_RETURN_IF_ERROR(input->configure());
  return std::unique_ptr<TrackInput>(std::move(input));
}

}  // namespace camrec::mux
