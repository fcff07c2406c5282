// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/live_hub.h"

namespace camrec::server {

LiveHub::LiveHub(LiveHubOptions options) : options_(options) {
  if (options_.window_segments < 2) options_.window_segments = 2;
}

void LiveHub::set_on_change(std::function<void()> on_change) { on_change_ = std::move(on_change); }

void LiveHub::publish_init(std::vector<uint8_t> init, std::string codec) {
  {
    std::lock_guard lock(mutex_);
    init_ = std::make_shared<const std::vector<uint8_t>>(std::move(init));
    codec_ = std::move(codec);
  }
  if (on_change_) on_change_();
}

void LiveHub::publish_fragment(std::shared_ptr<const LiveFragment> fragment) {
  {
    std::lock_guard lock(mutex_);
    LivePart p;
    // A key fragment opens a segment; the first fragment does in any case (the muxer starts
    // on a key frame, so it is one).
    if (parts_.empty() && next_msn_ == 0) {
      p.msn = 0;
      p.part = 0;
      next_msn_ = 1;
    } else if (fragment->key) {
      p.msn = next_msn_++;
      p.part = 0;
    } else {
      p.msn = next_msn_ - 1;
      p.part = parts_.empty() ? 0 : parts_.back().part + 1;
    }
    window_bytes_ += fragment->bytes.size();
    p.fragment = std::move(fragment);
    parts_.push_back(std::move(p));
    trim();
  }
  if (on_change_) on_change_();
}

void LiveHub::publish_end() {
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
  }
  if (on_change_) on_change_();
}

void LiveHub::trim() {
  // Drop whole segments from the front: the window always starts on a key fragment.
  auto segments = [&] { return parts_.empty() ? 0 : parts_.back().msn - parts_.front().msn + 1; };
  while (parts_.size() > 1 &&
         (segments() > options_.window_segments + 1 || window_bytes_ > options_.max_window_bytes)) {
    const uint64_t oldest = parts_.front().msn;
    if (oldest == parts_.back().msn) break;  // never drop the segment being written
    while (!parts_.empty() && parts_.front().msn == oldest) {
      window_bytes_ -= parts_.front().fragment->bytes.size();
      parts_.pop_front();
    }
  }
}

LiveSnapshot LiveHub::snapshot() const {
  std::lock_guard lock(mutex_);
  return {init_, codec_, std::vector<LivePart>(parts_.begin(), parts_.end()), ended_};
}

std::vector<LivePart> LiveHub::parts_since(uint64_t sequence, bool& lost) const {
  std::lock_guard lock(mutex_);
  lost = !parts_.empty() && parts_.front().fragment->sequence > sequence;
  std::vector<LivePart> out;
  for (const auto& p : parts_)
    if (p.fragment->sequence >= sequence) out.push_back(p);
  return out;
}

std::optional<uint64_t> LiveHub::newest_key() const {
  std::lock_guard lock(mutex_);
  for (auto it = parts_.rbegin(); it != parts_.rend(); ++it)
    if (it->part == 0) return it->fragment->sequence;
  return std::nullopt;
}

std::optional<LivePart> LiveHub::live_edge() const {
  std::lock_guard lock(mutex_);
  if (parts_.empty()) return std::nullopt;
  return parts_.back();
}

}  // namespace camrec::server
