// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/opus.h"

#include <cstring>
#include <string>

#include "io/byte_reader.h"
#include "io/byte_writer.h"

namespace camrec::codec {
namespace {

uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

Status check_mapping(const OpusHead& h) {
  if (h.channel_count == 0) return make_error(Errc::malformed, "Opus header with 0 channels");
  if (h.channel_mapping_family == 0) {
    if (h.channel_count > 2)
      return make_error(Errc::malformed, "Opus mapping family 0 allows 1 or 2 channels, not " + std::to_string(h.channel_count));
    return Status::ok();
  }
  if (h.stream_count == 0) return make_error(Errc::malformed, "Opus mapping with 0 streams");
  if (h.coupled_count > h.stream_count) return make_error(Errc::malformed, "Opus coupled stream count exceeds stream count");
  unsigned total = unsigned{h.stream_count} + h.coupled_count;
  if (total > 255) return make_error(Errc::malformed, "Opus stream counts exceed 255 decoded channels");
  for (uint8_t m : h.channel_mapping) {
    if (m != 255 && m >= total)
      return make_error(Errc::malformed, "Opus channel mapping entry " + std::to_string(m) + " refers to no decoded channel");
  }
  return Status::ok();
}

}  // namespace

Result<OpusHead> opus_head_from_encoder(int channels, uint32_t input_sample_rate, uint16_t pre_skip) {
  if (channels != 1 && channels != 2)
    return make_error(Errc::invalid_argument, "Opus family 0 needs 1 or 2 channels, not " + std::to_string(channels));
  OpusHead h;
  h.channel_count = static_cast<uint8_t>(channels);
  h.input_sample_rate = input_sample_rate;
  h.pre_skip = pre_skip;
  return h;
}

Result<OpusHead> parse_opus_head(std::span<const uint8_t> p) {
  if (p.size() < 8 || std::memcmp(p.data(), "OpusHead", 8) != 0)
    return make_error(Errc::malformed, "not an OpusHead packet");
  if (p.size() < 19) return make_error(Errc::malformed, "OpusHead truncated: " + std::to_string(p.size()) + " bytes");
  OpusHead h;
  h.version = p[8];
  // RFC 7845 5.1: the high nibble is the major version; only 0 is defined.
  if (h.version >= 16) return make_error(Errc::unsupported, "OpusHead version " + std::to_string(h.version));
  h.channel_count = p[9];
  h.pre_skip = le16(&p[10]);
  h.input_sample_rate = le32(&p[12]);
  h.output_gain = static_cast<int16_t>(le16(&p[16]));
  h.channel_mapping_family = p[18];
  if (h.channel_mapping_family != 0) {
    if (p.size() < 21u + h.channel_count) return make_error(Errc::malformed, "OpusHead channel mapping table truncated");
    h.stream_count = p[19];
    h.coupled_count = p[20];
    h.channel_mapping.assign(p.begin() + 21, p.begin() + 21 + h.channel_count);
  }
  CAMREC_RETURN_IF_ERROR(check_mapping(h));
  return h;
}

std::vector<uint8_t> serialize_opus_head(const OpusHead& h) {
  std::vector<uint8_t> out = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, h.channel_count};
  auto le = [&](uint32_t v, int n) {
    for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  le(h.pre_skip, 2);
  le(h.input_sample_rate, 4);
  le(static_cast<uint16_t>(h.output_gain), 2);
  out.push_back(h.channel_mapping_family);
  if (h.channel_mapping_family != 0) {
    out.push_back(h.stream_count);
    out.push_back(h.coupled_count);
    out.insert(out.end(), h.channel_mapping.begin(), h.channel_mapping.end());
  }
  return out;
}

std::vector<uint8_t> serialize_dops(const OpusHead& h) {
  io::ByteWriter w;
  w.u8(0);  // Version
  w.u8(h.channel_count);
  w.u16(h.pre_skip);
  w.u32(h.input_sample_rate);
  w.i16(h.output_gain);
  w.u8(h.channel_mapping_family);
  if (h.channel_mapping_family != 0) {
    w.u8(h.stream_count);
    w.u8(h.coupled_count);
    w.bytes(h.channel_mapping);
  }
  return std::move(w.buffer());
}

Result<OpusHead> parse_dops(std::span<const uint8_t> payload) {
  io::ByteReader r(payload);
  OpusHead h;
  h.version = r.u8();
  if (r.ok() && h.version != 0) return make_error(Errc::unsupported, "dOps Version " + std::to_string(h.version));
  h.channel_count = r.u8();
  h.pre_skip = r.u16();
  h.input_sample_rate = r.u32();
  h.output_gain = r.i16();
  h.channel_mapping_family = r.u8();
  if (h.channel_mapping_family != 0) {
    h.stream_count = r.u8();
    h.coupled_count = r.u8();
    auto map = r.bytes(h.channel_count);
    h.channel_mapping.assign(map.begin(), map.end());
  }
  if (r.failed()) return r.status().with_context("dOps");
  CAMREC_RETURN_IF_ERROR(check_mapping(h).with_context("dOps"));
  return h;
}

Result<uint32_t> opus_packet_samples(std::span<const uint8_t> packet) {
  if (packet.empty()) return make_error(Errc::malformed, "empty Opus packet");
  uint8_t toc = packet[0];
  uint32_t config = toc >> 3;
  uint32_t frame;  // samples at 48 kHz
  if (config < 12) {
    static constexpr uint32_t kSilk[4] = {480, 960, 1920, 2880};
    frame = kSilk[config % 4];
  } else if (config < 16) {
    frame = config % 2 == 0 ? 480 : 960;
  } else {
    static constexpr uint32_t kCelt[4] = {120, 240, 480, 960};
    frame = kCelt[config % 4];
  }
  uint32_t frames = 1;
  switch (toc & 3) {
    case 0: frames = 1; break;
    case 1:
    case 2: frames = 2; break;
    case 3:
      if (packet.size() < 2) return make_error(Errc::malformed, "Opus code 3 packet without frame count byte");
      frames = packet[1] & 0x3F;
      if (frames == 0) return make_error(Errc::malformed, "Opus code 3 packet with 0 frames");
      break;
  }
  uint32_t total = frame * frames;
  if (total > 5760) return make_error(Errc::malformed, "Opus packet longer than 120 ms (" + std::to_string(total) + " samples)");
  return total;
}

}  // namespace camrec::codec
