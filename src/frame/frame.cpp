// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/frame.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace camrec::media {

namespace {

constexpr size_t kPlaneAlign = 64;

size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

PixelBuffer alloc_buffer(size_t size, size_t align) {
  void* p = std::aligned_alloc(align, align_up(size == 0 ? 1 : size, align));
  return PixelBuffer(static_cast<uint8_t*>(p));
}

}  // namespace

const char* pixel_format_name(PixelFormat format) {
  switch (format) {
    case PixelFormat::nv12: return "nv12";
    case PixelFormat::i420: return "i420";
    case PixelFormat::gray8: return "gray8";
    case PixelFormat::rgb888: return "rgb888";
  }
  return "unknown";
}

Status check_frame_size(PixelFormat format, uint32_t width, uint32_t height) {
  if (width == 0 || height == 0 || width > kMaxFrameDimension || height > kMaxFrameDimension) {
    return make_error(Errc::invalid_argument,
                      "frame size " + std::to_string(width) + "x" + std::to_string(height) +
                          " is outside 1..8192");
  }
  bool subsampled = format == PixelFormat::nv12 || format == PixelFormat::i420;
  if (subsampled && (width % 2 != 0 || height % 2 != 0)) {
    return make_error(Errc::invalid_argument,
                      std::string(pixel_format_name(format)) + " needs an even size, got " +
                          std::to_string(width) + "x" + std::to_string(height));
  }
  return Status::ok();
}

void AlignedFree::operator()(uint8_t* p) const { std::free(p); }

size_t Frame::layout(Frame& f, PixelFormat format, uint32_t width, uint32_t height) {
  f.format_ = format;
  f.width_ = width;
  f.height_ = height;
  f.strides_ = {};
  f.rows_ = {};
  f.offsets_ = {};
  switch (format) {
    case PixelFormat::nv12:
      f.plane_count_ = 2;
      f.strides_ = {width, width, 0};
      f.rows_ = {height, height / 2, 0};
      break;
    case PixelFormat::i420:
      f.plane_count_ = 3;
      f.strides_ = {width, width / 2, width / 2};
      f.rows_ = {height, height / 2, height / 2};
      break;
    case PixelFormat::gray8:
      f.plane_count_ = 1;
      f.strides_ = {width, 0, 0};
      f.rows_ = {height, 0, 0};
      break;
    case PixelFormat::rgb888:
      f.plane_count_ = 1;
      f.strides_ = {width * 3, 0, 0};
      f.rows_ = {height, 0, 0};
      break;
  }
  size_t offset = 0;
  for (int i = 0; i < f.plane_count_; ++i) {
    f.offsets_[i] = offset;
    offset = align_up(offset + size_t{f.strides_[i]} * f.rows_[i], kPlaneAlign);
  }
  return offset;
}

Result<Frame> Frame::allocate(PixelFormat format, uint32_t width, uint32_t height,
                              uint32_t align_log2) {
  CAMREC_RETURN_IF_ERROR(check_frame_size(format, width, height));
  if (align_log2 < 6 || align_log2 > 12) {
    return make_error(Errc::invalid_argument,
                      "buffer alignment 2^" + std::to_string(align_log2) + " is outside 2^6..2^12");
  }
  Frame f;
  size_t size = layout(f, format, width, height);
  f.buffer_ = alloc_buffer(size, size_t{1} << align_log2);
  if (!f.buffer_) return make_error(Errc::internal, "out of memory for a frame buffer");
  f.capacity_ = size;
  std::memset(f.buffer_.get(), 0, size);
  return f;
}

Result<FramePtr> Frame::wrap(PixelFormat format, uint32_t width, uint32_t height,
                             std::span<const uint8_t> packed, std::shared_ptr<const void> owner,
                             int64_t pts_us, uint64_t sequence) {
  CAMREC_RETURN_IF_ERROR(check_frame_size(format, width, height));
  auto frame = std::unique_ptr<Frame>(new Frame());
  layout(*frame, format, width, height);
  // The planes as the memory has them: back to back, where allocate() would align each.
  size_t offset = 0;
  for (int i = 0; i < frame->plane_count_; ++i) {
    frame->offsets_[i] = offset;
    offset += size_t{frame->strides_[i]} * frame->rows_[i];
  }
  if (packed.size() != offset) {
    return make_error(Errc::invalid_argument, "wrapped image has " + std::to_string(packed.size()) +
                                                  " bytes, a frame needs " + std::to_string(offset));
  }
  frame->pts_us = pts_us;
  frame->sequence = sequence;
  frame->capacity_ = offset;
  // The buffer pointer is borrowed: the deleter takes it back before the frame is deleted,
  // so the frame's layout (and every inline accessor compiled against it) stays as it was.
  // Only a const frame leaves here, so nothing can move the borrowed pointer out or write
  // through it.
  frame->buffer_.reset(const_cast<uint8_t*>(packed.data()));
  return FramePtr(frame.release(), [owner = std::move(owner)](Frame* f) mutable {
    (void)f->buffer_.release();
    delete f;
    owner.reset();
  });
}

size_t Frame::packed_size() const {
  size_t n = 0;
  for (int i = 0; i < plane_count_; ++i) n += size_t{strides_[i]} * rows_[i];
  return n;
}

void Frame::append_packed(std::vector<uint8_t>& out) const {
  for (int i = 0; i < plane_count_; ++i) {
    auto s = plane_span(i);
    out.insert(out.end(), s.begin(), s.end());
  }
}

Status Frame::load_packed(std::span<const uint8_t> packed) {
  if (packed.size() != packed_size()) {
    return make_error(Errc::invalid_argument, "packed image has " + std::to_string(packed.size()) +
                                                  " bytes, the frame needs " +
                                                  std::to_string(packed_size()));
  }
  size_t pos = 0;
  for (int i = 0; i < plane_count_; ++i) {
    auto s = plane_span(i);
    std::memcpy(s.data(), packed.data() + pos, s.size());
    pos += s.size();
  }
  return Status::ok();
}

Result<Frame> Frame::clone() const {
  CAMREC_ASSIGN_OR_RETURN(Frame copy, allocate(format_, width_, height_));
  for (int i = 0; i < plane_count_; ++i) {
    std::memcpy(copy.plane(i), plane(i), plane_span(i).size());
  }
  copy.pts_us = pts_us;
  copy.sequence = sequence;
  return copy;
}

struct FramePool::State {
  std::mutex mutex;
  std::vector<std::pair<PixelBuffer, size_t>> free;  // buffer, capacity
  size_t max_free = 0;
  size_t align = kPlaneAlign;
  uint64_t allocations = 0;
};

FramePool::FramePool(size_t max_free, uint32_t align_log2) : state_(std::make_shared<State>()) {
  state_->max_free = max_free;
  state_->align = size_t{1} << std::clamp<uint32_t>(align_log2, 6, 12);
}

Result<std::shared_ptr<Frame>> FramePool::acquire(PixelFormat format, uint32_t width,
                                                  uint32_t height) {
  CAMREC_RETURN_IF_ERROR(check_frame_size(format, width, height));
  auto* frame = new Frame();
  size_t size = Frame::layout(*frame, format, width, height);
  {
    std::lock_guard lock(state_->mutex);
    for (auto it = state_->free.begin(); it != state_->free.end(); ++it) {
      if (it->second >= size) {
        frame->buffer_ = std::move(it->first);
        frame->capacity_ = it->second;
        state_->free.erase(it);
        break;
      }
    }
    if (!frame->buffer_) ++state_->allocations;
  }
  if (!frame->buffer_) {
    frame->buffer_ = alloc_buffer(size, state_->align);
    frame->capacity_ = size;
    if (!frame->buffer_) {
      delete frame;
      return make_error(Errc::internal, "out of memory for a frame buffer");
    }
  }
  std::weak_ptr<State> weak = state_;
  return std::shared_ptr<Frame>(frame, [weak](Frame* f) {
    if (auto state = weak.lock()) {
      std::lock_guard lock(state->mutex);
      if (state->free.size() < state->max_free) {
        state->free.emplace_back(std::move(f->buffer_), f->capacity_);
      }
    }
    delete f;
  });
}

uint64_t FramePool::allocations() const {
  std::lock_guard lock(state_->mutex);
  return state_->allocations;
}

}  // namespace camrec::media
