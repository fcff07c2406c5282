// SPDX-License-Identifier: LGPL-2.1-or-later
// Raw video frames: the pixels a sensor channel produces and an encoder consumes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "camrec/status.h"

namespace camrec::media {

/// Pixel layouts a frame can hold (all 8-bit).
enum class PixelFormat : uint8_t {
  nv12,    ///< Y plane + interleaved UV plane at half size (K230 YUV420SP, the encoder input).
  i420,    ///< Y, U, V planes, chroma at half width and half height.
  gray8,   ///< Y plane only (K230 GRAYSCALE).
  rgb888,  ///< One plane of packed bytes R, G, B per pixel (K230 RGB888).
};

/// How a picture whose aspect ratio differs from its frame's fills that frame.
enum class ScaleFit : uint8_t {
  stretch,    ///< Scaled to the whole frame, distorted (K230's channels do this).
  letterbox,  ///< Scaled whole to fit, centred, with black bars on the two other sides.
};

/// "nv12", "i420", "gray8", "rgb888".
const char* pixel_format_name(PixelFormat format);

/// Largest width or height any frame may have.
inline constexpr uint32_t kMaxFrameDimension = 8192;

/// Checks that a frame of `format` can be `width` x `height`: 1..8192 each, and even for the
/// 4:2:0 formats. Errors: invalid_argument naming the bad value.
Status check_frame_size(PixelFormat format, uint32_t width, uint32_t height);

/// Owned, aligned pixel memory of a frame.
struct AlignedFree {
  void operator()(uint8_t* p) const;
};
using PixelBuffer = std::unique_ptr<uint8_t[], AlignedFree>;

/// Frames are shared read-only between a sensor's snapshot and its links.
class Frame;
using FramePtr = std::shared_ptr<const Frame>;

/// A video frame: tightly packed rows (stride = bytes of one row). A frame from allocate() or
/// a FramePool owns its pixels, all planes in one buffer, each plane starting on a 64-byte
/// boundary. A frame from wrap() shows memory it does not own (a mapped file): planes back
/// to back with no alignment promised, pixels read-only. Move-only; share it as FramePtr.
class Frame {
 public:
  /// A frame of the given size with zeroed pixels. `align_log2` (6..12) is the alignment of
  /// the buffer start (12 = 4 KiB, K230 alignment=12). Errors: invalid_argument for a bad
  /// size or alignment.
  static Result<Frame> allocate(PixelFormat format, uint32_t width, uint32_t height,
                                uint32_t align_log2 = 6);

  /// A read-only frame over `packed`: the image with planes in order and no padding (exactly
  /// as a Y4M frame or a raw .yuv file holds it), as the pixels of a `format` frame of
  /// `width` x `height`. Nothing is copied: the planes point into `packed` and start wherever
  /// it puts them (no 64-byte alignment unless `packed` gives it). `owner` (may be empty) is
  /// kept until the last copy of the returned pointer goes, so it keeps that memory alive and
  /// can release it. The memory must not change while the frame lives. Errors:
  /// invalid_argument for a bad size or when `packed` is not the frame's packed size.
  static Result<FramePtr> wrap(PixelFormat format, uint32_t width, uint32_t height,
                               std::span<const uint8_t> packed, std::shared_ptr<const void> owner,
                               int64_t pts_us = 0, uint64_t sequence = 0);

  Frame(Frame&&) noexcept = default;
  Frame& operator=(Frame&&) noexcept = default;
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

  /// Pixel layout.
  PixelFormat format() const { return format_; }
  /// Width in pixels.
  uint32_t width() const { return width_; }
  /// Height in pixels.
  uint32_t height() const { return height_; }
  /// 2 for nv12, 3 for i420, 1 for gray8 and rgb888.
  int plane_count() const { return plane_count_; }
  /// Bytes per row of plane `i` (0 <= i < plane_count()).
  uint32_t stride(int i) const { return strides_[i]; }
  /// Rows of plane `i`.
  uint32_t plane_rows(int i) const { return rows_[i]; }
  /// Start of plane `i`; valid while the frame lives.
  uint8_t* plane(int i) { return buffer_.get() + offsets_[i]; }
  /// Start of plane `i`, read-only.
  const uint8_t* plane(int i) const { return buffer_.get() + offsets_[i]; }
  /// Plane `i` as a span of stride(i) * plane_rows(i) bytes.
  std::span<uint8_t> plane_span(int i) { return {plane(i), size_t{strides_[i]} * rows_[i]}; }
  /// Plane `i` as a read-only span.
  std::span<const uint8_t> plane_span(int i) const {
    return {plane(i), size_t{strides_[i]} * rows_[i]};
  }
  /// Bytes of the whole image without row or plane padding (what a raw .yuv file holds).
  size_t packed_size() const;
  /// Appends the image, planes in order without padding, to `out`.
  void append_packed(std::vector<uint8_t>& out) const;
  /// Copies planes in order from `packed` (exactly packed_size() bytes). Errors:
  /// invalid_argument when the size differs.
  Status load_packed(std::span<const uint8_t> packed);
  /// A deep copy (pixels, pts and sequence). Errors: as allocate().
  Result<Frame> clone() const;

  /// Capture instant in µs on the capture Clock (the same clock audio is stamped with).
  int64_t pts_us = 0;
  /// Frame number from the source, 0 for the first frame after run().
  uint64_t sequence = 0;

 private:
  friend class FramePool;
  Frame() = default;
  static size_t layout(Frame& f, PixelFormat format, uint32_t width, uint32_t height);

  PixelFormat format_ = PixelFormat::nv12;
  uint32_t width_ = 0;
  uint32_t height_ = 0;
  int plane_count_ = 0;
  std::array<uint32_t, 3> strides_{};
  std::array<uint32_t, 3> rows_{};
  std::array<size_t, 3> offsets_{};
  size_t capacity_ = 0;
  PixelBuffer buffer_;
};

/// Recycles frame buffers so a running sensor does not allocate per frame. Frames handed out
/// keep the pool's storage alive; the pool may be destroyed before them. Thread-safe.
class FramePool {
 public:
  /// Keeps at most `max_free` idle buffers; buffers start on 2^`align_log2` bytes (6..12).
  explicit FramePool(size_t max_free = 8, uint32_t align_log2 = 6);
  /// A frame (pixels not cleared) whose buffer returns to the pool when the last reference
  /// goes. Errors: as Frame::allocate().
  Result<std::shared_ptr<Frame>> acquire(PixelFormat format, uint32_t width, uint32_t height);
  /// Buffers created since construction (a steady pool stops growing).
  uint64_t allocations() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace camrec::media
