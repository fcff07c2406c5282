// SPDX-License-Identifier: LGPL-2.1-or-later
// A camera sensor with K230 CanMV semantics: up to 3 output channels, each with its own size
// and pixel format, scaled from the source with libyuv and delivered to links.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "camrec/media/clock.h"
#include "camrec/media/endpoint.h"
#include "camrec/media/frame.h"
#include "camrec/media/sensor_source.h"
#include "camrec/status.h"

namespace camrec::media {

/// What bind_info() returns: the endpoint to link from, and the channel's picture.
struct BindInfo {
  Endpoint src;  ///< (CAMERA_MOD_ID, sensor id, chn).
  uint32_t width = 0;                      ///< Channel width (aligned to 16).
  uint32_t height = 0;                     ///< Channel height.
  PixelFormat format = PixelFormat::nv12;  ///< Channel pixel format.
};

/// How to build a Sensor.
struct SensorConfig {
  /// Sensor device id 0..2 (CAM_DEV_ID_0..2); also its registry key.
  uint32_t id = CAM_DEV_ID_0;
  /// Source spec (see open_sensor_source): "testpattern", "file:PATH", "v4l2:/dev/videoN".
  std::string source = "testpattern";
  /// Source size/rate/pacing ("sensor mode"); channel 0 defaults to the source's size.
  SourceOptions source_options;
  /// Capture clock; null means steady_clock(). Must outlive the sensor.
  Clock* clock = nullptr;
  /// How a channel of another aspect ratio than the source shows the picture (K230 stretches).
  ScaleFit fit = ScaleFit::stretch;
};

/// Counters of one output channel (monotonic since create()).
struct SensorChannelStats {
  uint64_t frames = 0;     ///< Frames produced on the channel.
  uint64_t callbacks = 0;  ///< Frames handed to subscribers (frames x subscribers).
};

/// A sensor and its output channels. Configure while stopped (set_framesize,
/// set_pixformat), run(), then link channels or snapshot() them. Frames are captured on an
/// internal thread and delivered to subscribers there. Public methods are thread-safe.
class Sensor final : public FrameSource {
 public:
  /// Output channels per sensor.
  static constexpr uint32_t kMaxChannels = 3;
  /// Where the sensor is: idle (configurable, never run since create/reset), running,
  /// stopped (by stop()), ended (its source ran out or failed: last_error() says which).
  enum class State { idle, running, stopped, ended };
  /// K230 pixel format names.
  static constexpr PixelFormat YUV420SP = PixelFormat::nv12;
  static constexpr PixelFormat GRAYSCALE = PixelFormat::gray8;
  static constexpr PixelFormat RGB888 = PixelFormat::rgb888;

  /// Opens the source and registers the sensor at (CAMERA_MOD_ID, id). Channel 0 is enabled
  /// at the source size in YUV420SP. Errors: invalid_argument for an id > 2, wrong_state
  /// when that id is in use, and the source's open errors.
  static Result<std::shared_ptr<Sensor>> create(const SensorConfig& config);
  /// Like create() with a source built by the caller (config.source and source_options are
  /// not used). Errors: invalid_argument for an id > 2 or a null source, wrong_state when
  /// the id is in use.
  static Result<std::shared_ptr<Sensor>> create(const SensorConfig& config,
                                                std::unique_ptr<SensorSource> source);
  /// Stops capture and unregisters.
  ~Sensor() override;

  /// Stops capture and restores the default channel setup (K230 reset()).
  Status reset();
  /// Sets channel `chn`'s output size and enables it. The width is aligned up to 16;
  /// `alignment` is log2 of the buffer alignment (0 = default, 12 = 4 KiB). Errors:
  /// invalid_argument for a zero or odd size, a size below 64x64 or above 8192 after
  /// alignment, alignment > 12 or a bad channel; wrong_state while running.
  Status set_framesize(uint32_t width, uint32_t height, uint32_t chn = 0, uint32_t alignment = 0);
  /// Changes enabled channel `chn`'s output size, also while running (camrec extension: the
  /// K230 sizes a channel only while stopped). The next frame captured has the new size,
  /// aligned as set_framesize aligns it; frames already delivered keep theirs. Errors:
  /// invalid_argument as set_framesize's, and for a channel that is not enabled.
  Status resize(uint32_t width, uint32_t height, uint32_t chn = 0);
  /// Sets channel `chn`'s pixel format (YUV420SP, GRAYSCALE, RGB888, or i420) and enables
  /// it. Errors: invalid_argument for a bad channel; wrong_state while running.
  Status set_pixformat(PixelFormat format, uint32_t chn = 0);
  /// Starts capturing. Errors: wrong_state when already running, the source's start errors.
  Status run();
  /// Stops capturing and joins the capture thread (a no-op when stopped).
  Status stop();
  /// The latest frame of channel `chn`, waiting up to `timeout_ms` for the first one.
  /// Errors: invalid_argument for a bad or disabled channel, wrong_state when never run,
  /// timeout, or the error that ended capture when no frame will come.
  Result<FramePtr> snapshot(uint32_t chn = 0, int timeout_ms = 1000);
  /// The link endpoint and picture of channel `chn`. Errors: invalid_argument for a bad or
  /// disabled channel.
  Result<BindInfo> bind_info(uint32_t chn = 0) const;

  /// Native format of the source.
  SourceFormat source_format() const { return source_format_; }
  /// True between run() and the end of capture (stop(), end of file, or an error).
  bool running() const;
  /// The current state.
  State state() const;
  /// Waits up to `timeout_ms` (-1 = forever) for capture to end; true when it has.
  bool wait_finished(int timeout_ms);
  /// Why capture ended: ok when stopped or at end of stream, else the source's error.
  Status last_error() const;
  /// Counters of channel `chn` (zeros for a bad channel).
  SensorChannelStats stats(uint32_t chn) const;
  /// The sensor id.
  uint32_t id() const { return id_; }

  /// FrameSource: delivers channel `chn`'s frames to `callback` on the capture thread, and
  /// calls `on_end` when capture ends (stop(), end of the source, or its error).
  Result<uint64_t> subscribe(uint32_t chn, FrameCallback callback, EndCallback on_end = {}) override;
  /// FrameSource: waits out a running callback, then forgets it.
  void unsubscribe(uint64_t id) override;

 private:
  struct Channel {
    bool enabled = false;
    uint32_t width = 0;
    uint32_t height = 0;
    PixelFormat format = PixelFormat::nv12;
    uint32_t align_log2 = 6;
    std::shared_ptr<FramePool> pool;
    FramePtr latest;
    SensorChannelStats stats;
  };

  Sensor(uint32_t id, ScaleFit fit, std::unique_ptr<SensorSource> source, Clock& clock);
  void set_defaults();
  void capture_loop();
  Status check_channel(uint32_t chn, bool need_enabled) const;
  Status set_size(uint32_t width, uint32_t height, uint32_t chn, uint32_t alignment);  // config_mutex_ held

  const uint32_t id_;
  const ScaleFit fit_;
  std::unique_ptr<SensorSource> source_;
  Clock& clock_;
  SourceFormat source_format_;

  // config_mutex_ guards channel configuration, latest frames, stats and run state;
  // subscriber_mutex_ is held while callbacks run so unsubscribe() can wait them out.
  mutable std::mutex config_mutex_;
  std::condition_variable frame_cv_;
  std::mutex subscriber_mutex_;
  std::array<Channel, kMaxChannels> channels_;
  struct Subscriber {
    uint64_t id = 0;
    FrameCallback on_frame;
    EndCallback on_end;
  };
  std::array<std::vector<Subscriber>, kMaxChannels> subscribers_;
  std::thread thread_;
  bool started_ = false;   // run() was called since the last reset()
  bool finished_ = true;   // the capture thread is not producing
  bool stopped_by_call_ = false;  // capture ended by stop(), not by the source
  Status last_error_;
  uint64_t next_subscription_ = 1;
  uint64_t channel_changes_ = 0;  // resize() calls, so the capture thread picks them up
};

}  // namespace camrec::media
