// SPDX-License-Identifier: LGPL-2.1-or-later
// The muxer driven by a command script: add tracks, write packets with any bytes and
// timestamps, close. It must never crash; when close() succeeds the output must open in the
// demuxer and read to its end, and after a simulated full disk whatever the sink holds must
// still open (the muxer promises a valid file with every fragment written before the error).
//
// Input: one option byte (bit 0 fragmented layout, bit 1 cmaf, bit 2 no mfra, bits 3-4
// fragment duration, bit 5 full disk after a capacity from the next two bytes), then
// commands, each an opcode byte and its arguments (see run()).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "io/sink.h"
#include "io/source.h"

namespace {

using namespace camrec;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_muxer: %s\n", what.c_str());
  std::abort();
}

/// Reads the script; past its end every read yields zeros.
class Script {
 public:
  explicit Script(std::span<const uint8_t> data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }
  uint8_t u8() { return pos_ < data_.size() ? data_[pos_++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>((u8() << 8) | u8()); }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | u8();
    return v;
  }
  std::span<const uint8_t> bytes(size_t n) {
    n = std::min(n, data_.size() - std::min(pos_, data_.size()));
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

/// Opens `file` and reads every sample; returns the error, if any.
Status read_back(const std::vector<uint8_t>& file, uint64_t& samples) {
  auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(file));
  if (!demuxer) return demuxer.error();
  DemuxedSample sample;
  samples = 0;
  while (true) {
    auto more = (*demuxer)->next(sample);
    if (!more) return more.error();
    if (!*more) return Status::ok();
    ++samples;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Script in(std::span<const uint8_t>(data, size));
  const uint8_t flags = in.u8();
  MuxerOptions options;
  options.layout = (flags & 1) ? Layout::fragmented : Layout::regular;
  options.cmaf = (flags & 2) != 0;
  options.write_mfra = (flags & 4) == 0;
  static const int64_t kFragmentUs[] = {0, 100'000, 1'000'000, 3'000'000};
  options.fragment_duration_us = kFragmentUs[(flags >> 3) & 3];
  auto sink = std::make_unique<io::MemorySink>();
  io::MemorySink* out = sink.get();
  const bool full_disk = (flags & 0x20) != 0;
  if (full_disk) out->set_capacity(uint64_t{in.u16()} * 16);
  auto created = Muxer::create(std::move(sink), options);
  if (!created) fail("create: " + created.error().to_string());
  Muxer& muxer = **created;

  static const Timescale kTimescales[] = {0, 90'000, 1'000, 1, 48'000, 1'000'000, 7, 0xFFFFFFFF};
  static const uint32_t kRates[] = {8'000, 16'000, 44'100, 48'000};
  int64_t pts = 0, dts = 0;
  uint32_t tracks = 0;
  Status last_error;
  while (!in.done()) {
    const uint8_t op = in.u8();
    Status s;
    switch (op % 5) {
      case 0: {  // add a video track
        const uint8_t a = in.u8();
        VideoTrackConfig config;
        config.codec = (a & 1) ? Codec::h265 : Codec::h264;
        config.timescale = kTimescales[(a >> 1) & 7];
        if (a & 0x10) {
          config.width = in.u16();
          config.height = in.u16();
        }
        auto t = muxer.add_video_track(config);
        if (t) ++tracks;
        else s = t.error();
        break;
      }
      case 1: {  // add an audio track
        const uint8_t a = in.u8();
        static const Codec kAudio[] = {Codec::g711_alaw, Codec::g711_ulaw, Codec::aac, Codec::opus};
        AudioTrackConfig config;
        config.codec = kAudio[a & 3];
        config.sample_rate = (a & 0x80) ? in.u16() : kRates[(a >> 2) & 3];
        config.channels = 1 + ((a >> 4) & 3);
        config.timescale = (a & 0x40) ? kTimescales[in.u8() & 7] : 0;
        auto cfg = in.bytes(in.u8() & 0x1F);
        config.codec_config.assign(cfg.begin(), cfg.end());
        auto t = muxer.add_audio_track(config);
        if (t) ++tracks;
        else s = t.error();
        break;
      }
      case 2: {  // write a packet: track, timing, length, bytes
        const uint8_t track = in.u8();
        const uint8_t a = in.u8();
        // Wrapping on purpose: the muxer must cope with whatever times follow a jump (op 3).
        dts = wrapping_add(dts, static_cast<int16_t>(in.u16()));
        pts = wrapping_add(dts, static_cast<int16_t>(in.u16()));
        Packet p;
        p.pts = pts;
        p.dts = dts;
        static const Timescale kPacketScales[] = {kMicroseconds, 90'000, 1'000, 48'000, 8'000, 1, 0, 0xFFFFFFFF};
        p.timescale = kPacketScales[a & 7];
        p.duration = (a & 8) ? static_cast<int16_t>(in.u16()) : 0;
        const size_t length = in.u16() % 4096;
        p.data = in.bytes(length);
        s = muxer.write(tracks ? track % (tracks + 1) : track, p);
        break;
      }
      case 3: {  // jump to any timestamps (wrap-around, extremes)
        dts = static_cast<int64_t>(in.u64());
        pts = static_cast<int64_t>(in.u64());
        break;
      }
      case 4:
        s = muxer.close();
        break;
    }
    if (!s.is_ok()) last_error = s;
  }
  Status closed = muxer.close();
  uint64_t samples = 0;
  if (closed.is_ok()) {
    Status read = read_back(out->data(), samples);
    if (!read.is_ok() && out->size() > 0) fail("the closed file does not read back: " + read.to_string());
  } else if (closed.code() == Errc::no_space && out->size() > 0) {
    Status read = read_back(out->data(), samples);
    if (!read.is_ok()) fail("after a full disk the file does not read back: " + read.to_string());
  }
  return 0;
}
