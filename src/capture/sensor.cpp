// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/sensor.h"

#include <chrono>

#include "frame/convert.h"
#include "link/registry.h"

namespace camrec::media {

namespace {

constexpr uint32_t kMinSide = 64;

uint32_t align16(uint32_t v) { return (v + 15u) & ~15u; }

}  // namespace

Result<std::shared_ptr<Sensor>> Sensor::create(const SensorConfig& config) {
  if (config.id >= 3) {
    return make_error(Errc::invalid_argument,
                      "sensor id " + std::to_string(config.id) + " is outside 0..2");
  }
  Clock& clock = config.clock != nullptr ? *config.clock : steady_clock();
  CAMREC_ASSIGN_OR_RETURN(auto source,
                          open_sensor_source(config.source, config.source_options, clock));
  return create(config, std::move(source));
}

Result<std::shared_ptr<Sensor>> Sensor::create(const SensorConfig& config,
                                               std::unique_ptr<SensorSource> source) {
  if (config.id >= 3) {
    return make_error(Errc::invalid_argument,
                      "sensor id " + std::to_string(config.id) + " is outside 0..2");
  }
  if (!source) return make_error(Errc::invalid_argument, "sensor source is null");
  Clock& clock = config.clock != nullptr ? *config.clock : steady_clock();
  std::shared_ptr<Sensor> sensor(new Sensor(config.id, config.fit, std::move(source), clock));
  CAMREC_RETURN_IF_ERROR(DeviceRegistry::instance().add_source(
      CAMERA_MOD_ID, config.id, std::weak_ptr<FrameSource>(sensor)));
  return sensor;
}

Sensor::Sensor(uint32_t id, ScaleFit fit, std::unique_ptr<SensorSource> source, Clock& clock)
    : id_(id), fit_(fit), source_(std::move(source)), clock_(clock), source_format_(source_->format()) {
  set_defaults();
}

Sensor::~Sensor() {
  (void)stop();
  DeviceRegistry::instance().remove_expired(CAMERA_MOD_ID, id_);
}

void Sensor::set_defaults() {
  for (auto& ch : channels_) {
    ch = Channel{};
    ch.pool = std::make_shared<FramePool>();
  }
  channels_[0].enabled = true;
  channels_[0].width = source_format_.width;
  channels_[0].height = source_format_.height;
  channels_[0].format = PixelFormat::nv12;
  started_ = false;
  stopped_by_call_ = false;
  last_error_ = Status::ok();
}

Status Sensor::check_channel(uint32_t chn, bool need_enabled) const {
  if (chn >= kMaxChannels) {
    return make_error(Errc::invalid_argument, "sensor channel " + std::to_string(chn) +
                                                  " is outside 0..2");
  }
  if (need_enabled && !channels_[chn].enabled) {
    return make_error(Errc::invalid_argument, "sensor channel " + std::to_string(chn) +
                                                  " is not configured (set_framesize first)");
  }
  return Status::ok();
}

Status Sensor::reset() {
  CAMREC_RETURN_IF_ERROR(stop());
  std::lock_guard lock(config_mutex_);
  set_defaults();
  return Status::ok();
}

Status Sensor::set_framesize(uint32_t width, uint32_t height, uint32_t chn, uint32_t alignment) {
  std::lock_guard lock(config_mutex_);
  CAMREC_RETURN_IF_ERROR(check_channel(chn, false));
  if (!finished_) return make_error(Errc::wrong_state, "set_framesize while the sensor runs");
  return set_size(width, height, chn, alignment);
}

Status Sensor::resize(uint32_t width, uint32_t height, uint32_t chn) {
  std::lock_guard lock(config_mutex_);
  CAMREC_RETURN_IF_ERROR(check_channel(chn, true));
  // A size of its own is a conversion: a missing libyuv is refused here, not by the capture
  // loop at the next frame.
  if (width != source_format_.width || height != source_format_.height ||
      channels_[chn].format != source_format_.format) {
    CAMREC_RETURN_IF_ERROR(load_converter());
  }
  CAMREC_RETURN_IF_ERROR(set_size(width, height, chn, channels_[chn].align_log2));
  ++channel_changes_;
  return Status::ok();
}

Status Sensor::set_size(uint32_t width, uint32_t height, uint32_t chn, uint32_t alignment) {
  if (width == 0 || height == 0 || width % 2 != 0 || height % 2 != 0) {
    return make_error(Errc::invalid_argument, "frame size " + std::to_string(width) + "x" +
                                                  std::to_string(height) +
                                                  " must be non-zero and even");
  }
  const uint32_t aligned = align16(width);
  if (aligned < kMinSide || height < kMinSide || aligned > kMaxFrameDimension ||
      height > kMaxFrameDimension) {
    return make_error(Errc::invalid_argument,
                      "frame size " + std::to_string(aligned) + "x" + std::to_string(height) +
                          " (width aligned up to 16) is outside 64x64..8192x8192");
  }
  if (alignment > 12) {
    return make_error(Errc::invalid_argument, "buffer alignment " + std::to_string(alignment) +
                                                  " is above 12 (4 KiB)");
  }
  Channel& ch = channels_[chn];
  ch.enabled = true;
  ch.width = aligned;
  ch.height = height;
  ch.align_log2 = alignment < 6 ? 6 : alignment;
  ch.pool = std::make_shared<FramePool>(8, ch.align_log2);
  ch.latest.reset();
  return Status::ok();
}

Status Sensor::set_pixformat(PixelFormat format, uint32_t chn) {
  std::lock_guard lock(config_mutex_);
  CAMREC_RETURN_IF_ERROR(check_channel(chn, false));
  if (!finished_) return make_error(Errc::wrong_state, "set_pixformat while the sensor runs");
  Channel& ch = channels_[chn];
  if (ch.width == 0) {
    ch.width = align16(source_format_.width);
    ch.height = source_format_.height;
  }
  ch.enabled = true;
  ch.format = format;
  ch.latest.reset();
  return Status::ok();
}

Status Sensor::run() {
  std::unique_lock lock(config_mutex_);
  if (!finished_) return make_error(Errc::wrong_state, "the sensor is already running");
  // A capture thread that ended by itself (end of file) has left its loop; reap it.
  if (thread_.joinable()) thread_.join();
  // A channel of another size or format is converted: the library for it is loaded now, so a
  // missing one fails the start, and the capture loop does not stall on it at its first frame.
  for (const auto& ch : channels_) {
    if (ch.enabled && (ch.width != source_format_.width || ch.height != source_format_.height ||
                       ch.format != source_format_.format)) {
      CAMREC_RETURN_IF_ERROR(load_converter());
      break;
    }
  }
  CAMREC_RETURN_IF_ERROR(source_->start());
  for (auto& ch : channels_) ch.latest.reset();
  started_ = true;
  finished_ = false;
  stopped_by_call_ = false;
  last_error_ = Status::ok();
  thread_ = std::thread([this] { capture_loop(); });
  return Status::ok();
}

Status Sensor::stop() {
  std::thread t;
  {
    std::lock_guard lock(config_mutex_);
    if (!thread_.joinable()) return Status::ok();
    t = std::move(thread_);
  }
  source_->interrupt();
  t.join();
  source_->stop();
  std::lock_guard lock(config_mutex_);
  finished_ = true;
  stopped_by_call_ = true;
  frame_cv_.notify_all();
  return Status::ok();
}

void Sensor::capture_loop() {
  struct Output {
    uint32_t chn;
    uint32_t width, height;
    PixelFormat format;
    std::shared_ptr<FramePool> pool;
  };
  std::vector<Output> outputs;
  uint64_t changes = 0;
  auto read_outputs = [&] {  // config_mutex_ held
    outputs.clear();
    for (uint32_t i = 0; i < kMaxChannels; ++i) {
      const Channel& ch = channels_[i];
      if (ch.enabled) outputs.push_back({i, ch.width, ch.height, ch.format, ch.pool});
    }
    changes = channel_changes_;
  };
  {
    std::lock_guard lock(config_mutex_);
    read_outputs();
  }
  auto finish = [this](Status why) {
    {
      std::lock_guard lock(config_mutex_);
      if (why.code() != Errc::end_of_stream) last_error_ = why;
      finished_ = true;
      frame_cv_.notify_all();
    }
    // Links learn that no frame will follow, so a consumer waiting on them can stop waiting.
    const Status end = why.code() == Errc::end_of_stream ? Status::ok() : why;
    std::lock_guard lock(subscriber_mutex_);
    for (auto& list : subscribers_) {
      for (auto& sub : list) {
        if (sub.on_end) sub.on_end(end);
      }
    }
  };
  for (;;) {
    auto src = source_->next_frame();
    if (!src) return finish(src.error());
    {
      std::lock_guard lock(config_mutex_);
      if (changes != channel_changes_) read_outputs();
    }
    const Frame& in = **src;
    for (const Output& out : outputs) {
      FramePtr frame;
      if (in.width() == out.width && in.height() == out.height && in.format() == out.format) {
        frame = *src;
      } else {
        auto dst = out.pool->acquire(out.format, out.width, out.height);
        if (!dst) return finish(dst.error());
        Status s = convert_frame(in, **dst, fit_);
        if (!s) return finish(s);
        frame = std::move(dst).value();
      }
      {
        std::lock_guard lock(config_mutex_);
        channels_[out.chn].latest = frame;
        ++channels_[out.chn].stats.frames;
      }
      frame_cv_.notify_all();
      uint64_t calls = 0;
      {
        std::lock_guard lock(subscriber_mutex_);
        for (auto& sub : subscribers_[out.chn]) {
          sub.on_frame(frame);
          ++calls;
        }
      }
      if (calls != 0) {
        std::lock_guard lock(config_mutex_);
        channels_[out.chn].stats.callbacks += calls;
      }
    }
  }
}

Result<FramePtr> Sensor::snapshot(uint32_t chn, int timeout_ms) {
  std::unique_lock lock(config_mutex_);
  CAMREC_RETURN_IF_ERROR(check_channel(chn, true));
  if (!started_) return make_error(Errc::wrong_state, "snapshot before run()");
  auto ready = [&] { return channels_[chn].latest != nullptr || finished_; };
  if (timeout_ms < 0) {
    frame_cv_.wait(lock, ready);
  } else {
    frame_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready);
  }
  if (channels_[chn].latest) return channels_[chn].latest;
  if (finished_) {
    if (!last_error_.is_ok()) return last_error_;
    return make_error(Errc::end_of_stream, "capture ended before channel " +
                                               std::to_string(chn) + " produced a frame");
  }
  return make_error(Errc::timeout, "no frame on channel " + std::to_string(chn) + " within " +
                                       std::to_string(timeout_ms) + " ms");
}

Result<BindInfo> Sensor::bind_info(uint32_t chn) const {
  std::lock_guard lock(config_mutex_);
  CAMREC_RETURN_IF_ERROR(check_channel(chn, true));
  const Channel& ch = channels_[chn];
  return BindInfo{Endpoint{CAMERA_MOD_ID, id_, chn}, ch.width, ch.height, ch.format};
}

bool Sensor::running() const {
  std::lock_guard lock(config_mutex_);
  return !finished_;
}

Sensor::State Sensor::state() const {
  std::lock_guard lock(config_mutex_);
  if (!started_) return State::idle;
  if (!finished_) return State::running;
  return stopped_by_call_ ? State::stopped : State::ended;
}

bool Sensor::wait_finished(int timeout_ms) {
  std::unique_lock lock(config_mutex_);
  auto done = [&] { return finished_; };
  if (timeout_ms < 0) {
    frame_cv_.wait(lock, done);
    return true;
  }
  return frame_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), done);
}

Status Sensor::last_error() const {
  std::lock_guard lock(config_mutex_);
  return last_error_;
}

SensorChannelStats Sensor::stats(uint32_t chn) const {
  std::lock_guard lock(config_mutex_);
  if (chn >= kMaxChannels) return {};
  return channels_[chn].stats;
}

Result<uint64_t> Sensor::subscribe(uint32_t chn, FrameCallback callback, EndCallback on_end) {
  uint64_t id;
  {
    std::lock_guard lock(config_mutex_);
    CAMREC_RETURN_IF_ERROR(check_channel(chn, true));
    id = next_subscription_++;
  }
  std::lock_guard lock(subscriber_mutex_);
  subscribers_[chn].push_back(Subscriber{id, std::move(callback), std::move(on_end)});
  return id;
}

void Sensor::unsubscribe(uint64_t id) {
  std::lock_guard lock(subscriber_mutex_);
  for (auto& list : subscribers_) {
    std::erase_if(list, [id](const Subscriber& sub) { return sub.id == id; });
  }
}

}  // namespace camrec::media
