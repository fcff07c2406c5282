// SPDX-License-Identifier: LGPL-2.1-or-later
#include "frame/convert.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libs/image.h"

namespace camrec::media {

namespace {

int ci(uint32_t v) { return static_cast<int>(v); }

// An I420 picture: the planes of an I420 frame (no copy) or of a scratch buffer. Chroma is
// rounded up so odd sizes (gray, RGB) work.
struct I420Image {
  uint32_t w = 0, h = 0, cw = 0, ch = 0;
  uint8_t* y = nullptr;
  uint8_t* u = nullptr;
  uint8_t* v = nullptr;
  int ys = 0, cs = 0;  // luma and chroma strides
};

// The planes of `f` (I420). A source's are only read: libyuv takes them as const.
I420Image frame_image(const Frame& f) {
  I420Image im;
  im.w = f.width(), im.h = f.height(), im.cw = (im.w + 1) / 2, im.ch = (im.h + 1) / 2;
  im.y = const_cast<uint8_t*>(f.plane(0));
  im.u = const_cast<uint8_t*>(f.plane(1));
  im.v = const_cast<uint8_t*>(f.plane(2));
  im.ys = ci(f.stride(0)), im.cs = ci(f.stride(1));
  return im;
}

// A picture in the calling thread's scratch buffer `slot` (0 or 1), kept between calls and
// grown when needed, never cleared (every pixel is written before it is read): a new
// buffer per frame cost a page fault and the kernel's zeroing per 4 KiB, and its
// zero-filling a pass over the picture.
I420Image scratch_image(int slot, uint32_t width, uint32_t height) {
  thread_local std::unique_ptr<uint8_t[]> buffers[2];
  thread_local size_t sizes[2] = {0, 0};
  I420Image im;
  im.w = width, im.h = height, im.cw = (width + 1) / 2, im.ch = (height + 1) / 2;
  const size_t luma = size_t{width} * height, chroma = size_t{im.cw} * im.ch;
  if (sizes[slot] < luma + 2 * chroma) {
    buffers[slot] = std::make_unique_for_overwrite<uint8_t[]>(luma + 2 * chroma);
    sizes[slot] = luma + 2 * chroma;
  }
  im.y = buffers[slot].get();
  im.u = im.y + luma;
  im.v = im.u + chroma;
  im.ys = ci(width), im.cs = ci(im.cw);
  return im;
}

Status libyuv_result(int rc, const char* what) {
  if (rc == 0) return Status::ok();
  return make_error(Errc::internal, std::string("libyuv ") + what + " failed");
}

Status to_i420(const libs::Yuv& yuv, const Frame& src, const I420Image& out) {
  const int w = ci(src.width()), h = ci(src.height());
  switch (src.format()) {
    case PixelFormat::i420:
      return libyuv_result(
          yuv.I420Copy(src.plane(0), ci(src.stride(0)), src.plane(1), ci(src.stride(1)),
                           src.plane(2), ci(src.stride(2)), out.y, out.ys, out.u,
                           out.cs, out.v, out.cs, w, h),
          "I420Copy");
    case PixelFormat::nv12:
      return libyuv_result(
          yuv.NV12ToI420(src.plane(0), ci(src.stride(0)), src.plane(1), ci(src.stride(1)),
                             out.y, out.ys, out.u, out.cs, out.v, out.cs,
                             w, h),
          "NV12ToI420");
    case PixelFormat::gray8:
      return libyuv_result(yuv.I400ToI420(src.plane(0), ci(src.stride(0)), out.y, out.ys,
                                              out.u, out.cs, out.v, out.cs,
                                              w, h),
                           "I400ToI420");
    case PixelFormat::rgb888:
      // libyuv's "RAW" is R, G, B in memory order.
      return libyuv_result(yuv.RAWToI420(src.plane(0), ci(src.stride(0)), out.y, out.ys,
                                             out.u, out.cs, out.v, out.cs,
                                             w, h),
                           "RAWToI420");
  }
  return make_error(Errc::internal, "unknown pixel format");
}

Status from_i420(const libs::Yuv& yuv, const I420Image& in, Frame& dst) {
  const int w = ci(dst.width()), h = ci(dst.height());
  switch (dst.format()) {
    case PixelFormat::i420:
      return libyuv_result(
          yuv.I420Copy(in.y, in.ys, in.u, in.cs, in.v, in.cs,
                           dst.plane(0), ci(dst.stride(0)), dst.plane(1), ci(dst.stride(1)),
                           dst.plane(2), ci(dst.stride(2)), w, h),
          "I420Copy");
    case PixelFormat::nv12:
      return libyuv_result(
          yuv.I420ToNV12(in.y, in.ys, in.u, in.cs, in.v, in.cs,
                             dst.plane(0), ci(dst.stride(0)), dst.plane(1), ci(dst.stride(1)), w,
                             h),
          "I420ToNV12");
    case PixelFormat::gray8:
      yuv.CopyPlane(in.y, in.ys, dst.plane(0), ci(dst.stride(0)), w, h);
      return Status::ok();
    case PixelFormat::rgb888:
      return libyuv_result(yuv.I420ToRAW(in.y, in.ys, in.u, in.cs, in.v,
                                             in.cs, dst.plane(0), ci(dst.stride(0)), w, h),
                           "I420ToRAW");
  }
  return make_error(Errc::internal, "unknown pixel format");
}

void copy_planes(const Frame& src, Frame& dst) {
  for (int i = 0; i < src.plane_count(); ++i) {
    auto s = src.plane_span(i);
    std::memcpy(dst.plane(i), s.data(), s.size());
  }
}

}  // namespace

Status convert_frame(const Frame& src, Frame& dst) {
  dst.pts_us = src.pts_us;
  dst.sequence = src.sequence;
  if (src.format() == dst.format() && src.width() == dst.width() &&
      src.height() == dst.height()) {
    copy_planes(src, dst);
    return Status::ok();
  }
  CAMREC_ASSIGN_OR_RETURN(const libs::Yuv* api, libs::yuv());
  const libs::Yuv& yuv = *api;
  if (src.format() == PixelFormat::nv12 && dst.format() == PixelFormat::nv12) {
    return libyuv_result(
        yuv.NV12Scale(src.plane(0), ci(src.stride(0)), src.plane(1), ci(src.stride(1)),
                          ci(src.width()), ci(src.height()), dst.plane(0), ci(dst.stride(0)),
                          dst.plane(1), ci(dst.stride(1)), ci(dst.width()), ci(dst.height()),
                          libyuv::kFilterBox),
        "NV12Scale");
  }
  const bool same_size = src.width() == dst.width() && src.height() == dst.height();
  if (same_size && dst.format() == PixelFormat::i420) return to_i420(yuv, src, frame_image(dst));
  // An I420 source is read where it is; others are converted to I420 first.
  I420Image a;
  if (src.format() == PixelFormat::i420) {
    a = frame_image(src);
  } else {
    a = scratch_image(0, src.width(), src.height());
    CAMREC_RETURN_IF_ERROR(to_i420(yuv, src, a));
  }
  if (same_size) return from_i420(yuv, a, dst);
  const bool scale_into_dst = dst.format() == PixelFormat::i420;
  I420Image b = scale_into_dst ? frame_image(dst) : scratch_image(1, dst.width(), dst.height());
  CAMREC_RETURN_IF_ERROR(libyuv_result(
      yuv.I420Scale(a.y, a.ys, a.u, a.cs, a.v, a.cs, ci(a.w), ci(a.h), b.y, b.ys, b.u, b.cs, b.v, b.cs,
                    ci(b.w), ci(b.h), libyuv::kFilterBox),
      "I420Scale"));
  return scale_into_dst ? Status::ok() : from_i420(yuv, b, dst);
}

Status load_converter() { return libs::yuv().status(); }

PictureRect fit_picture(uint32_t src_width, uint32_t src_height, uint32_t dst_width, uint32_t dst_height,
                        ScaleFit fit) {
  PictureRect r{0, 0, dst_width, dst_height};
  if (fit == ScaleFit::stretch || src_width == 0 || src_height == 0) return r;
  const uint64_t sw = src_width, sh = src_height, dw = dst_width, dh = dst_height;
  auto even = [](uint64_t v) { return static_cast<uint32_t>(std::max<uint64_t>(2, (v + 1) / 2 * 2)); };
  if (dw * sh <= dh * sw) {  // relatively wider picture: full width, bars above and below
    r.height = std::min(dst_height, even((sh * dw + sw / 2) / sw));
    r.y = (dst_height - r.height) / 4 * 2;
  } else {  // relatively taller picture: full height, bars left and right
    r.width = std::min(dst_width, even((sw * dh + sh / 2) / sh));
    r.x = (dst_width - r.width) / 4 * 2;
  }
  return r;
}

namespace {

// Black in each format: limited-range luma 16 and neutral chroma, as the BT.601 conversions
// above produce for RGB 0.
void fill_black(Frame& f) {
  auto fill = [&](int plane, uint8_t v) { std::memset(f.plane(plane), v, f.plane_span(plane).size()); };
  switch (f.format()) {
    case PixelFormat::nv12: fill(0, 16); fill(1, 128); break;
    case PixelFormat::i420: fill(0, 16); fill(1, 128); fill(2, 128); break;
    case PixelFormat::gray8: fill(0, 16); break;
    case PixelFormat::rgb888: fill(0, 0); break;
  }
}

// Copies `pic` into `dst` with its top-left corner at (x, y) (even).
void place(const libs::Yuv& yuv, const Frame& pic, Frame& dst, uint32_t x, uint32_t y) {
  for (int i = 0; i < pic.plane_count(); ++i) {
    // Bytes per pixel along a row and the plane's subsampling.
    uint32_t bx = x, by = y;
    if (dst.format() == PixelFormat::rgb888) bx = 3 * x;
    if (i > 0) {
      by = y / 2;
      if (dst.format() == PixelFormat::i420) bx = x / 2;  // nv12's UV pairs keep x bytes
    }
    const uint32_t row_bytes = static_cast<uint32_t>(pic.plane_span(i).size() / pic.plane_rows(i));
    yuv.CopyPlane(pic.plane(i), ci(pic.stride(i)), dst.plane(i) + size_t{by} * dst.stride(i) + bx,
                      ci(dst.stride(i)), ci(std::min(row_bytes, pic.stride(i))), ci(pic.plane_rows(i)));
  }
}

}  // namespace

Status convert_frame(const Frame& src, Frame& dst, ScaleFit fit) {
  const PictureRect r = fit_picture(src.width(), src.height(), dst.width(), dst.height(), fit);
  if (r.width == dst.width() && r.height == dst.height()) return convert_frame(src, dst);
  // The scaled picture is made at its own size, then placed: libyuv scales into whole planes.
  thread_local std::optional<Frame> scratch;
  if (!scratch || scratch->format() != dst.format() || scratch->width() != r.width || scratch->height() != r.height) {
    scratch.reset();
    CAMREC_ASSIGN_OR_RETURN(Frame f, Frame::allocate(dst.format(), r.width, r.height));
    scratch.emplace(std::move(f));
  }
  CAMREC_RETURN_IF_ERROR(convert_frame(src, *scratch));
  CAMREC_ASSIGN_OR_RETURN(const libs::Yuv* yuv, libs::yuv());
  fill_black(dst);
  place(*yuv, *scratch, dst, r.x, r.y);
  dst.pts_us = src.pts_us;
  dst.sequence = src.sequence;
  return Status::ok();
}

Result<Frame> convert_to(const Frame& src, PixelFormat format, uint32_t width, uint32_t height) {
  CAMREC_ASSIGN_OR_RETURN(Frame dst, Frame::allocate(format, width, height));
  CAMREC_RETURN_IF_ERROR(convert_frame(src, dst));
  return dst;
}

namespace {

Status check_wire(std::span<const uint8_t> data, uint64_t need, uint32_t width, uint32_t height,
                  const Frame& dst, const char* what) {
  if (dst.width() != width || dst.height() != height) {
    return make_error(Errc::invalid_argument,
                      std::string(what) + " image is " + std::to_string(width) + "x" +
                          std::to_string(height) + " but the frame is " +
                          std::to_string(dst.width()) + "x" + std::to_string(dst.height()));
  }
  if (dst.format() != PixelFormat::nv12 && dst.format() != PixelFormat::i420) {
    return make_error(Errc::invalid_argument, std::string(what) + " converts to nv12 or i420 only");
  }
  if (data.size() < need) {
    return make_error(Errc::invalid_argument, std::string(what) + " buffer has " +
                                                  std::to_string(data.size()) + " bytes, needs " +
                                                  std::to_string(need));
  }
  return Status::ok();
}

}  // namespace

Status convert_yuyv(std::span<const uint8_t> data, uint32_t stride, uint32_t width,
                    uint32_t height, Frame& dst) {
  if (stride < uint64_t{width} * 2) {
    return make_error(Errc::invalid_argument, "YUYV stride " + std::to_string(stride) +
                                                  " is below 2 * width");
  }
  CAMREC_RETURN_IF_ERROR(check_wire(data, uint64_t{stride} * height, width, height, dst, "YUYV"));
  CAMREC_ASSIGN_OR_RETURN(const libs::Yuv* api, libs::yuv());
  const libs::Yuv& yuv = *api;
  if (dst.format() == PixelFormat::nv12) {
    return libyuv_result(yuv.YUY2ToNV12(data.data(), ci(stride), dst.plane(0),
                                            ci(dst.stride(0)), dst.plane(1), ci(dst.stride(1)),
                                            ci(width), ci(height)),
                         "YUY2ToNV12");
  }
  return libyuv_result(
      yuv.YUY2ToI420(data.data(), ci(stride), dst.plane(0), ci(dst.stride(0)), dst.plane(1),
                         ci(dst.stride(1)), dst.plane(2), ci(dst.stride(2)), ci(width),
                         ci(height)),
      "YUY2ToI420");
}

Status convert_nv12_strided(std::span<const uint8_t> data, uint32_t stride, uint32_t width,
                            uint32_t height, Frame& dst) {
  if (stride < width) {
    return make_error(Errc::invalid_argument, "NV12 stride " + std::to_string(stride) +
                                                  " is below the width");
  }
  uint64_t need = uint64_t{stride} * height + uint64_t{stride} * (height / 2);
  CAMREC_RETURN_IF_ERROR(check_wire(data, need, width, height, dst, "NV12"));
  CAMREC_ASSIGN_OR_RETURN(const libs::Yuv* api, libs::yuv());
  const libs::Yuv& yuv = *api;
  const uint8_t* uv = data.data() + size_t{stride} * height;
  if (dst.format() == PixelFormat::nv12) {
    return libyuv_result(yuv.NV12Copy(data.data(), ci(stride), uv, ci(stride), dst.plane(0),
                                          ci(dst.stride(0)), dst.plane(1), ci(dst.stride(1)),
                                          ci(width), ci(height)),
                         "NV12Copy");
  }
  return libyuv_result(
      yuv.NV12ToI420(data.data(), ci(stride), uv, ci(stride), dst.plane(0), ci(dst.stride(0)),
                         dst.plane(1), ci(dst.stride(1)), dst.plane(2), ci(dst.stride(2)),
                         ci(width), ci(height)),
      "NV12ToI420");
}

MjpegDecoder::MjpegDecoder() {
  auto api = libs::turbojpeg();
  if (!api) {
    load_error_ = api.error();
    return;
  }
  tj_ = *api;
  handle_ = tj_->tjInitDecompress();
}

MjpegDecoder::~MjpegDecoder() {
  if (handle_ != nullptr) tj_->tjDestroy(static_cast<tjhandle>(handle_));
}

Status MjpegDecoder::decode(std::span<const uint8_t> jpeg, Frame& dst) {
  if (tj_ == nullptr) return load_error_;
  auto* h = static_cast<tjhandle>(handle_);
  if (h == nullptr) return make_error(Errc::internal, "libturbojpeg failed to initialise");
  if (jpeg.empty()) return make_error(Errc::malformed, "empty MJPEG frame");
  int w = 0, ht = 0, subsamp = 0, colorspace = 0;
  if (tj_->tjDecompressHeader3(h, jpeg.data(), static_cast<unsigned long>(jpeg.size()), &w, &ht,
                          &subsamp, &colorspace) != 0) {
    return make_error(Errc::malformed, std::string("MJPEG header: ") + tj_->tjGetErrorStr2(h));
  }
  if (w <= 0 || ht <= 0) {
    return make_error(Errc::malformed, "MJPEG header has no frame size (truncated frame?)");
  }
  if (w > ci(kMaxFrameDimension) || ht > ci(kMaxFrameDimension)) {
    return make_error(Errc::limit_exceeded, "MJPEG frame size " + std::to_string(w) + "x" +
                                                std::to_string(ht) + " exceeds 8192");
  }
  // Decoding to RGB lets libyuv apply the limited-range BT.601 matrix the encoder signals;
  // the JPEG's own YCbCr is full range.
  CAMREC_ASSIGN_OR_RETURN(Frame rgb, Frame::allocate(PixelFormat::rgb888, static_cast<uint32_t>(w),
                                                     static_cast<uint32_t>(ht)));
  if (tj_->tjDecompress2(h, jpeg.data(), static_cast<unsigned long>(jpeg.size()), rgb.plane(0), w,
                    ci(rgb.stride(0)), ht, TJPF_RGB, TJFLAG_ACCURATEDCT) != 0) {
    // Warnings (e.g. a truncated but displayable frame) still produce pixels.
    if (tj_->tjGetErrorCode(h) == TJERR_FATAL) {
      return make_error(Errc::malformed, std::string("MJPEG decode: ") + tj_->tjGetErrorStr2(h));
    }
  }
  rgb.pts_us = dst.pts_us;
  rgb.sequence = dst.sequence;
  return convert_frame(rgb, dst);
}

}  // namespace camrec::media
