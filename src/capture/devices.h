// SPDX-License-Identifier: LGPL-2.1-or-later
// What can be recorded from on this machine: V4L2 cameras with their pixel formats, frame
// sizes and frame rates, and ALSA capture devices. Read-only queries; nothing is opened for
// streaming.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "camrec/status.h"

namespace camrec::media {

/// One frame size of a pixel format and the frame rates offered at that size.
struct CameraFrameSize {
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<std::string> rates;  ///< "30", "29.97", "1-30 (continuous)"
};

/// A pixel format of a camera: its fourcc ("YUYV", "MJPG", "NV12") and sizes.
struct CameraFormat {
  std::string fourcc;
  std::string description;
  std::vector<CameraFrameSize> sizes;  ///< A stepwise range is listed as its min and max.
};

struct Camera {
  std::string device;  ///< "/dev/video0"
  std::string name;    ///< The driver's card name.
  std::vector<CameraFormat> formats;
};

/// The V4L2 video capture devices under `dev_dir` (/dev by default), in name order. Nodes
/// that are not capture devices (metadata, encoders) are left out. Never fails: an empty
/// list when there are none.
std::vector<Camera> list_cameras(const std::string& dev_dir = "/dev");

struct AudioCaptureDevice {
  std::string name;         ///< What --audio-source alsa:NAME takes ("hw:0,0", "default").
  std::string description;
};

/// ALSA PCM devices that can capture (from snd_device_name_hint). Empty when there are none.
/// Errors: not_found when libasound cannot be loaded.
Result<std::vector<AudioCaptureDevice>> list_audio_capture_devices();

}  // namespace camrec::media
