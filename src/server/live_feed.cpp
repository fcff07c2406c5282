// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/live_feed.h"

#include <algorithm>
#include <cstring>

#include "box/fragment_boxes.h"
#include "camrec/demuxer.h"
#include "io/sink.h"
#include "io/source.h"

namespace camrec::server {

/// The in-memory end of the live muxer: keeps the init segment and the fragment being
/// written, never the whole stream (size() still counts every byte, as the muxer expects).
class LiveFeed::FragmentCapture final : public io::Sink {
 public:
  Status append(std::span<const std::span<const uint8_t>> buffers) override {
    // The muxer's first append is the header (ftyp + moov); each later one is a fragment.
    std::vector<uint8_t>& target = have_init_ ? fragment_ : init_;
    if (have_init_) {
      fragment_.clear();
      fragment_offset_ = size_;
    }
    for (auto b : buffers) {
      target.insert(target.end(), b.begin(), b.end());
      size_ += b.size();
    }
    if (!have_init_) init_size_ = size_;
    have_init_ = true;
    return Status::ok();
  }
  using Sink::append;
  Status write_at(uint64_t offset, std::span<const uint8_t> data) override {
    // The fragment's 'free' -> 'moof' rename patches bytes inside the open fragment. The
    // header's mehd, which a file's muxer brings up to date after each fragment so that a
    // killed recording tells its length, is left as viewers got it: a live stream has no
    // length, and its init segment was handed out with the first fragment. Nothing else of
    // the header is rewritten (the video's parameter sets travel in-band).
    if (have_init_ && offset + data.size() <= init_size_) return Status::ok();
    if (offset < fragment_offset_ || offset - fragment_offset_ + data.size() > fragment_.size())
      return make_error(Errc::internal, "live muxer patched bytes outside the open fragment");
    std::copy(data.begin(), data.end(), fragment_.begin() + static_cast<ptrdiff_t>(offset - fragment_offset_));
    return Status::ok();
  }
  Status truncate(uint64_t length) override {
    size_ = std::min(size_, length);
    return Status::ok();
  }
  Status sync() override { return Status::ok(); }
  uint64_t size() const override { return size_; }
  Status close() override { return Status::ok(); }

  std::vector<uint8_t> take_init() { return std::move(init_); }
  std::vector<uint8_t> take_fragment() { return std::move(fragment_); }

 private:
  bool have_init_ = false;
  std::vector<uint8_t> init_;
  uint64_t init_size_ = 0;  // bytes of the header, which stays as first captured
  std::vector<uint8_t> fragment_;
  uint64_t fragment_offset_ = 0;
  uint64_t size_ = 0;
};

namespace {

/// The init segment without its top-level 'free'/'skip' boxes. The file's header keeps room
/// after the moov for a header that grows (new sample descriptions); a viewer's init segment
/// needs only ftyp and moov, and MSE parsers are not all required to skip other boxes.
std::vector<uint8_t> init_without_padding(const std::vector<uint8_t>& init) {
  std::vector<uint8_t> out;
  out.reserve(init.size());
  size_t at = 0;
  while (at + 8 <= init.size()) {
    const uint64_t size = (uint64_t{init[at]} << 24) | (uint64_t{init[at + 1]} << 16) | (uint64_t{init[at + 2]} << 8) |
                          uint64_t{init[at + 3]};
    if (size < 8 || size > init.size() - at) break;  // not a plain box: keep the rest as it is
    const bool padding = std::equal(init.begin() + static_cast<ptrdiff_t>(at + 4),
                                    init.begin() + static_cast<ptrdiff_t>(at + 8), "free") ||
                         std::equal(init.begin() + static_cast<ptrdiff_t>(at + 4),
                                    init.begin() + static_cast<ptrdiff_t>(at + 8), "skip");
    if (!padding)
      out.insert(out.end(), init.begin() + static_cast<ptrdiff_t>(at), init.begin() + static_cast<ptrdiff_t>(at + size));
    at += size;
  }
  out.insert(out.end(), init.begin() + static_cast<ptrdiff_t>(at), init.end());
  return out;
}

/// The codec strings of the init segment's tracks ("avc1.64001f,opus"), as MSE wants them.
std::string init_codec_string(const std::vector<uint8_t>& init) {
  auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(init));
  if (!demuxer) return "";
  std::string joined;
  for (const auto& t : (*demuxer)->tracks()) joined += (joined.empty() ? "" : ",") + t.codec_string;
  return joined;
}

bool run_starts_with_key(const box::TrackRunBox& trun) {
  uint32_t flags = box::sample_flags::kDelta;  // camrec's trex default for video
  if (trun.flags & box::TrackRunBox::kFirstSampleFlagsPresent) flags = trun.first_sample_flags;
  else if ((trun.flags & box::TrackRunBox::kSampleFlagsPresent) && !trun.entries.empty())
    flags = trun.entries.front().sample_flags;
  return (flags & box::sample_flags::kNonSync) == 0;
}

}  // namespace

Result<std::unique_ptr<LiveFeed>> LiveFeed::create(LiveSink& sink, LiveFeedOptions options) {
  if (options.part_duration_us <= 0)
    return make_error(Errc::invalid_argument, "live part duration must be positive");
  std::unique_ptr<LiveFeed> feed(new LiveFeed());
  feed->sink_ = &sink;
  auto capture = std::make_unique<FragmentCapture>();
  feed->capture_ = capture.get();
  MuxerOptions mux;
  mux.layout = Layout::fragmented;
  mux.cmaf = true;
  mux.write_mfra = false;
  mux.fragment_duration_us = 0;  // every key frame starts a part, so a viewer can join there
  mux.max_fragment_duration_us = options.part_duration_us;
  mux.on_step = [raw = feed.get()](const char* step) {
    if (std::strcmp(step, "fragment-written") == 0) raw->on_fragment_written();
  };
  CAMREC_ASSIGN_OR_RETURN(feed->muxer_, Muxer::create(std::move(capture), mux));
  return feed;
}

LiveFeed::~LiveFeed() { (void)close(); }

Result<uint32_t> LiveFeed::add_video_track(const VideoTrackConfig& config) {
  VideoTrackConfig c = config;
  if (c.timescale == 0) c.timescale = 90'000;
  // Viewers hold the init segment sent first: new parameter sets (an encoder reconfigured
  // mid-recording) must not need a new one. Every key frame carries its sets in-band
  // ('avc3'/'hev1'), and decoders take a new resolution from them (docs/server.md).
  c.parameter_sets_in_band = true;
  if (video_track_id_ != 0) return make_error(Errc::unsupported, "the live view carries one video track");
  CAMREC_ASSIGN_OR_RETURN(uint32_t index, muxer_->add_video_track(c));
  video_track_id_ = index + 1;  // the muxer numbers its tracks 1, 2, ... in the order added
  return index;
}

Result<uint32_t> LiveFeed::add_audio_track(const AudioTrackConfig& config) {
  if (config.codec != Codec::opus && config.codec != Codec::aac)
    return make_error(Errc::unsupported, std::string("the live view carries no ") + codec_name(config.codec) +
                                             " audio: browsers do not play it");
  if (have_audio_) return make_error(Errc::unsupported, "the live view carries one audio track");
  CAMREC_ASSIGN_OR_RETURN(uint32_t index, muxer_->add_audio_track(config));
  have_audio_ = true;
  return index;
}

Status LiveFeed::write(uint32_t track, const Packet& packet) {
  if (closed_) return make_error(Errc::wrong_state, "live feed: write after close");
  if (origin_us_ < 0) origin_us_ = rescale(packet.pts, packet.timescale, kMicroseconds);
  Status s = muxer_->write(track, packet);
  publish_pending();
  return s;
}

Status LiveFeed::close() {
  if (closed_ || !muxer_) return Status::ok();
  closed_ = true;
  Status s = muxer_->close();
  publish_pending();
  sink_->publish_end();
  return s;
}

MuxerStats LiveFeed::stats() const { return muxer_->stats(); }

void LiveFeed::on_fragment_written() {
  if (!init_sent_) {
    std::vector<uint8_t> init = init_without_padding(capture_->take_init());
    std::string codec = init_codec_string(init);
    if (auto demuxer = Demuxer::open(std::make_unique<io::MemorySource>(init)))
      for (const auto& t : (*demuxer)->tracks()) timescales_.emplace_back(t.track_id, t.timescale);
    sink_->publish_init(std::move(init), std::move(codec));
    init_sent_ = true;
  }
  // CMAF gives each track's samples a moof of their own; the moofs of one cut (video, then
  // audio) make one live fragment, so a part and a viewer's start hold both tracks.
  std::vector<uint8_t> bytes = capture_->take_fragment();
  if (!pending_) pending_ = std::make_shared<LiveFragment>();
  // The muxer just wrote this moof; reading it back gives the times and the key flag.
  if (auto moof = box::parse_box<box::MovieFragmentBox>(bytes)) {
    for (const auto& traf : moof->trafs) {
      uint32_t timescale = 0;
      for (const auto& [id, ts] : timescales_)
        if (id == traf.tfhd.track_ID) timescale = ts;
      if (timescale == 0) continue;
      int64_t start = traf.tfdt ? static_cast<int64_t>(traf.tfdt->base_media_decode_time) : 0;
      int64_t duration = 0;
      for (const auto& run : traf.truns)
        for (const auto& e : run.entries) duration += e.sample_duration;
      Span& span = traf.tfhd.track_ID == video_track_id_ ? pending_video_ : pending_audio_;
      if (!span.set) {
        span.set = true;
        span.start_us = rescale(start, timescale, kMicroseconds);
        if (&span == &pending_video_ && !traf.truns.empty()) pending_->key = run_starts_with_key(traf.truns.front());
      }
      span.duration_us += rescale(duration, timescale, kMicroseconds);
    }
  }
  pending_->bytes.insert(pending_->bytes.end(), bytes.begin(), bytes.end());
}

void LiveFeed::publish_pending() {
  if (!pending_) return;
  // The video's times; audio only (the camera stalled, or the end of the recording): the
  // audio's, on the same timeline. Viewers join at video key frames only.
  const Span& span = pending_video_.set ? pending_video_ : pending_audio_;
  pending_->sequence = next_sequence_++;
  pending_->media_start_us = span.set ? span.start_us : video_end_us_;
  pending_->duration_us = span.duration_us;
  pending_->capture_start_us = origin_us_ + pending_->media_start_us;
  if (pending_video_.set) video_end_us_ = pending_->media_start_us + pending_->duration_us;
  pending_video_ = {};
  pending_audio_ = {};
  sink_->publish_fragment(std::move(pending_));
  pending_.reset();
}

}  // namespace camrec::server
