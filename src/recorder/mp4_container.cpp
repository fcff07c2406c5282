#include "recorder/mp4_container.h"

namespace camrec::recorder {

Mp4Container::~Mp4Container() { (void)Destroy(); }

Status Mp4Container::Create(const Mp4CfgStr& cfg) {
  if (recorder_) return make_error(Errc::wrong_state, "Mp4Container: Create called twice");
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
  else if (cfg.audio_payload_type >= 0)
    return make_error(Errc::invalid_argument, "Mp4Container: audio codec id " + std::to_string(cfg.audio_payload_type));
  if (cfg.fmp4_flag != 0 && cfg.fmp4_flag != 1)
    return make_error(Errc::invalid_argument, "Mp4Container: fmp4 flag must be 0 or 1");
  rc.width = cfg.width;
  rc.height = cfg.height;
  rc.source = cfg.source;
  rc.audio_source = cfg.audio_source;
  rc.paced = cfg.paced;
  MuxerOptions mo;
  mo.layout = cfg.fmp4_flag ? Layout::fragmented : Layout::regular;
  // The file is created only once the sensor and encoders took the config: a bad size or
  // source must not truncate what is already there.
  auto make_writer = [&]() -> Result<std::unique_ptr<MediaWriter>> {
    CAMREC_ASSIGN_OR_RETURN(auto muxer, Muxer::create_file(cfg.file_name, mo));
    return std::unique_ptr<MediaWriter>(std::move(muxer));
  };
  CAMREC_ASSIGN_OR_RETURN(recorder_, Recorder::create(rc, make_writer));
  return Status::ok();
}

Status Mp4Container::Start() {
  if (!recorder_) return make_error(Errc::wrong_state, "Mp4Container: Start before Create");
  if (started_) return make_error(Errc::wrong_state, "Mp4Container: Start called twice");
  started_ = true;
  return recorder_->start();
}

Status Mp4Container::Process() {
  if (!recorder_ || !started_) return make_error(Errc::wrong_state, "Mp4Container: Process before Start");
  return recorder_->process();
}

Status Mp4Container::Stop() {
  if (!recorder_) return make_error(Errc::wrong_state, "Mp4Container: Stop before Create");
  return recorder_->stop();
}

Status Mp4Container::Destroy() {
  if (!recorder_) return Status::ok();
  Status s = recorder_->stop();
  recorder_.reset();
  started_ = false;
  return s;
}

RecorderStats Mp4Container::stats() const { return recorder_ ? recorder_->stats() : RecorderStats{}; }

}  // namespace camrec::recorder
