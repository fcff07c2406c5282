#include "recorder/recorder.h"

#include <algorithm>

#include "codec/opus.h"

namespace camrec::recorder {

using media::StreamData;

AudioTrackConfig audio_track_config(const media::AudioEncoder& encoder) {
  AudioTrackConfig c;
  switch (encoder.codec()) {
    case media::AudioCodec::g711a: c.codec = Codec::g711_alaw; break;
    case media::AudioCodec::g711u: c.codec = Codec::g711_ulaw; break;
    case media::AudioCodec::opus: c.codec = Codec::opus; break;
  }
  c.sample_rate = encoder.sample_rate();
  c.channels = encoder.channels();
  if (auto head = encoder.opus_head()) c.codec_config = codec::serialize_opus_head(*head);
  return c;
}

Recorder::Recorder(RecorderConfig config) : config_(std::move(config)) {}

Recorder::~Recorder() { (void)stop(); }

Result<std::unique_ptr<Recorder>> Recorder::create(const RecorderConfig& config, std::unique_ptr<MediaWriter> writer) {
  if (!writer) return make_error(Errc::invalid_argument, "recorder: no writer");
  if (config.fps_num == 0 || config.fps_den == 0) return make_error(Errc::invalid_argument, "recorder: frame rate 0");
  if (config.video_codec != Codec::h264 && config.video_codec != Codec::h265)
    return make_error(Errc::invalid_argument, "recorder: video codec must be h264 or h265");
  std::unique_ptr<Recorder> r(new Recorder(config));
  CAMREC_RETURN_IF_ERROR(r->build(std::move(writer)));
  return r;
}

Status Recorder::build(std::unique_ptr<MediaWriter> writer) {
  writer_ = std::move(writer);
  clock_ = config_.clock ? config_.clock : &media::steady_clock();
  // One origin for the test pattern's flashes and the tone's beeps: the A/V sync marks.
  if (config_.marks.origin_us < 0) config_.marks.origin_us = clock_->now_us();

  media::SensorConfig sc;
  sc.id = config_.sensor_id;
  sc.source = config_.source;
  sc.source_options.width = config_.width;
  sc.source_options.height = config_.height;
  sc.source_options.fps_num = config_.fps_num;
  sc.source_options.fps_den = config_.fps_den;
  sc.source_options.paced = config_.paced;
  sc.source_options.beeps = config_.marks;
  sc.source_options.max_frames = config_.max_frames;
  sc.clock = clock_;
  CAMREC_ASSIGN_OR_RETURN(sensor_, media::Sensor::create(sc));
  CAMREC_RETURN_IF_ERROR(sensor_->set_framesize(config_.width, config_.height, 0));
  CAMREC_RETURN_IF_ERROR(sensor_->set_pixformat(media::Sensor::YUV420SP, 0));
  CAMREC_ASSIGN_OR_RETURN(auto bind, sensor_->bind_info(0));

  CAMREC_ASSIGN_OR_RETURN(encoder_, media::Encoder::create(media::VENC_DEV_ID));
  const uint32_t chn = config_.encoder_channel;
  CAMREC_RETURN_IF_ERROR(encoder_->SetOutBufs(chn, 8, bind.width, bind.height));
  const uint32_t fps = std::max<uint32_t>(1, (config_.fps_num + config_.fps_den / 2) / config_.fps_den);
  media::ChnAttr attr = media::ChnAttrStr(
      config_.video_codec == Codec::h264 ? media::PAYLOAD_TYPE_H264 : media::PAYLOAD_TYPE_H265, config_.profile,
      bind.width, bind.height, config_.bitrate_kbps, config_.gop, fps, fps);
  attr.rc_mode = config_.rate_control;
  attr.preset = config_.preset;
  CAMREC_RETURN_IF_ERROR(encoder_->Create(chn, attr));

  VideoTrackConfig vt;
  vt.codec = config_.video_codec;
  CAMREC_ASSIGN_OR_RETURN(video_track_, writer_->add_video_track(vt));

  if (config_.audio) {
    media::AudioOptions ao;
    ao.sample_rate = config_.audio_rate;
    ao.channels = config_.audio_channels;
    // K230 reads 320 samples (40 ms at 8 kHz); other rates read 20 ms.
    ao.frames_per_chunk = config_.audio_rate == 8000 ? 320 : config_.audio_rate / 50;
    ao.paced = config_.paced;
    ao.beeps = config_.marks;
    CAMREC_ASSIGN_OR_RETURN(audio_source_, media::open_audio_source(config_.audio_source, ao, *clock_));
    media::AudioEncoderConfig ec;
    ec.codec = *config_.audio;
    ec.sample_rate = audio_source_->format().sample_rate;
    ec.channels = audio_source_->format().channels;
    CAMREC_ASSIGN_OR_RETURN(audio_encoder_, media::make_audio_encoder(ec));
    CAMREC_ASSIGN_OR_RETURN(audio_track_, writer_->add_audio_track(audio_track_config(*audio_encoder_)));
  }
  return Status::ok();
}

Status Recorder::start() {
  if (started_) return make_error(Errc::wrong_state, "recorder already started");
  started_ = true;
  const uint32_t chn = config_.encoder_channel;
  CAMREC_RETURN_IF_ERROR(encoder_->Start(chn));
  media::LinkOptions lo;
  // A camera or a paced pattern must never stall: late frames are dropped and counted. A
  // file or an unpaced pattern loses nothing: the source waits for the encoder.
  lo.overflow = config_.paced ? media::OverflowPolicy::drop : media::OverflowPolicy::block;
  lo.send_timeout_ms = config_.paced ? 1000 : -1;
  CAMREC_ASSIGN_OR_RETURN(auto bind, sensor_->bind_info(0));
  CAMREC_ASSIGN_OR_RETURN(link_, media::MediaManager::link(bind.src, {media::VIDEO_ENCODE_MOD_ID, media::VENC_DEV_ID, chn}, lo));
  if (audio_source_) {
    CAMREC_RETURN_IF_ERROR(audio_source_->start());
    audio_thread_ = std::thread([this] { audio_loop(); });
  }
  return sensor_->run();
}

void Recorder::audio_loop() {
  std::vector<media::AudioPacket> packets;
  while (!audio_stop_) {
    auto chunk = audio_source_->read();
    if (!chunk) {
      if (chunk.error().code() != Errc::end_of_stream) {
        std::lock_guard lock(mutex_);
        audio_error_ = chunk.error();
      }
      break;
    }
    packets.clear();
    Status s = audio_encoder_->encode(*chunk, packets);
    if (s.is_ok()) s = write_audio_packets(packets);
    if (!s.is_ok()) {
      std::lock_guard lock(mutex_);
      audio_error_ = s;
      break;
    }
  }
}

namespace {

/// How far audio may run ahead of the video written so far when sources are not paced.
constexpr int64_t kAudioLead = 200'000;

}  // namespace

Status Recorder::write_audio_packets(std::vector<media::AudioPacket>& packets) {
  for (const auto& p : packets) {
    Packet packet{p.data, p.pts_us, p.pts_us, kMicroseconds, p.duration_us};
    {
      // The file starts with the first video frame (audio before it is dropped by the
      // muxer); unpaced sources would otherwise race ahead of the encoder.
      std::unique_lock lock(mutex_);
      video_progress_.wait(lock, [&] {
        if (video_done_ || audio_stop_) return true;
        if (stats_.first_pts_us < 0) return false;
        return config_.paced || p.pts_us <= stats_.last_pts_us + kAudioLead;
      });
    }
    // Audio that comes after the video ended belongs to no frame of the file.
    if (video_done_) return Status::ok();
    Status s = writer_->write(audio_track_, packet);
    if (!s.is_ok()) return s.with_context("audio");
    std::lock_guard lock(mutex_);
    ++stats_.audio_packets;
  }
  return Status::ok();
}

Status Recorder::write_stream(const StreamData& stream) {
  for (uint32_t i = 0; i < stream.pack_cnt; ++i) {
    const uint8_t* data = stream.data[i];
    const uint32_t size = stream.data_size[i];
    if (stream.stream_type[i] == media::STREAM_TYPE_HEADER) {
      // Parameter sets travel with the key frame that follows (as the seed glues them).
      header_.insert(header_.end(), data, data + size);
      continue;
    }
    std::span<const uint8_t> au(data, size);
    if (!header_.empty()) {
      frame_.assign(header_.begin(), header_.end());
      frame_.insert(frame_.end(), data, data + size);
      header_.clear();
      au = frame_;
    }
    const int64_t pts = stream.pts[i];
    CAMREC_RETURN_IF_ERROR(writer_->write(video_track_, Packet{au, pts, pts, kMicroseconds, 0}).with_context("video"));
    std::lock_guard lock(mutex_);
    ++stats_.frames_written;
    if (stats_.first_pts_us < 0) stats_.first_pts_us = pts;
    stats_.last_pts_us = pts;
    video_progress_.notify_all();
  }
  return Status::ok();
}

Status Recorder::process(int timeout_ms) {
  if (!started_) return make_error(Errc::wrong_state, "process before start");
  if (video_done_) return make_error(Errc::end_of_stream, "recording finished");
  {
    std::lock_guard lock(mutex_);
    if (!audio_error_.is_ok()) return audio_error_;
  }
  const uint32_t chn = config_.encoder_channel;
  StreamData stream;
  Status s = encoder_->GetStream(chn, stream, timeout_ms);
  if (s.code() == Errc::timeout && !sensor_->running()) {
    // The source ended (end of file, frame limit, device error): drain the encoder.
    Status source = sensor_->last_error();
    if (link_) link_->close();
    CAMREC_RETURN_IF_ERROR(encoder_->Stop(chn));
    if (!source.is_ok()) return source.with_context("capture");
    return Status::ok();
  }
  if (s.code() == Errc::end_of_stream) {
    finish_video();
    return s;
  }
  CAMREC_RETURN_IF_ERROR(s);
  Status written = write_stream(stream);
  Status released = encoder_->ReleaseStream(chn, stream);
  CAMREC_RETURN_IF_ERROR(written);
  CAMREC_RETURN_IF_ERROR(released);
  bool limit = false;
  {
    std::lock_guard lock(mutex_);
    limit = (config_.max_frames && stats_.frames_written >= config_.max_frames) ||
            (config_.max_duration_us && stats_.first_pts_us >= 0 &&
             stats_.last_pts_us - stats_.first_pts_us + 1'000'000LL * config_.fps_den / config_.fps_num >=
                 config_.max_duration_us);
  }
  if (limit) {
    finish_video();
    return make_error(Errc::end_of_stream, "limit reached");
  }
  return Status::ok();
}

void Recorder::finish_video() {
  std::lock_guard lock(mutex_);
  video_done_ = true;
  video_progress_.notify_all();
}

Status Recorder::stop() {
  if (stopped_ || !sensor_) return Status::ok();
  stopped_ = true;
  Status result;
  const uint32_t chn = config_.encoder_channel;
  if (started_) {
    (void)sensor_->stop();
    if (link_) link_->close();
    // Stop drains the encoder: every frame it accepted comes out and is written, unless a
    // frame limit was reached (then the file ends exactly there).
    Status drained = encoder_->Stop(chn);
    if (!drained.is_ok()) result = drained;
    while (!video_done_ && result.is_ok()) {
      StreamData stream;
      Status s = encoder_->GetStream(chn, stream, 1000);
      if (!s.is_ok()) break;
      result = write_stream(stream);
      (void)encoder_->ReleaseStream(chn, stream);
      std::lock_guard lock(mutex_);
      if (config_.max_frames && stats_.frames_written >= config_.max_frames) break;
    }
    finish_video();
    if (audio_thread_.joinable()) {
      {
        std::lock_guard lock(mutex_);
        audio_stop_ = true;
        video_progress_.notify_all();
      }
      audio_source_->interrupt();
      audio_thread_.join();
      audio_source_->stop();
    }
    std::lock_guard lock(mutex_);
    if (result.is_ok() && !audio_error_.is_ok()) result = audio_error_;
  }
  if (link_) {
    std::lock_guard lock(mutex_);
    stats_.frames_dropped = link_->stats().dropped;
  }
  link_.reset();
  (void)encoder_->Destroy(chn);
  Status closed = writer_->close();
  if (result.is_ok()) result = closed;
  encoder_.reset();
  sensor_.reset();
  return result;
}

RecorderStats Recorder::stats() const {
  std::lock_guard lock(mutex_);
  RecorderStats s = stats_;
  if (link_) s.frames_dropped = link_->stats().dropped;
  if (writer_) s.bytes = writer_->stats().bytes_written;
  if (audio_source_) s.audio_overruns = audio_source_->overruns();
  return s;
}

}  // namespace camrec::recorder
