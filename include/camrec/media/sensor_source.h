// SPDX-License-Identifier: LGPL-2.1-or-later
// Where a Sensor's pictures come from: the test pattern, a Y4M or raw file, or a V4L2
// camera. Selected by a spec string: "testpattern", "file:PATH", "v4l2:/dev/videoN".
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "camrec/media/beep_schedule.h"
#include "camrec/media/clock.h"
#include "camrec/media/frame.h"
#include "camrec/status.h"

namespace camrec::media {

/// Frame size, pixel format and nominal rate of a source's native frames.
struct SourceFormat {
  PixelFormat format = PixelFormat::nv12;  ///< Layout of the frames next_frame() returns.
  uint32_t width = 0;                      ///< Pixels.
  uint32_t height = 0;                     ///< Pixels.
  uint32_t fps_num = 30;  ///< Frames per second = fps_num / fps_den.
  uint32_t fps_den = 1;    ///< Denominator of the rate.
};

/// Options shared by all sources; each source reads the ones that apply to it.
struct SourceOptions {
  /// Test-pattern size, raw-file size, requested camera size.
  uint32_t width = 1920;
  uint32_t height = 1080;  ///< See width.
  /// Test-pattern and raw-file rate, requested camera rate (fps_num / fps_den).
  uint32_t fps_num = 30;
  uint32_t fps_den = 1;  ///< Denominator of the rate.
  /// Y4M files: time the frames at fps_num / fps_den even when the header has a rate (every
  /// frame kept, the duration follows). False: the header's rate, this one only without it.
  bool force_rate = false;
  /// True: frame N is delivered at start + N / fps on the clock (real time). False: as fast
  /// as possible, timestamps still N / fps apart (files, tests, benchmarks). Cameras are
  /// always real time.
  bool paced = true;
  /// Layout of a raw file (nv12 or i420); ".nv12" and ".yuv"/".i420" names set it.
  PixelFormat raw_format = PixelFormat::nv12;
  /// Test-pattern flash instants.
  BeepSchedule beeps;
  /// Test-pattern sensor noise: peak change of a luma sample in every frame, in steps
  /// (0 = a clean picture). The scene alone already makes a 4 Mb/s 720p H.264 encode spend
  /// its bitrate; noise makes every frame differ, as a real sensor's do.
  uint8_t sensor_noise = 0;
  /// Stop with end_of_stream after this many frames (0 = no limit).
  uint64_t max_frames = 0;
  /// Camera buffers to queue (V4L2 mmap buffers, 2..32).
  uint32_t device_buffers = 4;
  /// Camera: the V4L2 pixel format to capture (a fourcc: NV12, YUYV or MJPG); 0 = the one
  /// cheapest to convert among those the camera offers.
  uint32_t pixel_format = 0;
};

/// A producer of frames. next_frame() runs on one capture thread; interrupt() may be called
/// from any thread.
class SensorSource {
 public:
  virtual ~SensorSource() = default;
  /// Native format of the frames next_frame() returns (valid after opening).
  virtual SourceFormat format() const = 0;
  /// Starts producing; frame 0 is stamped at (or, for cameras, near) the clock's now. May be
  /// called again after stop() to restart. Errors: io for device failures.
  virtual Status start() = 0;
  /// The next frame with pts_us (capture clock) and sequence set. Blocks for pacing or for
  /// the camera. Errors: end_of_stream at the end of a file, after max_frames, or when
  /// interrupted; malformed for a broken file; io for device failures.
  virtual Result<FramePtr> next_frame() = 0;
  /// Makes a blocked or later next_frame() return end_of_stream until start() again.
  virtual void interrupt() = 0;
  /// Stops producing and releases device streaming resources (the device stays open).
  virtual void stop() = 0;
};

/// Opens the source named by `spec`: "testpattern" (also ""), "file:PATH" (.y4m, or raw
/// .nv12/.yuv/.i420 of options.width x height at options' rate), "v4l2:/dev/videoN". `clock`
/// must outlive the source. Errors: invalid_argument for an unknown spec, not_found for a
/// missing file or device, malformed/unsupported for bad file headers, io for devices.
Result<std::unique_ptr<SensorSource>> open_sensor_source(const std::string& spec,
                                                         const SourceOptions& options,
                                                         Clock& clock);

/// Time of frame `n` after the start: n * fps_den / fps_num seconds, in µs (rounded).
int64_t frame_offset_us(uint64_t n, uint32_t fps_num, uint32_t fps_den);

/// Checks a rate: both parts > 0 and at most 1000 fps. Errors: invalid_argument.
Status check_frame_rate(uint32_t fps_num, uint32_t fps_den);

}  // namespace camrec::media
