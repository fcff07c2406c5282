// SPDX-License-Identifier: LGPL-2.1-or-later
// Sample entries (the children of stsd) and the boxes inside them. Codec configuration
// records (avcC, hvcC, esds, dOps) are opaque bytes here; their syntax belongs to src/codec.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "box/archive.h"

namespace camrec::box {

// 'avcC' AVC Configuration, 14496-15 5.4.2
struct AvcConfigurationBox {
  static constexpr FourCC kType = fourcc("avcC");
  std::vector<uint8_t> record;  ///< AVCDecoderConfigurationRecord, parsed by codec/.

  template <class A>
  void describe(A& a) {
    a.rest("record", record);
  }
  bool operator==(const AvcConfigurationBox&) const = default;
};

// 'hvcC' HEVC Configuration, 14496-15 8.4.1
struct HevcConfigurationBox {
  static constexpr FourCC kType = fourcc("hvcC");
  std::vector<uint8_t> record;  ///< HEVCDecoderConfigurationRecord, parsed by codec/.

  template <class A>
  void describe(A& a) {
    a.rest("record", record);
  }
  bool operator==(const HevcConfigurationBox&) const = default;
};

// 'esds' Elementary Stream Descriptor, 14496-14 6.7.2
struct EsdsBox {
  static constexpr FourCC kType = fourcc("esds");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  std::vector<uint8_t> descriptor;  ///< ES_Descriptor (14496-1 7.2.6.5), parsed by codec/.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    a.rest("descriptor", descriptor);
  }
  bool operator==(const EsdsBox&) const = default;
};

// 'dOps' Opus Specific, Opus in ISOBMFF (RFC 7845 companion spec) 4.3.2
struct OpusSpecificBox {
  static constexpr FourCC kType = fourcc("dOps");
  std::vector<uint8_t> payload;  ///< Version, channel count, pre-skip, ..., parsed by codec/.

  template <class A>
  void describe(A& a) {
    a.rest("payload", payload);
  }
  bool operator==(const OpusSpecificBox&) const = default;
};

// 'btrt' Bit Rate, 14496-12 8.5.2.2
struct BitRateBox {
  static constexpr FourCC kType = fourcc("btrt");
  uint32_t bufferSizeDB = 0;  ///< Decoder buffer size in bytes.
  uint32_t maxBitrate = 0;    ///< Bits per second, over any one-second window.
  uint32_t avgBitrate = 0;    ///< Bits per second, over the whole stream.

  template <class A>
  void describe(A& a) {
    a.field("bufferSizeDB", bufferSizeDB);
    a.field("maxBitrate", maxBitrate);
    a.field("avgBitrate", avgBitrate);
  }
  bool operator==(const BitRateBox&) const = default;
};

// 'pasp' Pixel Aspect Ratio, 14496-12 12.1.4
struct PixelAspectRatioBox {
  static constexpr FourCC kType = fourcc("pasp");
  uint32_t hSpacing = 1;  ///< Relative pixel width.
  uint32_t vSpacing = 1;  ///< Relative pixel height.

  template <class A>
  void describe(A& a) {
    a.field("hSpacing", hSpacing);
    a.field("vSpacing", vSpacing);
  }
  bool operator==(const PixelAspectRatioBox&) const = default;
};

// 'colr' Colour Information, 14496-12 12.1.5
struct ColourInformationBox {
  static constexpr FourCC kType = fourcc("colr");
  /// 'nclx' (ISO, with the range flag), 'nclc' (QuickTime, without it), 'rICC'/'prof' (ICC).
  FourCC colour_type = fourcc("nclx");
  uint16_t colour_primaries = 2;          ///< ISO/IEC 23091-2 code; 2 = unspecified.
  uint16_t transfer_characteristics = 2;  ///< 2 = unspecified.
  uint16_t matrix_coefficients = 2;       ///< 2 = unspecified.
  uint8_t full_range_flag = 0;            ///< 'nclx' only: 1 = full range, 0 = video range.
  /// The ICC profile of 'rICC'/'prof', other types' payload, or bytes after an nclx/nclc.
  std::vector<uint8_t> payload;  ///< See above.

  template <class A>
  void describe(A& a) {
    a.fourcc("colour_type", colour_type);
    if (colour_type == fourcc("nclx") || colour_type == fourcc("nclc")) {
      a.field("colour_primaries", colour_primaries);
      a.field("transfer_characteristics", transfer_characteristics);
      a.field("matrix_coefficients", matrix_coefficients);
      if (colour_type == fourcc("nclx")) {
        a.bits("full_range_flag", full_range_flag, 1);
        a.reserved_bits(7);
      }
    }
    a.rest("payload", payload);
  }
  bool operator==(const ColourInformationBox&) const = default;
};

// 'avc1'/'hvc1'/... Visual Sample Entry, 14496-12 12.1.3 (QuickTime: video sample description)
struct VisualSampleEntry {
  FourCC type = fourcc("avc1");  ///< avc1, avc3, hvc1, hev1, mp4v, vp09, av01, ...
  uint16_t data_reference_index = 1;  ///< 1-based index into dref.
  /// ISO pre_defined/reserved, zero in ISO files; QuickTime's version, revision level,
  /// vendor and temporal/spatial quality (ffmpeg's mov muxer writes vendor 'FFMP').
  uint16_t version = 0;
  uint16_t revision = 0;          ///< See version.
  uint32_t vendor = 0;            ///< See version.
  uint32_t temporal_quality = 0;  ///< See version.
  uint32_t spatial_quality = 0;   ///< See version.
  uint16_t width = 0;   ///< Coded width in pixels.
  uint16_t height = 0;  ///< Coded height in pixels.
  uint32_t horizresolution = 0x00480000;  ///< 16.16 pixels per inch, 72 dpi.
  uint32_t vertresolution = 0x00480000;   ///< 16.16 pixels per inch, 72 dpi.
  uint16_t frame_count = 1;               ///< Frames per sample.
  std::string compressorname;             ///< At most 31 bytes (a 32-byte Pascal string).
  uint16_t depth = 0x0018;                ///< 0x0018 = colour without alpha.
  int16_t color_table_id = -1;            ///< ISO pre_defined = -1 (no QuickTime colour table).
  std::optional<AvcConfigurationBox> avcC;  ///< Optional child.
  std::optional<HevcConfigurationBox> hvcC;  ///< Optional child.
  std::optional<BitRateBox> btrt;  ///< Optional child.
  std::optional<PixelAspectRatioBox> pasp;  ///< Optional child.
  std::optional<ColourInformationBox> colr;  ///< Optional child.
  std::vector<RawBox> unknown;  ///< fiel, clap, esds of mp4v, vpcC, av1C, ...
  ChildOrder child_order;       ///< Order read from the file; not part of the value.

  /// True for the video sample entry types camrec reads as visual.
  static bool accepts(FourCC t);
  template <class A>
  void describe(A& a) {
    a.reserved(6);
    a.field("data_reference_index", data_reference_index);
    a.field("version", version);
    a.field("revision", revision);
    a.field("vendor", vendor);
    a.field("temporal_quality", temporal_quality);
    a.field("spatial_quality", spatial_quality);
    a.field("width", width);
    a.field("height", height);
    a.field("horizresolution", horizresolution);
    a.field("vertresolution", vertresolution);
    a.reserved(4);
    a.field("frame_count", frame_count);
    a.pascal_fixed("compressorname", compressorname, 32);
    a.field("depth", depth);
    a.field("color_table_id", color_table_id);
    a.children(child_order, avcC, hvcC, btrt, pasp, colr, unknown);
  }
  bool operator==(const VisualSampleEntry&) const = default;
};

// 'mp4a'/'ulaw'/... Audio Sample Entry, 14496-12 12.2.3 (QuickTime: sound sample description
// versions 0, 1 and 2, QTFF "Sound Sample Description")
struct AudioSampleEntry {
  FourCC type = fourcc("mp4a");  ///< mp4a, Opus, ulaw, alaw, sowt, twos, lpcm, ...
  uint16_t data_reference_index = 1;  ///< 1-based index into dref.
  /// ISO entry_version (0; 1 only under stsd version 1). Under stsd version 0 the QuickTime
  /// sound description version: 1 adds the four v1 fields, 2 the v2 layout.
  uint16_t version = 0;
  uint16_t revision = 0;  ///< QuickTime revision level; ISO reserved.
  uint32_t vendor = 0;    ///< QuickTime vendor; ISO reserved.
  uint16_t channelcount = 2;  ///< Version 2: always 3 (the count is num_audio_channels).
  uint16_t samplesize = 16;   ///< Bits per sample; version 2: always 16.
  int16_t compression_id = 0;  ///< QuickTime: -2 in version 2, -1 for VBR; ISO pre_defined.
  uint16_t packet_size = 0;    ///< QuickTime; ISO reserved.
  uint32_t samplerate = 0;     ///< 16.16 fixed point: the rate << 16 (versions 0 and 1).
  // QuickTime version 1.
  uint32_t samples_per_packet = 0;  ///< Uncompressed frames per compressed packet.
  uint32_t bytes_per_packet = 0;    ///< Bytes per channel in an uncompressed packet.
  uint32_t bytes_per_frame = 0;     ///< Bytes of one frame (all channels) of a packet.
  uint32_t bytes_per_sample = 0;    ///< Bytes of one uncompressed sample.
  // QuickTime version 2.
  uint32_t size_of_struct_only = 72;   ///< Offset of the child boxes from the entry start.
  uint64_t audio_sample_rate = 0;      ///< IEEE-754 binary64 bits (see sample_rate_hz()).
  uint32_t num_audio_channels = 0;        ///< Channel count (channelcount is 3).
  uint32_t always_7f000000 = 0x7f000000;  ///< Fixed value of the layout.
  uint32_t const_bits_per_channel = 0;  ///< 0 for compressed formats.
  uint32_t format_specific_flags = 0;   ///< LPCM: float, big-endian, signed, packed, ...
  uint32_t const_bytes_per_audio_packet = 0;        ///< 0 for variable-size packets.
  uint32_t const_lpcm_frames_per_audio_packet = 0;  ///< 0 for variable-duration packets.
  std::optional<EsdsBox> esds;  ///< Optional child.
  std::optional<OpusSpecificBox> dOps;  ///< Optional child.
  std::vector<RawBox> unknown;  ///< wave, chan, srat, dac3, dfLa, ...
  ChildOrder child_order;       ///< Order read from the file; not part of the value.

  /// True for the audio sample entry types camrec reads as audio.
  static bool accepts(FourCC t);
  /// True when `version` selects a QuickTime layout: stsd version 0 (the context) and
  /// version 1 or 2.
  bool quicktime_v1(uint32_t stsd_version) const { return stsd_version == 0 && version == 1; }
  bool quicktime_v2(uint32_t stsd_version) const { return stsd_version == 0 && version == 2; }

  /// Sample rate in Hz: from audio_sample_rate in version 2 (integer part), else the integer
  /// part of samplerate. Pass the stsd version.
  uint32_t sample_rate_hz(uint32_t stsd_version = 0) const;

  template <class A>
  void describe(A& a) {
    uint32_t stsd_version = a.context();
    a.reserved(6);
    a.field("data_reference_index", data_reference_index);
    a.field("version", version);
    uint16_t known = stsd_version == 0 ? 2 : 1;
    if (version > known)
      a.fail(Errc::unsupported, "sound sample entry version " + std::to_string(version) + " (known up to " +
                                    std::to_string(known) + ")");
    a.field("revision", revision);
    a.field("vendor", vendor);
    a.field("channelcount", channelcount);
    a.field("samplesize", samplesize);
    a.field("compression_id", compression_id);
    a.field("packet_size", packet_size);
    a.field("samplerate", samplerate);
    if (quicktime_v1(stsd_version)) {
      a.field("samples_per_packet", samples_per_packet);
      a.field("bytes_per_packet", bytes_per_packet);
      a.field("bytes_per_frame", bytes_per_frame);
      a.field("bytes_per_sample", bytes_per_sample);
    } else if (quicktime_v2(stsd_version)) {
      a.field("size_of_struct_only", size_of_struct_only);
      a.field("audio_sample_rate", audio_sample_rate);
      a.field("num_audio_channels", num_audio_channels);
      a.field("always_7f000000", always_7f000000);
      a.field("const_bits_per_channel", const_bits_per_channel);
      a.field("format_specific_flags", format_specific_flags);
      a.field("const_bytes_per_audio_packet", const_bytes_per_audio_packet);
      a.field("const_lpcm_frames_per_audio_packet", const_lpcm_frames_per_audio_packet);
    }
    a.children(child_order, esds, dOps, unknown);
  }
  bool operator==(const AudioSampleEntry&) const = default;
};

/// IEEE-754 binary64 bits of an integer sample rate (exact below 2^53), for
/// AudioSampleEntry::audio_sample_rate; computed without floating point.
uint64_t float64_bits_from_integer(uint32_t value);
/// Integer part of a non-negative binary64 given by its bits; 0 for negative values, NaN and
/// values below 1; UINT32_MAX when too large.
uint32_t integer_from_float64_bits(uint64_t bits);

}  // namespace camrec::box
