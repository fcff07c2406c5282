// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/segments.h"

#include <sys/statfs.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <regex>

#include "codec/access_unit.h"
#include "io/sink.h"

namespace camrec {

namespace {

constexpr long kMsdosMagic = 0x4d44;  // statfs f_type of FAT (vfat, msdos)
constexpr uint64_t kFatGuard = (uint64_t{4} << 30) - (uint64_t{64} << 20);

bool on_fat(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  struct statfs fs {};
  return ::statfs(dir.c_str(), &fs) == 0 && fs.f_type == kMsdosMagic;
}

}  // namespace

Status check_segment_pattern(const std::string& pattern) {
  static const std::regex field_re(R"(\{([^{}]*)\})");
  static const std::regex known_re(R"(index(:0?([1-9]|1[0-2]))?|time)");
  for (auto it = std::sregex_iterator(pattern.begin(), pattern.end(), field_re); it != std::sregex_iterator(); ++it) {
    const std::string field = (*it)[1].str();
    if (!std::regex_match(field, known_re))
      return make_error(Errc::invalid_argument, "unknown field {" + field + "} in the segment name '" + pattern +
                                                    "': the fields are {index}, {index:03} and {time}");
  }
  return Status::ok();
}

std::string segment_path(const std::string& pattern, uint32_t index, int64_t unix_time) {
  std::string p = pattern;
  if (p.find("{index") == std::string::npos) {
    auto dot = p.rfind('.');
    auto slash = p.rfind('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) dot = p.size();
    p.insert(dot, "-{index:03}");
  }
  static const std::regex index_re(R"(\{index(?::0?(\d+))?\})");
  std::smatch m;
  while (std::regex_search(p, m, index_re)) {
    int width = m[1].matched ? std::stoi(m[1].str()) : 0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*u", std::min(width, 12), index);
    p.replace(static_cast<size_t>(m.position(0)), static_cast<size_t>(m.length(0)), buf);
  }
  for (size_t at; (at = p.find("{time}")) != std::string::npos;) {
    std::time_t t = static_cast<std::time_t>(unix_time);
    std::tm tm {};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
    p.replace(at, 6, buf);
  }
  return p;
}

// A cut and the audio that lags it. The key frame that starts a segment is often handed
// over before the audio captured just before it (a recorder's audio thread delivers its
// packets a little after the video of the same instant). Such a packet is older than the
// new segment's first frame, so the new file has nothing to show it against and would drop
// it; it belongs at the end of the segment just cut. So the cut segment stays open
// ("previous") and takes every audio packet timed before the cut until each audio track
// has passed the cut, the video has gone kPreviousOpenUs past it, the next cut comes, or
// the writer closes. Each segment thus ends with all its audio, starts at its key frame
// (no edit list, A/V in sync from the first frame) and is complete on its own.
constexpr int64_t kPreviousOpenUs = 10'000'000;

struct SegmentWriter::Impl {
  SegmentOptions options;
  MuxerOptions muxer_options;
  std::vector<VideoTrackConfig> video;
  std::vector<AudioTrackConfig> audio;
  std::vector<std::pair<bool, uint32_t>> tracks;  // (is_video, index in video/audio)
  std::unique_ptr<Muxer> current;
  std::unique_ptr<Muxer> previous;  // the segment cut last, still taking late audio
  size_t previous_index = 0;        // its place in `segments`
  int64_t cut_pts = 0;              // the cutting key frame's time...
  Timescale cut_timescale = 1;      // ...in its own ticks, for an exact comparison
  int64_t cut_us = 0;
  std::vector<bool> passed_cut;     // per track: an audio packet at or after the cut came
  std::vector<SegmentWriter::Segment> segments;
  int64_t segment_start_us = 0;
  bool started = false;
  bool closed = false;
  MuxerStats done;  // sums of the closed segments
  std::optional<uint32_t> lead;  // first video track

  Status open_next() {
    std::string path = segment_path(options.pattern, static_cast<uint32_t>(segments.size()),
                                    static_cast<int64_t>(std::time(nullptr)));
    CAMREC_ASSIGN_OR_RETURN(auto m, Muxer::create_file(path, muxer_options));
    for (auto& [is_video, i] : tracks) {
      if (is_video) {
        CAMREC_ASSIGN_OR_RETURN(uint32_t unused, m->add_video_track(video[i]));
        (void)unused;
      } else {
        CAMREC_ASSIGN_OR_RETURN(uint32_t unused, m->add_audio_track(audio[i]));
        (void)unused;
      }
    }
    current = std::move(m);
    segments.push_back({path, false, false});
    prune();
    return Status::ok();
  }

  // Deletes the oldest segments beyond `keep`; a segment still open (the current one, or
  // the previous one taking late audio) is deleted once it is closed.
  void prune() {
    if (options.keep == 0) return;
    size_t alive = 0;
    for (auto& s : segments) alive += !s.deleted;
    for (size_t i = 0; i < segments.size() && alive > options.keep; ++i) {
      auto& s = segments[i];
      if (s.deleted || i + 1 == segments.size() || (previous && i == previous_index)) continue;
      std::remove(s.path.c_str());
      s.deleted = true;
      --alive;
    }
  }

  Status close_muxer(std::unique_ptr<Muxer>& m) {
    if (!m) return Status::ok();
    Status s = m->close();
    MuxerStats st = m->stats();
    done.samples_written += st.samples_written;
    done.fragments_written += st.fragments_written;
    done.bytes_written += st.bytes_written;
    done.samples_dropped += st.samples_dropped;
    done.syncs += st.syncs;
    m.reset();
    return s;
  }

  Status close_previous() {
    if (!previous) return Status::ok();
    Status s = close_muxer(previous);
    segments[previous_index].closed = true;
    prune();
    return s;
  }

  // Starts a new segment at the key frame `packet`; the cut one stays open as `previous`.
  Status cut(const Packet& packet, int64_t t_us) {
    // A second cut before the audio caught up with the first one: that segment is done.
    CAMREC_RETURN_IF_ERROR(close_previous());
    previous = std::move(current);
    previous_index = segments.size() - 1;
    Status opened = open_next();
    if (!opened.is_ok()) {
      // Keep writing to the segment we have, so a failed open loses nothing.
      current = std::move(previous);
      return opened;
    }
    cut_pts = packet.pts;
    cut_timescale = packet.timescale;
    cut_us = t_us;
    segment_start_us = t_us;
    passed_cut.assign(tracks.size(), false);
    return Status::ok();
  }

  bool audio_passed_cut() const {
    for (size_t i = 0; i < tracks.size(); ++i)
      if (!tracks[i].first && !passed_cut[i]) return false;
    return true;
  }
};

SegmentWriter::SegmentWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SegmentWriter::~SegmentWriter() {
  if (impl_ && !impl_->closed) (void)close();
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::create(SegmentOptions segments, MuxerOptions muxer) {
  if (segments.pattern.empty()) return make_error(Errc::invalid_argument, "empty segment name pattern");
  CAMREC_RETURN_IF_ERROR(check_segment_pattern(segments.pattern));
  if (segments.duration_us < 0) return make_error(Errc::invalid_argument, "negative segment duration");
  if (muxer.faststart) return make_error(Errc::invalid_argument, "faststart is not offered for segments");
  auto impl = std::make_unique<Impl>();
  if (segments.size_bytes == 0 && on_fat(segment_path(segments.pattern, 0, 0))) segments.size_bytes = kFatGuard;
  impl->options = std::move(segments);
  impl->muxer_options = muxer;
  return std::unique_ptr<SegmentWriter>(new SegmentWriter(std::move(impl)));
}

Result<uint32_t> SegmentWriter::add_video_track(const VideoTrackConfig& config) {
  if (impl_->started) return make_error(Errc::wrong_state, "tracks must be added before the first packet");
  // Validate now, as the first segment's muxer would.
  CAMREC_ASSIGN_OR_RETURN(auto probe, Muxer::create(std::make_unique<io::MemorySink>(), impl_->muxer_options));
  CAMREC_RETURN_IF_ERROR(probe->add_video_track(config).status());
  impl_->video.push_back(config);
  uint32_t id = static_cast<uint32_t>(impl_->tracks.size());
  impl_->tracks.push_back({true, static_cast<uint32_t>(impl_->video.size() - 1)});
  if (!impl_->lead) impl_->lead = id;
  return id;
}

Result<uint32_t> SegmentWriter::add_audio_track(const AudioTrackConfig& config) {
  if (impl_->started) return make_error(Errc::wrong_state, "tracks must be added before the first packet");
  CAMREC_ASSIGN_OR_RETURN(auto probe, Muxer::create(std::make_unique<io::MemorySink>(), impl_->muxer_options));
  CAMREC_RETURN_IF_ERROR(probe->add_audio_track(config).status());
  impl_->audio.push_back(config);
  impl_->tracks.push_back({false, static_cast<uint32_t>(impl_->audio.size() - 1)});
  return static_cast<uint32_t>(impl_->tracks.size() - 1);
}

Status SegmentWriter::write(uint32_t track, const Packet& packet) {
  auto& d = *impl_;
  if (d.closed) return make_error(Errc::wrong_state, "write after close");
  if (track >= d.tracks.size()) return make_error(Errc::invalid_argument, "no track " + std::to_string(track));
  // Segments are cut by presentation time: an open-GOP CRA is decoded well before it is
  // shown (its leading pictures come after it), and its decode time would put the cut a
  // GOP late.
  const int64_t t_us = rescale(packet.pts, packet.timescale, kMicroseconds);
  if (!d.started) {
    d.started = true;
    CAMREC_RETURN_IF_ERROR(d.open_next());
    d.segment_start_us = t_us;
  } else if (d.lead && track == *d.lead) {
    bool due = (d.options.duration_us > 0 && t_us - d.segment_start_us >= d.options.duration_us) ||
               (d.options.size_bytes > 0 && d.current->stats().bytes_written + packet.data.size() >= d.options.size_bytes);
    bool cutting = false;
    if (due) {
      // Only a key frame may start a segment; look at the access unit's slice types.
      auto codec = d.video[d.tracks[track].second].codec == Codec::h264 ? codec::VideoCodec::h264
                                                                         : codec::VideoCodec::h265;
      codec::AccessUnit au;
      cutting = codec::parse_access_unit(codec, packet.data, au).is_ok() && au.is_key;
    }
    if (cutting) {
      CAMREC_RETURN_IF_ERROR(d.cut(packet, t_us));
    } else if (d.previous && t_us - d.cut_us >= kPreviousOpenUs) {
      // Audio this late is not coming (a stalled or silent track): finish the file.
      CAMREC_RETURN_IF_ERROR(d.close_previous());
    }
  } else if (d.previous && !d.tracks[track].first) {
    if (time_less(packet.pts, packet.timescale, d.cut_pts, d.cut_timescale)) return d.previous->write(track, packet);
    d.passed_cut[track] = true;
    if (d.audio_passed_cut()) CAMREC_RETURN_IF_ERROR(d.close_previous());
  }
  return d.current->write(track, packet);
}

Status SegmentWriter::close() {
  if (impl_->closed) return Status::ok();
  impl_->closed = true;
  Status previous = impl_->close_previous();
  const bool had_current = impl_->current != nullptr;
  Status current = impl_->close_muxer(impl_->current);
  if (had_current) impl_->segments.back().closed = true;
  impl_->prune();
  return previous.is_ok() ? current : previous;
}

const std::vector<SegmentWriter::Segment>& SegmentWriter::segments() const { return impl_->segments; }

MuxerStats SegmentWriter::stats() const {
  MuxerStats s = impl_->done;
  for (const auto* m : {impl_->previous.get(), impl_->current.get()}) {
    if (!m) continue;
    auto c = m->stats();
    s.samples_written += c.samples_written;
    s.fragments_written += c.fragments_written;
    s.bytes_written += c.bytes_written;
    s.samples_dropped += c.samples_dropped;
    s.syncs += c.syncs;
  }
  return s;
}

}  // namespace camrec
