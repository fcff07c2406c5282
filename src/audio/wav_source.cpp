// SPDX-License-Identifier: LGPL-2.1-or-later
#include <array>
#include <atomic>
#include <cstring>

#include "audio/wav.h"
#include "camrec/checked.h"
#include "camrec/time.h"

namespace camrec::media {

namespace {

constexpr int kMaxChunksBeforeData = 64;

uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

Status parse_fmt(std::span<const uint8_t> f, AudioFormat& out, uint64_t offset) {
  auto at = " (fmt chunk at byte " + std::to_string(offset) + ")";
  if (f.size() < 16) return make_error(Errc::malformed, "WAV fmt chunk shorter than 16 bytes" + at);
  uint16_t tag = le16(&f[0]);
  const uint16_t channels = le16(&f[2]);
  const uint32_t rate = le32(&f[4]);
  const uint16_t block_align = le16(&f[12]);
  const uint16_t bits = le16(&f[14]);
  if (tag == 0xFFFE) {
    // WAVE_FORMAT_EXTENSIBLE: the real tag is the first two bytes of the sub-format GUID.
    if (f.size() < 40) return make_error(Errc::malformed, "WAV extensible fmt chunk too short" + at);
    tag = le16(&f[24]);
  }
  if (tag != 1) {
    return make_error(Errc::unsupported, "WAV format tag " + std::to_string(tag) +
                                             " is not integer PCM (1)" + at);
  }
  if (bits != 16) {
    return make_error(Errc::unsupported,
                      "WAV has " + std::to_string(bits) + "-bit samples; only 16-bit is supported" + at);
  }
  if (channels == 0 || channels > 8) {
    return make_error(Errc::unsupported, "WAV channel count " + std::to_string(channels) +
                                             " is outside 1..8" + at);
  }
  if (rate < 1000 || rate > 384000) {
    return make_error(Errc::unsupported, "WAV sample rate " + std::to_string(rate) +
                                             " is outside 1000..384000" + at);
  }
  if (block_align != channels * 2) {
    return make_error(Errc::malformed, "WAV block align " + std::to_string(block_align) +
                                           " does not match " + std::to_string(channels) +
                                           " channels of 16 bits" + at);
  }
  out.sample_rate = rate;
  out.channels = channels;
  return Status::ok();
}

class WavSource final : public AudioSource {
 public:
  WavSource(std::unique_ptr<io::FileSource> file, WavInfo info, const AudioOptions& options,
            Clock& clock)
      : file_(std::move(file)), info_(info), options_(options), clock_(clock) {}

  AudioFormat format() const override { return info_.format; }

  Status start() override {
    stop_.store(false);
    started_ = true;
    frames_ = 0;
    chunks_ = 0;
    start_us_ = clock_.now_us();
    return Status::ok();
  }

  Result<AudioChunk> read() override {
    if (!started_) return make_error(Errc::wrong_state, "wav source read before start");
    if (stop_.load()) return make_error(Errc::end_of_stream, "wav source stopped");
    if (options_.max_chunks != 0 && chunks_ >= options_.max_chunks) {
      return make_error(Errc::end_of_stream, "wav source reached its chunk limit");
    }
    const uint32_t block = info_.format.channels * 2u;
    const uint64_t total_frames = info_.data_bytes / block;
    if (frames_ >= total_frames) return make_error(Errc::end_of_stream, "end of wav data");
    const uint64_t n = std::min<uint64_t>(options_.frames_per_chunk, total_frames - frames_);
    std::vector<uint8_t> raw(static_cast<size_t>(n * block));
    CAMREC_RETURN_IF_ERROR(file_->read_at(info_.data_offset + frames_ * block, raw));
    AudioChunk chunk;
    chunk.sample_rate = info_.format.sample_rate;
    chunk.channels = info_.format.channels;
    chunk.pts_us = start_us_ + rescale(static_cast<int64_t>(frames_), chunk.sample_rate,
                                       kMicroseconds);
    chunk.sequence = chunks_++;
    chunk.samples.resize(raw.size() / 2);
    for (size_t i = 0; i < chunk.samples.size(); ++i) {
      chunk.samples[i] = static_cast<int16_t>(le16(&raw[2 * i]));
    }
    frames_ += n;
    if (options_.paced) {
      const int64_t end = start_us_ + rescale(static_cast<int64_t>(frames_), chunk.sample_rate,
                                              kMicroseconds);
      if (!clock_.sleep_until_us(end, &stop_)) {
        return make_error(Errc::end_of_stream, "wav source stopped");
      }
    }
    return chunk;
  }

  void interrupt() override { stop_.store(true); }
  void stop() override {
    stop_.store(true);
    started_ = false;
  }

 private:
  std::unique_ptr<io::FileSource> file_;
  WavInfo info_;
  AudioOptions options_;
  Clock& clock_;
  std::atomic<bool> stop_{false};
  bool started_ = false;
  uint64_t frames_ = 0;
  uint64_t chunks_ = 0;
  int64_t start_us_ = 0;
};

}  // namespace

Result<WavInfo> parse_wav(io::Source& source) {
  const uint64_t size = source.size();
  if (size < 12) return make_error(Errc::malformed, "WAV file is " + std::to_string(size) + " bytes, too short for a RIFF header");
  std::array<uint8_t, 12> riff{};
  CAMREC_RETURN_IF_ERROR(source.read_at(0, riff));
  if (std::memcmp(riff.data(), "RIFF", 4) != 0) return make_error(Errc::malformed, "not a RIFF file");
  if (std::memcmp(riff.data() + 8, "WAVE", 4) != 0) return make_error(Errc::malformed, "RIFF file is not WAVE");
  WavInfo info;
  bool have_fmt = false;
  uint64_t pos = 12;
  for (int i = 0; i < kMaxChunksBeforeData; ++i) {
    if (size - pos < 8) {
      return make_error(Errc::malformed, std::string("WAV ends at byte ") + std::to_string(pos) +
                                             (have_fmt ? " without a data chunk" : " without a fmt chunk"));
    }
    std::array<uint8_t, 8> head{};
    CAMREC_RETURN_IF_ERROR(source.read_at(pos, head));
    const uint32_t chunk_size = le32(head.data() + 4);
    const uint64_t body = pos + 8;
    const uint64_t left = size - body;
    if (std::memcmp(head.data(), "fmt ", 4) == 0) {
      if (chunk_size > 1024 || chunk_size > left) {
        return make_error(Errc::malformed, "WAV fmt chunk of " + std::to_string(chunk_size) +
                                               " bytes at byte " + std::to_string(pos) +
                                               " is too long or truncated");
      }
      CAMREC_ASSIGN_OR_RETURN(auto fmt, source.read_vector(body, chunk_size));
      CAMREC_RETURN_IF_ERROR(parse_fmt(fmt, info.format, pos));
      have_fmt = true;
    } else if (std::memcmp(head.data(), "data", 4) == 0) {
      if (!have_fmt) return make_error(Errc::malformed, "WAV data chunk comes before the fmt chunk");
      if (chunk_size > left) {
        return make_error(Errc::malformed, "WAV data chunk claims " + std::to_string(chunk_size) +
                                               " bytes but only " + std::to_string(left) +
                                               " follow (truncated file)");
      }
      const uint32_t block = info.format.channels * 2u;
      info.data_offset = body;
      info.data_bytes = chunk_size - chunk_size % block;
      return info;
    }
    // Chunks are padded to an even size.
    auto next = checked_add(body, uint64_t{chunk_size} + (chunk_size & 1u));
    if (!next || *next > size) {
      return make_error(Errc::malformed, "WAV chunk at byte " + std::to_string(pos) +
                                             " runs past the end of the file");
    }
    pos = *next;
  }
  return make_error(Errc::malformed, "WAV has more than 64 chunks before its data");
}

Result<std::unique_ptr<AudioSource>> open_wav_source(const std::string& path,
                                                     const AudioOptions& options, Clock& clock) {
  if (options.frames_per_chunk == 0 || options.frames_per_chunk > 192000) {
    return make_error(Errc::invalid_argument, "chunk of " +
                                                  std::to_string(options.frames_per_chunk) +
                                                  " frames is outside 1..192000");
  }
  CAMREC_ASSIGN_OR_RETURN(auto file, io::FileSource::open(path));
  auto info = parse_wav(*file);
  if (!info) return info.error().with_context(path);
  return std::unique_ptr<AudioSource>(new WavSource(std::move(file), *info, options, clock));
}

}  // namespace camrec::media
