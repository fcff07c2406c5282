// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec.Muxer, camrec.Demuxer, camrec.Packet and the file functions info/remux/recover.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <optional>

#include "bindings.h"
#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "demux/file_summary.h"
#include "edit/copy.h"
#include "edit/recover.h"
#include "options.h"

namespace camrec::python {

namespace {

/// One sample read from a file; its bytes are exposed through the buffer protocol.
struct PacketObject {
  uint32_t track = 0;
  int64_t pts = 0;
  int64_t dts = 0;
  uint32_t duration = 0;
  Timescale timescale = 0;
  bool key = false;
  uint32_t description = 1;
  uint64_t offset = 0;
  std::vector<uint8_t> data;
};

class MuxerObject {
 public:
  MuxerObject(const std::string& path, const OutputKeywords& keywords) {
    MuxerOptions options = take(muxer_options(keywords));
    muxer_ = take_unlocked([&] { return Muxer::create_file(path, options); });
  }

  uint32_t add_video_track(const std::string& codec, uint32_t width, uint32_t height, Timescale timescale) {
    VideoTrackConfig c;
    c.codec = take(codec_from_name(codec));
    c.width = width;
    c.height = height;
    c.timescale = timescale;
    return take(open().add_video_track(c));
  }

  uint32_t add_audio_track(const std::string& codec, uint32_t sample_rate, uint32_t channels, Timescale timescale,
                           const py::bytes& codec_config) {
    AudioTrackConfig c;
    c.codec = take(codec_from_name(codec));
    c.sample_rate = sample_rate;
    c.channels = channels;
    c.timescale = timescale;
    std::string config = codec_config;
    c.codec_config.assign(config.begin(), config.end());
    return take(open().add_audio_track(c));
  }

  void write(uint32_t track, const py::buffer& data, int64_t pts, std::optional<int64_t> dts, Timescale timescale,
             int64_t duration) {
    Muxer& muxer = open();
    // The buffer export pins the object (a bytearray cannot be resized while it is held), so
    // the bytes stay put while other Python threads run.
    py::buffer_info view = data.request();
    if (view.ndim != 1 || view.itemsize != 1)
      throw StatusError{make_error(Errc::invalid_argument, "write: data must be a flat buffer of bytes")};
    if (timescale == 0) throw StatusError{make_error(Errc::invalid_argument, "write: timescale must be > 0")};
    Packet p;
    p.data = std::span<const uint8_t>(static_cast<const uint8_t*>(view.ptr), static_cast<size_t>(view.size));
    p.pts = pts;
    p.dts = dts.value_or(pts);
    p.timescale = timescale;
    p.duration = duration;
    check_unlocked([&] { return muxer.write(track, p); });
  }

  void close() {
    if (!muxer_) return;
    Status s;
    {
      py::gil_scoped_release unlocked;
      s = muxer_->close();
    }
    stats_ = muxer_->stats();
    closed_ = true;
    check(s);
  }

  MuxerStats stats() const { return closed_ || !muxer_ ? stats_ : muxer_->stats(); }
  bool closed() const { return closed_; }

 private:
  Muxer& open() {
    if (closed_)
      throw StatusError{
          make_error(Errc::wrong_state, "the Muxer is closed: open a new camrec.Muxer to write another file")};
    return *muxer_;
  }

  std::unique_ptr<Muxer> muxer_;
  MuxerStats stats_;
  bool closed_ = false;
};

py::dict stats_dict(const MuxerStats& s) {
  py::dict d;
  d["samples_written"] = s.samples_written;
  d["fragments_written"] = s.fragments_written;
  d["bytes_written"] = s.bytes_written;
  d["samples_dropped"] = s.samples_dropped;
  d["syncs"] = s.syncs;
  return d;
}

class DemuxerObject {
 public:
  DemuxerObject(const std::string& path, bool annexb) {
    DemuxOptions options;
    options.annexb = annexb;
    demuxer_ = take_unlocked([&] { return Demuxer::open(path, options); });
  }

  std::optional<PacketObject> read() {
    DemuxedSample sample;
    if (!take_unlocked([&] { return demuxer_->next(sample); })) return std::nullopt;
    PacketObject p;
    p.track = sample.track;
    p.pts = sample.pts;
    p.dts = sample.dts;
    p.duration = sample.duration;
    p.timescale = demuxer_->tracks()[sample.track].timescale;
    p.key = sample.sync;
    p.description = sample.description;
    p.offset = sample.offset;
    p.data = std::move(sample.data);
    return p;
  }

  PacketObject next() {
    auto p = read();
    if (!p) throw py::stop_iteration();
    return std::move(*p);
  }

  void scan() {
    check_unlocked([&] { return demuxer_->scan(); });
  }

  const std::vector<TrackInfo>& tracks() const { return demuxer_->tracks(); }

  py::dict layout() const {
    const FileLayout& l = demuxer_->layout();
    py::dict d;
    d["fragmented"] = l.fragmented;
    d["fragments"] = l.fragments;
    d["mfra"] = l.has_mfra;
    d["truncated"] = l.truncated;
    d["size"] = l.file_size;
    d["brands"] = l.brands;
    return d;
  }

 private:
  std::unique_ptr<Demuxer> demuxer_;
};

const char* recover_action_name(edit::RecoverAction a) {
  switch (a) {
    case edit::RecoverAction::none:
      return "none";
    case edit::RecoverAction::finished_close:
      return "finished_close";
    case edit::RecoverAction::rebuilt:
      return "rebuilt";
    case edit::RecoverAction::salvaged:
      return "salvaged";
  }
  return "none";
}

}  // namespace

void bind_files(py::module_& m) {
  py::class_<PacketObject>(m, "Packet", py::buffer_protocol(),
                           "One sample of a file: its bytes (buffer protocol, bytes(packet)) and timing.")
      .def_buffer([](PacketObject& p) {
        return py::buffer_info(p.data.data(), 1, py::format_descriptor<uint8_t>::format(), 1,
                               {static_cast<py::ssize_t>(p.data.size())}, {1}, true);
      })
      .def_readonly("track", &PacketObject::track, "Index into Demuxer.tracks.")
      .def_readonly("pts", &PacketObject::pts, "Presentation time in the track's timescale.")
      .def_readonly("dts", &PacketObject::dts, "Decode time in the track's timescale.")
      .def_readonly("duration", &PacketObject::duration, "Duration in the track's timescale.")
      .def_readonly("timescale", &PacketObject::timescale, "Ticks per second of pts, dts and duration.")
      .def_readonly("key", &PacketObject::key, "True for a sync sample (a key frame).")
      .def_readonly("description", &PacketObject::description, "1-based sample description index.")
      .def_readonly("offset", &PacketObject::offset, "File offset of the sample's bytes.")
      .def_property_readonly(
          "data",
          [](const PacketObject& p) { return py::bytes(reinterpret_cast<const char*>(p.data.data()), p.data.size()); },
          "The sample's bytes (a copy; memoryview(packet) shares them).")
      .def("__len__", [](const PacketObject& p) { return p.data.size(); })
      .def("__bytes__",
           [](const PacketObject& p) { return py::bytes(reinterpret_cast<const char*>(p.data.data()), p.data.size()); })
      .def("__repr__", [](const PacketObject& p) {
        return "<camrec.Packet track=" + std::to_string(p.track) + " pts=" + std::to_string(p.pts) +
               " dts=" + std::to_string(p.dts) + " size=" + std::to_string(p.data.size()) + (p.key ? " key" : "") + ">";
      });

  py::class_<TrackInfo>(m, "Track", "A track as the file declares it.")
      .def_readonly("track_id", &TrackInfo::track_id)
      .def_readonly("video", &TrackInfo::video)
      .def_readonly("audio", &TrackInfo::audio)
      .def_readonly("sample_entry", &TrackInfo::sample_entry, "'avc1', 'hvc1', 'ulaw', 'mp4a', ...")
      .def_readonly("codec", &TrackInfo::codec_string, "RFC 6381 codec string ('avc1.4d401f').")
      .def_readonly("timescale", &TrackInfo::timescale)
      .def_readonly("width", &TrackInfo::width)
      .def_readonly("height", &TrackInfo::height)
      .def_readonly("sample_rate", &TrackInfo::sample_rate)
      .def_readonly("channels", &TrackInfo::channels)
      .def_readonly("start", &TrackInfo::start, "Delay of the track's start, in its timescale.")
      .def_readonly("duration", &TrackInfo::duration, "In the track's timescale (after scan() for fragmented files).")
      .def_readonly("sample_count", &TrackInfo::sample_count)
      .def_readonly("key_frames", &TrackInfo::key_frames)
      .def_property_readonly(
          "decoder_config",
          [](const TrackInfo& t) {
            return py::bytes(reinterpret_cast<const char*>(t.decoder_config.data()), t.decoder_config.size());
          },
          "avcC/hvcC record, AudioSpecificConfig or dOps payload; empty for G.711.")
      .def("__repr__", [](const TrackInfo& t) {
        return "<camrec.Track " + std::to_string(t.track_id) + " " + t.codec_string + ">";
      });

  py::class_<MuxerObject>(m, "Muxer", "Writes one crash-safe MP4 file (see camrec.Muxer in camrec/__init__.pyi).")
      .def(py::init([](const std::filesystem::path& path, bool fragmented, bool faststart, bool cmaf,
                       int64_t fragment_duration_us, int64_t max_fragment_duration_us, const std::string& fsync,
                       int64_t fsync_interval_us) {
             return new MuxerObject(path.string(), OutputKeywords{fragmented, faststart, cmaf, fragment_duration_us,
                                                                  max_fragment_duration_us, fsync, fsync_interval_us});
           }),
           py::arg("path"), py::kw_only(), py::arg("fragmented") = false, py::arg("faststart") = false,
           py::arg("cmaf") = false, py::arg("fragment_duration_us") = 0,
           py::arg("max_fragment_duration_us") = 1'000'000, py::arg("fsync") = "never",
           py::arg("fsync_interval_us") = 1'000'000)
      .def("add_video_track", &MuxerObject::add_video_track, py::arg("codec") = "h264", py::arg("width") = 0,
           py::arg("height") = 0, py::arg("timescale") = 90'000, "Adds an H.264/H.265 track; returns its index.")
      .def("add_audio_track", &MuxerObject::add_audio_track, py::arg("codec") = "g711u", py::arg("sample_rate") = 8000,
           py::arg("channels") = 1, py::arg("timescale") = 0, py::arg("codec_config") = py::bytes(),
           "Adds a G.711/AAC/Opus track; returns its index.")
      .def("write", &MuxerObject::write, py::arg("track"), py::arg("data"), py::arg("pts"), py::arg("dts") = py::none(),
           py::arg("timescale") = 1'000'000, py::arg("duration") = 0,
           "Writes one access unit (Annex B) or audio packet; times in `timescale` ticks.")
      .def("close", &MuxerObject::close, "Finishes the file; idempotent.")
      .def_property_readonly("closed", &MuxerObject::closed)
      .def_property_readonly("stats", [](const MuxerObject& muxer) { return stats_dict(muxer.stats()); })
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](MuxerObject& muxer, py::object, py::object, py::object) { muxer.close(); });

  py::class_<DemuxerObject>(m, "Demuxer", "Reads an MP4 file sample by sample, in decode order.")
      .def(py::init(
               [](const std::filesystem::path& path, bool annexb) { return new DemuxerObject(path.string(), annexb); }),
           py::arg("path"), py::kw_only(), py::arg("annexb") = false)
      .def_property_readonly("tracks", &DemuxerObject::tracks)
      .def_property_readonly("layout", &DemuxerObject::layout)
      .def("read", &DemuxerObject::read, "The next Packet, or None at the end.")
      .def("scan", &DemuxerObject::scan, "Reads the whole index so track counts and durations are complete; rewinds.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &DemuxerObject::next)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](DemuxerObject&, py::object, py::object, py::object) {});

  m.def(
      "_info_json",
      [](const std::string& path) { return take_unlocked([&] { return demux::file_summary_json(path); }); },
      py::arg("path"));

  m.def(
      "remux",
      [](const std::filesystem::path& input_path, const std::filesystem::path& output_path, bool fragmented,
         bool faststart, bool cmaf, int64_t fragment_duration_us) {
        const std::string input = input_path.string(), output = output_path.string();
        OutputKeywords k;
        k.fragmented = fragmented;
        k.faststart = faststart;
        k.cmaf = cmaf;
        k.fragment_duration_us = fragment_duration_us;
        MuxerOptions options = take(muxer_options(k));
        edit::CopyReport r = take_unlocked([&]() -> Result<edit::CopyReport> {
          DemuxOptions d;
          d.annexb = true;
          CAMREC_ASSIGN_OR_RETURN(auto demuxer, Demuxer::open(input, d));
          CAMREC_ASSIGN_OR_RETURN(auto muxer, Muxer::create_file(output, options));
          auto copied = edit::copy_samples(*demuxer, *muxer);
          Status closed = muxer->close();
          if (!copied) return copied.error();
          CAMREC_RETURN_IF_ERROR(closed);
          return copied;
        });
        py::dict d;
        d["samples"] = r.samples;
        d["tracks"] = r.tracks_copied;
        d["skipped_tracks"] = r.skipped_tracks;
        return d;
      },
      py::arg("input"), py::arg("output"), py::kw_only(), py::arg("fragmented") = false, py::arg("faststart") = false,
      py::arg("cmaf") = false, py::arg("fragment_duration_us") = 0,
      "Copies every sample of an MP4 into a new camrec MP4; returns {'samples', 'tracks', 'skipped_tracks'}.");

  m.def(
      "recover",
      [](const std::filesystem::path& path, std::optional<std::filesystem::path> output) {
        edit::RecoverOptions options;
        options.output = output ? output->string() : std::string();
        edit::RecoverReport r = take_unlocked([&] { return edit::recover(path.string(), options); });
        py::dict d;
        d["action"] = recover_action_name(r.action);
        d["samples"] = r.samples;
        d["video_frames"] = r.video_frames;
        d["duration_ms"] = r.duration_ms;
        d["bytes_dropped"] = r.bytes_dropped;
        d["summary"] = r.summary;
        d["warning"] = r.warning;
        return d;
      },
      py::arg("path"), py::arg("output") = py::none(),
      "Repairs a file left by a crash (in place, or into `output`); returns a report dict.");
}

}  // namespace camrec::python
