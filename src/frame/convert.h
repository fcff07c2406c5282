// SPDX-License-Identifier: LGPL-2.1-or-later
// Pixel conversion and scaling between frame formats (libyuv), and the camera wire formats
// V4L2 delivers (YUYV, strided NV12, MJPEG via libturbojpeg).
#pragma once

#include <cstdint>
#include <span>

#include "camrec/media/frame.h"
#include "camrec/status.h"

namespace camrec::libs {
struct TurboJpeg;
}

namespace camrec::media {

/// Converts and scales `src` into `dst`, which keeps its own format and size (BT.601
/// limited range for the RGB conversions, box filter for scaling). Copies pts and sequence.
/// Errors: none for valid frames (returns internal if libyuv rejects the call); not_found
/// when libyuv cannot be loaded (a copy between frames of one format and size needs none).
Status convert_frame(const Frame& src, Frame& dst);

/// Loads what convert_frame() needs to convert (libyuv), ahead of the first conversion.
/// Errors: not_found when libyuv cannot be loaded.
Status load_converter();

/// Where a `src_width` x `src_height` picture lands in a `dst_width` x `dst_height` frame.
struct PictureRect {
  uint32_t x = 0;       ///< Left edge, pixels (even).
  uint32_t y = 0;       ///< Top edge, rows (even).
  uint32_t width = 0;   ///< Even, at least 2.
  uint32_t height = 0;  ///< Even, at least 2.
};

/// The picture's rectangle for `fit`: the whole frame for stretch or when the picture fills
/// it once its sides are rounded to even, else the largest centred rectangle of the picture's aspect
/// ratio (sides rounded to even so 4:2:0 chroma stays aligned). Sizes must be >= 2.
PictureRect fit_picture(uint32_t src_width, uint32_t src_height, uint32_t dst_width, uint32_t dst_height,
                        ScaleFit fit);

/// Like convert_frame(), placing the picture as `fit` says; the bars are black (Y 16, U V 128,
/// RGB 0). Errors: as convert_frame, and Frame::allocate's for the scaled picture.
Status convert_frame(const Frame& src, Frame& dst, ScaleFit fit);

/// A new frame of `format` at `width` x `height` made from `src`. Errors: as
/// Frame::allocate() for a bad size.
Result<Frame> convert_to(const Frame& src, PixelFormat format, uint32_t width, uint32_t height);

/// Packed YUYV 4:2:2 (`stride` bytes per row, >= 2 * width) into `dst` (nv12 or i420, same
/// size as the image). Errors: invalid_argument when `data` is shorter than stride * height or
/// the sizes do not match; not_found when libyuv cannot be loaded.
Status convert_yuyv(std::span<const uint8_t> data, uint32_t stride, uint32_t width,
                    uint32_t height, Frame& dst);

/// NV12 with a luma row pitch of `stride` bytes (chroma plane right after height rows) into
/// `dst` (nv12 or i420 of the same size). Errors: invalid_argument for a short buffer;
/// not_found when libyuv cannot be loaded.
Status convert_nv12_strided(std::span<const uint8_t> data, uint32_t stride, uint32_t width,
                            uint32_t height, Frame& dst);

/// Decodes MJPEG / JPEG frames with libturbojpeg. One decoder per thread.
class MjpegDecoder {
 public:
  MjpegDecoder();
  ~MjpegDecoder();
  MjpegDecoder(const MjpegDecoder&) = delete;
  MjpegDecoder& operator=(const MjpegDecoder&) = delete;

  /// Decodes `jpeg` into `dst` (any format; scaled when the JPEG size differs). Errors:
  /// malformed when the data is not a decodable JPEG (message from libturbojpeg),
  /// limit_exceeded when its size exceeds 8192; not_found when libturbojpeg cannot be loaded.
  Status decode(std::span<const uint8_t> jpeg, Frame& dst);

 private:
  const libs::TurboJpeg* tj_ = nullptr;  // null when the library could not be loaded
  Status load_error_;
  void* handle_ = nullptr;
};

}  // namespace camrec::media
