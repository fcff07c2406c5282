// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capture/test_pattern.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

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


// A stable pseudo-random value of a position: the scene's texture and the noise.
uint32_t hash2(uint32_t x, uint32_t y) {
  uint32_t v = x * 0x9E3779B1u ^ (y + 0x7F4A7C15u) * 0x85EBCA77u;
  v ^= v >> 15;
  v *= 0x2C1B3C6Du;
  v ^= v >> 12;
  return v;
}

// The scene a camera pans across: wider than the frame by a quarter, drawn once per frame
// size. Sky with soft clouds over a row of buildings (their own colours, a grid of windows:
// edges and fine detail at a fixed pixel size, as a real lens resolves them whatever the
// sensor size) over gravel (per-pixel texture). Mean luma stays near 100 so the beep's white
// flash stands out, as the A/V tests need.
struct Scene {
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<uint8_t> y;         // width x height
  std::vector<uint8_t> cb, cr;    // (width / 2) x (height / 2)
};

uint8_t clamp_u8(int v) { return static_cast<uint8_t>(std::clamp(v, 0, 255)); }

std::unique_ptr<Scene> make_scene(uint32_t w, uint32_t h) {
  auto scene = std::make_unique<Scene>();
  Scene& s = *scene;
  s.width = (w + w / 4 + 1) & ~1u;
  s.height = (h + 1) & ~1u;
  s.y.resize(size_t{s.width} * s.height);
  s.cb.resize(size_t{s.width / 2} * (s.height / 2));
  s.cr.resize(s.cb.size());
  const uint32_t horizon = s.height * 3 / 10, ground = s.height * 8 / 10;
  // Buildings: columns 40..120 px wide, each with its height, shade and tint.
  std::vector<uint32_t> column_of(s.width);
  for (uint32_t x = 0, c = 0, next = 0; x < s.width; ++x) {
    if (x == next) next = x + 40 + hash2(++c, 1) % 81;
    column_of[x] = c;
  }
  for (uint32_t yy = 0; yy < s.height; ++yy) {
    for (uint32_t x = 0; x < s.width; ++x) {
      const uint32_t c = column_of[x];
      const uint32_t roof = horizon - std::min(horizon, hash2(c, 2) % (horizon * 2 / 3 + 1));
      int luma, cb, cr;
      if (yy >= ground) {
        // Gravel: a per-pixel texture, brighter towards the camera.
        luma = 60 + static_cast<int>((yy - ground) * 30 / std::max<uint32_t>(1, s.height - ground)) +
               static_cast<int>(hash2(x, yy) % 44);
        cb = 112 + static_cast<int>(hash2(x / 3, yy / 3) % 9);
        cr = 124 + static_cast<int>(hash2(x / 5, yy / 5) % 11);
      } else if (yy >= roof) {
        // A facade with 6x8 windows on a 12x16 grid, some lit.
        const uint32_t wx = (x % 12), wy = (yy - roof) % 16;
        const bool window = wx >= 3 && wx < 9 && wy >= 4 && wy < 12;
        const uint32_t shade = hash2(c, 3);
        luma = 55 + static_cast<int>(shade % 60);
        if (window) luma = hash2(x / 12 + c * 97, (yy - roof) / 16) % 3 == 0 ? 190 : 30;
        luma += static_cast<int>(hash2(x, yy) % 9) - 4;
        cb = 96 + static_cast<int>(shade >> 8) % 64;
        cr = 96 + static_cast<int>(shade >> 16) % 64;
      } else {
        // Sky: brighter towards the horizon, with soft 32 px clouds.
        const uint32_t cloud = (hash2(x / 32, yy / 32) % 4 == 0) ? 40 : 0;
        luma = 90 + static_cast<int>(yy * 40 / std::max<uint32_t>(1, horizon)) + static_cast<int>(cloud);
        cb = cloud ? 132 : 150;
        cr = cloud ? 126 : 112;
      }
      s.y[size_t{yy} * s.width + x] = clamp_u8(luma);
      if ((x | yy) % 2 == 0) {
        const size_t ci = size_t{yy / 2} * (s.width / 2) + x / 2;
        s.cb[ci] = clamp_u8(cb);
        s.cr[ci] = clamp_u8(cr);
      }
    }
  }
  return scene;
}

// Scenes are shared by every frame of a size, across sources and threads.
const Scene& scene_for(uint32_t w, uint32_t h) {
  static std::mutex mutex;
  static std::map<std::pair<uint32_t, uint32_t>, std::unique_ptr<Scene>> scenes;
  std::lock_guard lock(mutex);
  auto& scene = scenes[{w, h}];
  if (!scene) scene = make_scene(w, h);
  return *scene;
}

// Pan: 2 px per frame one way then back (even, so chroma moves with luma).
uint32_t scene_pan(uint64_t frame_number, uint32_t range) {
  const uint64_t steps = range / 2;
  if (steps == 0) return 0;
  const uint64_t t = frame_number % (2 * steps);
  return static_cast<uint32_t>(2 * (t < steps ? t : 2 * steps - t));
}

void copy_scene_chroma(const Planes& p, const Scene& scene, uint32_t pan, uint32_t w, uint32_t h) {
  const uint32_t cw = w / 2, sw = scene.width / 2, cx = pan / 2;
  for (uint32_t r = 0; r < h / 2; ++r) {
    const uint8_t* cb = scene.cb.data() + size_t{r} * sw + cx;
    const uint8_t* cr = scene.cr.data() + size_t{r} * sw + cx;
    if (p.interleaved) {
      uint8_t* row = p.u + size_t{r} * p.cs;
      for (uint32_t c = 0; c < cw; ++c) {
        row[2 * c] = cb[c];
        row[2 * c + 1] = cr[c];
      }
    } else {
      std::memcpy(p.u + size_t{r} * p.cs, cb, cw);
      std::memcpy(p.v + size_t{r} * p.cs, cr, cw);
    }
  }
}

// Three discs crossing the scene on their own paths and speeds, as objects in front of a
// panning camera: motion the encoder must search for, against the pan.
void draw_shapes(const Planes& p, uint64_t frame_number, uint32_t w, uint32_t h) {
  struct Shape {
    uint32_t speed_x, speed_y;  // px per frame
    uint8_t luma, cb, cr;
  };
  static constexpr Shape kShapes[] = {{5, 3, 82, 90, 240}, {3, 4, 210, 16, 146}, {7, 2, 170, 166, 16}};
  const uint32_t radius = std::max<uint32_t>(4, h / 12);
  if (w <= 2 * radius + 2 || h <= 2 * radius + 2) return;
  for (size_t i = 0; i < std::size(kShapes); ++i) {
    const Shape& shape = kShapes[i];
    auto bounce = [](uint64_t t, uint32_t range) {
      const uint64_t m = t % (2 * uint64_t{range});
      return static_cast<uint32_t>(m < range ? m : 2 * uint64_t{range} - m);
    };
    const uint32_t cx = radius + bounce(frame_number * shape.speed_x + i * 97, w - 2 * radius - 1);
    const uint32_t cy = radius + bounce(frame_number * shape.speed_y + i * 61, h - 2 * radius - 1);
    for (uint32_t yy = cy - radius; yy <= cy + radius; ++yy) {
      const int64_t dy = int64_t{yy} - cy;
      const auto half = static_cast<uint32_t>(std::sqrt(static_cast<double>(int64_t{radius} * radius - dy * dy)));
      const uint32_t x0 = cx - half;
      fill_rect_y(p, x0, yy, 2 * half + 1, 1, shape.luma);
      if (yy % 2 == 0 && half >= 2) fill_rect_c(p, (x0 + 1) & ~1u, yy, (2 * half) & ~1u, 2, shape.cb, shape.cr);
    }
  }
}

// Sensor noise: each luma sample below the digits moves by up to `amplitude`, differently
// in every frame (deterministic, from the frame number). Real sensors make every frame
// a little different; an encoder spends bits on it.
void add_noise(const Planes& p, uint64_t frame_number, uint32_t w, uint32_t h, uint32_t top,
               uint8_t amplitude) {
  static const std::vector<int8_t> table = [] {
    std::vector<int8_t> t(1u << 16);
    for (uint32_t i = 0; i < t.size(); ++i) t[i] = static_cast<int8_t>(static_cast<int>(hash2(i, 77) % 255) - 127);
    return t;
  }();
  const uint32_t mask = static_cast<uint32_t>(table.size() - 1);
  for (uint32_t r = top; r < h; ++r) {
    uint8_t* row = p.y + size_t{r} * p.ys;
    const uint32_t start = hash2(static_cast<uint32_t>(frame_number), r);
    for (uint32_t x = 0; x < w; ++x) {
      const int delta = table[(start + x) & mask] * amplitude / 127;
      row[x] = clamp_u8(row[x] + delta);
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

Status draw_test_pattern(Frame& frame, uint64_t frame_number, int64_t time_ms, bool flash,
                         uint8_t noise) {
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
  PatternLayout l = pattern_layout(w, h);
  if (flash) {
    fill_rect_y(p, 0, 0, w, h, kWhite);
    fill_rect_c(p, 0, 0, even_w, even_h, 128, 128);
  } else {
    const Scene& scene = scene_for(w, h);
    const uint32_t pan = scene_pan(frame_number, scene.width - w);
    for (uint32_t r = 0; r < h; ++r) std::memcpy(p.y + size_t{r} * p.ys, scene.y.data() + size_t{r} * scene.width + pan, w);
    if (p.u != nullptr) copy_scene_chroma(p, scene, pan, w, h);
    draw_shapes(p, frame_number, w, h);
    if (noise > 0) add_noise(p, frame_number, w, h, l.box_bottom, noise);
  }
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
    CAMREC_RETURN_IF_ERROR(draw_test_pattern(*frame, n_, rel / 1000, flash, options_.sensor_noise));
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
