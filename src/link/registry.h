// SPDX-License-Identifier: LGPL-2.1-or-later
// Process-wide directory of linkable modules, keyed by (module id, device), so
// MediaManager::link can find a Sensor or Encoder from a K230 endpoint triple.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <tuple>
#include <utility>

#include "camrec/media/endpoint.h"
#include "camrec/status.h"

namespace camrec::media {

/// Thread-safe registry of weak references: it never keeps a module alive.
class DeviceRegistry {
 public:
  /// The process-wide registry.
  static DeviceRegistry& instance();

  /// Registers a frame source at (mod, dev). Errors: wrong_state when a live module is
  /// already registered there.
  Status add_source(uint32_t mod, uint32_t dev, std::weak_ptr<FrameSource> source);
  /// Registers a frame sink at (mod, dev). Errors: as add_source().
  Status add_sink(uint32_t mod, uint32_t dev, std::weak_ptr<FrameSink> sink);
  /// Forgets (mod, dev) if the module registered there is gone (called from destructors,
  /// so a newer live registration at the same place is kept).
  void remove_expired(uint32_t mod, uint32_t dev);

  /// The live source at (mod, dev), or null.
  std::shared_ptr<FrameSource> find_source(uint32_t mod, uint32_t dev);
  /// The live sink at (mod, dev), or null.
  std::shared_ptr<FrameSink> find_sink(uint32_t mod, uint32_t dev);

  /// Marks `dst` as fed by a link. Errors: wrong_state when another link already feeds it.
  Status claim_input(const Endpoint& dst);
  /// Releases a claim_input().
  void release_input(const Endpoint& dst);
  /// Number of inputs currently claimed (live links).
  size_t claimed_inputs();

 private:
  using Key = std::pair<uint32_t, uint32_t>;
  std::mutex mutex_;
  std::map<Key, std::weak_ptr<FrameSource>> sources_;
  std::map<Key, std::weak_ptr<FrameSink>> sinks_;
  std::set<std::tuple<uint32_t, uint32_t, uint32_t>> inputs_;
};

}  // namespace camrec::media
