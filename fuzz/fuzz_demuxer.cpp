// SPDX-License-Identifier: LGPL-2.1-or-later
// The demuxer over an in-memory file: open, read every sample, scan, read again.
// Input: one option byte (bit 0: DemuxOptions::annexb), then the file. Nothing here bounds
// the work: a file that makes the demuxer loop for long is a finding (-timeout).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>

#include "camrec/demuxer.h"
#include "io/source.h"

namespace {

/// Reads samples until the end or the first error; a sample must lie inside the file.
void drain(camrec::Demuxer& demuxer, uint64_t file_size) {
  camrec::DemuxedSample sample;
  while (true) {
    auto more = demuxer.next(sample);
    if (!more || !*more) return;
    if (sample.track >= demuxer.tracks().size()) {
      std::fprintf(stderr, "fuzz_demuxer: sample of track %u, only %zu tracks\n", sample.track,
                   demuxer.tracks().size());
      std::abort();
    }
    if (sample.offset > file_size) {
      std::fprintf(stderr, "fuzz_demuxer: sample offset %llu past the end (%llu)\n",
                   static_cast<unsigned long long>(sample.offset), static_cast<unsigned long long>(file_size));
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  camrec::DemuxOptions options;
  options.annexb = (data[0] & 1) != 0;
  std::span<const uint8_t> file(data + 1, size - 1);
  auto demuxer = camrec::Demuxer::open(std::make_unique<camrec::io::MemorySource>(file), options);
  if (!demuxer) return 0;
  auto& d = **demuxer;
  (void)d.layout();
  for (const auto& t : d.tracks()) (void)t.codec_string.size();
  drain(d, file.size());
  // scan() rewinds, so the samples can be read a second time.
  if (d.scan().is_ok()) drain(d, file.size());
  return 0;
}
