// SPDX-License-Identifier: LGPL-2.1-or-later
// Reads a raw H.264/H.265 elementary stream (Annex B file) as timed access units, for
// remuxing: frames come out in decode order with a dts and a pts; with B-frames the
// presentation order is computed from the pictures' order counts (POC), as a decoder
// would output them.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "camrec/status.h"
#include "camrec/time.h"
#include "codec/access_unit.h"
#include "codec/au_splitter.h"
#include "io/mapped_file.h"

namespace camrec::mux {

struct EsTiming {
  /// Frame rate as a fraction; 0/0 = from the stream's VUI timing, else 30 fps.
  uint32_t fps_num = 0;
  uint32_t fps_den = 0;
  /// Presentation timestamps in microseconds, one per frame in presentation order (as in
  /// an mkvmerge v2 timestamp file); empty = constant frame rate.
  std::vector<int64_t> timestamps_us;
};

/// One frame of the stream.
struct EsFrame {
  /// The access unit, Annex B: a view into `storage` or into the reader's buffer, valid
  /// until the next call to next() (when the reader maps the file: as long as the reader).
  std::span<const uint8_t> data;
  std::vector<uint8_t> storage;
  /// When the reader maps the file: the access unit's NAL units, views into the mapping
  /// valid as long as the reader, and the stream's parameter sets as of this frame. With
  /// them the muxer takes the frame as parsed (mux/parsed_write.h). Empty otherwise.
  std::vector<codec::NalView> nals;
  std::shared_ptr<const codec::VideoParameterSets> sets;
  int64_t pts = 0;
  int64_t dts = 0;
  Timescale timescale = 1;    ///< Of pts and dts.
  int64_t duration = 0;       ///< Frame duration in `timescale`.
  bool key = false;
};

class ElementaryStreamReader {
 public:
  /// Opens `path`; the codec is given (by the caller, from the extension or an option).
  /// A regular file is mapped into memory and scanned where it is (no read copy; its frames
  /// come with their NAL units, see EsFrame), unless `map` is false; anything else (a pipe)
  /// is read in chunks.
  static Result<std::unique_ptr<ElementaryStreamReader>> open(const std::string& path, codec::VideoCodec codec,
                                                               EsTiming timing = {}, bool map = true);
  ~ElementaryStreamReader();

  /// The next frame in decode order; false at the end. Frames that cannot be decoded
  /// (RASL pictures of a starting CRA, pictures before the first key frame) are skipped
  /// and counted in dropped().
  /// A mapped input cut short while it is read (another program truncated it) is an
  /// error here, before any frame with bytes from past its new end is handed out.
  Result<bool> next(EsFrame& out);
  /// Whether the mapped input still holds every byte handed out (always, when read): the
  /// frames' views are written after next() returned them, and a write that failed (EFAULT
  /// from a page past the new end) is explained by this error.
  Status check_input() const { return mapping_ ? mapping_->check() : Status::ok(); }
  uint64_t dropped() const { return dropped_; }
  uint64_t frames() const { return emitted_; }

 private:
  ElementaryStreamReader(int fd, codec::VideoCodec codec, EsTiming timing);
  Result<bool> next_frame(EsFrame& out);
  Result<bool> read_more();
  /// Mapped input, scanned up to `offset`: hands the pages far enough behind back to the
  /// kernel, so the process keeps little of the file mapped however large it is.
  void advise(uint64_t offset);
  Status assign_presentation(bool everything);
  int64_t timestamp_at(uint64_t index) const;

  struct Held {
    EsFrame frame;
    codec::PictureOrder order;
    uint64_t decode_index = 0;
    bool ordered = false;
  };

  int fd_ = -1;
  std::unique_ptr<io::MappedFile> mapping_;  ///< The whole file, when mapped.
  const uint8_t* map_ = nullptr;             ///< mapping_'s bytes.
  size_t map_size_ = 0;
  size_t released_ = 0;           ///< Mapped pages before this were handed back.
  std::shared_ptr<const codec::VideoParameterSets> sets_;  ///< Snapshot for the frames (mapped).
  codec::VideoCodec codec_;
  EsTiming timing_;
  codec::AccessUnitSplitter splitter_;
  codec::AccessUnitParser parser_;
  codec::AccessUnit au_;
  bool eof_ = false;
  bool rate_known_ = false;
  Timescale timescale_ = 90'000;
  int64_t frame_ticks_ = 3'000;
  uint32_t reorder_depth_ = 0;
  std::deque<Held> held_;          ///< Decode order, waiting for their presentation index.
  uint64_t decoded_ = 0;           ///< Frames kept so far (decode index of the next).
  uint64_t presented_ = 0;         ///< Presentation indexes handed out.
  uint64_t emitted_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace camrec::mux
