// SPDX-License-Identifier: LGPL-2.1-or-later
// Ogg Opus files (RFC 7845) for `camrec extract`: the OpusHead and OpusTags headers, each on
// a page of its own, then the Opus packets with their granule positions (48 kHz samples
// since the start, pre-skip included). libogg makes the pages and their checksums.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "camrec/status.h"
#include "codec/opus.h"
#include "io/sink.h"

namespace camrec::cli {

class OggOpusWriter {
 public:
  /// Writes the two header pages to `sink`. Errors: the sink's.
  static Result<std::unique_ptr<OggOpusWriter>> open(std::unique_ptr<io::FileSink> sink, const codec::OpusHead& head,
                                                     uint32_t serial);
  ~OggOpusWriter();
  OggOpusWriter(const OggOpusWriter&) = delete;
  OggOpusWriter& operator=(const OggOpusWriter&) = delete;

  /// Adds one Opus packet. Errors: malformed (a packet whose duration cannot be read from
  /// its TOC byte), the sink's.
  Status write(std::span<const uint8_t> packet);
  /// Writes the last packet with the end-of-stream flag and closes the sink.
  Status close();

 private:
  struct Impl;
  explicit OggOpusWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace camrec::cli
