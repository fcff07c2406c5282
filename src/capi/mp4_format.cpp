// SPDX-License-Identifier: LGPL-2.1-or-later
// The kd_mp4 C API over camrec::Muxer and camrec::Demuxer.
//
// Handles are tokens from capi::HandleTable: a destroyed, foreign or made-up handle gets
// K_MP4_ERR_INVALID_ARGUMENT forever, never a crash or another recording. Every call holds
// its file for its whole duration; kd_mp4_destroy waits for the calls in flight. The muxer
// itself is thread-safe, so audio and video may be written from two threads.
#include "mp4_format.h"

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "capi/handles.h"
#include "capi/video_units.h"

namespace {

using camrec::Errc;
using camrec::Status;
using camrec::capi::HandleKind;
using camrec::capi::HandleTable;

struct Mp4;

struct Track {
  camrec::capi::CallGate gate;
  std::weak_ptr<Mp4> owner;
  uint32_t index = 0;  ///< Muxer track index.
  k_mp4_track_type_e type = K_MP4_STREAM_VIDEO;
  k_mp4_codec_id_e codec = K_MP4_CODEC_ID_H264;
  std::mutex mutex;  ///< Guards what follows: one video unit at a time on a track.
  camrec::capi::ParameterSetKeeper parameter_sets;
  std::vector<uint8_t> joined;  ///< New parameter sets + the key frame they belong to.
};

struct Mp4 {
  camrec::capi::CallGate gate;
  bool muxer = true;
  std::unique_ptr<camrec::Muxer> mux;
  std::mutex mutex;  ///< Guards the track list and the demuxer's state.
  std::vector<uintptr_t> track_tokens;
  std::unique_ptr<camrec::Demuxer> demux;
  camrec::DemuxedSample sample;  ///< Demuxer: the buffer kd_mp4_get_frame hands out.
  bool eof = false;
};

HandleTable<Mp4>& files() {
  static HandleTable<Mp4> table(HandleKind::file);
  return table;
}

HandleTable<Track>& tracks() {
  static HandleTable<Track> table(HandleKind::track);
  return table;
}

thread_local std::string g_last_error;

int fail(const Status& s) {
  g_last_error = s.to_string();
  switch (s.code()) {
    case Errc::ok: return 0;
    case Errc::invalid_argument: return K_MP4_ERR_INVALID_ARGUMENT;
    case Errc::wrong_state: return K_MP4_ERR_WRONG_STATE;
    case Errc::malformed: return K_MP4_ERR_MALFORMED;
    case Errc::unsupported: return K_MP4_ERR_UNSUPPORTED;
    case Errc::limit_exceeded: return K_MP4_ERR_LIMIT;
    case Errc::io: return K_MP4_ERR_IO;
    case Errc::no_space: return K_MP4_ERR_NO_SPACE;
    case Errc::file_too_large: return K_MP4_ERR_FILE_TOO_LARGE;
    case Errc::not_found: return K_MP4_ERR_NOT_FOUND;
    case Errc::permission_denied: return K_MP4_ERR_PERMISSION;
    case Errc::busy: return K_MP4_ERR_BUSY;
    case Errc::already_exists: return K_MP4_ERR_INVALID_ARGUMENT;  // K230 creation replaces files: not reached
    default: return K_MP4_ERR_INTERNAL;
  }
}

int fail(Errc code, const std::string& message) { return fail(Status(code, message)); }

int ok() {
  g_last_error.clear();
  return 0;
}

uintptr_t token_of(KD_HANDLE h) { return reinterpret_cast<uintptr_t>(h); }
KD_HANDLE handle_of(uintptr_t token) { return reinterpret_cast<KD_HANDLE>(token); }

std::string file_name(const char (&name)[128]) {
  size_t n = strnlen(name, sizeof name);
  return std::string(name, n);
}

k_mp4_codec_id_e codec_id_of(const camrec::TrackInfo& t) {
  if (t.sample_entry == "avc1" || t.sample_entry == "avc3") return K_MP4_CODEC_ID_H264;
  if (t.sample_entry == "hvc1" || t.sample_entry == "hev1") return K_MP4_CODEC_ID_H265;
  if (t.sample_entry == "alaw") return K_MP4_CODEC_ID_G711A;
  if (t.sample_entry == "ulaw") return K_MP4_CODEC_ID_G711U;
  if (t.sample_entry == "mp4a") return K_MP4_CODEC_ID_AAC;
  if (t.sample_entry == "Opus") return K_MP4_CODEC_ID_OPUS;
  return K_MP4_CODEC_ID_BUTT;
}

}  // namespace

extern "C" {

int kd_mp4_create(KD_HANDLE* mp4_handle, k_mp4_config_s* cfg) {
  if (!mp4_handle || !cfg) return fail(Errc::invalid_argument, "kd_mp4_create: NULL argument");
  *mp4_handle = nullptr;
  auto mp4 = std::make_shared<Mp4>();
  if (cfg->config_type == K_MP4_CONFIG_MUXER) {
    std::string name = file_name(cfg->muxer_config.file_name);
    if (name.empty()) return fail(Errc::invalid_argument, "kd_mp4_create: empty file name");
    if (cfg->muxer_config.fmp4_flag > 1)
      return fail(Errc::invalid_argument, "kd_mp4_create: fmp4_flag must be 0 or 1");
    camrec::MuxerOptions options;
    options.layout = cfg->muxer_config.fmp4_flag ? camrec::Layout::fragmented : camrec::Layout::regular;
    auto muxer = camrec::Muxer::create_file(name, options);
    if (!muxer) return fail(muxer.error());
    mp4->mux = std::move(*muxer);
  } else if (cfg->config_type == K_MP4_CONFIG_DEMUXER) {
    std::string name = file_name(cfg->demuxer_config.file_name);
    camrec::DemuxOptions options;
    options.annexb = true;
    auto demuxer = camrec::Demuxer::open(name, options);
    if (!demuxer) return fail(demuxer.error());
    // Fragmented files tell their durations only fragment by fragment: read the index now
    // so kd_mp4_get_file_info can answer (K230 does the same at create).
    if (Status scanned = (*demuxer)->scan(); !scanned.is_ok()) return fail(scanned);
    mp4->muxer = false;
    mp4->demux = std::move(*demuxer);
  } else {
    return fail(Errc::invalid_argument, "kd_mp4_create: config_type " + std::to_string(cfg->config_type));
  }
  *mp4_handle = handle_of(files().add(std::move(mp4)));
  return ok();
}

int kd_mp4_destroy(KD_HANDLE mp4_handle) {
  // Unregistered first: from here on every call with this handle fails, and this one waits
  // for the calls already inside before it finishes the file.
  auto mp4 = files().remove(token_of(mp4_handle), "kd_mp4_destroy");
  if (!mp4) return fail(mp4.error());
  (*mp4)->gate.close();
  std::vector<uintptr_t> track_tokens;
  {
    std::lock_guard lock((*mp4)->mutex);
    track_tokens.swap((*mp4)->track_tokens);
  }
  for (uintptr_t t : track_tokens) {
    if (auto track = tracks().remove(t, "kd_mp4_destroy")) (*track)->gate.close();
  }
  Status s;
  if ((*mp4)->mux) s = (*mp4)->mux->close();
  return s.is_ok() ? ok() : fail(s);
}

int kd_mp4_create_track(KD_HANDLE mp4_handle, KD_HANDLE* track_handle, k_mp4_track_info_s* info) {
  auto mp4 = files().acquire(token_of(mp4_handle), "kd_mp4_create_track");
  if (!mp4) return fail(mp4.error());
  if (!track_handle || !info) return fail(Errc::invalid_argument, "kd_mp4_create_track: NULL argument");
  *track_handle = nullptr;
  if (!(*mp4)->muxer) return fail(Errc::wrong_state, "kd_mp4_create_track on a demuxer");
  auto track = std::make_shared<Track>();
  track->owner = mp4->shared();
  track->type = info->track_type;
  camrec::Result<uint32_t> index = Status(Errc::invalid_argument, "track_type " + std::to_string(info->track_type));
  if (info->track_type == K_MP4_STREAM_VIDEO) {
    camrec::VideoTrackConfig vc;
    track->codec = info->video_info.codec_id;
    if (track->codec == K_MP4_CODEC_ID_H264) vc.codec = camrec::Codec::h264;
    else if (track->codec == K_MP4_CODEC_ID_H265) vc.codec = camrec::Codec::h265;
    else return fail(Errc::invalid_argument, "video codec_id " + std::to_string(track->codec));
    vc.width = info->video_info.width;
    vc.height = info->video_info.height;
    vc.timescale = info->time_scale ? info->time_scale : 90'000;
    index = (*mp4)->mux->add_video_track(vc);
  } else if (info->track_type == K_MP4_STREAM_AUDIO) {
    camrec::AudioTrackConfig ac;
    track->codec = info->audio_info.codec_id;
    switch (static_cast<int>(track->codec)) {
      case K_MP4_CODEC_ID_G711A: ac.codec = camrec::Codec::g711_alaw; break;
      case K_MP4_CODEC_ID_G711U: ac.codec = camrec::Codec::g711_ulaw; break;
      case K_MP4_CODEC_ID_AAC: ac.codec = camrec::Codec::aac; break;
      case K_MP4_CODEC_ID_OPUS: ac.codec = camrec::Codec::opus; break;
      default: return fail(Errc::invalid_argument, "audio codec_id " + std::to_string(track->codec));
    }
    ac.sample_rate = info->audio_info.sample_rate;
    ac.channels = info->audio_info.channels;
    // time_scale is honoured, unlike K230 (which used ms whatever it was told).
    ac.timescale = info->time_scale;
    index = (*mp4)->mux->add_audio_track(ac);
  }
  if (!index) return fail(index.error());
  track->index = *index;
  if (info->track_type == K_MP4_STREAM_VIDEO) info->video_info.track_id = *index + 1;
  else info->audio_info.track_id = *index + 1;
  const uintptr_t token = tracks().add(std::move(track));
  {
    std::lock_guard lock((*mp4)->mutex);
    (*mp4)->track_tokens.push_back(token);
  }
  *track_handle = handle_of(token);
  return ok();
}

int kd_mp4_destroy_tracks(KD_HANDLE mp4_handle) {
  auto mp4 = files().acquire(token_of(mp4_handle), "kd_mp4_destroy_tracks");
  if (!mp4) return fail(mp4.error());
  // The tracks' data stays in the muxer until kd_mp4_destroy finishes the file; only the
  // handles end here (after the writes in flight on them).
  std::vector<uintptr_t> track_tokens;
  {
    std::lock_guard lock((*mp4)->mutex);
    track_tokens.swap((*mp4)->track_tokens);
  }
  for (uintptr_t t : track_tokens) {
    if (auto track = tracks().remove(t, "kd_mp4_destroy_tracks")) (*track)->gate.close();
  }
  return ok();
}

namespace {

/// Writes one video unit, absorbing parameter sets that come on their own.
Status write_video(camrec::Muxer& mux, Track& track, camrec::Packet& p) {
  const auto vc = track.codec == K_MP4_CODEC_ID_H264 ? camrec::codec::VideoCodec::h264 : camrec::codec::VideoCodec::h265;
  const camrec::capi::UnitHead head = camrec::capi::read_unit_head(vc, p.data);
  std::lock_guard lock(track.mutex);
  const auto decision = track.parameter_sets.decide(head);
  if (decision.absorb) return Status::ok();
  if (!decision.prefix.empty()) {
    track.joined.assign(decision.prefix.begin(), decision.prefix.end());
    track.joined.insert(track.joined.end(), p.data.begin(), p.data.end());
    p.data = track.joined;
  }
  CAMREC_RETURN_IF_ERROR(mux.write(track.index, p));
  track.parameter_sets.written(head);
  return Status::ok();
}

}  // namespace

int kd_mp4_write_frame(KD_HANDLE mp4_handle, KD_HANDLE track_handle, k_mp4_frame_data_s* frame) {
  auto mp4 = files().acquire(token_of(mp4_handle), "kd_mp4_write_frame");
  if (!mp4) return fail(mp4.error());
  auto track = tracks().acquire(token_of(track_handle), "kd_mp4_write_frame");
  if (!track) return fail(track.error());
  if ((*track)->owner.lock() != mp4->shared())
    return fail(Errc::invalid_argument, "kd_mp4_write_frame: the track belongs to another file");
  if (!frame) return fail(Errc::invalid_argument, "kd_mp4_write_frame: NULL frame");
  if (!frame->data || frame->data_length == 0) return fail(Errc::invalid_argument, "kd_mp4_write_frame: no data");
  if (frame->codec_id != (*track)->codec)
    return fail(Errc::invalid_argument, "kd_mp4_write_frame: codec_id " + std::to_string(frame->codec_id) +
                                            " does not match the track's " + std::to_string((*track)->codec));
  if (frame->time_stamp > static_cast<uint64_t>(INT64_MAX))
    return fail(Errc::invalid_argument, "kd_mp4_write_frame: time_stamp out of range");
  camrec::Packet p;
  p.data = std::span<const uint8_t>(frame->data, frame->data_length);
  p.pts = p.dts = static_cast<int64_t>(frame->time_stamp);
  p.timescale = camrec::kMicroseconds;
  Status s = (*track)->type == K_MP4_STREAM_VIDEO ? write_video(*(*mp4)->mux, **track, p)
                                                   : (*mp4)->mux->write((*track)->index, p);
  return s.is_ok() ? ok() : fail(s);
}

int kd_mp4_get_file_info(KD_HANDLE mp4_handle, k_mp4_file_info_s* file_info) {
  auto mp4 = files().acquire(token_of(mp4_handle), "kd_mp4_get_file_info");
  if (!mp4) return fail(mp4.error());
  if ((*mp4)->muxer) return fail(Errc::invalid_argument, "kd_mp4_get_file_info: the handle is a muxer (needs a demuxer)");
  if (!file_info) return fail(Errc::invalid_argument, "kd_mp4_get_file_info: NULL file_info");
  const auto& all = (*mp4)->demux->tracks();
  uint64_t ms = 0;
  for (const auto& t : all) {
    int64_t end = t.start + static_cast<int64_t>(t.duration);
    ms = std::max<uint64_t>(ms, static_cast<uint64_t>(std::max<int64_t>(0, camrec::rescale(end, t.timescale, 1000))));
  }
  file_info->duration = ms;
  file_info->track_num = static_cast<uint32_t>(all.size());
  return ok();
}

int kd_mp4_get_undeclared(KD_HANDLE mp4_handle, k_mp4_undeclared_s* undeclared) {
  auto mp4 = files().acquire(token_of(mp4_handle), "kd_mp4_get_undeclared");
  if (!mp4) return fail(mp4.error());
  if ((*mp4)->muxer) return fail(Errc::invalid_argument, "kd_mp4_get_undeclared: the handle is a muxer (needs a demuxer)");
  if (!undeclared) return fail(Errc::invalid_argument, "kd_mp4_get_undeclared: NULL undeclared");
  // Complete: kd_mp4_create scanned every fragment (Demuxer::undeclared()).
  const camrec::UndeclaredTracks& u = (*mp4)->demux->undeclared();
  *undeclared = k_mp4_undeclared_s{};
  undeclared->track_num = static_cast<uint32_t>(u.track_ids.size());
  for (size_t i = 0; i < u.track_ids.size() && i < K_MP4_MAX_UNDECLARED_TRACKS; ++i)
    undeclared->track_ids[i] = u.track_ids[i];
  undeclared->track_fragments = u.track_fragments;
  undeclared->samples = u.samples;
  undeclared->bytes = u.bytes;
  return ok();
}

int kd_mp4_get_track_by_index(KD_HANDLE mp4_handle, uint32_t index, k_mp4_track_info_s* info) {
  auto mp4 = files().acquire(token_of(mp4_handle), "kd_mp4_get_track_by_index");
  if (!mp4) return fail(mp4.error());
  if ((*mp4)->muxer) return fail(Errc::invalid_argument, "kd_mp4_get_track_by_index: the handle is a muxer (needs a demuxer)");
  if (!info) return fail(Errc::invalid_argument, "kd_mp4_get_track_by_index: NULL track info");
  const auto& all = (*mp4)->demux->tracks();
  if (index >= all.size())
    return fail(Errc::not_found, "kd_mp4_get_track_by_index: no track " + std::to_string(index) + " (file has " +
                                     std::to_string(all.size()) + ")");
  const auto& t = all[index];
  std::memset(info, 0, sizeof *info);
  info->time_scale = t.timescale;
  if (t.video) {
    info->track_type = K_MP4_STREAM_VIDEO;
    info->video_info = {t.width, t.height, t.track_id, codec_id_of(t)};
  } else {
    info->track_type = K_MP4_STREAM_AUDIO;
    info->audio_info = {t.channels, t.sample_rate, 16, t.track_id, codec_id_of(t)};
  }
  return ok();
}

int kd_mp4_get_frame(KD_HANDLE mp4_handle, k_mp4_frame_data_s* frame) {
  auto mp4 = files().acquire(token_of(mp4_handle), "kd_mp4_get_frame");
  if (!mp4) return fail(mp4.error());
  if ((*mp4)->muxer) return fail(Errc::invalid_argument, "kd_mp4_get_frame: the handle is a muxer (needs a demuxer)");
  if (!frame) return fail(Errc::invalid_argument, "kd_mp4_get_frame: NULL frame");
  std::memset(frame, 0, sizeof *frame);
  std::lock_guard lock((*mp4)->mutex);
  if (!(*mp4)->eof) {
    auto more = (*mp4)->demux->next((*mp4)->sample);
    if (!more) return fail(more.error());
    (*mp4)->eof = !*more;
  }
  if ((*mp4)->eof) {
    frame->eof = 1;
    return ok();
  }
  const auto& t = (*mp4)->demux->tracks()[(*mp4)->sample.track];
  frame->codec_id = codec_id_of(t);
  frame->time_stamp = static_cast<uint64_t>(std::max<int64_t>(0, camrec::rescale((*mp4)->sample.pts, t.timescale, 1000)));
  frame->data = (*mp4)->sample.data.data();
  frame->data_length = static_cast<uint32_t>((*mp4)->sample.data.size());
  return ok();
}

const char* kd_mp4_error_message(void) { return g_last_error.c_str(); }

}  // extern "C"
