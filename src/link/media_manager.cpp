// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/media_manager.h"

#include "link/registry.h"

namespace camrec::media {

Link::Link(Endpoint src, Endpoint dst, LinkOptions options, std::weak_ptr<FrameSource> source,
           std::weak_ptr<FrameSink> sink)
    : src_(src), dst_(dst), options_(options), source_(std::move(source)),
      sink_(std::move(sink)), state_(std::make_shared<State>()) {}

Link::~Link() { close(); }

void Link::offer(State& state, const LinkOptions& options, const FramePtr& frame) {
  std::unique_lock lock(state.mutex);
  ++state.stats.offered;
  if (!state.closed && state.queue.size() >= options.queue_depth &&
      options.overflow == OverflowPolicy::block) {
    state.space_cv.wait(lock, [&] { return state.closed || state.queue.size() < options.queue_depth; });
  }
  if (state.closed || state.queue.size() >= options.queue_depth) {
    ++state.stats.dropped;
    return;
  }
  state.queue.push_back(frame);
  state.items_cv.notify_one();
}

void Link::run() {
  State& st = *state_;
  for (;;) {
    FramePtr frame;
    {
      std::unique_lock lock(st.mutex);
      st.items_cv.wait(lock, [&] { return !st.queue.empty() || st.closed || st.source_end; });
      if (st.queue.empty() && st.source_end) {
        // Every frame of the run went to the sink first; then it learns that none follows.
        Status why = std::move(*st.source_end);
        st.source_end.reset();
        lock.unlock();
        if (auto sink = sink_.lock()) sink->input_ended(dst_.chn, why);
        continue;
      }
      if (st.queue.empty()) return;  // closed and drained
      frame = std::move(st.queue.front());
      st.queue.pop_front();
      st.sending = true;
      st.space_cv.notify_all();
    }
    Status s;
    if (auto sink = sink_.lock()) {
      s = sink->accept_frame(dst_.chn, *frame, options_.send_timeout_ms);
    } else {
      s = make_error(Errc::not_found, "the sink at " + to_string(dst_) + " is gone");
    }
    std::lock_guard lock(st.mutex);
    st.sending = false;
    if (s.is_ok()) {
      ++st.stats.delivered;
    } else if (st.closed && s.code() == Errc::timeout) {
      // Found no room in the sink while the link was closing (the close cuts that wait
      // short): like a frame still queued then, a drop, not a sink failure.
      ++st.stats.dropped;
    } else {
      ++st.stats.failed;
      st.stats.last_error = std::move(s);
    }
  }
}

void Link::close() {
  std::call_once(closed_once_, [this] {
    {
      std::lock_guard lock(state_->mutex);
      state_->closed = true;
      state_->items_cv.notify_all();
      state_->space_cv.notify_all();
    }
    // After unsubscribe returns the source never calls offer() again.
    if (auto source = source_.lock()) source->unsubscribe(subscription_);
    // A frame waiting for room in the sink would wait for whoever takes its output, maybe
    // this very thread: the sink refuses such waits until the worker has ended.
    // (The sink is not held meanwhile: a sink destroyed under the link stays destroyed.)
    if (auto sink = sink_.lock()) sink->interrupt_input(dst_.chn, true);
    if (worker_.joinable()) worker_.join();
    auto sink = sink_.lock();
    if (sink) sink->interrupt_input(dst_.chn, false);
    // Unlinked: nothing reaches the sink any more (a GetStream waiting on it must not hang).
    if (sink) sink->input_ended(dst_.chn, Status::ok());
    DeviceRegistry::instance().release_input(dst_);
  });
}

LinkStats Link::stats() const {
  std::lock_guard lock(state_->mutex);
  LinkStats s = state_->stats;
  s.queued = state_->queue.size() + (state_->sending ? 1 : 0);
  return s;
}

Result<std::unique_ptr<Link>> MediaManager::link(const Endpoint& src, const Endpoint& dst,
                                                 const LinkOptions& options) {
  if (options.queue_depth == 0 || options.queue_depth > 64) {
    return make_error(Errc::invalid_argument, "link queue depth " +
                                                  std::to_string(options.queue_depth) +
                                                  " is outside 1..64");
  }
  auto& registry = DeviceRegistry::instance();
  auto source = registry.find_source(src.mod, src.dev);
  if (!source) return make_error(Errc::not_found, "no frame source at " + to_string(src));
  auto sink = registry.find_sink(dst.mod, dst.dev);
  if (!sink) return make_error(Errc::not_found, "no frame sink at " + to_string(dst));
  CAMREC_RETURN_IF_ERROR(sink->check_input_channel(dst.chn));
  CAMREC_RETURN_IF_ERROR(registry.claim_input(dst));

  std::unique_ptr<Link> link(new Link(src, dst, options, source, sink));
  std::weak_ptr<Link::State> weak_state = link->state_;
  LinkOptions opts = options;
  auto sub = source->subscribe(
      src.chn,
      [weak_state, opts](const FramePtr& frame) {
        if (auto st = weak_state.lock()) Link::offer(*st, opts, frame);
      },
      [weak_state](const Status& why) {
        if (auto st = weak_state.lock()) {
          std::lock_guard lock(st->mutex);
          st->source_end = why;
          st->items_cv.notify_all();
        }
      });
  // On failure the link's destructor releases the claim on `dst`.
  if (!sub) return sub.error();
  link->subscription_ = *sub;
  sink->input_linked(dst.chn);
  link->worker_ = std::thread([l = link.get()] { l->run(); });
  return link;
}

Status MediaManager::init() { return Status::ok(); }

Status MediaManager::deinit() {
  size_t n = DeviceRegistry::instance().claimed_inputs();
  if (n != 0) {
    return make_error(Errc::wrong_state, std::to_string(n) + " link(s) still exist; delete them first");
  }
  return Status::ok();
}

size_t MediaManager::link_count() { return DeviceRegistry::instance().claimed_inputs(); }

}  // namespace camrec::media
