// SPDX-License-Identifier: LGPL-2.1-or-later
// Audio encoders behind one interface: G.711 A-law / µ-law (K230's audio), Opus and AAC-LC.
// Each packet carries the capture time of its first sample and its duration.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "camrec/media/audio.h"
#include "camrec/status.h"

namespace camrec::media {

/// G.711 A-law, G.711 µ-law, Opus, AAC-LC.
enum class AudioCodec : uint8_t { g711a, g711u, opus, aac };

/// "g711a", "g711u", "opus", "aac".
const char* audio_codec_name(AudioCodec codec);

/// One coded audio frame.
struct AudioPacket {
  std::vector<uint8_t> data;  ///< The codec's bytes (G.711: one per sample; Opus: a packet).
  int64_t pts_us = 0;         ///< Capture time of the first sample, µs.
  int64_t duration_us = 0;    ///< Duration, µs (rounded).
  uint32_t samples = 0;       ///< Sample frames covered (per channel, at the input rate).
};

/// How to build an encoder.
struct AudioEncoderConfig {
  AudioCodec codec = AudioCodec::g711u;  ///< Which codec.
  /// Input rate: G.711 any 8000..48000; Opus 8/12/16/24/48 kHz; AAC 8, 11.025, 12, 16,
  /// 22.05, 24, 32, 44.1, 48 kHz.
  uint32_t sample_rate = 8000;
  uint16_t channels = 1;        ///< G.711 1..8; Opus and AAC 1..2.
  /// Samples per channel per packet; 0 = default (G.711: 320 = 40 ms at 8 kHz as K230;
  /// Opus: 20 ms; AAC: 1024, the only size). Opus accepts 2.5, 5, 10, 20, 40, 60 ms worth.
  uint32_t frame_samples = 0;
  /// Target bitrate; 0 = the codec's default. Opus 6000..510000 (libopus default); AAC
  /// 8000..6144 bits per 1024 samples per channel (default 64 kbit/s per channel from 32 kHz).
  uint32_t bitrate_bps = 0;
};

/// Turns PCM chunks into packets. Input is buffered until a whole frame is there, so chunk
/// and packet sizes need not match. Not thread-safe.
class AudioEncoder {
 public:
  virtual ~AudioEncoder() = default;
  /// The codec.
  virtual AudioCodec codec() const = 0;
  /// Input (and output) sample rate, Hz.
  virtual uint32_t sample_rate() const = 0;
  /// Interleaved channels of the input.
  virtual uint16_t channels() const = 0;
  /// Samples per channel in every packet (the last one from flush() included).
  virtual uint32_t frame_samples() const = 0;
  /// Opus: the OpusHead packet (RFC 7845 5.1; pre_skip = the encoder's lookahead in 48 kHz
  /// samples), what AudioTrackConfig::codec_config takes and a muxer writes as 'dOps'.
  /// Empty for other codecs.
  virtual std::vector<uint8_t> opus_head() const { return {}; }
  /// AAC: the AudioSpecificConfig (14496-3 1.6.2.1) a muxer writes in 'esds'. Empty for
  /// other codecs.
  virtual std::vector<uint8_t> audio_specific_config() const { return {}; }
  /// Samples of encoder delay at the start of the first packet, which a player must not
  /// present (AAC: 1024, written as the edit list's media_time). 0 for G.711; Opus carries
  /// its own in the OpusHead's pre_skip.
  virtual uint32_t priming_samples() const { return 0; }
  /// Appends the packets completed by `chunk` to `out` (an encoder with a delay, AAC, hands
  /// out each frame's packet one frame later). The first buffered sample takes the pts of
  /// the chunk that brought it; later ones follow at the sample rate. Errors:
  /// invalid_argument when the chunk's rate or channels differ from the encoder's; internal
  /// when the codec fails.
  Status encode(const AudioChunk& chunk, std::vector<AudioPacket>& out);
  /// Pads the buffered remainder with silence to a full frame and appends its packet, then
  /// the packets still inside the encoder.
  Status flush(std::vector<AudioPacket>& out);

 protected:
  /// Encodes exactly frame_samples() * channels() samples, the first captured at `pts_us`,
  /// and appends the packets that completes (one, or none while an encoder fills its delay).
  virtual Status encode_frame(std::span<const int16_t> pcm, int64_t pts_us, std::vector<AudioPacket>& out) = 0;
  /// Appends the packets an encoder with a delay still holds after the last frame.
  virtual Status drain(std::vector<AudioPacket>& /*out*/) { return Status::ok(); }
  /// A packet of one frame starting at `pts_us`, without data.
  AudioPacket frame_packet(int64_t pts_us) const;
  /// The capture time frame `n` after the last one encoded would have had (n = 0: the
  /// next), counted in samples as the frames' are: the time of a packet drained after them.
  int64_t pts_after_input_us(uint64_t n) const;

 private:
  Status emit(std::span<const int16_t> pcm, std::vector<AudioPacket>& out);
  std::vector<int16_t> pending_;
  int64_t anchor_pts_ = 0;             // pts of the chunk that found the buffer empty
  uint64_t emitted_since_anchor_ = 0;  // sample frames coded since then
};

/// A new encoder. Errors: invalid_argument for rates, channel counts or frame sizes the
/// codec does not take; internal when libopus fails to initialise.
Result<std::unique_ptr<AudioEncoder>> make_audio_encoder(const AudioEncoderConfig& config);

}  // namespace camrec::media
