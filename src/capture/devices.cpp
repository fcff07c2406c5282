// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capture/devices.h"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "libs/alsa.h"

namespace camrec::media {

namespace {

int query(int fd, unsigned long request, void* arg) {
  int r;
  do r = ::ioctl(fd, request, arg);
  while (r < 0 && errno == EINTR);
  return r;
}

std::string fourcc_text(uint32_t f) {
  std::string s;
  for (int i = 0; i < 4; ++i) s += static_cast<char>((f >> (8 * i)) & 0xff);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string rate_text(const v4l2_fract& interval) {
  // A frame interval num/den seconds is a rate of den/num frames per second.
  if (interval.numerator == 0) return "?";
  char buf[32];
  if (interval.denominator % interval.numerator == 0)
    std::snprintf(buf, sizeof buf, "%u", interval.denominator / interval.numerator);
  else
    std::snprintf(buf, sizeof buf, "%u/%u", interval.denominator, interval.numerator);
  return buf;
}

std::vector<std::string> frame_rates(int fd, uint32_t format, uint32_t width, uint32_t height) {
  std::vector<std::string> rates;
  v4l2_frmivalenum ival = {};
  ival.pixel_format = format;
  ival.width = width;
  ival.height = height;
  for (ival.index = 0; query(fd, VIDIOC_ENUM_FRAMEINTERVALS, &ival) == 0; ++ival.index) {
    if (ival.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
      rates.push_back(rate_text(ival.discrete));
    } else {
      rates.push_back(rate_text(ival.stepwise.max) + "-" + rate_text(ival.stepwise.min) + " (continuous)");
      break;
    }
  }
  return rates;
}

std::vector<CameraFrameSize> frame_sizes(int fd, uint32_t format) {
  std::vector<CameraFrameSize> sizes;
  v4l2_frmsizeenum size = {};
  size.pixel_format = format;
  for (size.index = 0; query(fd, VIDIOC_ENUM_FRAMESIZES, &size) == 0; ++size.index) {
    if (size.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
      sizes.push_back({size.discrete.width, size.discrete.height,
                       frame_rates(fd, format, size.discrete.width, size.discrete.height)});
    } else {
      sizes.push_back({size.stepwise.min_width, size.stepwise.min_height,
                       frame_rates(fd, format, size.stepwise.min_width, size.stepwise.min_height)});
      sizes.push_back({size.stepwise.max_width, size.stepwise.max_height,
                       frame_rates(fd, format, size.stepwise.max_width, size.stepwise.max_height)});
      break;
    }
  }
  return sizes;
}

}  // namespace

std::vector<Camera> list_cameras(const std::string& dev_dir) {
  std::vector<std::string> nodes;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dev_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("video", 0) == 0) nodes.push_back(entry.path().string());
  }
  std::sort(nodes.begin(), nodes.end());
  std::vector<Camera> cameras;
  for (const auto& node : nodes) {
    int fd = ::open(node.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    v4l2_capability cap = {};
    if (query(fd, VIDIOC_QUERYCAP, &cap) == 0) {
      uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
      if (caps & V4L2_CAP_VIDEO_CAPTURE) {
        Camera camera;
        camera.device = node;
        camera.name = reinterpret_cast<const char*>(cap.card);
        v4l2_fmtdesc desc = {};
        desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        for (desc.index = 0; query(fd, VIDIOC_ENUM_FMT, &desc) == 0; ++desc.index)
          camera.formats.push_back({fourcc_text(desc.pixelformat), reinterpret_cast<const char*>(desc.description),
                                    frame_sizes(fd, desc.pixelformat)});
        cameras.push_back(std::move(camera));
      }
    }
    ::close(fd);
  }
  return cameras;
}

Result<std::vector<AudioCaptureDevice>> list_audio_capture_devices() {
  CAMREC_ASSIGN_OR_RETURN(const libs::Alsa* alsa, libs::alsa());
  std::vector<AudioCaptureDevice> devices;
  void** hints = nullptr;
  if (alsa->snd_device_name_hint(-1, "pcm", &hints) != 0) return devices;
  for (void** h = hints; *h; ++h) {
    char* name = alsa->snd_device_name_get_hint(*h, "NAME");
    char* desc = alsa->snd_device_name_get_hint(*h, "DESC");
    char* io = alsa->snd_device_name_get_hint(*h, "IOID");
    // IOID is absent for devices that do both directions.
    bool capture = !io || std::string(io) == "Input";
    if (name && capture && std::string(name) != "null") {
      std::string description = desc ? desc : "";
      std::replace(description.begin(), description.end(), '\n', ' ');
      devices.push_back({name, description});
    }
    free(name);
    free(desc);
    free(io);
  }
  alsa->snd_device_name_free_hint(hints);
  return devices;
}

}  // namespace camrec::media
