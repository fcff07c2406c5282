// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/muxer.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "box/file_boxes.h"
#include "mux/movie_builder.h"
#include "mux/muxer_impl.h"
#include "mux/parsed_write.h"

namespace camrec {

using mux::Track;

const char* codec_name(Codec codec) {
  switch (codec) {
    case Codec::h264: return "h264";
    case Codec::h265: return "h265";
    case Codec::g711_alaw: return "g711a";
    case Codec::g711_ulaw: return "g711u";
    case Codec::aac: return "aac";
    case Codec::opus: return "opus";
  }
  return "unknown";
}

namespace {

/// True when `value` ticks of `from` are at most 2^60 ticks of `to` away from 0.
bool time_fits(int64_t value, Timescale from, Timescale to) {
  constexpr int128 kMaxTicks = int128{1} << 60;
  int128 ticks = static_cast<int128>(value) * to / from;
  return ticks >= -kMaxTicks && ticks <= kMaxTicks;
}

/// A file camrec writes must open in camrec: the demuxer refuses more tracks than its
/// default DemuxOptions::max_tracks (64).
constexpr size_t kMaxTracks = 64;

Status check_track_count(size_t tracks) {
  if (tracks >= kMaxTracks)
    return make_error(Errc::limit_exceeded, "a file holds at most " + std::to_string(kMaxTracks) + " tracks");
  return Status::ok();
}

Status validate(const MuxerOptions& o) {
  if (o.fragment_duration_us < 0 || o.max_fragment_duration_us < 0 || o.fsync_interval_us < 0 ||
      o.max_header_wait_us < 0)
    return make_error(Errc::invalid_argument, "muxer durations must not be negative");
  if (o.faststart && o.layout != Layout::regular)
    return make_error(Errc::invalid_argument, "faststart applies to the regular layout only");
  if (o.max_fragment_bytes < 4096)
    return make_error(Errc::invalid_argument, "max_fragment_bytes must be at least 4096");
  return Status::ok();
}

}  // namespace

Muxer::Muxer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Muxer::~Muxer() {
  if (impl_ && !impl_->closed) (void)close();
}

Result<std::unique_ptr<Muxer>> Muxer::create(std::unique_ptr<io::Sink> sink, MuxerOptions options) {
  if (!sink) return make_error(Errc::invalid_argument, "no output sink");
  CAMREC_RETURN_IF_ERROR(validate(options));
  if (!sink->seekable() && options.layout == Layout::regular)
    return make_error(Errc::unsupported,
                      "a regular MP4 is completed in place at close, which a stream (pipe) cannot do: write to a "
                      "file, or stream the fragmented layout");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->forward_only = !sink->seekable();
  impl->sink = std::move(sink);
  return std::unique_ptr<Muxer>(new Muxer(std::move(impl)));
}

Result<std::unique_ptr<Muxer>> Muxer::create_file(const std::string& path, MuxerOptions options) {
  CAMREC_RETURN_IF_ERROR(validate(options));
  io::FileSinkOptions sink_options;
  sink_options.mode = options.overwrite ? io::FileSinkOptions::Mode::create : io::FileSinkOptions::Mode::create_new;
  CAMREC_ASSIGN_OR_RETURN(auto sink, io::FileSink::open(path, sink_options));
  CAMREC_ASSIGN_OR_RETURN(auto muxer, create(std::move(sink), options));
  muxer->impl_->path = path;
  return muxer;
}

Result<uint32_t> Muxer::add_video_track(const VideoTrackConfig& config) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->closed) return make_error(Errc::wrong_state, "add_video_track after close");
  CAMREC_RETURN_IF_ERROR(check_track_count(impl_->tracks.size()));
  if (impl_->header_written || impl_->origin_set)
    return make_error(Errc::wrong_state, "tracks must be added before the first sample is written");
  CAMREC_ASSIGN_OR_RETURN(auto input, mux::make_video_input(config));
  auto t = std::make_unique<Track>();
  t->track_id = static_cast<uint32_t>(impl_->tracks.size() + 1);
  t->input = std::move(input);
  impl_->tracks.push_back(std::move(t));
  return static_cast<uint32_t>(impl_->tracks.size() - 1);
}

Result<uint32_t> Muxer::add_audio_track(const AudioTrackConfig& config) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->closed) return make_error(Errc::wrong_state, "add_audio_track after close");
  CAMREC_RETURN_IF_ERROR(check_track_count(impl_->tracks.size()));
  if (impl_->header_written || impl_->origin_set)
    return make_error(Errc::wrong_state, "tracks must be added before the first sample is written");
  CAMREC_ASSIGN_OR_RETURN(auto input, mux::make_audio_input(config));
  auto t = std::make_unique<Track>();
  t->track_id = static_cast<uint32_t>(impl_->tracks.size() + 1);
  t->input = std::move(input);
  impl_->tracks.push_back(std::move(t));
  return static_cast<uint32_t>(impl_->tracks.size() - 1);
}

Status Muxer::write(uint32_t track, const Packet& packet) {
  std::lock_guard lock(impl_->mutex);
  return impl_->write(track, packet);
}

Status MuxerInternals::write_parsed(MediaWriter& writer, uint32_t track, const Packet& packet,
                                    const mux::ParsedVideo& video) {
  auto* muxer = dynamic_cast<Muxer*>(&writer);
  if (!muxer) return writer.write(track, packet);
  std::lock_guard lock(muxer->impl_->mutex);
  return muxer->impl_->write(track, packet, &video);
}

bool MuxerInternals::takes_parsed(const MediaWriter& writer) { return dynamic_cast<const Muxer*>(&writer) != nullptr; }

Status Muxer::write_parameter_sets(uint32_t track, std::span<const uint8_t> annexb) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->closed) return make_error(Errc::wrong_state, "write_parameter_sets after close");
  if (track >= impl_->tracks.size()) return make_error(Errc::invalid_argument, "no track " + std::to_string(track));
  return impl_->tracks[track]->input->hold_parameter_sets(annexb);
}

Status Muxer::close() {
  std::lock_guard lock(impl_->mutex);
  return impl_->close();
}

MuxerStats Muxer::stats() const {
  std::lock_guard lock(impl_->mutex);
  MuxerStats s = impl_->stats;
  s.bytes_written = impl_->sink->size();
  return s;
}

Status Muxer::Impl::write(uint32_t track_index, const Packet& packet, const mux::ParsedVideo* parsed) {
  if (closed) return make_error(Errc::wrong_state, "write after close");
  if (!failed.is_ok()) return failed;
  if (track_index >= tracks.size())
    return make_error(Errc::invalid_argument, "no track " + std::to_string(track_index));
  if (packet.timescale == 0) return make_error(Errc::invalid_argument, "packet timescale is 0");
  if (packet.data.empty()) return make_error(Errc::invalid_argument, "empty packet");
  // dts > pts is accepted: MP4 files with negative composition offsets (ctts/trun version 1)
  // present B-frames before their decode time, and remuxing them must not fail.
  Track& t = *tracks[track_index];
  if (header_written && !t.in_header)
    return make_error(Errc::wrong_state, "track " + std::to_string(track_index) +
                                             " is not in the file: its first key frame came after the file header "
                                             "was written (a video track must start within max_header_wait_us, "
                                             "5 s by default, of the first one)");

  const Timescale ts = t.timescale();
  // The muxer adds and subtracts a few packet times; bounding them to 2^60 track ticks
  // (over 400 years at 90 kHz) keeps that arithmetic inside int64.
  if (!time_fits(packet.pts, packet.timescale, ts) || !time_fits(packet.dts, packet.timescale, ts))
    return make_error(Errc::invalid_argument, "packet time out of range: pts " + std::to_string(packet.pts) +
                                                  ", dts " + std::to_string(packet.dts) + " in 1/" +
                                                  std::to_string(packet.timescale) + " s");
  const int64_t pts = rescale(packet.pts, packet.timescale, ts);
  const int64_t dts = rescale(packet.dts, packet.timescale, ts);

  // Validate the timing before the input parses the packet, so a refused packet leaves the
  // input's state (parameter sets, POC) untouched.
  if (t.started) {
    int64_t decode_time = dts - t.first_dts + t.decode_base;
    if (decode_time <= t.last_input_decode_time)
      return make_error(Errc::invalid_argument,
                        "decode time does not increase on track " + std::to_string(track_index) + ": " +
                            std::to_string(packet.dts) + " after a packet at " +
                            std::to_string(rescale(t.last_input_decode_time - t.decode_base + t.first_dts, ts,
                                                   packet.timescale)));
    if (decode_time - t.last_decode_time > std::numeric_limits<uint32_t>::max())
      return make_error(Errc::invalid_argument, "gap of more than 2^32 ticks between two packets");
  }

  // The input appends the sample to the fragment's data directly (no extra copy; a parsed
  // access unit's payloads stay where the caller has them); every way out below that does
  // not keep the sample takes those bytes back again.
  const mux::SampleData::Mark before = t.data.mark();
  Result<mux::InputSample> prepared = parsed ? t.input->prepare_parsed(*parsed, t.data) : [&] {
    auto r = t.input->prepare(packet.data, t.data.owned());
    if (r) t.data.commit_owned(r->size);
    return r;
  }();
  if (!prepared) {
    t.data.rewind(before);
    return prepared.error();
  }
  const mux::InputSample sample = *prepared;
  auto discard = [&t, &before] { t.data.rewind(before); };
  if (sample.drop) {
    discard();
    ++stats.samples_dropped;
    return Status::ok();
  }
  if (!t.started) {
    if (t.is_video() && !sample.sync) {
      discard();
      return make_error(Errc::invalid_argument, "the first video packet of track " +
                                                    std::to_string(track_index) + " is not a key frame");
    }
    if (!origin_set) {
      origin_set = true;
      origin = options.zero_origin ? 0 : packet.pts;
      origin_timescale = packet.timescale;
      set_times();
    }
    // The origin came from another track's packet; in this track's ticks it may not fit.
    if (!time_fits(origin, origin_timescale, ts)) {
      discard();
      return make_error(Errc::invalid_argument, "packet time too far from the file's first packet");
    }
    int64_t start = pts - rescale(origin, origin_timescale, ts);
    if (start < 0 && (header_written || !options.zero_origin)) {
      // Media from before the file's first instant. A recording starts at its first packet
      // and has nothing to show it against; on a track that joins after the header, the
      // fragmented header's edit list is written and cannot hide it any more.
      discard();
      ++stats.samples_dropped;
      return Status::ok();
    }
    t.started = true;
    t.first_pts = pts;
    t.first_dts = dts;
    // With a zero origin (remux), media presented before it (AAC priming, leading pictures)
    // is kept: the track starts at the origin and the edit list skips the media before it
    // (14496-12 8.6.6).
    t.preroll = std::max<int64_t>(0, -start);
    t.decode_base = std::max<int64_t>(0, start);
  }

  const int64_t input_decode_time = dts - t.first_dts + t.decode_base;
  const int64_t offset = (pts - dts) - t.offset_bias();
  if (offset < std::numeric_limits<int32_t>::min() || offset > std::numeric_limits<int32_t>::max()) {
    discard();
    return make_error(Errc::invalid_argument, "pts - dts does not fit a composition offset");
  }
  // The previous packet's duration says where this one is expected (video only: audio
  // durations come from the packets' contents).
  const int64_t decode_time = t.is_video() && t.samples_written + t.pending.size() > 0
                                  ? smoothed_decode_time(t, input_decode_time, t.duration_hint)
                                  : input_decode_time;
  uint32_t duration = sample.duration;
  t.duration_hint = 0;
  if (packet.duration > 0) {
    duration = static_cast<uint32_t>(std::clamp<int64_t>(rescale(packet.duration, packet.timescale, ts), 1,
                                                          std::numeric_limits<uint32_t>::max()));
    t.duration_hint = duration;
  }
  t.end_trim = 0;
  if (t.input->trims_end() && sample.duration > 0 && duration != sample.duration) {
    // The packet decodes to all its samples; a shorter duration says how many of them
    // the presentation keeps (the encoder padded the last packet).
    if (duration < sample.duration) t.end_trim = sample.duration - duration;
    duration = sample.duration;
  }
  if (t.is_video()) {
    // A video sample lasts until the next one is decoded: after a dropped picture (RASL
    // of a starting CRA, a frame the encoder skipped) the packet's own duration would
    // move every later sample earlier. It only guesses the last sample's duration.
    duration = 0;
  }
  if (!t.pending.empty() && t.pending.back().duration == 0) {
    t.pending.back().duration = static_cast<uint32_t>(decode_time - t.last_decode_time);
    t.last_duration = t.pending.back().duration;
  }
  if (!t.pending.empty() || t.samples_written > 0) {
    // A fragment's run has one sample description (tfhd), a chunk too (stsc).
    if (sample.description != t.last_description || should_cut(t, sample.sync, decode_time)) {
      Status flushed = flush_fragment(false);
      if (!flushed.is_ok()) {
        discard();
        return flushed;
      }
    }
  }

  if (duration) t.last_duration = duration;
  t.pending.push_back({static_cast<uint32_t>(sample.size), duration, decode_time,
                       static_cast<int32_t>(offset), sample.sync, sample.description});
  t.last_description = sample.description;
  t.last_decode_time = decode_time;
  t.last_input_decode_time = input_decode_time;
  return Status::ok();
}

int64_t Muxer::Impl::smoothed_decode_time(const Track& t, int64_t input_decode_time, uint32_t frame_duration) {
  // A constant-rate source stamped by a capture clock arrives with a little jitter (and
  // microsecond stamps do not fall on 90 kHz ticks): 2999, 3001, 3000 ticks where every
  // frame lasts 3000. Within a tolerance of the frame duration the caller gives, the sample
  // is placed one frame after the previous one, so the durations stay constant; the written
  // time never strays more than the tolerance from the packet's. A real irregularity (a
  // dropped frame, a late camera) is further away and kept as it is.
  // Never at or before the previous sample, which may have been placed up to the
  // tolerance after its packet's time.
  const int64_t unsmoothed = std::max(input_decode_time, t.last_decode_time + 1);
  if (frame_duration == 0) return unsmoothed;
  const int64_t tolerance = std::max<int64_t>(
      1, std::min<int64_t>(frame_duration / 16, rescale(2'000, kMicroseconds, t.timescale())));
  const int64_t predicted = t.last_decode_time + frame_duration;
  if (predicted - input_decode_time > tolerance || input_decode_time - predicted > tolerance) return unsmoothed;
  return predicted;
}

void Muxer::Impl::set_times() {
  // The first packet's arrival is the recording's start to within the encoder's latency;
  // the fields hold whole seconds.
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  auto pick = [now_us](int64_t option) -> uint64_t {
    if (option == kTimeUnknown) return 0;
    return mux::mp4_time_from_unix_us(option == kTimeAtFirstPacket ? now_us : option);
  };
  times.creation = pick(options.creation_time_us);
  times.modification = pick(options.modification_time_us);
}

Track* Muxer::Impl::lead_track() {
  for (auto& t : tracks)
    if (t->is_video() && (t->in_header || !header_written) && t->started) return t.get();
  for (auto& t : tracks)
    if ((t->in_header || !header_written) && t->started) return t.get();
  return nullptr;
}

bool Muxer::Impl::should_cut(Track& t, bool sync, int64_t decode_time) {
  uint64_t pending_bytes = 0;
  for (auto& tr : tracks) pending_bytes += tr->data.size();
  if (pending_bytes >= options.max_fragment_bytes) return true;

  const Timescale ts = t.timescale();
  const int64_t span_us = rescale(decode_time - t.pending_start(), ts, kMicroseconds);
  if (!header_written) {
    // Wait until every video track has its sample description, so all tracks are in the
    // init segment; a track still silent after max_header_wait_us is left out.
    bool all_ready = std::all_of(tracks.begin(), tracks.end(), [](auto& tr) { return tr->input->configured(); });
    if (!all_ready && span_us < options.max_header_wait_us) return false;
  }
  Track* lead = lead_track();
  const int64_t max_us = options.max_fragment_duration_us;
  if (lead != &t) {
    // A stalled lead track must not let the other tracks grow the fragment without bound.
    return max_us > 0 && span_us >= 2 * max_us;
  }
  if (t.is_video()) {
    if (sync && span_us >= options.fragment_duration_us) return true;
    return max_us > 0 && span_us >= max_us;
  }
  int64_t target = options.fragment_duration_us > 0 ? options.fragment_duration_us : 1'000'000;
  if (max_us > 0) target = std::min(target, max_us);
  return span_us >= target;
}

std::vector<Track*> Muxer::Impl::header_tracks() {
  std::vector<Track*> out;
  for (auto& t : tracks)
    if (t->in_header) out.push_back(t.get());
  return out;
}

Status Muxer::Impl::write_header() {
  // A configured track is declared even when it has no sample yet, so that it may join
  // later (audio usually starts a little after video).
  for (auto& t : tracks) {
    t->in_header = t->input->configured();
    t->header_descriptions = t->in_header ? t->input->description_count() : 0;
  }
  auto in_header = header_tracks();
  io::ByteWriter w;
  box::write_box(w, mux::make_ftyp(options, in_header));
  if (!origin_set) set_times();  // a header without samples (closed before any packet)
  if (options.layout == Layout::regular) {
    // Placeholder for the 64-bit mdat header that close() writes over it.
    placeholder_offset = w.size();
    box::FreeSpaceBox placeholder;
    placeholder.data.assign(8, 0);
    box::write_box(w, placeholder);
  }
  box::MovieBox init_moov = mux::make_init_moov(in_header, options.cmaf, !forward_only);
  mux::stamp_times(init_moov, times);
  header_moov_offset = sink->size() + w.size();
  mehd_offset = header_moov_offset + mux::mehd_duration_offset(init_moov);
  box::write_box(w, init_moov);
  reserve_offset = sink->size() + w.size();
  reserve_size = 0;
  if (options.header_reserve_bytes >= 8 && !forward_only) {
    // Room for the header to be rewritten in when a track gains a sample description.
    box::FreeSpaceBox reserve;
    reserve.data.assign(options.header_reserve_bytes - 8, 0);
    box::write_box(w, reserve);
    reserve_size = options.header_reserve_bytes;
  }
  uint64_t before = sink->size();
  Status s = sink->append(w.span());
  if (!s.is_ok()) return fail_output(s, before);
  header_written = true;
  fragments_begin = sink->size();
  return Status::ok();
}

Status Muxer::Impl::fail_output(const Status& error, uint64_t good_size) {
  failed = error;
  // Best effort: drop the torn box so the file ends on a whole one. If the truncate fails
  // too, readers still stop at the torn box.
  (void)sink->truncate(good_size);
  return error;
}

Status Muxer::Impl::flush_fragment(bool everything) {
  if (!header_written) CAMREC_RETURN_IF_ERROR(write_header());
  std::vector<mux::FragmentRun> runs;
  for (auto& t : tracks) {
    if (!t->in_header) {
      // Never declared: its samples cannot be written.
      stats.samples_dropped += t->pending.size();
      t->pending.clear();
      t->data.clear();
      continue;
    }
    size_t n = everything ? t->pending.size() : t->flushable();
    if (n == 0) continue;
    runs.push_back({t.get(), n});
  }
  if (runs.empty()) return Status::ok();
  for (const auto& run : runs)
    if (run.track->pending.front().description > run.track->header_descriptions) {
      CAMREC_RETURN_IF_ERROR(update_header());
      break;
    }
  int64_t end_us = 0;
  if (options.cmaf) {
    // CMAF (23000-19 7.3.2.3): one traf per moof, so each track's samples get a fragment
    // of their own.
    for (const auto& run : runs) CAMREC_RETURN_IF_ERROR(write_fragment({run}, end_us));
  } else {
    CAMREC_RETURN_IF_ERROR(write_fragment(runs, end_us));
  }
  return maybe_sync(end_us);
}

Status Muxer::Impl::write_fragment(const std::vector<mux::FragmentRun>& runs, int64_t& end_us) {
  uint64_t payload = 0;
  for (const auto& run : runs)
    for (size_t i = 0; i < run.count; ++i) payload += run.track->pending[i].size;
  const uint32_t mdat_header = box::mdat_header_size(payload);
  box::MovieFragmentBox moof = mux::make_moof(++sequence_number, runs, mdat_header);
  io::ByteWriter head;
  box::write_box(head, moof);
  const uint64_t moof_size = head.size();
  box::write_mdat_header(head, payload);
  // The moof goes out typed 'free' and becomes a moof once the whole fragment is written.
  // A copy of the file cut inside a moof (a crash, a copy of the growing file) would
  // otherwise end on a torn moof, and ffmpeg refuses to open such a file at all (it parses
  // every moof while opening a file that has no index); a torn 'free' box is skipped.
  // A stream cannot go back: there the moof goes out as it is (a reader of a pipe sees
  // whole fragments only, or the end of the stream).
  static constexpr uint8_t kMoofType[4] = {'m', 'o', 'o', 'f'};
  static constexpr uint8_t kFreeType[4] = {'f', 'r', 'e', 'e'};
  if (!forward_only) std::copy(kFreeType, kFreeType + 4, head.buffer().begin() + 4);

  std::vector<std::span<const uint8_t>> buffers;
  buffers.push_back(head.span());
  for (auto& run : runs) {
    uint64_t bytes = 0;
    for (size_t i = 0; i < run.count; ++i) bytes += run.track->pending[i].size;
    run.track->data.front(bytes, buffers);
  }
  const uint64_t fragment_offset = sink->size();
  Status s = sink->append(buffers);
  if (!s.is_ok()) return fail_output(s.with_context("writing fragment " + std::to_string(sequence_number)), fragment_offset);
  if (!forward_only) s = sink->write_at(fragment_offset + 4, kMoofType);
  if (!s.is_ok()) return fail_output(s.with_context("writing fragment " + std::to_string(sequence_number)), fragment_offset);

  // The fragment is on its way to the disk: account for it.
  uint64_t data_offset = fragment_offset + moof_size + mdat_header;
  for (size_t r = 0; r < runs.size(); ++r) {
    Track& t = *runs[r].track;
    const size_t n = runs[r].count;
    if (options.layout == Layout::regular) {
      if (const uint32_t frame_bytes = t.input->pcm_frame_bytes()) {
        // One chunk per packet, so readers that group a chunk hand out the packets fed.
        uint64_t at = data_offset;
        for (size_t i = 0; i < n; ++i) {
          const auto& p = t.pending[i];
          t.index.add_pcm_chunk(at, p.description, p.size / frame_bytes, frame_bytes, p.duration);
          at += p.size;
        }
      } else {
        t.index.begin_chunk(data_offset, t.pending.front().description);
        for (size_t i = 0; i < n; ++i) {
          const auto& p = t.pending[i];
          t.index.add_sample(p.size, p.duration, p.composition_offset, p.sync);
        }
      }
    } else if (t.pending.front().sync) {
      ++t.random_access_points;  // an mfra entry, written at close from this moof
    }
    size_t bytes = 0;
    for (size_t i = 0; i < n; ++i) bytes += t.pending[i].size;
    data_offset += bytes;
    const auto& last = t.pending[n - 1];
    end_us = std::max(end_us, rescale(last.decode_time + last.duration, t.timescale(), kMicroseconds));
    t.samples_written += n;
    stats.samples_written += n;
    written_end_ms = std::max(written_end_ms, static_cast<uint64_t>(std::max<int64_t>(
                                                  0, rescale(last.decode_time + last.duration, t.timescale(),
                                                             mux::kMovieTimescale))));
    t.data.drop_front(bytes);
    t.pending.erase(t.pending.begin(), t.pending.begin() + static_cast<ptrdiff_t>(n));
  }
  if (!forward_only) {
    // The header's mehd follows the fragments, so that a file cut off by a kill or a power
    // cut says how long it is to readers that take the header's word: GStreamer's qtdemux
    // reads only the first fragments when it opens a file and takes mehd's duration (else
    // mvhd's, 0 while recording) for the whole. Written after the fragment, it never claims
    // a fragment the file lacks (unless the kernel writes the first page back before the
    // fragment and the power fails in between). One 8-byte write per fragment.
    io::ByteWriter duration;
    duration.u64(written_end_ms);
    s = sink->write_at(mehd_offset, duration.span());
    if (!s.is_ok()) return fail_output(s.with_context("writing the duration"), sink->size());
  }
  ++stats.fragments_written;
  if (options.on_step) options.on_step("fragment-written");
  return Status::ok();
}

Status Muxer::Impl::maybe_sync(int64_t media_time_us) {
  bool due = options.fsync == FsyncPolicy::every_fragment ||
             (options.fsync == FsyncPolicy::interval && media_time_us - last_sync_us >= options.fsync_interval_us);
  if (!due) return Status::ok();
  last_sync_us = media_time_us;
  ++stats.syncs;
  // Off the writer's thread: a card that takes 200 ms to sync must not hold up the capture.
  // The close still waits for the disk (finalize.cpp), where the order of writes matters.
  Status s = sink->sync_soon();
  if (!s.is_ok()) failed = s;
  return s;
}

}  // namespace camrec
