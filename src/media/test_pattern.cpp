#include "media/test_pattern.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "camrec/time.h"

namespace camrec::media {

namespace {

constexpr std::array<std::array<uint8_t, 7>, 10> kGlyphs = {{
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E},  // 0
    {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},  // 1
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F},  // 2
    {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},  // 3
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02},  // 4
    {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},  // 5
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E},  // 6
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},  // 7
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E},  // 8
    {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},  // 9
}};

constexpr uint8_t kBlack = 16;
constexpr uint8_t kWhite = 235;
constexpr uint64_t kDigitModulus = 100'000'000;  // 10^kPatternDigits

struct Planes {
  uint8_t* y = nullptr;
  uint32_t ys = 0;
  // nv12: u points at the interleaved plane (v unused); i420: separate planes.
  uint8_t* u = nullptr;
  uint8_t* v = nullptr;
  uint32_t cs = 0;
  bool interleaved = false;
};

void fill_rect_y(const Planes& p, uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint8_t value) {
  for (uint32_t r = y; r < y + h; ++r) std::memset(p.y + size_t{r} * p.ys + x, value, w);
}

// Chroma of the rectangle (x, y, w, h) in luma coordinates (even x and y).
void fill_rect_c(const Planes& p, uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint8_t cb,
                 uint8_t cr) {
  if (p.u == nullptr) return;
  for (uint32_t r = y / 2; r < (y + h) / 2; ++r) {
    if (p.interleaved) {
      uint8_t* row = p.u + size_t{r} * p.cs;
      for (uint32_t c = x / 2; c < (x + w) / 2; ++c) {
        row[2 * c] = cb;
        row[2 * c + 1] = cr;
      }
    } else {
      std::memset(p.u + size_t{r} * p.cs + x / 2, cb, w / 2);
      std::memset(p.v + size_t{r} * p.cs + x / 2, cr, w / 2);
    }
  }
}

void draw_number(const Planes& p, const PatternLayout& l, uint32_t y0, uint64_t value) {
  value %= kDigitModulus;
  for (int i = kPatternDigits - 1; i >= 0; --i) {
    int d = static_cast<int>(value % 10);
    value /= 10;
    uint32_t x = l.x0 + static_cast<uint32_t>(i) * 6 * l.scale;
    const auto& g = kGlyphs[d];
    for (uint32_t row = 0; row < 7; ++row) {
      for (uint32_t col = 0; col < 5; ++col) {
        if ((g[row] >> (4 - col)) & 1) {
          fill_rect_y(p, x + col * l.scale, y0 + row * l.scale, l.scale, l.scale, kWhite);
        }
      }
    }
  }
}

}  // namespace

PatternLayout pattern_layout(uint32_t width, uint32_t height) {
  PatternLayout l;
  l.scale = std::max<uint32_t>(1, std::min(height / 60, width / 60));
  const uint32_t s = l.scale;
  l.x0 = 2 * s;
  l.y_frame = 2 * s;
  l.y_time = 11 * s;
  l.box_right = 2 * s + kPatternDigits * 6 * s;
  l.box_bottom = 19 * s;
  return l;
}

const std::array<uint8_t, 7>& digit_glyph(int d) { return kGlyphs[static_cast<size_t>(d) % 10]; }

Status draw_test_pattern(Frame& frame, uint64_t frame_number, int64_t time_ms, bool flash) {
  Planes p;
  p.y = frame.plane(0);
  p.ys = frame.stride(0);
  switch (frame.format()) {
    case PixelFormat::nv12:
      p.u = frame.plane(1);
      p.cs = frame.stride(1);
      p.interleaved = true;
      break;
    case PixelFormat::i420:
      p.u = frame.plane(1);
      p.v = frame.plane(2);
      p.cs = frame.stride(1);
      break;
    case PixelFormat::gray8:
      break;
    case PixelFormat::rgb888:
      return make_error(Errc::invalid_argument, "the test pattern draws YUV or gray frames only");
  }
  const uint32_t w = frame.width(), h = frame.height();
  const uint32_t even_w = w & ~1u, even_h = h & ~1u;
  if (flash) {
    fill_rect_y(p, 0, 0, w, h, kWhite);
    fill_rect_c(p, 0, 0, even_w, even_h, 128, 128);
  } else {
    // A static horizontal ramp, so the moving bar is the only motion the encoder sees.
    uint8_t* row0 = p.y;
    for (uint32_t x = 0; x < w; ++x) row0[x] = static_cast<uint8_t>(40 + x * 80 / w);
    for (uint32_t r = 1; r < h; ++r) std::memcpy(p.y + size_t{r} * p.ys, row0, w);
    fill_rect_c(p, 0, 0, even_w, even_h, 128, 128);
    uint32_t bar_w = std::max<uint32_t>(8, (w / 16) & ~1u);
    bar_w = std::min(bar_w, even_w);
    uint32_t span = even_w - bar_w + 2;
    uint32_t bar_x = static_cast<uint32_t>((frame_number * 4) % span) & ~1u;
    fill_rect_y(p, bar_x, 0, bar_w, h, 200);
    fill_rect_c(p, bar_x, 0, bar_w, even_h, 90, 200);
  }
  PatternLayout l = pattern_layout(w, h);
  const uint32_t s = l.scale;
  fill_rect_y(p, s, s, l.box_right - s, l.box_bottom - s, kBlack);
  fill_rect_c(p, 0, 0, (l.box_right + 1) & ~1u, (l.box_bottom + 1) & ~1u, 128, 128);
  draw_number(p, l, l.y_frame, frame_number);
  draw_number(p, l, l.y_time, static_cast<uint64_t>(std::max<int64_t>(0, time_ms)));
  return Status::ok();
}

Result<uint64_t> read_pattern_number(const uint8_t* luma, uint32_t stride, uint32_t width,
                                     uint32_t height, int row) {
  PatternLayout l = pattern_layout(width, height);
  if (l.box_right > width || l.box_bottom > height) {
    return make_error(Errc::invalid_argument, "frame too small for the pattern digits");
  }
  const uint32_t s = l.scale;
  const uint32_t y0 = row == 0 ? l.y_frame : l.y_time;
  // Average the inside of each font pixel; its edges blur most under compression.
  const uint32_t inset = s >= 3 ? 1 : 0;
  uint64_t value = 0;
  for (int i = 0; i < kPatternDigits; ++i) {
    uint32_t x = l.x0 + static_cast<uint32_t>(i) * 6 * s;
    std::array<uint8_t, 7> bits{};
    for (uint32_t r = 0; r < 7; ++r) {
      for (uint32_t c = 0; c < 5; ++c) {
        uint32_t sum = 0, n = 0;
        for (uint32_t yy = inset; yy < s - inset; ++yy) {
          const uint8_t* line = luma + size_t{y0 + r * s + yy} * stride + x + c * s;
          for (uint32_t xx = inset; xx < s - inset; ++xx, ++n) sum += line[xx];
        }
        if (sum > 128 * n) bits[r] = static_cast<uint8_t>(bits[r] | (1u << (4 - c)));
      }
    }
    int best = -1, best_dist = std::numeric_limits<int>::max(), second = best_dist;
    for (int d = 0; d < 10; ++d) {
      int dist = 0;
      for (int r = 0; r < 7; ++r) dist += __builtin_popcount(bits[r] ^ kGlyphs[d][r]);
      if (dist < best_dist) {
        second = best_dist;
        best_dist = dist;
        best = d;
      } else if (dist < second) {
        second = dist;
      }
    }
    if (best_dist > 3 || second == best_dist) {
      return make_error(Errc::malformed, "pattern digit " + std::to_string(i) + " of row " +
                                             std::to_string(row) + " is unreadable");
    }
    value = value * 10 + static_cast<uint64_t>(best);
  }
  return value;
}

uint32_t mean_luma(const uint8_t* luma, uint32_t stride, uint32_t width, uint32_t height) {
  if (width == 0 || height == 0) return 0;
  uint64_t sum = 0;
  for (uint32_t r = 0; r < height; ++r) {
    const uint8_t* line = luma + size_t{r} * stride;
    for (uint32_t x = 0; x < width; ++x) sum += line[x];
  }
  return static_cast<uint32_t>(sum / (uint64_t{width} * height));
}

namespace {

class TestPatternSource final : public SensorSource {
 public:
  TestPatternSource(const SourceOptions& options, Clock& clock)
      : options_(options), clock_(clock) {}

  SourceFormat format() const override {
    return {PixelFormat::nv12, options_.width, options_.height, options_.fps_num,
            options_.fps_den};
  }

  Status start() override {
    stop_.store(false);
    n_ = 0;
    start_us_ = clock_.now_us();
    origin_us_ = options_.beeps.origin_us >= 0 ? options_.beeps.origin_us : start_us_;
    return Status::ok();
  }

  Result<FramePtr> next_frame() override {
    if (stop_.load()) return make_error(Errc::end_of_stream, "test pattern stopped");
    if (options_.max_frames != 0 && n_ >= options_.max_frames) {
      return make_error(Errc::end_of_stream, "test pattern reached its frame limit");
    }
    const int64_t offset = frame_offset_us(n_, options_.fps_num, options_.fps_den);
    const int64_t pts = start_us_ + offset;
    if (options_.paced && !clock_.sleep_until_us(pts, &stop_)) {
      return make_error(Errc::end_of_stream, "test pattern stopped");
    }
    const int64_t prev = n_ == 0 ? -frame_offset_us(1, options_.fps_num, options_.fps_den)
                                 : frame_offset_us(n_ - 1, options_.fps_num, options_.fps_den);
    const int64_t rel = pts - origin_us_;
    const bool flash = beep_in_interval(options_.beeps, rel - (offset - prev), rel);
    CAMREC_ASSIGN_OR_RETURN(std::shared_ptr<Frame> frame,
                            pool_.acquire(PixelFormat::nv12, options_.width, options_.height));
    CAMREC_RETURN_IF_ERROR(draw_test_pattern(*frame, n_, rel / 1000, flash));
    frame->pts_us = pts;
    frame->sequence = n_++;
    return FramePtr(std::move(frame));
  }

  void interrupt() override { stop_.store(true); }
  void stop() override { stop_.store(true); }

 private:
  SourceOptions options_;
  Clock& clock_;
  FramePool pool_;
  std::atomic<bool> stop_{false};
  int64_t start_us_ = 0;
  int64_t origin_us_ = 0;
  uint64_t n_ = 0;
};

}  // namespace

Result<std::unique_ptr<SensorSource>> make_test_pattern_source(const SourceOptions& options,
                                                               Clock& clock) {
  CAMREC_RETURN_IF_ERROR(check_frame_size(PixelFormat::nv12, options.width, options.height));
  CAMREC_RETURN_IF_ERROR(check_frame_rate(options.fps_num, options.fps_den));
  const BeepSchedule& b = options.beeps;
  if (b.first_us < 0 || b.period_us < 0 || b.duration_us <= 0) {
    return make_error(Errc::invalid_argument,
                      "beep schedule needs first >= 0, period >= 0 and duration > 0");
  }
  return std::unique_ptr<SensorSource>(new TestPatternSource(options, clock));
}

}  // namespace camrec::media
