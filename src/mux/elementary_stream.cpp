// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/elementary_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <numeric>

#include "codec/video_config.h"
#include "io/sink.h"

namespace camrec::mux {

namespace {

// Reads of 256 KiB: the data is scanned and copied right after the read while it is still in
// a 512 KiB L2 cache, and the buffer stays small (1 MiB reads cost 1.1 MB more peak RSS and
// no less CPU on a 10-minute 720p stream).
constexpr size_t kReadChunk = 256u << 10;

}  // namespace

ElementaryStreamReader::ElementaryStreamReader(int fd, codec::VideoCodec codec, EsTiming timing)
    : fd_(fd), codec_(codec), timing_(std::move(timing)), splitter_(codec), parser_(codec) {}

ElementaryStreamReader::~ElementaryStreamReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<ElementaryStreamReader>> ElementaryStreamReader::open(const std::string& path,
                                                                             codec::VideoCodec codec,
                                                                             EsTiming timing) {
  if ((timing.fps_num == 0) != (timing.fps_den == 0) ||
      (timing.fps_num && (timing.fps_num > 1'000'000 || timing.fps_den > 1'000'000)))
    return make_error(Errc::invalid_argument, "frame rate must be a positive fraction");
  for (size_t i = 1; i < timing.timestamps_us.size(); ++i)
    if (timing.timestamps_us[i] <= timing.timestamps_us[i - 1])
      return make_error(Errc::invalid_argument, "timestamps must increase (line " + std::to_string(i + 1) + ")");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io::errno_status(errno, "cannot open '" + path + "'");
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<ElementaryStreamReader>(new ElementaryStreamReader(fd, codec, std::move(timing)));
}

Result<bool> ElementaryStreamReader::read_more() {
  if (eof_) return false;
  auto space = splitter_.prepare(kReadChunk);
  ssize_t n;
  do {
    n = ::read(fd_, space.data(), space.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return io::errno_status(errno, "reading the elementary stream");
  splitter_.commit(static_cast<size_t>(n));
  if (n == 0) {
    eof_ = true;
    splitter_.finish();
  }
  return true;
}

int64_t ElementaryStreamReader::timestamp_at(uint64_t index) const {
  const auto& ts = timing_.timestamps_us;
  if (ts.empty()) return static_cast<int64_t>(index) * frame_ticks_;
  if (index < ts.size()) return ts[index];
  // Past the list: continue at the last interval.
  int64_t step = ts.size() >= 2 ? ts[ts.size() - 1] - ts[ts.size() - 2] : 33'333;
  return ts.back() + static_cast<int64_t>(index - ts.size() + 1) * step;
}

Status ElementaryStreamReader::assign_presentation(bool everything) {
  // A decoder outputs the smallest POC once more than reorder_depth pictures wait (C.4.5.3
  // "bumping"); at a new ordering period everything before it is output first.
  auto waiting = [&] {
    size_t n = 0;
    for (auto& h : held_) n += !h.ordered;
    return n;
  };
  while (true) {
    size_t n = waiting();
    if (n == 0) break;
    bool period_break = false;
    // Pictures before a reset are all output before it.
    size_t limit = held_.size();
    for (size_t i = 0; i < held_.size(); ++i) {
      if (i > 0 && held_[i].order.resets_order && !held_[i].ordered) {
        bool earlier_waiting = false;
        for (size_t k = 0; k < i; ++k) earlier_waiting |= !held_[k].ordered;
        if (earlier_waiting) {
          limit = i;
          period_break = true;
          break;
        }
      }
    }
    if (!everything && !period_break && n <= reorder_depth_) break;
    Held* best = nullptr;
    for (size_t i = 0; i < limit; ++i)
      if (!held_[i].ordered && (!best || held_[i].order.poc < best->order.poc)) best = &held_[i];
    if (!best) break;
    best->ordered = true;
    best->frame.pts = timestamp_at(presented_++);
  }
  // dts: the presentation times shifted by the reorder depth, so pts >= dts holds.
  return Status::ok();
}

Result<bool> ElementaryStreamReader::next(EsFrame& out) {
  while (true) {
    if (!held_.empty() && held_.front().ordered) {
      Held& h = held_.front();
      out = std::move(h.frame);
      out.data = out.storage;
      uint64_t i = h.decode_index;
      out.dts = i >= reorder_depth_ ? timestamp_at(i - reorder_depth_)
                                    : timestamp_at(0) - static_cast<int64_t>(reorder_depth_ - i) *
                                                            (timing_.timestamps_us.empty() ? frame_ticks_ : timestamp_at(1) - timestamp_at(0));
      if (out.dts > out.pts) out.dts = out.pts;  // a stream that reorders deeper than it declares
      held_.pop_front();
      ++emitted_;
      return true;
    }
    CAMREC_ASSIGN_OR_RETURN(auto au, splitter_.next());
    if (!au) {
      if (splitter_.done()) {
        if (held_.empty()) return false;
        CAMREC_RETURN_IF_ERROR(assign_presentation(true));
        continue;
      }
      CAMREC_ASSIGN_OR_RETURN(bool more, read_more());
      (void)more;
      continue;
    }
    if (!au->has_vcl) continue;  // trailing parameter sets or SEI at the end of the stream
    // Only the picture order is needed here: the muxer builds the sample itself.
    Status s = parser_.parse_nals(au->nals, au_, nullptr);
    if (!s.is_ok()) return s.with_context("access unit at byte " + std::to_string(au->stream_offset));
    if (au_.droppable || !au_.order) {
      ++dropped_;
      continue;
    }
    if (!rate_known_) {
      rate_known_ = true;
      auto format = codec::describe_video(parser_.parameter_sets());
      if (format) reorder_depth_ = std::min<uint32_t>(format->reorder_depth, 16);
      uint32_t num = timing_.fps_num, den = timing_.fps_den;
      if (!num && format && format->rate_num && format->rate_den) {
        num = format->rate_num;
        den = format->rate_den;
      }
      if (!num) {
        num = 30;
        den = 1;
      }
      if (!timing_.timestamps_us.empty()) {
        timescale_ = kMicroseconds;
        frame_ticks_ = 0;
      } else {
        // Ticks of 1/num s make every frame time exact: duration = den ticks.
        timescale_ = num;
        frame_ticks_ = den;
      }
    }
    if (reorder_depth_ == 0 && held_.empty() && !au_.order->resets_order) {
      // Presentation order is decode order: hand out the reader's own bytes, no copy.
      out.data = au->bytes;
      out.key = au_.is_key;
      out.timescale = timescale_;
      out.duration = frame_ticks_;
      out.pts = out.dts = timestamp_at(presented_++);
      ++decoded_;
      ++emitted_;
      return true;
    }
    Held h;
    h.frame.storage.assign(au->bytes.begin(), au->bytes.end());
    h.frame.data = h.frame.storage;
    h.frame.key = au_.is_key;
    h.frame.timescale = timescale_;
    h.frame.duration = frame_ticks_;
    h.order = *au_.order;
    h.decode_index = decoded_++;
    held_.push_back(std::move(h));
    CAMREC_RETURN_IF_ERROR(assign_presentation(false));
  }
}

}  // namespace camrec::mux
