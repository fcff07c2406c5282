// SPDX-License-Identifier: LGPL-2.1-or-later
// Real camera capture through Video4Linux2 (mmap streaming), converted to NV12 with libyuv
// (YUYV, NV12) or libturbojpeg (MJPEG).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "camrec/media/sensor_source.h"
#include "camrec/status.h"
#include "frame/convert.h"

namespace camrec::media {

/// The V4L2 fourcc of a four-character code ("NV12" -> V4L2_PIX_FMT_NV12).
constexpr uint32_t v4l2_fourcc(char a, char b, char c, char d) {
  return static_cast<uint32_t>(static_cast<uint8_t>(a)) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b)) << 8) |
         (static_cast<uint32_t>(static_cast<uint8_t>(c)) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(d)) << 24);
}
inline constexpr uint32_t kFourccNv12 = v4l2_fourcc('N', 'V', '1', '2');
inline constexpr uint32_t kFourccYuyv = v4l2_fourcc('Y', 'U', 'Y', 'V');
inline constexpr uint32_t kFourccMjpeg = v4l2_fourcc('M', 'J', 'P', 'G');

/// "NV12" for a fourcc (non-printable bytes as '?').
std::string fourcc_to_string(uint32_t fourcc);

/// Picks the capture format from what a device offers, preferring the cheapest to convert:
/// NV12, then YUYV, then MJPEG; `wanted` (non-zero) is taken when offered. Errors:
/// unsupported listing the offered formats when none of the three is there, or when
/// `wanted` is not offered or not one camrec converts.
Result<uint32_t> choose_v4l2_format(std::span<const uint32_t> offered, uint32_t wanted = 0);

/// The fourcc for a --pixel-format name: "NV12", "YUYV" or "MJPG" (any case; "MJPEG" too).
/// Errors: invalid_argument naming the three.
Result<uint32_t> parse_pixel_format(const std::string& name);

/// Maps a V4L2 buffer timestamp (CLOCK_MONOTONIC µs) onto the capture clock: the frame is
/// as old on `clock_now_us` as it is on `monotonic_now_us`. Works for any injected clock.
int64_t v4l2_timestamp_to_clock(int64_t buffer_us, int64_t monotonic_now_us,
                                int64_t clock_now_us);

/// Converts one captured buffer of `fourcc` (`bytesperline` for the packed formats) at
/// width x height into `out` (nv12 or i420 of that size). Errors: unsupported fourcc,
/// invalid_argument for a short buffer, malformed for a broken MJPEG frame.
Status convert_camera_buffer(uint32_t fourcc, std::span<const uint8_t> data,
                             uint32_t bytesperline, uint32_t width, uint32_t height,
                             MjpegDecoder& mjpeg, Frame& out);

/// Opens `device` (e.g. "/dev/video0"), negotiates the format and options' size and rate.
/// Errors: not_found when the device does not exist, unsupported when it cannot capture or
/// stream or offers no usable format, io for other ioctl failures (with errno text).
Result<std::unique_ptr<SensorSource>> open_v4l2_source(const std::string& device,
                                                       const SourceOptions& options,
                                                       Clock& clock);

}  // namespace camrec::media
