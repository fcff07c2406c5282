// SPDX-License-Identifier: LGPL-2.1-or-later
// AAC configuration: ADTS frame headers (ISO/IEC 13818-7 6.2 / 14496-3 1.A.2),
// AudioSpecificConfig (14496-3 1.6.2.1) and the ES_Descriptor carried by an MP4 'esds' box
// (14496-1 7.2.6.5, with 14496-14 3.1.2 for the MP4 restrictions).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "camrec/status.h"

namespace camrec::codec {

/// Sampling frequency of a samplingFrequencyIndex (0..12), or 0 for an invalid index.
uint32_t aac_sampling_frequency(uint8_t index);
/// samplingFrequencyIndex of a rate from the table, or 15 (explicit) when not in it.
uint8_t aac_sampling_frequency_index(uint32_t hz);

/// The fixed and variable ADTS header of one frame.
struct AdtsHeader {
  bool mpeg2 = false;             ///< ID bit: 1 = MPEG-2 AAC, 0 = MPEG-4.
  bool protection_absent = true;  ///< No CRC: the header is 7 bytes, else 9.
  uint8_t audio_object_type = 2;  ///< profile_ObjectType + 1 (2 = AAC LC).
  uint8_t sampling_frequency_index = 0;
  uint8_t channel_configuration = 0;
  uint16_t frame_length = 0;      ///< Whole frame including the header, in bytes.
  uint16_t buffer_fullness = 0x7FF;

  /// Header bytes: 7, or 9 with the CRC.
  size_t header_size() const { return protection_absent ? 7 : 9; }
  /// Raw AAC bytes after the header (frame_length - header_size()).
  size_t payload_size() const { return frame_length - header_size(); }
  /// Sampling rate in Hz of sampling_frequency_index.
  uint32_t sampling_frequency() const { return aac_sampling_frequency(sampling_frequency_index); }
};

/// Parses the ADTS header at the start of `data` (needs 7 bytes, 9 with CRC). Errors:
/// malformed (no 0xFFF sync, layer != 0, reserved sampling index, frame_length shorter than
/// the header, truncated header), unsupported (more than one raw data block per frame,
/// channel_configuration 0, which needs an in-band program_config_element).
Result<AdtsHeader> parse_adts_header(std::span<const uint8_t> data);

/// AudioSpecificConfig for the object types of the General Audio family (AAC Main, LC,
/// SSR, LTP, scalable, ER variants), with SBR/PS signalling.
struct AudioSpecificConfig {
  uint8_t audio_object_type = 2;  ///< Core object type (2 = AAC LC, also under HE-AAC).
  uint8_t sampling_frequency_index = 3;  ///< 15 = explicit sampling_frequency.
  uint32_t sampling_frequency = 48000;   ///< Hz, from the index or explicit.
  uint8_t channel_configuration = 2;
  bool frame_length_flag = false;        ///< 960-sample frames instead of 1024.
  bool depends_on_core_coder = false;
  uint16_t core_coder_delay = 0;
  bool extension_flag = false;
  /// SBR signalling: nullopt when not signalled (implicit), false when explicitly absent
  /// (the 0x2B7 sync extension with sbrPresentFlag 0, as ffmpeg's encoder writes), true
  /// for HE-AAC.
  std::optional<bool> sbr_present;
  uint32_t extension_sampling_frequency = 0;  ///< SBR output rate, when sbr_present.
  std::optional<bool> ps_present;             ///< Parametric stereo (HE-AAC v2) signalling.
  bool operator==(const AudioSpecificConfig&) const = default;

  /// PCM samples per channel in one access unit (1024 or 960; doubled when SBR is present).
  uint32_t frame_samples() const;
};

/// Parses an AudioSpecificConfig (at least 2 bytes; explicit and backward-compatible
/// SBR/PS signalling). Errors: malformed (truncated, reserved index), unsupported (object
/// types outside the GA family, channelConfiguration 0 with a program_config_element).
Result<AudioSpecificConfig> parse_audio_specific_config(std::span<const uint8_t> data);

/// Serializes an AudioSpecificConfig; SBR/PS presence is written in the backward-compatible
/// form (sync extension 0x2B7, then 0x548). Errors: invalid_argument (unsupported object
/// type, index > 12 other than 15, channel configuration > 15).
Result<std::vector<uint8_t>> serialize_audio_specific_config(const AudioSpecificConfig& asc);

/// The AudioSpecificConfig an ADTS stream implies (no SBR signalling).
AudioSpecificConfig asc_from_adts(const AdtsHeader& adts);

/// DecoderConfigDescriptor (tag 4, 14496-1 7.2.6.6).
struct DecoderConfigDescriptor {
  uint8_t object_type_indication = 0x40;  ///< 0x40 = MPEG-4 Audio.
  uint8_t stream_type = 5;                ///< 5 = audio stream.
  bool up_stream = false;
  uint32_t buffer_size_db = 0;  ///< Decoder buffer size in bytes (24 bits).
  uint32_t max_bitrate = 0;     ///< bits per second.
  uint32_t avg_bitrate = 0;     ///< bits per second; 0 for variable bitrate.
  std::vector<uint8_t> decoder_specific_info;  ///< DecSpecificInfo (tag 5): the ASC for AAC.
  bool operator==(const DecoderConfigDescriptor&) const = default;
};

/// ES_Descriptor (tag 3, 14496-1 7.2.6.5) as used in MP4.
struct EsDescriptor {
  uint16_t es_id = 0;  ///< MP4 writers put the track ID or 0 here; players ignore it.
  uint8_t stream_priority = 0;
  std::optional<uint16_t> depends_on_es_id;
  std::optional<std::string> url;
  std::optional<uint16_t> ocr_es_id;
  DecoderConfigDescriptor decoder_config;
  uint8_t sl_config_predefined = 2;  ///< SLConfigDescriptor (tag 6); 2 = MP4, required.
  bool operator==(const EsDescriptor&) const = default;
};

/// The ES_Descriptor bytes that follow the 'esds' FullBox header (version and flags).
/// Descriptor sizes use `size_bytes` (1..4) bytes of the expandable encoding; 4 is what
/// ffmpeg and most writers use. Sizes that do not fit are widened as needed.
std::vector<uint8_t> serialize_es_descriptor(const EsDescriptor& es, int size_bytes = 4);

/// Parses an ES_Descriptor (the 'esds' payload after version and flags), bounded by `data`.
/// Unknown sub-descriptors are skipped. Errors: malformed (wrong tags, sizes past their
/// parent, missing DecoderConfigDescriptor, size fields longer than 4 bytes).
Result<EsDescriptor> parse_es_descriptor(std::span<const uint8_t> data);

}  // namespace camrec::codec
