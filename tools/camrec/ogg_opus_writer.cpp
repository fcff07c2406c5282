// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ogg_opus_writer.h"

#include <ogg/ogg.h>

#include <cstring>
#include <string>

namespace camrec::cli {

struct OggOpusWriter::Impl {
  std::unique_ptr<io::FileSink> sink;
  ogg_stream_state stream{};
  int64_t packet_number = 0;
  int64_t granule = 0;  // 48 kHz samples up to the end of the held packet
  // The packet before the newest: written once the next one arrives, so the last packet of
  // the stream can carry the end-of-stream flag.
  std::vector<uint8_t> held;
  bool holding = false;

  ~Impl() { ogg_stream_clear(&stream); }

  Status packet_in(std::span<const uint8_t> bytes, int64_t granulepos, bool last) {
    ogg_packet p{};
    p.packet = const_cast<unsigned char*>(bytes.data());  // libogg copies it, never writes it
    p.bytes = static_cast<long>(bytes.size());
    p.b_o_s = packet_number == 0;
    p.e_o_s = last;
    p.granulepos = granulepos;
    p.packetno = packet_number++;
    if (ogg_stream_packetin(&stream, &p) != 0) return make_error(Errc::internal, "libogg refused a packet");
    return Status::ok();
  }

  /// Writes the pages libogg has filled; `flush` forces out a partial page too.
  Status pages_out(bool flush) {
    ogg_page page;
    while (flush ? ogg_stream_flush(&stream, &page) : ogg_stream_pageout(&stream, &page)) {
      std::span<const uint8_t> parts[2] = {{page.header, static_cast<size_t>(page.header_len)},
                                           {page.body, static_cast<size_t>(page.body_len)}};
      CAMREC_RETURN_IF_ERROR(sink->append(parts));
    }
    return Status::ok();
  }
};

OggOpusWriter::OggOpusWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OggOpusWriter::~OggOpusWriter() = default;

Result<std::unique_ptr<OggOpusWriter>> OggOpusWriter::open(std::unique_ptr<io::FileSink> sink,
                                                           const codec::OpusHead& head, uint32_t serial) {
  auto impl = std::make_unique<Impl>();
  impl->sink = std::move(sink);
  if (ogg_stream_init(&impl->stream, static_cast<int>(serial)) != 0)
    return make_error(Errc::internal, "libogg could not start a stream");
  // RFC 7845 5.1: OpusHead alone on the first page; 5.2: OpusTags from the second page on.
  codec::OpusHead ogg_head = head;
  ogg_head.version = 1;  // dOps says 0; OpusHead's version is 1
  CAMREC_RETURN_IF_ERROR(impl->packet_in(codec::serialize_opus_head(ogg_head), 0, false));
  CAMREC_RETURN_IF_ERROR(impl->pages_out(true));
  const std::string vendor = "camrec";
  std::vector<uint8_t> tags = {'O', 'p', 'u', 's', 'T', 'a', 'g', 's'};
  auto le32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) tags.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  le32(static_cast<uint32_t>(vendor.size()));
  tags.insert(tags.end(), vendor.begin(), vendor.end());
  le32(0);  // no user comments
  CAMREC_RETURN_IF_ERROR(impl->packet_in(tags, 0, false));
  CAMREC_RETURN_IF_ERROR(impl->pages_out(true));
  return std::unique_ptr<OggOpusWriter>(new OggOpusWriter(std::move(impl)));
}

Status OggOpusWriter::write(std::span<const uint8_t> packet) {
  CAMREC_ASSIGN_OR_RETURN(uint32_t samples, codec::opus_packet_samples(packet));
  Impl& d = *impl_;
  if (d.holding) {
    CAMREC_RETURN_IF_ERROR(d.packet_in(d.held, d.granule, false));
    CAMREC_RETURN_IF_ERROR(d.pages_out(false));
  }
  d.held.assign(packet.begin(), packet.end());
  d.holding = true;
  d.granule += samples;
  return Status::ok();
}

Status OggOpusWriter::close() {
  Impl& d = *impl_;
  if (d.holding) {
    CAMREC_RETURN_IF_ERROR(d.packet_in(d.held, d.granule, true));
    d.holding = false;
  }
  CAMREC_RETURN_IF_ERROR(d.pages_out(true));
  return d.sink->close();
}

}  // namespace camrec::cli
