// SPDX-License-Identifier: LGPL-2.1-or-later
#include "edit/recover.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "box/boxes.h"
#include "box/top_level.h"
#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "codec/h264.h"
#include "codec/h265.h"
#include "edit/copy.h"
#include "io/sink.h"
#include "io/source.h"
#include "mux/elementary_stream.h"

namespace camrec::edit {

namespace {

using box::fourcc;

/// What the top level of a camrec hybrid file looks like, if it is one.
struct HybridShape {
  bool hybrid = false;          ///< ftyp, free(16), moov(mvex): a regular-layout recording.
  uint64_t placeholder = 0;     ///< Offset of the 16-byte free box.
  bool final_moov_whole = false;  ///< A second moov ends exactly at the end of the file.
  uint64_t final_moov = 0;
};

HybridShape hybrid_shape(const box::TopLevelBoxes& top) {
  HybridShape shape;
  const auto& b = top.boxes;
  // The moov may follow free boxes: the header reserve, or a header rewritten for new
  // parameter sets (the old moov typed free before the new one).
  size_t moov = 2;
  while (moov < b.size() && b[moov].type == fourcc("free")) ++moov;
  if (b.size() > moov && b[0].type == fourcc("ftyp") && b[1].type == fourcc("free") && b[1].size == 16 &&
      b[moov].type == fourcc("moov")) {
    shape.hybrid = true;
    shape.placeholder = b[1].offset;
    if (b.size() > moov + 1 && b.back().type == fourcc("moov") && top.complete()) {
      shape.final_moov_whole = true;
      shape.final_moov = b.back().offset;
    }
  }
  return shape;
}

std::string temp_path_for(const std::string& path) { return path + ".recover.tmp"; }

/// Writes into `target` through a temporary file renamed over it at the end.
Status replace_file(const std::string& tmp, const std::string& target) {
  if (std::rename(tmp.c_str(), target.c_str()) != 0) {
    std::remove(tmp.c_str());
    return make_error(Errc::io, "cannot replace '" + target + "'");
  }
  return Status::ok();
}

/// A source with patches laid over its bytes: lets a closed hybrid file whose moov was lost,
/// or a fragment whose moof was never renamed from 'free', be read as the file it was,
/// without copying it.
class OverlaySource final : public io::Source {
 public:
  struct Patch {
    uint64_t at;
    std::vector<uint8_t> bytes;
  };
  OverlaySource(std::unique_ptr<io::Source> base, std::vector<Patch> patches)
      : base_(std::move(base)), patches_(std::move(patches)) {}
  Status read_at(uint64_t offset, std::span<uint8_t> out) override {
    CAMREC_RETURN_IF_ERROR(base_->read_at(offset, out));
    for (const auto& patch : patches_) {
      for (size_t i = 0; i < patch.bytes.size(); ++i) {
        uint64_t pos = patch.at + i;
        if (pos >= offset && pos < offset + out.size()) out[pos - offset] = patch.bytes[i];
      }
    }
    return Status::ok();
  }
  uint64_t size() const override { return base_->size(); }

 private:
  std::unique_ptr<io::Source> base_;
  std::vector<Patch> patches_;
};

/// The muxer writes each moof typed 'free' and renames it once its mdat is written (see
/// Muxer::Impl::write_fragment). A crash between the two leaves a whole fragment that players
/// skip: a 'free' box holding an mfhd first, followed by a whole mdat.
struct PendingFragments {
  std::vector<OverlaySource::Patch> renames;  ///< 'free' -> 'moof' for each.
  uint64_t bytes = 0;                         ///< Their moofs and mdats.
};

PendingFragments pending_fragments(io::Source& src, const box::TopLevelBoxes& top) {
  PendingFragments pending;
  const auto& b = top.boxes;
  for (size_t i = 0; i + 1 < b.size(); ++i) {
    if (b[i].type != fourcc("free") || b[i + 1].type != fourcc("mdat") || b[i].size < b[i].header_size + 16) continue;
    uint8_t child[8];
    if (!src.read_at(b[i].offset + b[i].header_size, child).is_ok()) continue;
    const bool mfhd = child[0] == 0 && child[1] == 0 && child[2] == 0 && child[3] == 16 && child[4] == 'm' &&
                      child[5] == 'f' && child[6] == 'h' && child[7] == 'd';
    if (!mfhd) continue;
    pending.renames.push_back({b[i].offset + 4, {'m', 'o', 'o', 'f'}});
    pending.bytes += b[i].size + b[i + 1].size;
  }
  return pending;
}

/// The 16-byte placeholder a regular-layout recording starts with (what close() replaces).
std::vector<uint8_t> placeholder_bytes() {
  io::ByteWriter w;
  box::FreeSpaceBox free_box;
  free_box.data.assign(8, 0);
  box::write_box(w, free_box);
  return std::move(w.buffer());
}

Result<RecoverReport> rebuild(std::unique_ptr<io::Source> source, const std::string& out, Layout layout) {
  DemuxOptions dopt;
  dopt.annexb = true;
  CAMREC_ASSIGN_OR_RETURN(auto demuxer, Demuxer::open(std::move(source), dopt));
  // Every track that has a sample is kept, and only those: a file cut inside its first
  // fragment would otherwise come back as an empty audio track (configured from its
  // sample entry alone) without the video.
  CAMREC_RETURN_IF_ERROR(demuxer->scan());
  uint64_t samples = 0;
  for (const auto& t : demuxer->tracks()) samples += t.sample_count;
  if (samples == 0)
    return make_error(Errc::malformed, "no complete sample: the recording stopped before its first fragment was "
                                       "written, so there is nothing to recover");
  MuxerOptions mopt;
  mopt.layout = layout;
  mopt.zero_origin = true;  // the recording's timeline, edits included
  CAMREC_ASSIGN_OR_RETURN(auto muxer, Muxer::create_file(out, mopt));
  edit::CopyOptions copy_options;
  copy_options.skip_empty_tracks = true;
  auto copied = copy_samples(*demuxer, *muxer, copy_options);
  Status closed = muxer->close();
  if (!copied) return copied.error();
  CAMREC_RETURN_IF_ERROR(closed);
  RecoverReport r;
  r.action = RecoverAction::rebuilt;
  r.samples = copied->samples;
  r.warning = demuxer->warning();
  return r;
}

/// Finds the NAL units of an mdat holding 4-byte length-prefixed video (and perhaps other
/// data between the samples) and writes them as an Annex B stream. Returns the codec found.
Result<codec::VideoCodec> salvage_nal_units(io::Source& src, uint64_t begin, uint64_t end, const std::string& es_path,
                                            uint64_t& dropped) {
  CAMREC_ASSIGN_OR_RETURN(auto sink, io::FileSink::open(es_path));
  std::optional<codec::VideoCodec> vc;
  std::vector<uint8_t> nal;
  const uint8_t start_code[4] = {0, 0, 0, 1};
  uint64_t pos = begin;
  // The scan slides a byte at a time over audio and garbage: the length fields are read
  // from a window of the file, not with one read per position.
  std::vector<uint8_t> window;
  uint64_t window_at = begin;
  auto plausible = [&](uint64_t at, uint32_t& length, uint8_t& header) -> bool {
    if (at + 5 > end) return false;
    if (at < window_at || at + 5 > window_at + window.size()) {
      window_at = at;
      window.resize(static_cast<size_t>(std::min<uint64_t>(end - at, 64 * 1024)));
      if (!src.read_at(at, window).is_ok()) {
        window.clear();
        return false;
      }
    }
    const uint8_t* head = window.data() + (at - window_at);
    length = (uint32_t{head[0]} << 24) | (uint32_t{head[1]} << 16) | (uint32_t{head[2]} << 8) | head[3];
    header = head[4];
    if (length < 2 || length > end - at - 4 || length > (64u << 20)) return false;
    if (header & 0x80) return false;  // forbidden_zero_bit
    return true;
  };
  while (pos + 5 <= end) {
    uint32_t length = 0;
    uint8_t header = 0;
    if (!plausible(pos, length, header)) {
      // Audio or garbage between samples: slide to the next place where a NAL unit fits.
      ++pos;
      ++dropped;
      continue;
    }
    if (!vc) {
      // The stream announces itself with its parameter sets.
      if (codec::h264_nal_type(header) == 7) vc = codec::VideoCodec::h264;
      else if (codec::h265_nal_type(header) == 32) vc = codec::VideoCodec::h265;
      else {
        pos += 4 + length;
        dropped += 4 + length;
        continue;
      }
    }
    nal.resize(length);
    CAMREC_RETURN_IF_ERROR(src.read_at(pos + 4, nal));
    std::span<const uint8_t> parts[2] = {start_code, nal};
    CAMREC_RETURN_IF_ERROR(sink->append(parts));
    pos += 4 + length;
  }
  dropped += end - pos;
  CAMREC_RETURN_IF_ERROR(sink->close());
  if (!vc) return make_error(Errc::malformed, "no moov, and no in-band H.264/H.265 parameter sets in the mdat");
  return *vc;
}

Result<RecoverReport> salvage(const std::string& path, const box::TopLevelBoxes& top, const std::string& out,
                              const RecoverOptions& options, io::Source& src) {
  std::optional<box::BoxHeader> mdat;
  for (const auto& b : top.boxes)
    if (b.type == fourcc("mdat")) mdat = b;
  if (!mdat && top.truncated && top.truncated->type == fourcc("mdat")) mdat = top.truncated;
  if (!mdat) return make_error(Errc::malformed, "'" + path + "' has neither a moov nor an mdat to salvage");
  uint64_t begin = mdat->offset + mdat->header_size;
  uint64_t end = std::min<uint64_t>(src.size(), mdat->offset + mdat->size);
  RecoverReport r;
  const std::string es_path = out + ".es.tmp";
  auto vc = salvage_nal_units(src, begin, end, es_path, r.bytes_dropped);
  if (!vc) {
    std::remove(es_path.c_str());
    return vc.error();
  }
  mux::EsTiming timing{options.fps_num, options.fps_den, {}};
  auto reader = mux::ElementaryStreamReader::open(es_path, *vc, timing);
  if (!reader) {
    std::remove(es_path.c_str());
    return reader.error();
  }
  auto muxer = Muxer::create_file(out, {});
  if (!muxer) {
    std::remove(es_path.c_str());
    return muxer.error();
  }
  VideoTrackConfig vt;
  vt.codec = *vc == codec::VideoCodec::h264 ? Codec::h264 : Codec::h265;
  Status s;
  auto track = (*muxer)->add_video_track(vt);
  if (!track) s = track.error();
  mux::EsFrame frame;
  while (s.is_ok()) {
    auto more = (*reader)->next(frame);
    if (!more) {
      // A torn last access unit ends the salvage; what came before it is kept.
      break;
    }
    if (!*more) break;
    s = (*muxer)->write(*track, Packet{frame.data, frame.pts, frame.dts, frame.timescale, frame.duration});
    if (s.is_ok()) ++r.video_frames;
  }
  Status closed = (*muxer)->close();
  std::remove(es_path.c_str());
  CAMREC_RETURN_IF_ERROR(s);
  CAMREC_RETURN_IF_ERROR(closed);
  if (r.video_frames == 0) return make_error(Errc::malformed, "no decodable video frame in the mdat");
  r.action = RecoverAction::salvaged;
  r.samples = r.video_frames;
  return r;
}

/// True when the file with its close finished (the mdat header over the placeholder) opens
/// and its index reads: a final moov that is whole but damaged must not become the file's
/// index (the fragments are rebuilt instead).
bool finished_file_opens(const std::string& path, const HybridShape& shape) {
  auto base = io::FileSource::open(path);
  if (!base) return false;
  io::ByteWriter header;
  box::write_mdat_header(header, shape.final_moov - shape.placeholder - 16, /*force_large=*/true);
  std::vector<OverlaySource::Patch> patch;
  patch.push_back({shape.placeholder, std::vector<uint8_t>(header.span().begin(), header.span().end())});
  auto overlay = std::make_unique<OverlaySource>(std::move(*base), std::move(patch));
  auto demuxer = Demuxer::open(std::move(overlay));
  return demuxer && (*demuxer)->scan().is_ok();
}

/// Reads the result back, so the report describes what a player will find: its tracks and
/// their samples. A result that does not read is an error, never a report of "0 samples".
Status fill_summary(const std::string& target, RecoverReport& r) {
  auto d = Demuxer::open(target);
  Status read = d ? (*d)->scan() : d.error();
  if (!read.is_ok()) {
    if (r.action == RecoverAction::none)
      return make_error(read.code(), "'" + target + "' needs no repair (its boxes are whole), but it does not read: " +
                                         read.message());
    return read.with_context("the repaired file does not read back");
  }
  r.samples = 0;
  r.video_frames = 0;
  r.duration_ms = 0;
  std::string tracks;
  for (const auto& t : (*d)->tracks()) {
    r.samples += t.sample_count;
    if (t.video) r.video_frames += t.sample_count;
    int64_t end = rescale(t.start + static_cast<int64_t>(t.duration), t.timescale, kMilliseconds);
    r.duration_ms = std::max<uint64_t>(r.duration_ms, static_cast<uint64_t>(std::max<int64_t>(0, end)));
    tracks += std::string(tracks.empty() ? "" : ", ") + "track " + std::to_string(t.track_id) + " " +
              (t.video ? "video" : t.audio ? "audio" : "other") + " '" + t.sample_entry + "' " +
              std::to_string(t.sample_count) + (t.video ? " frames" : " samples");
  }
  // What the file itself holds that no track shows (an untouched file's undeclared tracks).
  if (r.action == RecoverAction::none && r.warning.empty()) r.warning = (*d)->warning();
  const char* what = r.action == RecoverAction::none             ? "already complete, nothing to repair"
                     : r.action == RecoverAction::finished_close ? "finished its interrupted close"
                     : r.action == RecoverAction::rebuilt        ? "rebuilt from its intact fragments"
                                                                 : "salvaged from its media data";
  const size_t count = (*d)->tracks().size();
  char numbers[160];
  std::snprintf(numbers, sizeof numbers, "%llu samples (%llu video frames), %.3f s; %llu bytes dropped; %zu track%s",
                static_cast<unsigned long long>(r.samples), static_cast<unsigned long long>(r.video_frames),
                static_cast<double>(r.duration_ms) / 1000, static_cast<unsigned long long>(r.bytes_dropped), count,
                count == 1 ? "" : "s");
  r.summary = target + ": " + what + "; " + numbers;
  if (!tracks.empty()) r.summary += ": " + tracks;
  return Status::ok();
}

}  // namespace

namespace {

/// recover() writing the repaired file to `out`: the temporary file of an in-place repair,
/// or options.output.
Result<RecoverReport> repair(const std::string& path, const RecoverOptions& options, const std::string& out) {
  CAMREC_ASSIGN_OR_RETURN(auto src, io::FileSource::open(path));
  CAMREC_ASSIGN_OR_RETURN(auto top, box::scan_top_level_boxes(*src));
  const bool in_place = options.output.empty();
  const std::string target = in_place ? path : options.output;
  const HybridShape shape = hybrid_shape(top);
  bool has_moov = false;  // a moov at the top level
  for (const auto& b : top.boxes) has_moov |= b.type == fourcc("moov");

  RecoverReport report;
  // A closed regular-layout file whose final moov was lost (cut by a power failure while the
  // disk flushed it, or copied incompletely): its mdat starts with the fragments' moov.
  std::optional<box::BoxHeader> second;
  if (top.boxes.size() >= 2) second = top.boxes[1];
  else if (top.boxes.size() == 1 && top.truncated) second = top.truncated;
  if (!has_moov && second && top.boxes[0].type == fourcc("ftyp") && second->type == fourcc("mdat") &&
      second->header_size == 16) {
    uint8_t inner[8];
    // When that moov was cut too, there is no index left: the salvage below is all there is.
    if (src->size() >= second->offset + 24 && src->read_at(second->offset + 16, inner).is_ok() &&
        inner[4] == 'm' && inner[5] == 'o' && inner[6] == 'o' && inner[7] == 'v' &&
        (uint64_t{inner[0]} << 24 | uint64_t{inner[1]} << 16 | uint64_t{inner[2]} << 8 | inner[3]) <=
            src->size() - second->offset - 16) {
      CAMREC_ASSIGN_OR_RETURN(auto base, io::FileSource::open(path));
      std::vector<OverlaySource::Patch> patch;
      patch.push_back({second->offset, placeholder_bytes()});
      auto overlay = std::make_unique<OverlaySource>(std::move(base), std::move(patch));
      CAMREC_ASSIGN_OR_RETURN(report, rebuild(std::move(overlay), out, Layout::regular));
      if (in_place) CAMREC_RETURN_IF_ERROR(replace_file(out, path));
      CAMREC_RETURN_IF_ERROR(fill_summary(target, report));
      return report;
    }
  }
  if (!has_moov) {
    CAMREC_ASSIGN_OR_RETURN(report, salvage(path, top, out, options, *src));
  } else if (shape.hybrid && shape.final_moov_whole && finished_file_opens(path, shape)) {
    // Interrupted between the final moov and its mdat header: finish the close.
    io::ByteWriter header;
    box::write_mdat_header(header, shape.final_moov - shape.placeholder - 16, /*force_large=*/true);
    std::string dest = path;
    if (!in_place) {
      CAMREC_ASSIGN_OR_RETURN(auto copy, io::FileSink::open(options.output));
      std::vector<uint8_t> buffer(static_cast<size_t>(std::min<uint64_t>(src->size(), 1 << 20)));
      for (uint64_t pos = 0; pos < src->size();) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), src->size() - pos));
        CAMREC_RETURN_IF_ERROR(src->read_at(pos, std::span<uint8_t>(buffer.data(), n)));
        CAMREC_RETURN_IF_ERROR(copy->append(std::span<const uint8_t>(buffer.data(), n)));
        pos += n;
      }
      CAMREC_RETURN_IF_ERROR(copy->write_at(shape.placeholder, header.span()));
      CAMREC_RETURN_IF_ERROR(copy->sync());
      CAMREC_RETURN_IF_ERROR(copy->close());
    } else {
      CAMREC_ASSIGN_OR_RETURN(auto sink, io::FileSink::open(path, {io::FileSinkOptions::Mode::open_existing}));
      CAMREC_RETURN_IF_ERROR(sink->write_at(shape.placeholder, header.span()));
      CAMREC_RETURN_IF_ERROR(sink->sync());
      CAMREC_RETURN_IF_ERROR(sink->close());
    }
    report.action = RecoverAction::finished_close;
    CAMREC_RETURN_IF_ERROR(fill_summary(target, report));
    return report;
  } else {
    // A complete file is left alone, unless it is a regular-layout recording that never
    // reached its close (still fragmented): that one is made regular.
    PendingFragments pending = pending_fragments(*src, top);
    const bool torn = !top.complete();
    if (!torn && !shape.hybrid && pending.renames.empty()) {
      report.action = RecoverAction::none;
      CAMREC_RETURN_IF_ERROR(fill_summary(path, report));
      return report;
    }
    uint64_t used = 0;
    for (const auto& b : top.boxes) used += b.size;
    const Layout layout = shape.hybrid ? Layout::regular : Layout::fragmented;
    Result<RecoverReport> revived = make_error(Errc::malformed, "no fragment to revive");
    if (!pending.renames.empty()) {
      // A fragment revived by its rename must read clean (after a power cut its mdat may
      // hold zeros); if it does not, the file is rebuilt without it.
      CAMREC_ASSIGN_OR_RETURN(auto base, io::FileSource::open(path));
      revived = rebuild(std::make_unique<OverlaySource>(std::move(base), std::move(pending.renames)), out, layout);
    }
    if (revived) {
      report = *revived;
    } else {
      CAMREC_ASSIGN_OR_RETURN(auto source, io::FileSource::open(path));
      CAMREC_ASSIGN_OR_RETURN(report, rebuild(std::move(source), out, layout));
      used -= pending.bytes;  // the fragments left out
    }
    report.bytes_dropped = src->size() - used;
  }
  if (in_place) CAMREC_RETURN_IF_ERROR(replace_file(out, path));
  CAMREC_RETURN_IF_ERROR(fill_summary(target, report));
  return report;
}

}  // namespace

Result<RecoverReport> recover(const std::string& path, const RecoverOptions& options) {
  const bool in_place = options.output.empty();
  // A new file only: an existing one (the input itself, given twice) would be emptied before
  // it is read.
  std::error_code ec;
  if (!in_place && (std::filesystem::exists(options.output, ec) || std::filesystem::is_symlink(options.output, ec)))
    return make_error(Errc::already_exists, "'" + options.output + "' exists: recover writes the repaired file to a "
                                            "new name (or, without -o, repairs in place)");
  const std::string out = in_place ? temp_path_for(path) : options.output;
  auto report = repair(path, options, out);
  // A failed repair leaves nothing of its own: neither the temporary file of an in-place
  // repair nor a partial or empty output. (After a successful in-place repair the temporary
  // file has been renamed over the original.)
  if (!report || in_place) std::remove(out.c_str());
  return report;
}

}  // namespace camrec::edit
