// SPDX-License-Identifier: LGPL-2.1-or-later
// MediaManager::link binds a source channel (a sensor) to a sink channel (an encoder), as
// K230's MediaManager.link does: frames then flow without user code, on a worker thread,
// through a bounded queue. Frames that do not fit are dropped and counted, never silently.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "camrec/media/endpoint.h"
#include "camrec/status.h"

namespace camrec::media {

/// What a link does with a frame that arrives while its queue is full.
enum class OverflowPolicy : uint8_t {
  drop,   ///< Drop it and count it (live sources: never stall the camera).
  block,  ///< Make the source wait for room (file sources: lose nothing).
};

/// Tuning of one link.
struct LinkOptions {
  size_t queue_depth = 4;  ///< Frames waiting between source and sink (1..64).
  OverflowPolicy overflow = OverflowPolicy::drop;  ///< What a full queue does.
  /// How long the sink may hold one frame waiting for room (-1 = forever). close() cuts
  /// the wait short: a frame that finds no room then is dropped.
  int send_timeout_ms = 1000;
};

/// Counters of a link. offered = delivered + dropped + failed + queued at any instant.
struct LinkStats {
  uint64_t offered = 0;    ///< Frames the source produced on the linked channel.
  uint64_t delivered = 0;  ///< Frames the sink accepted.
  uint64_t dropped = 0;    ///< Frames dropped because the queue was full or the link closing
                           ///< (queued, or waiting for room in the sink, when close() came).
  uint64_t failed = 0;     ///< Frames the sink refused (not started, timeout, gone).
  uint64_t queued = 0;     ///< Frames waiting now or being handed to the sink.
  Status last_error;       ///< The sink's most recent refusal.
};

/// A live binding; destroying it unlinks (K230 `del link`). Thread-safe.
class Link {
 public:
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  /// Unlinks: the source stops feeding the link, frames already queued are still handed to
  /// the sink as long as it has room for them without waiting (the rest, and a frame the
  /// sink is waiting to find room for, are dropped and counted), then the worker thread
  /// ends. Returns promptly even when nobody takes the sink's output (a consumer that
  /// failed, or the thread calling close). Idempotent; the destructor calls it.
  void close();
  /// A snapshot of the counters.
  LinkStats stats() const;
  /// The source endpoint.
  const Endpoint& src() const { return src_; }
  /// The sink endpoint.
  const Endpoint& dst() const { return dst_; }

 private:
  friend class MediaManager;
  struct State {
    mutable std::mutex mutex;
    std::condition_variable items_cv;
    std::condition_variable space_cv;
    std::deque<FramePtr> queue;
    bool sending = false;  // the worker holds a frame it has not yet counted
    bool closed = false;
    std::optional<Status> source_end;  // the source ended; told to the sink after the queue
    LinkStats stats;
  };

  Link(Endpoint src, Endpoint dst, LinkOptions options, std::weak_ptr<FrameSource> source,
       std::weak_ptr<FrameSink> sink);
  static void offer(State& state, const LinkOptions& options, const FramePtr& frame);
  void run();

  const Endpoint src_;
  const Endpoint dst_;
  const LinkOptions options_;
  std::weak_ptr<FrameSource> source_;
  std::weak_ptr<FrameSink> sink_;
  std::shared_ptr<State> state_;
  uint64_t subscription_ = 0;
  std::thread worker_;
  std::once_flag closed_once_;
};

/// K230's MediaManager: links modules found in the DeviceRegistry.
class MediaManager {
 public:
  /// Links `src` (a registered source channel, e.g. a Sensor's bind_info().src) to `dst`
  /// (e.g. (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, chn)). Errors: not_found when nothing is
  /// registered at an endpoint, invalid_argument for a bad channel or options, wrong_state
  /// when `dst` is already linked.
  static Result<std::unique_ptr<Link>> link(const Endpoint& src, const Endpoint& dst,
                                            const LinkOptions& options = {});
  /// K230 buffer-pool setup; nothing to do here (buffers are pooled per module). Always ok.
  static Status init();
  /// K230 teardown. Errors: wrong_state while links still exist.
  static Status deinit();
  /// Number of live links in the process.
  static size_t link_count();
};

}  // namespace camrec::media
