// SPDX-License-Identifier: LGPL-2.1-or-later
#include "link/registry.h"

namespace camrec::media {

std::string to_string(const Endpoint& e) {
  return "(" + std::to_string(e.mod) + ", " + std::to_string(e.dev) + ", " +
         std::to_string(e.chn) + ")";
}

DeviceRegistry& DeviceRegistry::instance() {
  static DeviceRegistry registry;
  return registry;
}

namespace {

std::string where(uint32_t mod, uint32_t dev) {
  return "module " + std::to_string(mod) + " device " + std::to_string(dev);
}

}  // namespace

Status DeviceRegistry::add_source(uint32_t mod, uint32_t dev, std::weak_ptr<FrameSource> source) {
  std::lock_guard lock(mutex_);
  Key key{mod, dev};
  auto it = sources_.find(key);
  if ((it != sources_.end() && !it->second.expired()) ||
      (sinks_.count(key) != 0 && !sinks_[key].expired())) {
    return make_error(Errc::wrong_state, where(mod, dev) + " is already in use");
  }
  sources_[key] = std::move(source);
  return Status::ok();
}

Status DeviceRegistry::add_sink(uint32_t mod, uint32_t dev, std::weak_ptr<FrameSink> sink) {
  std::lock_guard lock(mutex_);
  Key key{mod, dev};
  auto it = sinks_.find(key);
  if ((it != sinks_.end() && !it->second.expired()) ||
      (sources_.count(key) != 0 && !sources_[key].expired())) {
    return make_error(Errc::wrong_state, where(mod, dev) + " is already in use");
  }
  sinks_[key] = std::move(sink);
  return Status::ok();
}

void DeviceRegistry::remove_expired(uint32_t mod, uint32_t dev) {
  std::lock_guard lock(mutex_);
  Key key{mod, dev};
  if (auto it = sources_.find(key); it != sources_.end() && it->second.expired()) sources_.erase(it);
  if (auto it = sinks_.find(key); it != sinks_.end() && it->second.expired()) sinks_.erase(it);
}

std::shared_ptr<FrameSource> DeviceRegistry::find_source(uint32_t mod, uint32_t dev) {
  std::lock_guard lock(mutex_);
  auto it = sources_.find(Key{mod, dev});
  return it == sources_.end() ? nullptr : it->second.lock();
}

std::shared_ptr<FrameSink> DeviceRegistry::find_sink(uint32_t mod, uint32_t dev) {
  std::lock_guard lock(mutex_);
  auto it = sinks_.find(Key{mod, dev});
  return it == sinks_.end() ? nullptr : it->second.lock();
}

Status DeviceRegistry::claim_input(const Endpoint& dst) {
  std::lock_guard lock(mutex_);
  if (!inputs_.emplace(dst.mod, dst.dev, dst.chn).second) {
    return make_error(Errc::wrong_state, "endpoint " + to_string(dst) + " is already linked");
  }
  return Status::ok();
}

void DeviceRegistry::release_input(const Endpoint& dst) {
  std::lock_guard lock(mutex_);
  inputs_.erase({dst.mod, dst.dev, dst.chn});
}

size_t DeviceRegistry::claimed_inputs() {
  std::lock_guard lock(mutex_);
  return inputs_.size();
}

}  // namespace camrec::media
