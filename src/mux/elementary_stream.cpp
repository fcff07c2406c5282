// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/elementary_stream.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

// A mapped file's pages are handed back 1 MiB behind the scan, 512 KiB at a time, so the
// process keeps about 1.5 MiB of the file mapped however large it is: the muxer writes a
// fragment (1 s of video, 0.5 MiB at 4 Mbit/s) from the mapping soon after the scan passed
// it. Pages handed back too early are only mapped again from the page cache, never wrong.
// (Asking for the pages ahead with MADV_POPULATE_READ, in 1 or 4 MiB steps, cost as much
// CPU as the page faults it saved: the kernel maps 16 pages per fault already.)
constexpr size_t kKeepBehind = 1u << 20;
constexpr size_t kReleaseStep = 512u << 10;

/// The largest access unit taken (as the muxer's limit per video frame).
constexpr size_t kMaxAccessUnit = size_t{64} << 20;

}  // namespace

ElementaryStreamReader::ElementaryStreamReader(int fd, codec::VideoCodec codec, EsTiming timing)
    : fd_(fd), codec_(codec), timing_(std::move(timing)), splitter_(codec), parser_(codec) {}

ElementaryStreamReader::~ElementaryStreamReader() {
  mapping_.reset();  // before the file it maps is closed
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<ElementaryStreamReader>> ElementaryStreamReader::open(const std::string& path,
                                                                             codec::VideoCodec codec,
                                                                             EsTiming timing, bool map) {
  if ((timing.fps_num == 0) != (timing.fps_den == 0) ||
      (timing.fps_num && (timing.fps_num > 1'000'000 || timing.fps_den > 1'000'000)))
    return make_error(Errc::invalid_argument, "frame rate must be a positive fraction");
  for (size_t i = 1; i < timing.timestamps_us.size(); ++i)
    if (timing.timestamps_us[i] <= timing.timestamps_us[i - 1])
      return make_error(Errc::invalid_argument, "timestamps must increase (line " + std::to_string(i + 1) + ")");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io::errno_status(errno, "cannot open '" + path + "'");
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  auto reader = std::unique_ptr<ElementaryStreamReader>(new ElementaryStreamReader(fd, codec, std::move(timing)));
  struct stat st = {};
  if (map && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
      static_cast<uint64_t>(st.st_size) <= SIZE_MAX) {
    // Mapped, the file is scanned and written out where the page cache has it: no read(2)
    // copy into a buffer and no copy of the payload into the muxer's. If the mapping fails
    // (a 32-bit address space too small for the file), the file is read as a pipe would be.
    const size_t size = static_cast<size_t>(st.st_size);
    // A file cut short while mapped faults (SIGBUS) past its new end: MappedFile turns
    // that into an error next() reports (see io/mapped_file.h).
    if (auto mapping = io::MappedFile::map(fd, size)) {
      reader->map_ = mapping->bytes().data();
      reader->map_size_ = size;
      reader->mapping_ = std::move(mapping);
      ::madvise(const_cast<uint8_t*>(reader->map_), size, MADV_SEQUENTIAL);  // read ahead generously when not cached
      reader->splitter_.attach({reader->map_, size});
      reader->eof_ = true;
    }
  }
  return reader;
}

void ElementaryStreamReader::advise(uint64_t offset) {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t at = static_cast<size_t>(std::min<uint64_t>(offset, map_size_));
  if (at > released_ + kKeepBehind + kReleaseStep) {
    const size_t end = (at - kKeepBehind) / page * page;
    ::madvise(const_cast<uint8_t*>(map_) + released_, end - released_, MADV_DONTNEED);
    released_ = end;
  }
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
  Result<bool> got = next_frame(out);
  // Checked after the access units were scanned and parsed, and before their views go
  // out: bytes from past a new end are zeros, and any error they caused (a malformed NAL
  // unit) is really this one. A frame needs only the fault flag, no system call (an fstat
  // per frame cost 4 % of a remux's CPU): bytes past a cut read without a fault only up to
  // the end of the cut's page, and they are zeros, which hold no start code. A frame with
  // such bytes ends where the next one's start code was found, past them on a later page
  // whose read faulted, or at the end of the mapping. So the file's size is asked once the
  // scan reached that end (for the last frame and any still held for reordering) and after
  // an error, where a cut inside the last page shows.
  if (mapping_ && (!got || !*got || splitter_.done() || mapping_->faulted()))
    CAMREC_RETURN_IF_ERROR(mapping_->check());
  return got;
}

Result<bool> ElementaryStreamReader::next_frame(EsFrame& out) {
  while (true) {
    if (!held_.empty() && held_.front().ordered) {
      Held& h = held_.front();
      out = std::move(h.frame);
      if (!map_) out.data = out.storage;
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
    if (map_) {
      // Read in chunks, the splitter stops at this size itself; mapped, it sees everything.
      if (au->bytes.size() > kMaxAccessUnit)
        return make_error(Errc::limit_exceeded, std::string(codec::codec_name(codec_)) + " stream: access unit at byte " +
                                                    std::to_string(au->stream_offset) + " exceeds " +
                                                    std::to_string(kMaxAccessUnit) + " bytes");
      advise(au->stream_offset + au->bytes.size());
    }
    // Only the picture order and the parameter sets are needed here: the muxer builds the
    // sample itself (mapped, from these NAL units, without parsing them again).
    Status s = parser_.parse_nals(au->nals, au_, nullptr);
    if (!s.is_ok()) return s.with_context("access unit at byte " + std::to_string(au->stream_offset));
    if (map_ && (!sets_ || au_.parameter_sets_changed))
      sets_ = std::make_shared<const codec::VideoParameterSets>(parser_.parameter_sets());
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
      out.storage.clear();
      if (map_) out.nals.assign(au->nals.begin(), au->nals.end());
      out.sets = sets_;
      out.key = au_.is_key;
      out.timescale = timescale_;
      out.duration = frame_ticks_;
      out.pts = out.dts = timestamp_at(presented_++);
      ++decoded_;
      ++emitted_;
      return true;
    }
    Held h;
    if (map_) {
      // The mapping outlives the frame: no copy to hold it.
      h.frame.data = au->bytes;
      h.frame.nals.assign(au->nals.begin(), au->nals.end());
      h.frame.sets = sets_;
    } else {
      h.frame.storage.assign(au->bytes.begin(), au->bytes.end());
      h.frame.data = h.frame.storage;
    }
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
