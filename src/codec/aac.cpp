// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/aac.h"

#include "codec/bit_reader.h"
#include "io/byte_reader.h"
#include "io/byte_writer.h"

namespace camrec::codec {
namespace {

constexpr uint32_t kRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                 22050, 16000, 12000, 11025, 8000,  7350};

// MSB-first bit packing for the AudioSpecificConfig.
class BitWriter {
 public:
  void put(uint32_t value, int bits) {
    for (int i = bits - 1; i >= 0; --i) {
      if (used_ == 0) out_.push_back(0);
      if ((value >> i) & 1) out_.back() |= static_cast<uint8_t>(0x80 >> used_);
      used_ = (used_ + 1) & 7;
    }
  }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
  int used_ = 0;
};

bool is_ga_object_type(uint32_t aot) {
  switch (aot) {
    case 1: case 2: case 3: case 4: case 6: case 7: case 17: case 19: case 20: case 21: case 22: case 23:
      return true;
    default:
      return false;
  }
}

bool is_er_object_type(uint32_t aot) { return aot == 17 || (aot >= 19 && aot <= 27) || aot == 39; }

uint32_t read_object_type(BitReader& br) {
  uint32_t aot = br.u(5);
  if (aot == 31) aot = 32 + br.u(6);
  return aot;
}

uint32_t read_frequency(BitReader& br, uint8_t& index) {
  index = static_cast<uint8_t>(br.u(4));
  if (index == 15) return br.u(24);
  if (index > 12) {
    br.fail(Errc::malformed, "reserved samplingFrequencyIndex " + std::to_string(index));
    return 0;
  }
  return kRates[index];
}

void write_frequency(BitWriter& bw, uint8_t index, uint32_t hz) {
  bw.put(index, 4);
  if (index == 15) bw.put(hz, 24);
}

// Expandable size field of 14496-1 8.3.3: 7 bits per byte, high bit = more follows.
void put_size(io::ByteWriter& w, size_t size, int min_bytes) {
  int n = 1;
  while (n < 4 && (size >> (7 * n)) != 0) ++n;
  if (n < min_bytes) n = min_bytes;
  for (int i = n - 1; i >= 0; --i)
    w.u8(static_cast<uint8_t>(((size >> (7 * i)) & 0x7F) | (i > 0 ? 0x80 : 0)));
}

// Reads a descriptor header; returns a reader bounded to its body.
io::ByteReader descriptor(io::ByteReader& r, uint8_t& tag) {
  tag = r.u8();
  uint32_t size = 0;
  for (int i = 0;; ++i) {
    if (i == 4) {
      r.fail(Errc::malformed, "descriptor size field longer than 4 bytes");
      break;
    }
    uint8_t b = r.u8();
    size = (size << 7) | (b & 0x7F);
    if (!(b & 0x80)) break;
  }
  return r.sub(size);
}

}  // namespace

uint32_t aac_sampling_frequency(uint8_t index) { return index < 13 ? kRates[index] : 0; }

uint8_t aac_sampling_frequency_index(uint32_t hz) {
  for (uint8_t i = 0; i < 13; ++i)
    if (kRates[i] == hz) return i;
  return 15;
}

Result<AdtsHeader> parse_adts_header(std::span<const uint8_t> data) {
  if (data.size() < 7) return make_error(Errc::malformed, "ADTS header needs 7 bytes, got " + std::to_string(data.size()));
  BitReader br(data.first(7));
  if (br.u(12) != 0xFFF) return make_error(Errc::malformed, "no ADTS syncword");
  AdtsHeader h;
  h.mpeg2 = br.flag();
  if (br.u(2) != 0) return make_error(Errc::malformed, "ADTS layer is not 0");
  h.protection_absent = br.flag();
  h.audio_object_type = static_cast<uint8_t>(br.u(2) + 1);
  h.sampling_frequency_index = static_cast<uint8_t>(br.u(4));
  br.skip(1);  // private_bit
  h.channel_configuration = static_cast<uint8_t>(br.u(3));
  br.skip(4);  // original_copy, home, copyright_identification_bit, _start
  h.frame_length = static_cast<uint16_t>(br.u(13));
  h.buffer_fullness = static_cast<uint16_t>(br.u(11));
  uint32_t raw_blocks = br.u(2) + 1;
  if (h.sampling_frequency_index > 12)
    return make_error(Errc::malformed, "ADTS: reserved sampling_frequency_index " + std::to_string(h.sampling_frequency_index));
  if (!h.protection_absent && data.size() < 9) return make_error(Errc::malformed, "ADTS header with CRC needs 9 bytes");
  if (h.frame_length < h.header_size())
    return make_error(Errc::malformed, "ADTS frame_length " + std::to_string(h.frame_length) + " is shorter than the header");
  if (raw_blocks > 1)
    return make_error(Errc::unsupported, "ADTS frame with " + std::to_string(raw_blocks) + " raw data blocks");
  if (h.channel_configuration == 0)
    return make_error(Errc::unsupported, "ADTS channel_configuration 0 (program_config_element in the stream)");
  return h;
}

uint32_t AudioSpecificConfig::frame_samples() const {
  uint32_t n = frame_length_flag ? 960 : 1024;
  return sbr_present.value_or(false) ? 2 * n : n;
}

Result<AudioSpecificConfig> parse_audio_specific_config(std::span<const uint8_t> data) {
  if (data.size() < 2) return make_error(Errc::malformed, "AudioSpecificConfig needs at least 2 bytes");
  BitReader br(data);
  AudioSpecificConfig a;
  uint32_t aot = read_object_type(br);
  a.sampling_frequency = read_frequency(br, a.sampling_frequency_index);
  a.channel_configuration = static_cast<uint8_t>(br.u(4));
  bool hierarchical = aot == 5 || aot == 29;
  if (hierarchical) {
    a.sbr_present = true;
    if (aot == 29) a.ps_present = true;
    uint8_t ext_index = 0;
    a.extension_sampling_frequency = read_frequency(br, ext_index);
    aot = read_object_type(br);
    if (aot == 22) br.skip(4);  // extensionChannelConfiguration
  }
  if (br.failed()) return br.status().with_context("AudioSpecificConfig");
  if (!is_ga_object_type(aot)) return make_error(Errc::unsupported, "AudioSpecificConfig object type " + std::to_string(aot));
  a.audio_object_type = static_cast<uint8_t>(aot);
  // GASpecificConfig (14496-3 4.4.1).
  a.frame_length_flag = br.flag();
  a.depends_on_core_coder = br.flag();
  if (a.depends_on_core_coder) a.core_coder_delay = static_cast<uint16_t>(br.u(14));
  a.extension_flag = br.flag();
  if (a.channel_configuration == 0)
    return make_error(Errc::unsupported, "AudioSpecificConfig channelConfiguration 0 (program_config_element)");
  if (aot == 6 || aot == 20) br.skip(3);  // layerNr
  if (a.extension_flag) {
    if (aot == 22) br.skip(5 + 11);  // numOfSubFrame, layer_length
    if (aot == 17 || aot == 19 || aot == 20 || aot == 23) br.skip(3);  // resilience flags
    br.skip(1);  // extensionFlag3
  }
  if (is_er_object_type(aot)) {
    uint32_t ep_config = br.u(2);
    if (ep_config >= 2) return make_error(Errc::unsupported, "AudioSpecificConfig epConfig " + std::to_string(ep_config));
  }
  if (br.failed()) return br.status().with_context("AudioSpecificConfig");
  // Backward-compatible SBR/PS signalling (14496-3 1.6.5.3).
  if (!hierarchical && br.bits_left() >= 16) {
    BitReader probe = br;
    if (probe.u(11) == 0x2B7) {
      br = probe;
      uint32_t ext = read_object_type(br);
      if (ext == 5) {
        a.sbr_present = br.flag();
        if (*a.sbr_present) {
          uint8_t ext_index = 0;
          a.extension_sampling_frequency = read_frequency(br, ext_index);
          if (br.bits_left() >= 12) {
            BitReader ps = br;
            if (ps.u(11) == 0x548) {
              br = ps;
              a.ps_present = br.flag();
            }
          }
        }
      }
      if (br.failed()) return br.status().with_context("AudioSpecificConfig extension");
    }
  }
  return a;
}

Result<std::vector<uint8_t>> serialize_audio_specific_config(const AudioSpecificConfig& a) {
  if (!is_ga_object_type(a.audio_object_type))
    return make_error(Errc::invalid_argument, "cannot write AudioSpecificConfig for object type " + std::to_string(a.audio_object_type));
  if (a.sampling_frequency_index > 12 && a.sampling_frequency_index != 15)
    return make_error(Errc::invalid_argument, "samplingFrequencyIndex " + std::to_string(a.sampling_frequency_index));
  if (a.channel_configuration == 0 || a.channel_configuration > 15)
    return make_error(Errc::invalid_argument, "channelConfiguration " + std::to_string(a.channel_configuration));
  BitWriter bw;
  bw.put(a.audio_object_type, 5);
  write_frequency(bw, a.sampling_frequency_index, a.sampling_frequency);
  bw.put(a.channel_configuration, 4);
  bw.put(a.frame_length_flag, 1);
  bw.put(a.depends_on_core_coder, 1);
  if (a.depends_on_core_coder) bw.put(a.core_coder_delay, 14);
  bw.put(a.extension_flag, 1);
  uint8_t aot = a.audio_object_type;
  if (aot == 6 || aot == 20) bw.put(0, 3);
  if (a.extension_flag) {
    if (aot == 22) bw.put(0, 16);
    if (aot == 17 || aot == 19 || aot == 20 || aot == 23) bw.put(0, 3);
    bw.put(0, 1);
  }
  if (is_er_object_type(aot)) bw.put(0, 2);
  if (a.sbr_present) {
    bw.put(0x2B7, 11);
    bw.put(5, 5);
    bw.put(*a.sbr_present, 1);
    if (*a.sbr_present) {
      uint8_t index = aac_sampling_frequency_index(a.extension_sampling_frequency);
      write_frequency(bw, index, a.extension_sampling_frequency);
      if (a.ps_present) {
        bw.put(0x548, 11);
        bw.put(*a.ps_present, 1);
      }
    }
  }
  return bw.take();
}

AudioSpecificConfig asc_from_adts(const AdtsHeader& adts) {
  AudioSpecificConfig a;
  a.audio_object_type = adts.audio_object_type;
  a.sampling_frequency_index = adts.sampling_frequency_index;
  a.sampling_frequency = adts.sampling_frequency();
  a.channel_configuration = adts.channel_configuration;
  return a;
}

std::vector<uint8_t> serialize_es_descriptor(const EsDescriptor& es, int size_bytes) {
  const DecoderConfigDescriptor& dc = es.decoder_config;
  io::ByteWriter dsi;
  if (!dc.decoder_specific_info.empty()) {
    dsi.u8(0x05);
    put_size(dsi, dc.decoder_specific_info.size(), size_bytes);
    dsi.bytes(dc.decoder_specific_info);
  }
  io::ByteWriter dcd;
  dcd.u8(dc.object_type_indication);
  dcd.u8(static_cast<uint8_t>((dc.stream_type << 2) | (dc.up_stream ? 2 : 0) | 1));
  dcd.u24(dc.buffer_size_db & 0xFFFFFF);
  dcd.u32(dc.max_bitrate);
  dcd.u32(dc.avg_bitrate);
  dcd.bytes(dsi.span());
  io::ByteWriter body;
  body.u16(es.es_id);
  body.u8(static_cast<uint8_t>((es.depends_on_es_id ? 0x80 : 0) | (es.url ? 0x40 : 0) | (es.ocr_es_id ? 0x20 : 0) |
                               (es.stream_priority & 0x1F)));
  if (es.depends_on_es_id) body.u16(*es.depends_on_es_id);
  if (es.url) {
    body.u8(static_cast<uint8_t>(es.url->size() > 255 ? 255 : es.url->size()));
    body.chars(std::string_view(*es.url).substr(0, 255));
  }
  if (es.ocr_es_id) body.u16(*es.ocr_es_id);
  body.u8(0x04);
  put_size(body, dcd.size(), size_bytes);
  body.bytes(dcd.span());
  body.u8(0x06);
  put_size(body, 1, size_bytes);
  body.u8(es.sl_config_predefined);
  io::ByteWriter out;
  out.u8(0x03);
  put_size(out, body.size(), size_bytes);
  out.bytes(body.span());
  return std::move(out.buffer());
}

Result<EsDescriptor> parse_es_descriptor(std::span<const uint8_t> data) {
  io::ByteReader top(data);
  uint8_t tag = 0;
  io::ByteReader r = descriptor(top, tag);
  if (top.failed()) return top.status().with_context("ES_Descriptor");
  if (tag != 0x03) return make_error(Errc::malformed, "expected ES_Descriptor (tag 3), got tag " + std::to_string(tag));
  EsDescriptor es;
  es.es_id = r.u16();
  uint8_t flags = r.u8();
  es.stream_priority = flags & 0x1F;
  if (flags & 0x80) es.depends_on_es_id = r.u16();
  if (flags & 0x40) {
    uint8_t len = r.u8();
    auto url = r.bytes(len);
    es.url = std::string(url.begin(), url.end());
  }
  if (flags & 0x20) es.ocr_es_id = r.u16();
  bool have_dcd = false;
  while (r.ok() && r.remaining() > 0) {
    io::ByteReader sub = descriptor(r, tag);
    if (r.failed()) break;
    if (tag == 0x04 && !have_dcd) {
      have_dcd = true;
      DecoderConfigDescriptor& dc = es.decoder_config;
      dc.object_type_indication = sub.u8();
      uint8_t b = sub.u8();
      dc.stream_type = b >> 2;
      dc.up_stream = (b & 2) != 0;
      dc.buffer_size_db = sub.u24();
      dc.max_bitrate = sub.u32();
      dc.avg_bitrate = sub.u32();
      while (sub.ok() && sub.remaining() > 0) {
        uint8_t inner_tag = 0;
        io::ByteReader inner = descriptor(sub, inner_tag);
        if (sub.ok() && inner_tag == 0x05) {
          auto bytes = inner.rest();
          dc.decoder_specific_info.assign(bytes.begin(), bytes.end());
        }
      }
      if (sub.failed()) return sub.status().with_context("DecoderConfigDescriptor");
    } else if (tag == 0x06) {
      es.sl_config_predefined = sub.u8();
      if (sub.failed()) return sub.status().with_context("SLConfigDescriptor");
    }
  }
  if (r.failed()) return r.status().with_context("ES_Descriptor");
  if (!have_dcd) return make_error(Errc::malformed, "ES_Descriptor without DecoderConfigDescriptor");
  return es;
}

}  // namespace camrec::codec
