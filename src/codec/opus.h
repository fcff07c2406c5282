// SPDX-License-Identifier: LGPL-2.1-or-later
// Opus configuration: the OpusHead identification header (RFC 7845 5.1), the 'dOps' box
// payload of Opus in ISO BMFF ("Encapsulation of Opus in ISO Base Media File Format" 4.3.2),
// and packet durations from the TOC byte (RFC 6716 3.1).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "camrec/status.h"

namespace camrec::codec {

/// The fields shared by OpusHead and dOps.
struct OpusHead {
  uint8_t version = 1;        ///< OpusHead version (1); dOps always writes 0.
  uint8_t channel_count = 0;  ///< Output channels.
  uint16_t pre_skip = 0;      ///< Samples at 48 kHz to drop from the decoder output start.
  uint32_t input_sample_rate = 0;  ///< Original rate in Hz, informational.
  int16_t output_gain = 0;    ///< Q7.8 dB.
  uint8_t channel_mapping_family = 0;
  uint8_t stream_count = 1;   ///< Family != 0 only.
  uint8_t coupled_count = 0;  ///< Family != 0 only.
  std::vector<uint8_t> channel_mapping;  ///< Family != 0 only: channel_count entries.
  bool operator==(const OpusHead&) const = default;
};

/// The OpusHead for a libopus encoder with 1 or 2 channels (mapping family 0): what an
/// Ogg writer or a muxer needs. `pre_skip` is the encoder's lookahead
/// (OPUS_GET_LOOKAHEAD) in 48 kHz samples. Errors: invalid_argument (channels not 1 or 2).
Result<OpusHead> opus_head_from_encoder(int channels, uint32_t input_sample_rate, uint16_t pre_skip);

/// Parses an OpusHead packet (the first packet of an Ogg Opus stream, little-endian).
/// Errors: malformed (no "OpusHead" magic, truncated, 0 channels, mapping table
/// inconsistent), unsupported (major version other than 0, i.e. version >= 16).
Result<OpusHead> parse_opus_head(std::span<const uint8_t> packet);
/// Serializes an OpusHead packet (little-endian, version 1).
std::vector<uint8_t> serialize_opus_head(const OpusHead& head);

/// Serializes the 'dOps' payload (big-endian, Version 0, after the box header).
std::vector<uint8_t> serialize_dops(const OpusHead& head);
/// Parses a 'dOps' payload. Errors: malformed (truncated, mapping table inconsistent),
/// unsupported (Version other than 0). The result has version 0.
Result<OpusHead> parse_dops(std::span<const uint8_t> payload);

/// Duration of one Opus packet in 48 kHz samples, from its TOC byte and frame count
/// (RFC 6716 3.1, 3.2). Errors: malformed (empty packet, code 3 without a count byte, a
/// frame count of 0, more than 120 ms).
Result<uint32_t> opus_packet_samples(std::span<const uint8_t> packet);

}  // namespace camrec::codec
