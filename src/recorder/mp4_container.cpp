// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/recorder/mp4_container.h"

namespace camrec::recorder {

Mp4Container::~Mp4Container() { (void)Destroy(); }

const char* to_string(Mp4Container::State state) {
  switch (state) {
    case Mp4Container::State::destroyed: return "destroyed";
    case Mp4Container::State::created: return "created";
    case Mp4Container::State::started: return "started";
    case Mp4Container::State::stopped: return "stopped";
  }
  return "?";
}

namespace {

constexpr int kProcessTimeoutMs = 10'000;

Status wrong_state(const char* call, Mp4Container::State state, const char* next) {
  return make_error(Errc::wrong_state,
                    std::string("Mp4Container: ") + call + " when " + to_string(state) + ": " + next);
}

}  // namespace

Status Mp4Container::Create(const Mp4CfgStr& cfg) {
  if (state_ != State::destroyed) return wrong_state("Create", state_, "call Destroy first");
  if (cfg.type != MP4_CONFIG_TYPE_MUXER)
    return make_error(Errc::invalid_argument, "Mp4Container: config type " + std::to_string(cfg.type) + " is not the muxer");
  if (cfg.file_name.empty()) return make_error(Errc::invalid_argument, "Mp4Container: empty file name");
  RecorderConfig rc;
  if (cfg.video_payload_type == MP4_CODEC_ID_H264) {
    rc.video_codec = Codec::h264;
    rc.profile = media::H264_PROFILE_MAIN;
  } else if (cfg.video_payload_type == MP4_CODEC_ID_H265) {
    rc.video_codec = Codec::h265;
    rc.profile = media::H265_PROFILE_MAIN;
  } else {
    return make_error(Errc::invalid_argument, "Mp4Container: video codec id " + std::to_string(cfg.video_payload_type));
  }
  if (cfg.audio_payload_type == MP4_CODEC_ID_G711A) rc.audio = media::AudioCodec::g711a;
  else if (cfg.audio_payload_type == MP4_CODEC_ID_G711U) rc.audio = media::AudioCodec::g711u;
  else if (cfg.audio_payload_type == MP4_CODEC_ID_AAC) {
    rc.audio = media::AudioCodec::aac;
    rc.audio_rate = 48000;
  }
  else if (cfg.audio_payload_type >= 0)
    return make_error(Errc::invalid_argument, "Mp4Container: audio codec id " + std::to_string(cfg.audio_payload_type));
  if (cfg.fmp4_flag != 0 && cfg.fmp4_flag != 1)
    return make_error(Errc::invalid_argument, "Mp4Container: fmp4 flag must be 0 or 1");
  // The K230 API always names a size (a recorder's 0 x 0, the source's own, is not K230's).
  if (cfg.width == 0 || cfg.height == 0)
    return make_error(Errc::invalid_argument, "Mp4Container: picture size " + std::to_string(cfg.width) + "x" +
                                                  std::to_string(cfg.height) + " has a zero side");
  rc.width = cfg.width;
  rc.height = cfg.height;
  rc.source = cfg.source;
  rc.audio_source = cfg.audio_source;
  rc.paced = cfg.paced;
  rc.queue_frames = cfg.queue_frames;
  MuxerOptions mo;
  mo.layout = cfg.fmp4_flag ? Layout::fragmented : Layout::regular;
  // The file is created only once the sensor and encoders took the config: a bad size or
  // source must not truncate what is already there.
  auto make_writer = [&]() -> Result<std::unique_ptr<MediaWriter>> {
    CAMREC_ASSIGN_OR_RETURN(auto muxer, Muxer::create_file(cfg.file_name, mo));
    return std::unique_ptr<MediaWriter>(std::move(muxer));
  };
  CAMREC_ASSIGN_OR_RETURN(recorder_, Recorder::create(rc, make_writer));
  state_ = State::created;
  return Status::ok();
}

Status Mp4Container::Start() {
  switch (state_) {
    case State::created: break;
    case State::destroyed: return wrong_state("Start", state_, "call Create first");
    case State::started: return wrong_state("Start", state_, "it is recording already");
    case State::stopped: return wrong_state("Start", state_, "the file is finished; Destroy, then Create a new one");
  }
  state_ = State::started;
  return recorder_->start();
}

Status Mp4Container::Process() {
  switch (state_) {
    // K230's Process blocks until a frame is there; a flow that cannot deliver one makes
    // GetStream fail at once, so the long wait only covers a slow (or busy) encoder.
    case State::started: return recorder_->process(kProcessTimeoutMs);
    case State::destroyed: return wrong_state("Process", state_, "call Create and Start first");
    case State::created: return wrong_state("Process", state_, "call Start first");
    case State::stopped: return wrong_state("Process", state_, "the file is finished; Destroy, then Create a new one");
  }
  return Status::ok();
}

Status Mp4Container::ReconfigureVideo(uint32_t width, uint32_t height, uint32_t bitrate_kbps) {
  switch (state_) {
    case State::started: return recorder_->reconfigure_video(width, height, bitrate_kbps);
    case State::destroyed: return wrong_state("ReconfigureVideo", state_, "call Create and Start first");
    case State::created: return wrong_state("ReconfigureVideo", state_, "call Start first");
    case State::stopped: return wrong_state("ReconfigureVideo", state_, "the file is finished");
  }
  return Status::ok();
}

Status Mp4Container::Stop() {
  if (state_ == State::destroyed) return wrong_state("Stop", state_, "call Create first");
  state_ = State::stopped;
  return recorder_->stop();
}

Status Mp4Container::Destroy() {
  if (state_ == State::destroyed) return Status::ok();
  Status s = recorder_->stop();
  recorder_.reset();
  state_ = State::destroyed;
  return s;
}

RecorderStats Mp4Container::stats() const { return recorder_ ? recorder_->stats() : RecorderStats{}; }

}  // namespace camrec::recorder
