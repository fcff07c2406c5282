// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capture/file_source.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <vector>

#include "io/mapped_file.h"
#include "io/source.h"

namespace camrec::media {

namespace {

constexpr size_t kMaxHeaderLine = 4096;
constexpr size_t kMaxFrameLine = 1024;

bool parse_u32(std::string_view s, uint32_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Reads up to `max` bytes at `offset` and returns the line before the first '\n'.
Result<std::string> read_line(io::Source& src, uint64_t offset, size_t max, const char* what) {
  uint64_t left = src.size() - std::min(offset, src.size());
  std::vector<uint8_t> buf(static_cast<size_t>(std::min<uint64_t>(left, max)));
  CAMREC_RETURN_IF_ERROR(src.read_at(offset, buf));
  auto nl = std::find(buf.begin(), buf.end(), uint8_t{'\n'});
  if (nl == buf.end()) {
    return make_error(Errc::malformed, std::string(what) + " at byte " + std::to_string(offset) +
                                           " has no end of line within " + std::to_string(max) +
                                           " bytes");
  }
  return std::string(buf.begin(), nl);
}

// Shared by Y4M and raw files: sequential frames at fixed offsets, paced like a camera.
//
// The file is mapped when it can be (MappedFile gives up when the address space or its
// guard slots run out, and the file is then read), and each frame's planes point into the
// mapping (Frame::wrap): the encoder reads the pixels where the page cache has them, with
// no copy of 1.4 MB per 720p frame into a pooled buffer. A frame keeps the mapping alive
// and, when its last reference goes, drops its pages from the process (MADV_DONTNEED: they
// stay in the page cache), so the memory held is the frames in flight, as when reading.
// A file cut short while mapped faults where it was cut; MappedFile turns the fault into
// zeros read and an error the next frame reports (see io/mapped_file.h).
class FileFrameSource final : public SensorSource {
 public:
  FileFrameSource(std::unique_ptr<io::FileSource> file, SourceFormat format, uint64_t data_start,
                  bool y4m, const SourceOptions& options, Clock& clock)
      : file_(std::move(file)), format_(format), data_start_(data_start), y4m_(y4m),
        options_(options), clock_(clock) {
    if (file_->size() > 0 && file_->size() <= SIZE_MAX) {
      map_ = io::MappedFile::map(file_->fd(), static_cast<size_t>(file_->size()));
      // Read ahead generously when the file is not cached.
      if (map_) ::madvise(const_cast<uint8_t*>(map_->bytes().data()), map_->bytes().size(), MADV_SEQUENTIAL);
    }
  }

  SourceFormat format() const override { return format_; }

  Status start() override {
    stop_.store(false);
    n_ = 0;
    offset_ = data_start_;
    start_us_ = clock_.now_us();
    return Status::ok();
  }

  Result<FramePtr> next_frame() override {
    if (stop_.load()) return make_error(Errc::end_of_stream, "file source stopped");
    if (options_.max_frames != 0 && n_ >= options_.max_frames) {
      return make_error(Errc::end_of_stream, "file source reached its frame limit");
    }
    if (offset_ >= file_->size()) return make_error(Errc::end_of_stream, "end of file");
    if (map_) return next_mapped_frame();
    if (y4m_) {
      CAMREC_ASSIGN_OR_RETURN(std::string line,
                              read_line(*file_, offset_, kMaxFrameLine, "Y4M frame header"));
      if (line.compare(0, 5, "FRAME") != 0) {
        return make_error(Errc::malformed, "Y4M frame " + std::to_string(n_) + " at byte " +
                                               std::to_string(offset_) +
                                               " does not start with FRAME");
      }
      offset_ += line.size() + 1;
    }
    CAMREC_ASSIGN_OR_RETURN(std::shared_ptr<Frame> frame,
                            pool_.acquire(format_.format, format_.width, format_.height));
    const uint64_t size = frame->packed_size();
    if (file_->size() - std::min(offset_, file_->size()) < size) {
      return make_error(Errc::malformed, "frame " + std::to_string(n_) + " at byte " +
                                             std::to_string(offset_) + " is truncated: needs " +
                                             std::to_string(size) + " bytes, the file has " +
                                             std::to_string(file_->size() - offset_));
    }
    for (int i = 0; i < frame->plane_count(); ++i) {
      CAMREC_RETURN_IF_ERROR(file_->read_at(offset_, frame->plane_span(i)));
      offset_ += frame->plane_span(i).size();
    }
    const int64_t pts = start_us_ + frame_offset_us(n_, format_.fps_num, format_.fps_den);
    if (options_.paced && !clock_.sleep_until_us(pts, &stop_)) {
      return make_error(Errc::end_of_stream, "file source stopped");
    }
    frame->pts_us = pts;
    frame->sequence = n_++;
    return FramePtr(std::move(frame));
  }

  void interrupt() override { stop_.store(true); }
  void stop() override { stop_.store(true); }

 private:
  Result<FramePtr> next_mapped_frame() {
    const std::span<const uint8_t> bytes = map_->bytes();
    const uint64_t frame_start = offset_;
    if (y4m_) {
      const size_t left = static_cast<size_t>(std::min<uint64_t>(bytes.size() - offset_, kMaxFrameLine));
      const auto* line = bytes.data() + offset_;
      const auto* nl = static_cast<const uint8_t*>(std::memchr(line, '\n', left));
      if (nl == nullptr) {
        CAMREC_RETURN_IF_ERROR(checked(frame_start));
        return make_error(Errc::malformed, "Y4M frame header at byte " + std::to_string(offset_) +
                                               " has no end of line within " +
                                               std::to_string(kMaxFrameLine) + " bytes");
      }
      if (nl - line < 5 || std::memcmp(line, "FRAME", 5) != 0) {
        CAMREC_RETURN_IF_ERROR(checked(frame_start));
        return make_error(Errc::malformed, "Y4M frame " + std::to_string(n_) + " at byte " +
                                               std::to_string(offset_) + " does not start with FRAME");
      }
      offset_ += static_cast<uint64_t>(nl - line) + 1;
    }
    const uint64_t luma = uint64_t{format_.width} * format_.height;  // Y4M: i420 or gray8, raw: nv12 or i420
    const uint64_t size = format_.format == PixelFormat::gray8 ? luma : luma * 3 / 2;
    if (bytes.size() - std::min<uint64_t>(offset_, bytes.size()) < size) {
      return make_error(Errc::malformed, "frame " + std::to_string(n_) + " at byte " +
                                             std::to_string(offset_) + " is truncated: needs " +
                                             std::to_string(size) + " bytes, the file has " +
                                             std::to_string(bytes.size() - offset_));
    }
    const uint8_t* pixels = bytes.data() + offset_;
    offset_ += size;
    const int64_t pts = start_us_ + frame_offset_us(n_, format_.fps_num, format_.fps_den);
    if (options_.paced && !clock_.sleep_until_us(pts, &stop_)) {
      return make_error(Errc::end_of_stream, "file source stopped");
    }
    // Checked last, just before the frame leaves: a file cut since it was mapped is
    // reported here rather than encoded as zeros. One cut while the encoder reads a frame
    // already handed out is reported with the next one.
    CAMREC_RETURN_IF_ERROR(checked(frame_start));
    // The pages from the one the frame starts in to the one it ends in, that one excluded
    // (the next frame starts there; the last page of the file is simply kept).
    static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t from = reinterpret_cast<uintptr_t>(pixels) / page * page;
    const uintptr_t to = (reinterpret_cast<uintptr_t>(pixels) + size) / page * page;
    std::shared_ptr<const void> owner(reinterpret_cast<const void*>(from),
                                      [map = map_, len = to - from](const void* p) {
                                        if (len) ::madvise(const_cast<void*>(p), len, MADV_DONTNEED);
                                      });
    auto frame = Frame::wrap(format_.format, format_.width, format_.height, {pixels, static_cast<size_t>(size)},
                             std::move(owner), pts, n_);
    if (!frame) return frame.status();
    ++n_;
    return frame;
  }

  // The mapping's check() naming the frame that starts at `at`.
  Status checked(uint64_t at) const {
    Status s = map_->check();
    if (s.is_ok()) return s;
    return make_error(s.code(), "frame " + std::to_string(n_) + " at byte " + std::to_string(at) +
                                    " is truncated: " + s.message());
  }

  std::unique_ptr<io::FileSource> file_;
  SourceFormat format_;
  uint64_t data_start_ = 0;
  bool y4m_ = false;
  SourceOptions options_;
  Clock& clock_;
  // Shared with the frames that point into it; it only uses file_'s descriptor in check(),
  // which only this source calls.
  std::shared_ptr<io::MappedFile> map_;
  FramePool pool_;
  std::atomic<bool> stop_{false};
  uint64_t n_ = 0;
  uint64_t offset_ = 0;
  int64_t start_us_ = 0;
};

}  // namespace

Result<Y4mHeader> parse_y4m_header(std::string_view line) {
  constexpr std::string_view kMagic = "YUV4MPEG2";
  if (line.substr(0, kMagic.size()) != kMagic ||
      (line.size() > kMagic.size() && line[kMagic.size()] != ' ')) {
    return make_error(Errc::malformed, "not a Y4M file (no YUV4MPEG2 signature)");
  }
  Y4mHeader h;
  bool have_w = false, have_h = false;
  size_t pos = kMagic.size();
  while (pos < line.size()) {
    while (pos < line.size() && line[pos] == ' ') ++pos;
    if (pos >= line.size()) break;
    size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    std::string_view tok = line.substr(pos, end - pos);
    pos = end;
    char tag = tok[0];
    std::string_view val = tok.substr(1);
    switch (tag) {
      case 'W':
        if (!parse_u32(val, h.width)) return make_error(Errc::malformed, "Y4M: bad width '" + std::string(val) + "'");
        have_w = true;
        break;
      case 'H':
        if (!parse_u32(val, h.height)) return make_error(Errc::malformed, "Y4M: bad height '" + std::string(val) + "'");
        have_h = true;
        break;
      case 'F': {
        size_t colon = val.find(':');
        if (colon == std::string_view::npos || !parse_u32(val.substr(0, colon), h.fps_num) ||
            !parse_u32(val.substr(colon + 1), h.fps_den) || h.fps_num == 0 || h.fps_den == 0) {
          return make_error(Errc::malformed, "Y4M: bad frame rate '" + std::string(val) + "'");
        }
        break;
      }
      case 'I':
        if (val != "p" && val != "?") {
          return make_error(Errc::unsupported, "Y4M: interlaced video (I" + std::string(val) +
                                                   ") is not supported");
        }
        break;
      case 'C':
        h.colorspace = std::string(val);
        break;
      case 'A':
      case 'X':
        break;
      default:
        return make_error(Errc::malformed, "Y4M: unknown header tag '" + std::string(tok) + "'");
    }
  }
  if (!have_w || !have_h) return make_error(Errc::malformed, "Y4M: header lacks W or H");
  const std::string& c = h.colorspace;
  if (c == "420jpeg" || c == "420mpeg2" || c == "420paldv" || c == "420") {
    h.format = PixelFormat::i420;
  } else if (c == "mono") {
    h.format = PixelFormat::gray8;
  } else {
    return make_error(Errc::unsupported, "Y4M: colour space C" + c +
                                             " is not supported (4:2:0 8-bit or mono only)");
  }
  CAMREC_RETURN_IF_ERROR(check_frame_size(h.format, h.width, h.height));
  return h;
}

Result<std::unique_ptr<SensorSource>> open_y4m_source(const std::string& path,
                                                      const SourceOptions& options,
                                                      Clock& clock) {
  CAMREC_ASSIGN_OR_RETURN(auto file, io::FileSource::open(path));
  CAMREC_ASSIGN_OR_RETURN(std::string line,
                          read_line(*file, 0, kMaxHeaderLine, "Y4M stream header"));
  auto header = parse_y4m_header(line);
  if (!header) return header.error().with_context(path);
  SourceFormat fmt{header->format, header->width, header->height, header->fps_num,
                   header->fps_den};
  if (fmt.fps_num == 0 || options.force_rate) {
    fmt.fps_num = options.fps_num;
    fmt.fps_den = options.fps_den;
  }
  CAMREC_RETURN_IF_ERROR(check_frame_rate(fmt.fps_num, fmt.fps_den));
  return std::unique_ptr<SensorSource>(
      new FileFrameSource(std::move(file), fmt, line.size() + 1, true, options, clock));
}

Result<std::unique_ptr<SensorSource>> open_raw_source(const std::string& path, PixelFormat format,
                                                      const SourceOptions& options,
                                                      Clock& clock) {
  if (format != PixelFormat::nv12 && format != PixelFormat::i420) {
    return make_error(Errc::invalid_argument, "raw files must be nv12 or i420");
  }
  CAMREC_RETURN_IF_ERROR(check_frame_size(format, options.width, options.height));
  CAMREC_RETURN_IF_ERROR(check_frame_rate(options.fps_num, options.fps_den));
  CAMREC_ASSIGN_OR_RETURN(auto file, io::FileSource::open(path));
  const uint64_t frame_size = uint64_t{options.width} * options.height * 3 / 2;
  if (file->size() == 0 || file->size() % frame_size != 0) {
    return make_error(Errc::malformed, path + ": " + std::to_string(file->size()) +
                                           " bytes is not a whole number of " +
                                           std::to_string(options.width) + "x" +
                                           std::to_string(options.height) + " " +
                                           pixel_format_name(format) + " frames");
  }
  SourceFormat fmt{format, options.width, options.height, options.fps_num, options.fps_den};
  return std::unique_ptr<SensorSource>(
      new FileFrameSource(std::move(file), fmt, 0, false, options, clock));
}

}  // namespace camrec::media
