// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/sensor_source.h"

#include "camrec/time.h"
#include "capture/file_source.h"
#include "capture/test_pattern.h"
#include "capture/v4l2_source.h"

namespace camrec::media {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

int64_t frame_offset_us(uint64_t n, uint32_t fps_num, uint32_t fps_den) {
  // n * den fits easily: n < 2^40 frames is 1000 years at 30 fps.
  return rescale(static_cast<int64_t>(n) * fps_den, fps_num, kMicroseconds);
}

Status check_frame_rate(uint32_t fps_num, uint32_t fps_den) {
  if (fps_num == 0 || fps_den == 0 || fps_num > uint64_t{1000} * fps_den) {
    return make_error(Errc::invalid_argument, "frame rate " + std::to_string(fps_num) + "/" +
                                                  std::to_string(fps_den) +
                                                  " is outside (0, 1000] fps");
  }
  return Status::ok();
}

Result<std::unique_ptr<SensorSource>> open_sensor_source(const std::string& spec,
                                                         const SourceOptions& options,
                                                         Clock& clock) {
  if (spec.empty() || spec == "testpattern") return make_test_pattern_source(options, clock);
  if (spec.rfind("file:", 0) == 0) {
    std::string path = spec.substr(5);
    if (path.empty()) return make_error(Errc::invalid_argument, "file: source needs a path");
    if (ends_with(path, ".y4m")) return open_y4m_source(path, options, clock);
    PixelFormat raw = options.raw_format;
    if (ends_with(path, ".nv12")) raw = PixelFormat::nv12;
    if (ends_with(path, ".yuv") || ends_with(path, ".i420")) raw = PixelFormat::i420;
    return open_raw_source(path, raw, options, clock);
  }
  if (spec.rfind("v4l2:", 0) == 0) {
    std::string device = spec.substr(5);
    if (device.empty()) return make_error(Errc::invalid_argument, "v4l2: source needs a device");
    return open_v4l2_source(device, options, clock);
  }
  return make_error(Errc::invalid_argument,
                    "unknown video source '" + spec +
                        "' (use testpattern, file:PATH or v4l2:/dev/videoN)");
}

}  // namespace camrec::media
