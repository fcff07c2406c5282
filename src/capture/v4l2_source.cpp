// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capture/v4l2_source.h"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "io/sink.h"

namespace camrec::media {

namespace {

constexpr int kPollSliceMs = 100;
constexpr int64_t kFrameTimeoutUs = 5'000'000;

int xioctl(int fd, unsigned long request, void* arg) {
  int r;
  do {
    r = ::ioctl(fd, request, arg);
  } while (r < 0 && errno == EINTR);
  return r;
}

Status ioctl_error(const std::string& device, const char* what) {
  return make_error(Errc::io, device + ": " + what + " failed: " + std::strerror(errno));
}

struct MappedBuffer {
  void* data = MAP_FAILED;
  size_t length = 0;
};

class V4l2Source final : public SensorSource {
 public:
  V4l2Source(std::string device, int fd, SourceFormat format, uint32_t fourcc,
             uint32_t bytesperline, const SourceOptions& options, Clock& clock)
      : device_(std::move(device)), fd_(fd), format_(format), fourcc_(fourcc),
        bytesperline_(bytesperline), options_(options), clock_(clock) {}

  ~V4l2Source() override {
    stop();
    ::close(fd_);
  }

  SourceFormat format() const override { return format_; }

  Status start() override {
    stop();
    stop_.store(false);
    n_ = 0;
    last_pts_ = INT64_MIN;
    v4l2_requestbuffers req{};
    req.count = std::clamp<uint32_t>(options_.device_buffers, 2, 32);
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    if (xioctl(fd_, VIDIOC_REQBUFS, &req) < 0) return ioctl_error(device_, "VIDIOC_REQBUFS");
    if (req.count < 2) {
      return make_error(Errc::io, device_ + ": the driver granted only " +
                                      std::to_string(req.count) + " buffer(s)");
    }
    for (uint32_t i = 0; i < req.count; ++i) {
      v4l2_buffer buf{};
      buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      buf.memory = V4L2_MEMORY_MMAP;
      buf.index = i;
      if (xioctl(fd_, VIDIOC_QUERYBUF, &buf) < 0) {
        Status s = ioctl_error(device_, "VIDIOC_QUERYBUF");
        stop();
        return s;
      }
      MappedBuffer m;
      m.length = buf.length;
      m.data = ::mmap(nullptr, buf.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, buf.m.offset);
      if (m.data == MAP_FAILED) {
        Status s = ioctl_error(device_, "mmap");
        stop();
        return s;
      }
      buffers_.push_back(m);
      if (xioctl(fd_, VIDIOC_QBUF, &buf) < 0) {
        Status s = ioctl_error(device_, "VIDIOC_QBUF");
        stop();
        return s;
      }
    }
    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(fd_, VIDIOC_STREAMON, &type) < 0) {
      Status s = ioctl_error(device_, "VIDIOC_STREAMON");
      stop();
      return s;
    }
    streaming_ = true;
    return Status::ok();
  }

  Result<FramePtr> next_frame() override {
    if (!streaming_) return make_error(Errc::wrong_state, device_ + ": not started");
    if (options_.max_frames != 0 && n_ >= options_.max_frames) {
      return make_error(Errc::end_of_stream, "camera reached its frame limit");
    }
    const int64_t give_up = steady_clock().now_us() + kFrameTimeoutUs;
    for (;;) {
      if (stop_.load()) return make_error(Errc::end_of_stream, "camera stopped");
      pollfd pfd{fd_, POLLIN, 0};
      int r = ::poll(&pfd, 1, kPollSliceMs);
      if (r < 0 && errno != EINTR) return ioctl_error(device_, "poll");
      if (r <= 0) {
        if (steady_clock().now_us() > give_up) {
          return make_error(Errc::io, device_ + ": no frame for 5 s");
        }
        continue;
      }
      v4l2_buffer buf{};
      buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      buf.memory = V4L2_MEMORY_MMAP;
      if (xioctl(fd_, VIDIOC_DQBUF, &buf) < 0) {
        if (errno == EAGAIN) continue;
        return ioctl_error(device_, "VIDIOC_DQBUF");
      }
      auto frame = convert(buf);
      if (xioctl(fd_, VIDIOC_QBUF, &buf) < 0) return ioctl_error(device_, "VIDIOC_QBUF");
      if (!frame) {
        // A corrupt MJPEG frame from a USB hiccup is skipped, not fatal.
        if (frame.error().code() == Errc::malformed) continue;
        return frame.error();
      }
      return FramePtr(std::move(frame).value());
    }
  }

  void interrupt() override { stop_.store(true); }

  void stop() override {
    stop_.store(true);
    if (streaming_) {
      v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      xioctl(fd_, VIDIOC_STREAMOFF, &type);
      streaming_ = false;
    }
    for (auto& b : buffers_) {
      if (b.data != MAP_FAILED) ::munmap(b.data, b.length);
    }
    if (!buffers_.empty()) {
      buffers_.clear();
      v4l2_requestbuffers req{};
      req.count = 0;
      req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      req.memory = V4L2_MEMORY_MMAP;
      xioctl(fd_, VIDIOC_REQBUFS, &req);
    }
  }

 private:
  Result<std::shared_ptr<Frame>> convert(const v4l2_buffer& buf) {
    if (buf.index >= buffers_.size()) {
      return make_error(Errc::io, device_ + ": driver returned buffer index " +
                                      std::to_string(buf.index));
    }
    if (buf.flags & V4L2_BUF_FLAG_ERROR) return make_error(Errc::malformed, "buffer flagged bad");
    const MappedBuffer& m = buffers_[buf.index];
    std::span<const uint8_t> data(static_cast<const uint8_t*>(m.data),
                                  std::min<size_t>(buf.bytesused, m.length));
    CAMREC_ASSIGN_OR_RETURN(std::shared_ptr<Frame> frame,
                            pool_.acquire(PixelFormat::nv12, format_.width, format_.height));
    CAMREC_RETURN_IF_ERROR(convert_camera_buffer(fourcc_, data, bytesperline_, format_.width,
                                                 format_.height, mjpeg_, *frame));
    int64_t pts;
    if ((buf.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) == V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC) {
      int64_t buffer_us = static_cast<int64_t>(buf.timestamp.tv_sec) * 1'000'000 +
                          buf.timestamp.tv_usec;
      pts = v4l2_timestamp_to_clock(buffer_us, steady_clock().now_us(), clock_.now_us());
    } else {
      pts = clock_.now_us();
    }
    // Muxers need strictly increasing times; a driver glitch must not break that.
    if (pts <= last_pts_) pts = last_pts_ + 1;
    last_pts_ = pts;
    frame->pts_us = pts;
    frame->sequence = n_++;
    return frame;
  }

  std::string device_;
  int fd_ = -1;
  SourceFormat format_;
  uint32_t fourcc_ = 0;
  uint32_t bytesperline_ = 0;
  SourceOptions options_;
  Clock& clock_;
  FramePool pool_;
  MjpegDecoder mjpeg_;
  std::vector<MappedBuffer> buffers_;
  bool streaming_ = false;
  std::atomic<bool> stop_{false};
  uint64_t n_ = 0;
  int64_t last_pts_ = INT64_MIN;
};

}  // namespace

std::string fourcc_to_string(uint32_t fourcc) {
  std::string s(4, '?');
  for (int i = 0; i < 4; ++i) {
    char c = static_cast<char>((fourcc >> (8 * i)) & 0xFF);
    if (c >= 0x20 && c < 0x7F) s[static_cast<size_t>(i)] = c;
  }
  return s;
}

Result<uint32_t> parse_pixel_format(const std::string& name) {
  std::string upper = name;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "NV12") return kFourccNv12;
  if (upper == "YUYV") return kFourccYuyv;
  if (upper == "MJPG" || upper == "MJPEG") return kFourccMjpeg;
  return make_error(Errc::invalid_argument,
                    "--pixel-format '" + name + "': camrec captures NV12, YUYV or MJPG (camrec devices lists what "
                    "each camera offers)");
}

Result<uint32_t> choose_v4l2_format(std::span<const uint32_t> offered, uint32_t wanted) {
  std::string list;
  for (uint32_t f : offered) list += (list.empty() ? "" : ", ") + fourcc_to_string(f);
  if (wanted != 0) {
    if (wanted != kFourccNv12 && wanted != kFourccYuyv && wanted != kFourccMjpeg)
      return make_error(Errc::unsupported, "pixel format " + fourcc_to_string(wanted) +
                                               " is not one camrec converts (NV12, YUYV, MJPG)");
    if (std::find(offered.begin(), offered.end(), wanted) == offered.end())
      return make_error(Errc::unsupported, "the camera does not offer " + fourcc_to_string(wanted) + " (it has: " +
                                               (list.empty() ? std::string("nothing") : list) + ")");
    return wanted;
  }
  for (uint32_t want : {kFourccNv12, kFourccYuyv, kFourccMjpeg}) {
    if (std::find(offered.begin(), offered.end(), want) != offered.end()) return want;
  }
  return make_error(Errc::unsupported, "the camera offers none of NV12, YUYV, MJPG (it has: " +
                                           (list.empty() ? std::string("nothing") : list) + ")");
}

int64_t v4l2_timestamp_to_clock(int64_t buffer_us, int64_t monotonic_now_us,
                                int64_t clock_now_us) {
  int64_t age = monotonic_now_us - buffer_us;
  if (age < 0) age = 0;
  return clock_now_us - age;
}

Status convert_camera_buffer(uint32_t fourcc, std::span<const uint8_t> data,
                             uint32_t bytesperline, uint32_t width, uint32_t height,
                             MjpegDecoder& mjpeg, Frame& out) {
  if (fourcc == kFourccYuyv) {
    return convert_yuyv(data, bytesperline == 0 ? width * 2 : bytesperline, width, height, out);
  }
  if (fourcc == kFourccNv12) {
    return convert_nv12_strided(data, bytesperline == 0 ? width : bytesperline, width, height,
                                out);
  }
  if (fourcc == kFourccMjpeg) {
    if (out.width() != width || out.height() != height) {
      return make_error(Errc::invalid_argument, "MJPEG target frame has the wrong size");
    }
    return mjpeg.decode(data, out);
  }
  return make_error(Errc::unsupported, "camera format " + fourcc_to_string(fourcc) +
                                           " is not supported");
}

Result<std::unique_ptr<SensorSource>> open_v4l2_source(const std::string& device,
                                                       const SourceOptions& options,
                                                       Clock& clock) {
  CAMREC_RETURN_IF_ERROR(check_frame_size(PixelFormat::nv12, options.width, options.height));
  CAMREC_RETURN_IF_ERROR(check_frame_rate(options.fps_num, options.fps_den));
  int fd = ::open(device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return make_error(Errc::not_found, "no video device at " + device);
    }
    return io::errno_status(errno, "cannot open video device " + device);
  }
  // Closes the descriptor on every early return below.
  std::unique_ptr<int, void (*)(int*)> guard(&fd, [](int* f) { ::close(*f); });

  v4l2_capability cap{};
  if (xioctl(fd, VIDIOC_QUERYCAP, &cap) < 0) {
    if (errno == ENOTTY) return make_error(Errc::unsupported, device + " is not a V4L2 device");
    return ioctl_error(device, "VIDIOC_QUERYCAP");
  }
  uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
  if (!(caps & V4L2_CAP_VIDEO_CAPTURE)) {
    return make_error(Errc::unsupported, device + " cannot capture video (single-plane)");
  }
  if (!(caps & V4L2_CAP_STREAMING)) {
    return make_error(Errc::unsupported, device + " does not support streaming I/O");
  }

  std::vector<uint32_t> offered;
  for (uint32_t i = 0; i < 64; ++i) {
    v4l2_fmtdesc desc{};
    desc.index = i;
    desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(fd, VIDIOC_ENUM_FMT, &desc) < 0) break;
    offered.push_back(desc.pixelformat);
  }
  auto chosen = choose_v4l2_format(offered, options.pixel_format);
  if (!chosen) return chosen.error().with_context(device);
  const uint32_t fourcc = *chosen;

  v4l2_format fmt{};
  fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  fmt.fmt.pix.width = options.width;
  fmt.fmt.pix.height = options.height;
  fmt.fmt.pix.pixelformat = fourcc;
  fmt.fmt.pix.field = V4L2_FIELD_ANY;
  if (xioctl(fd, VIDIOC_S_FMT, &fmt) < 0) return ioctl_error(device, "VIDIOC_S_FMT");
  if (fmt.fmt.pix.pixelformat != fourcc) {
    return make_error(Errc::unsupported, device + " refused format " + fourcc_to_string(fourcc));
  }
  SourceFormat sf{PixelFormat::nv12, fmt.fmt.pix.width, fmt.fmt.pix.height, options.fps_num,
                  options.fps_den};
  CAMREC_RETURN_IF_ERROR(check_frame_size(PixelFormat::nv12, sf.width, sf.height)
                             .with_context(device + " negotiated size"));

  v4l2_streamparm parm{};
  parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  parm.parm.capture.timeperframe.numerator = options.fps_den;
  parm.parm.capture.timeperframe.denominator = options.fps_num;
  // Not every driver lets the rate be set; the one it reports back is what we get.
  if (xioctl(fd, VIDIOC_S_PARM, &parm) == 0 && parm.parm.capture.timeperframe.numerator > 0 &&
      parm.parm.capture.timeperframe.denominator > 0) {
    sf.fps_num = parm.parm.capture.timeperframe.denominator;
    sf.fps_den = parm.parm.capture.timeperframe.numerator;
  }
  uint32_t bpl = fmt.fmt.pix.bytesperline;
  guard.release();
  return std::unique_ptr<SensorSource>(
      new V4l2Source(device, fd, sf, fourcc, bpl, options, clock));
}

}  // namespace camrec::media
