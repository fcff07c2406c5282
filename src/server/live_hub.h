// SPDX-License-Identifier: LGPL-2.1-or-later
// Where the live fragments wait for viewers: the init segment and a rolling window of
// fragments numbered the LL-HLS way (segment = key fragment and the parts after it). The
// recorder's thread publishes, the server's thread reads; the lock is held for a push or
// a copy of pointers only, so a viewer never holds up the recording.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/live_feed.h"

namespace camrec::server {

/// A fragment with its place in the HLS numbering.
struct LivePart {
  std::shared_ptr<const LiveFragment> fragment;
  uint64_t msn = 0;   ///< Media sequence number of its segment.
  uint32_t part = 0;  ///< Index of the part inside the segment.
};

/// A copy of the hub's state for one request.
struct LiveSnapshot {
  std::shared_ptr<const std::vector<uint8_t>> init;  ///< Null until the first fragment.
  std::string codec;           ///< RFC 6381 strings of the tracks ("avc1.4d401f" or "avc1.4d401f,opus").
  std::vector<LivePart> parts; ///< The window, oldest first; starts at a segment's first part.
  bool ended = false;          ///< The recording ended: nothing more comes.
};

struct LiveHubOptions {
  /// Whole segments kept for late joiners and HLS players (the newest, growing one extra).
  size_t window_segments = 6;
  /// Bound on the bytes in the window; the oldest segments go first.
  uint64_t max_window_bytes = 64u << 20;
};

class LiveHub final : public LiveSink {
 public:
  explicit LiveHub(LiveHubOptions options = {});

  /// Called (on the publishing thread, without the lock) after every change; the server
  /// sets it to wake its viewers. Set before publishing starts.
  void set_on_change(std::function<void()> on_change);

  void publish_init(std::vector<uint8_t> init, std::string codec) override;
  void publish_fragment(std::shared_ptr<const LiveFragment> fragment) override;
  void publish_end() override;

  /// The whole state; any thread.
  LiveSnapshot snapshot() const;
  /// Parts with fragment sequence >= `sequence` (all of the window when older), and whether
  /// the window had already dropped some of them. Any thread.
  std::vector<LivePart> parts_since(uint64_t sequence, bool& lost) const;
  /// Sequence number of the newest key fragment (where a new viewer starts).
  std::optional<uint64_t> newest_key() const;
  /// The newest fragment (the live edge); empty before the first one.
  std::optional<LivePart> live_edge() const;

 private:
  void trim();

  LiveHubOptions options_;
  std::function<void()> on_change_;
  mutable std::mutex mutex_;
  std::shared_ptr<const std::vector<uint8_t>> init_;
  std::string codec_;
  std::deque<LivePart> parts_;
  uint64_t window_bytes_ = 0;
  uint64_t next_msn_ = 0;
  bool ended_ = false;
};

}  // namespace camrec::server
