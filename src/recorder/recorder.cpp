// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/recorder/recorder.h"

#include <algorithm>
#include <chrono>

#include "audio/audio_convert.h"
#include "codec/opus.h"
#include "frame/convert.h"

namespace camrec::recorder {

using media::StreamData;

AudioTrackConfig audio_track_config(const media::AudioEncoder& encoder) {
  AudioTrackConfig c;
  switch (encoder.codec()) {
    case media::AudioCodec::g711a: c.codec = Codec::g711_alaw; break;
    case media::AudioCodec::g711u: c.codec = Codec::g711_ulaw; break;
    case media::AudioCodec::opus: c.codec = Codec::opus; break;
    case media::AudioCodec::aac: c.codec = Codec::aac; break;
  }
  c.sample_rate = encoder.sample_rate();
  c.channels = encoder.channels();
  c.codec_config = encoder.opus_head();
  if (encoder.codec() == media::AudioCodec::aac) {
    c.codec_config = encoder.audio_specific_config();
    c.priming_samples = encoder.priming_samples();
  }
  return c;
}

Recorder::Recorder(RecorderConfig config) : config_(std::move(config)) {}

Recorder::~Recorder() { (void)stop(); }

Result<std::unique_ptr<Recorder>> Recorder::create(const RecorderConfig& config, std::unique_ptr<MediaWriter> writer) {
  if (!writer) return make_error(Errc::invalid_argument, "recorder: no writer");
  auto shared = std::make_shared<std::unique_ptr<MediaWriter>>(std::move(writer));
  return create(config, [shared]() -> Result<std::unique_ptr<MediaWriter>> { return std::move(*shared); });
}

Result<std::unique_ptr<Recorder>> Recorder::create(const RecorderConfig& config, const WriterFactory& make_writer) {
  if (!make_writer) return make_error(Errc::invalid_argument, "recorder: no writer");
  if (config.fps_num != 0 && config.fps_den == 0) return make_error(Errc::invalid_argument, "recorder: frame rate denominator 0");
  if ((config.width == 0) != (config.height == 0))
    return make_error(Errc::invalid_argument, "recorder: give both sides of the size, or 0 x 0 for the source's own");
  if (config.video_codec != Codec::h264 && config.video_codec != Codec::h265)
    return make_error(Errc::invalid_argument, "recorder: video codec must be h264 or h265");
  // Checked here, not when start() links: a refused config must not create the output.
  if (config.queue_frames == 0 || config.queue_frames > kMaxQueueFrames)
    return make_error(Errc::invalid_argument, "recorder: a queue of " + std::to_string(config.queue_frames) +
                                                  " frames between the sensor and the encoder is outside 1.." +
                                                  std::to_string(kMaxQueueFrames));
  std::unique_ptr<Recorder> r(new Recorder(config));
  CAMREC_RETURN_IF_ERROR(r->build(make_writer));
  return r;
}

Status Recorder::build(const WriterFactory& make_writer) {
  clock_ = config_.clock ? config_.clock : &media::steady_clock();
  // One origin for the test pattern's flashes and the tone's beeps: the A/V sync marks.
  if (config_.marks.origin_us < 0) config_.marks.origin_us = clock_->now_us();

  media::SensorConfig sc;
  sc.id = config_.sensor_id;
  sc.source = config_.source;
  // What the pattern and raw files are made at and a camera is asked for, when the config
  // leaves size or rate to the source.
  const bool own_size = config_.width == 0;
  const bool own_rate = config_.fps_num == 0;
  sc.source_options.width = own_size ? 1280 : config_.width;
  sc.source_options.height = own_size ? 720 : config_.height;
  sc.source_options.fps_num = own_rate ? 30 : config_.fps_num;
  sc.source_options.fps_den = own_rate ? 1 : config_.fps_den;
  sc.source_options.force_rate = !own_rate;
  // Sources as they are: a size of another shape shows the whole picture, never distorted.
  sc.fit = media::ScaleFit::letterbox;
  sc.source_options.pixel_format = config_.pixel_format;
  sc.source_options.paced = config_.paced;
  sc.source_options.beeps = config_.marks;
  // An unpaced source loses nothing, so its frame limit is the file's. A paced one may drop
  // frames on the way to the encoder: then only the frames written count (process()).
  sc.source_options.max_frames = config_.paced ? 0 : config_.max_frames;
  sc.clock = clock_;
  auto sensor = media::Sensor::create(sc);
  if (!sensor) return sensor.error().with_context("video source '" + config_.source + "'");
  sensor_ = std::move(*sensor);
  const media::SourceFormat native = sensor_->source_format();
  if (own_size) {
    config_.width = native.width;
    config_.height = native.height;
  }
  if (own_rate) {
    config_.fps_num = native.fps_num;
    config_.fps_den = native.fps_den;
  }
  // Every frame lasts 1/rate of the rate recorded: the file's timestamps, the last frame's
  // duration and the encoder's bit budget per frame all follow it.
  frame_us_ = media::frame_offset_us(1, config_.fps_num, config_.fps_den);
  CAMREC_RETURN_IF_ERROR(sensor_->set_framesize(config_.width, config_.height, 0));
  // The encoders take NV12 and I420 as they are (x265 wants I420): a source of either layout
  // keeps it, so at its own size the encoder reads the source's buffer and no frame is
  // converted or copied on the way (a Y4M file is I420: converting it to NV12 was a copy
  // through a scratch picture per frame). Anything else becomes NV12, as on the K230.
  const bool planar = native.format == media::PixelFormat::i420;
  CAMREC_RETURN_IF_ERROR(sensor_->set_pixformat(planar ? media::PixelFormat::i420 : media::Sensor::YUV420SP, 0));
  CAMREC_ASSIGN_OR_RETURN(auto bind, sensor_->bind_info(0));
  config_.width = bind.width;
  // A picture of another size or layout is converted: a missing libyuv is found here, before
  // the writer makes a file.
  if (bind.width != native.width || bind.height != native.height || bind.format != native.format) {
    CAMREC_RETURN_IF_ERROR(media::load_converter());
  }

  CAMREC_ASSIGN_OR_RETURN(encoder_, media::Encoder::create(config_.encoder_device));
  const uint32_t chn = config_.encoder_channel;
  CAMREC_RETURN_IF_ERROR(encoder_->SetOutBufs(chn, 8, bind.width, bind.height));
  const uint32_t fps = std::max<uint32_t>(1, (config_.fps_num + config_.fps_den / 2) / config_.fps_den);
  media::ChnAttr attr = media::ChnAttrStr(
      config_.video_codec == Codec::h264 ? media::PAYLOAD_TYPE_H264 : media::PAYLOAD_TYPE_H265, config_.profile,
      bind.width, bind.height, config_.bitrate_kbps, config_.gop, fps, fps);
  attr.rc_mode = config_.rate_control;
  attr.preset = config_.preset;
  CAMREC_RETURN_IF_ERROR(encoder_->Create(chn, attr));
  video_attr_ = attr;

  if (config_.audio) {
    // The tone and a capture device are asked for the codec's format; a WAV file has its own.
    // Given values the codec does not take are refused here, before any source is opened.
    const media::AudioCodec codec = *config_.audio;
    const bool g711 = codec == media::AudioCodec::g711a || codec == media::AudioCodec::g711u;
    CAMREC_ASSIGN_OR_RETURN(media::AudioFormat ask, media::audio_format_for(codec, {g711 ? 8000u : 48000u, 1},
                                                                            config_.audio_rate, config_.audio_channels));
    media::AudioOptions ao;
    ao.sample_rate = ask.sample_rate;
    ao.channels = ask.channels;
    // K230 reads 320 samples (40 ms at 8 kHz); other rates read 20 ms.
    ao.frames_per_chunk = ask.sample_rate == 8000 ? 320 : ask.sample_rate / 50;
    ao.paced = config_.paced;
    ao.beeps = config_.marks;
    auto source = media::open_audio_source(config_.audio_source, ao, *clock_);
    if (!source) return source.error().with_context("audio source '" + config_.audio_source + "'");
    audio_source_ = std::move(*source);
    const media::AudioFormat in = audio_source_->format();
    CAMREC_ASSIGN_OR_RETURN(media::AudioFormat out,
                            media::audio_format_for(codec, in, config_.audio_rate, config_.audio_channels));
    if (in.sample_rate != out.sample_rate || in.channels != out.channels) {
      auto converter = media::AudioConverter::create(in, out);
      if (!converter) return converter.error().with_context("audio source '" + config_.audio_source + "'");
      audio_source_ = media::make_converting_source(std::move(audio_source_), std::move(*converter));
    }
    config_.audio_rate = out.sample_rate;
    config_.audio_channels = out.channels;
    audio_input_ = in;
    media::AudioEncoderConfig ec;
    ec.codec = codec;
    ec.sample_rate = out.sample_rate;
    ec.channels = out.channels;
    CAMREC_ASSIGN_OR_RETURN(audio_encoder_, media::make_audio_encoder(ec));
    // The encoder's delay: a capture instant's sound comes `priming` samples later in the
    // packets (a whole packet for AAC, Opus's 312-sample pre-skip), and the edit list hides
    // it. The audio kept must reach the last frame's end after that shift, or a file's sound
    // (and a browser's buffered range) ends the delay before its picture.
    audio_delay_us_ = rescale(audio_encoder_->priming_samples(), audio_encoder_->sample_rate(), kMicroseconds);
    if (audio_encoder_->codec() == media::AudioCodec::opus) {
      CAMREC_ASSIGN_OR_RETURN(auto head, codec::parse_opus_head(audio_encoder_->opus_head()));
      audio_delay_us_ = rescale(head.pre_skip, 48000, kMicroseconds);  // pre-skip counts at 48 kHz
    }
  }

  // Only now that everything accepted the config: a refused one leaves the output alone.
  CAMREC_ASSIGN_OR_RETURN(writer_, make_writer());
  if (!writer_) return make_error(Errc::invalid_argument, "recorder: no writer");
  VideoTrackConfig vt;
  vt.codec = config_.video_codec;
  CAMREC_ASSIGN_OR_RETURN(video_track_, writer_->add_video_track(vt));
  if (audio_encoder_) {
    CAMREC_ASSIGN_OR_RETURN(audio_track_, writer_->add_audio_track(audio_track_config(*audio_encoder_)));
  }
  return Status::ok();
}

Status Recorder::start() {
  if (state_ == State::started) return make_error(Errc::wrong_state, "recorder: start when started: it is recording already");
  if (state_ == State::stopped)
    return make_error(Errc::wrong_state, "recorder: start when stopped: the output is closed; create a new recorder");
  state_ = State::started;
  const uint32_t chn = config_.encoder_channel;
  CAMREC_RETURN_IF_ERROR(encoder_->Start(chn));
  media::LinkOptions lo;
  // A camera or a paced pattern must never stall: late frames are dropped and counted. A
  // file or an unpaced pattern loses nothing: the source waits for the encoder.
  lo.overflow = config_.paced ? media::OverflowPolicy::drop : media::OverflowPolicy::block;
  lo.send_timeout_ms = config_.paced ? 1000 : -1;
  lo.queue_depth = config_.queue_frames;
  CAMREC_ASSIGN_OR_RETURN(auto bind, sensor_->bind_info(0));
  CAMREC_ASSIGN_OR_RETURN(link_, media::MediaManager::link(bind.src, {media::VIDEO_ENCODE_MOD_ID, config_.encoder_device, chn}, lo));
  // Video first: a file's or a pattern's first frame is stamped when the sensor starts, so
  // audio started after it begins at (or just after) that frame. Started the other way round
  // the first audio packet began before the first frame, and the muxer, which starts the file
  // with video, dropped all of it (the audio began one audio frame late).
  CAMREC_RETURN_IF_ERROR(sensor_->run());
  if (audio_source_) {
    CAMREC_RETURN_IF_ERROR(audio_source_->start());
    audio_thread_ = std::thread([this] { audio_loop(); });
  }
  return Status::ok();
}

Status Recorder::reconfigure_video(uint32_t width, uint32_t height, uint32_t bitrate_kbps) {
  if (state_ == State::built)
    return make_error(Errc::wrong_state, "recorder: reconfigure_video when built: call start first (or give the "
                                         "size and bitrate in the config)");
  if (state_ == State::stopped)
    return make_error(Errc::wrong_state, "recorder: reconfigure_video when stopped: the output is closed");
  if (video_done_ || input_closed_)
    return make_error(Errc::wrong_state, "recorder: reconfigure_video after the video ended (a limit or the end of "
                                         "the source)");
  const uint32_t chn = config_.encoder_channel;
  // One change at a time: the encoder tells a new size's frames from the old one's by their
  // size alone, so a change replaced while frames of its size are on their way would leave
  // them without a channel that takes them.
  if (encoder_->stats(chn).reconfigurations != reconfigurations_)
    return make_error(Errc::wrong_state, "recorder: reconfigure_video: the change to " + std::to_string(config_.width) +
                                             "x" + std::to_string(config_.height) +
                                             " has not reached the encoder yet (it starts at the next frame "
                                             "captured): call process() and try again");
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  if (width == 0 || height == 0)
    return make_error(Errc::invalid_argument, "recorder: reconfigure_video: picture size " + size + " has a zero side");
  if (width % 2 != 0 || height % 2 != 0)
    return make_error(Errc::invalid_argument, "recorder: reconfigure_video: picture size " + size +
                                                  " has an odd side (NV12 pictures have even sides)");
  media::ChnAttr attr = video_attr_;
  // The sensor aligns the width up to 16 and the channel must take its frames as they come.
  attr.pic_width = (width + 15) / 16 * 16;
  attr.pic_height = height;
  attr.bit_rate = bitrate_kbps;
  // The encoder first: it switches only at the first frame of the new size, so frames of the
  // old size still on their way are coded as before, and when the sensor then refuses the
  // size, the unchanged attributes cancel the switch before any frame needed it.
  CAMREC_RETURN_IF_ERROR(encoder_->SetChnAttr(chn, attr).with_context("recorder: reconfigure_video"));
  if (Status s = sensor_->resize(width, height, 0); !s.is_ok()) {
    (void)encoder_->SetChnAttr(chn, video_attr_);
    return s.with_context("recorder: reconfigure_video");
  }
  // Attributes equal to the channel's change nothing (and the encoder counts nothing).
  if (attr != video_attr_) ++reconfigurations_;
  video_attr_ = attr;
  config_.width = attr.pic_width;
  config_.height = attr.pic_height;
  config_.bitrate_kbps = bitrate_kbps;
  return Status::ok();
}

namespace {

/// How far queued audio may run ahead of the video written: unpaced sources are held close
/// to the encoder's pace; paced ones only bounded (their reads must keep up with capture).
constexpr int64_t kUnpacedAudioLead = 200'000;
constexpr int64_t kPacedAudioLead = 10'000'000;
/// How long stop() waits for the audio that covers the last frame (a paced source delivers
/// a chunk only once its last sample is captured).
constexpr auto kAudioTailWait = std::chrono::seconds(2);
/// How often stop() looks whether the stopped source's last frames have passed the link.
constexpr int kStopPollMs = 20;

}  // namespace

void Recorder::audio_loop() {
  std::vector<media::AudioPacket> packets;
  const int64_t lead = config_.paced ? kPacedAudioLead : kUnpacedAudioLead;
  Status error;
  while (!audio_stop_) {
    auto chunk = audio_source_->read();
    packets.clear();
    bool ended = false;
    if (!chunk) {
      if (chunk.error().code() != Errc::end_of_stream) {
        error = chunk.error().with_context("audio capture");
        break;
      }
      // The end of a file: its last partial frame (padded with silence) and what the encoder
      // still holds belong to the recording too, or the audio ends up to two frames early.
      if (audio_stop_) break;
      error = audio_encoder_->flush(packets);
      ended = true;
    } else {
      error = audio_encoder_->encode(*chunk, packets);
    }
    if (!error.is_ok()) break;
    std::unique_lock lock(mutex_);
    for (auto& p : packets) {
      audio_end_us_ = p.pts_us + p.duration_us;
      audio_queue_.push_back(std::move(p));
    }
    progress_.notify_all();
    progress_.wait(lock, [&] {
      if (audio_stop_) return true;
      // After the video ended only the audio up to its end is still wanted.
      if (video_done_) return audio_end_us_ - audio_delay_us_ < video_end_us_;
      if (audio_queue_.empty()) return true;
      const int64_t reference = video_end_us_ >= 0 ? video_end_us_ : audio_queue_.front().pts_us;
      return audio_queue_.back().pts_us <= reference + lead;
    });
    if (ended) break;
  }
  std::lock_guard lock(mutex_);
  if (!error.is_ok()) audio_error_ = error;
  audio_finished_ = true;
  progress_.notify_all();
}

Status Recorder::write_ready_audio(bool final) {
  std::unique_lock lock(mutex_);
  // Audio goes in once the video reaches it: the file starts with video (audio from before
  // the first frame is dropped by the muxer) and ends with the last frame's audio.
  while (!audio_queue_.empty() && video_end_us_ >= 0 &&
         audio_queue_.front().pts_us - audio_delay_us_ < video_end_us_) {
    media::AudioPacket p = std::move(audio_queue_.front());
    audio_queue_.pop_front();
    lock.unlock();
    Status s = writer_->write(audio_track_, Packet{p.data, p.pts_us, p.pts_us, kMicroseconds, p.duration_us});
    if (!s.is_ok()) {
      write_failed_ = true;
      return s.with_context("audio");
    }
    lock.lock();
    ++stats_.audio_packets;
    stats_.encoded_bytes += p.data.size();
  }
  if (final) audio_queue_.clear();
  progress_.notify_all();
  return Status::ok();
}

Status Recorder::write_held(int64_t duration_us) {
  Status s = writer_->write(video_track_, Packet{held_, held_pts_us_, held_pts_us_, kMicroseconds, duration_us});
  if (!s.is_ok()) write_failed_ = true;
  return s.with_context("video");
}

bool Recorder::frame_limit_reached() const {
  std::lock_guard lock(mutex_);
  return config_.max_frames && stats_.frames_written >= config_.max_frames;
}

Status Recorder::take_stream(const StreamData& stream, bool& picture) {
  for (uint32_t i = 0; i < stream.pack_cnt; ++i) {
    const uint8_t* data = stream.data[i];
    const uint32_t size = stream.data_size[i];
    if (stream.stream_type[i] == media::STREAM_TYPE_HEADER) {
      // The encoder hands the parameter sets out once per Start (K230); every key frame
      // carries them into the writer, so each segment file can start with any of them.
      parameter_sets_.assign(data, data + size);
      continue;
    }
    frame_.clear();
    if (stream.stream_type[i] == media::STREAM_TYPE_I) frame_.assign(parameter_sets_.begin(), parameter_sets_.end());
    frame_.insert(frame_.end(), data, data + size);
    const int64_t pts = stream.pts[i];
    // The held frame lasts until this one (the muxer takes it from this frame's time); its
    // nominal duration lets the muxer keep a constant-rate source's durations constant
    // through the capture clock's jitter.
    const bool wrote = have_held_;
    if (wrote) CAMREC_RETURN_IF_ERROR(write_held(frame_us_));
    std::swap(held_, frame_);
    held_pts_us_ = pts;
    have_held_ = true;
    picture = true;
    std::lock_guard lock(mutex_);
    if (wrote) video_end_us_ = pts;
    ++stats_.frames_written;
    stats_.encoded_bytes += held_.size();
    if (stats_.first_pts_us < 0) stats_.first_pts_us = pts;
    stats_.last_pts_us = pts;
    progress_.notify_all();
  }
  return Status::ok();
}

Status Recorder::finish_video() {
  if (video_done_) return Status::ok();
  // The last frame lasts one frame time (not the gap before it, which may span drops).
  Status s = have_held_ ? write_held(frame_us_) : Status::ok();
  std::lock_guard lock(mutex_);
  if (have_held_ && s.is_ok()) video_end_us_ = held_pts_us_ + frame_us_;
  have_held_ = false;
  video_done_ = true;
  progress_.notify_all();
  return s;
}

Status Recorder::process(int timeout_ms) {
  if (state_ == State::built) return make_error(Errc::wrong_state, "recorder: process when built: call start first");
  if (state_ == State::stopped)
    return make_error(Errc::wrong_state, "recorder: process when stopped: the output is closed; create a new recorder");
  if (video_done_) return make_error(Errc::end_of_stream, "recording finished");
  {
    std::lock_guard lock(mutex_);
    if (!audio_error_.is_ok()) return audio_error_;
  }
  const uint32_t chn = config_.encoder_channel;
  for (bool picture = false; !picture;) {
    StreamData stream;
    Status s = encoder_->GetStream(chn, stream, timeout_ms);
    // The source ended, but frames it captured still wait in the link for an encoder slower
    // than the source: they belong to the recording (a deep queue holds many). The link
    // tells the encoder that the input ended once they have passed; until then, wait.
    if (s.code() == Errc::timeout && !input_closed_ && !sensor_->running() && link_ && link_->stats().queued > 0)
      return s;
    if (!s.is_ok() && !input_closed_ && !sensor_->running()) {
      input_closed_ = true;
      // The source ended (end of file, frame limit, device error): drain the encoder.
      Status source = sensor_->last_error();
      if (link_) link_->close();
      CAMREC_RETURN_IF_ERROR(encoder_->Stop(chn));
      if (!source.is_ok()) return source.with_context("capture");
      return Status::ok();
    }
    if (s.code() == Errc::end_of_stream) {
      CAMREC_RETURN_IF_ERROR(finish_video());
      return s;
    }
    CAMREC_RETURN_IF_ERROR(s);
    Status taken = take_stream(stream, picture);
    Status released = encoder_->ReleaseStream(chn, stream);
    CAMREC_RETURN_IF_ERROR(taken);
    CAMREC_RETURN_IF_ERROR(released);
  }
  CAMREC_RETURN_IF_ERROR(write_ready_audio(false));
  bool limit = false;
  {
    std::lock_guard lock(mutex_);
    limit = (config_.max_frames && stats_.frames_written >= config_.max_frames) ||
            (config_.max_duration_us && stats_.first_pts_us >= 0 &&
             stats_.last_pts_us - stats_.first_pts_us + frame_us_ >= config_.max_duration_us);
  }
  if (limit) {
    CAMREC_RETURN_IF_ERROR(finish_video());
    return make_error(Errc::end_of_stream, "limit reached");
  }
  return Status::ok();
}

Status Recorder::stop() {
  if (state_ == State::stopped || !sensor_) return Status::ok();
  const bool was_started = state_ == State::started;
  state_ = State::stopped;
  Status result;
  const uint32_t chn = config_.encoder_channel;
  if (was_started) {
    // An unpaced source waits for room in the link, and the link for room in the encoder,
    // whose output only this thread takes: the source is stopped on a helper thread while
    // this one keeps taking streams, until every frame captured has passed the link.
    std::atomic<bool> source_stopped{false};
    std::thread stopper([&] {
      (void)sensor_->stop();
      source_stopped = true;
    });
    while (!write_failed_ && !video_done_ && result.is_ok() && !frame_limit_reached()) {
      if (source_stopped && (!link_ || link_->stats().queued == 0)) break;
      StreamData stream;
      Status s = encoder_->GetStream(chn, stream, kStopPollMs);
      if (s.code() == Errc::timeout) continue;
      if (!s.is_ok()) break;  // nothing more can come (source ended, unlinked, stalled)
      bool picture = false;
      result = take_stream(stream, picture);
      (void)encoder_->ReleaseStream(chn, stream);
    }
    // Stop drains the encoder: every frame it accepted comes out and is written, unless a
    // frame limit was reached (then the file ends exactly there) or the output failed. It
    // also ends a send waiting for room, so the source and the link can wind down even when
    // the frames still on their way are not wanted.
    Status drained = encoder_->Stop(chn);
    if (!drained.is_ok() && result.is_ok()) result = drained;
    stopper.join();
    if (link_) link_->close();
    while (!write_failed_ && !video_done_ && result.is_ok()) {
      StreamData stream;
      Status s = encoder_->GetStream(chn, stream, 1000);
      if (!s.is_ok()) break;
      bool picture = false;
      result = take_stream(stream, picture);
      (void)encoder_->ReleaseStream(chn, stream);
      if (frame_limit_reached()) break;
    }
    // After a write error the output takes nothing more (its error was reported by
    // process()); the recorder only lets go of the pipeline and closes the writer.
    Status finished = write_failed_ ? Status::ok() : finish_video();
    if (result.is_ok()) result = finished;
    if (audio_thread_.joinable()) {
      {
        std::unique_lock lock(mutex_);
        if (!write_failed_)
          progress_.wait_for(lock, kAudioTailWait,
                             [&] { return audio_finished_ || audio_end_us_ - audio_delay_us_ >= video_end_us_; });
        audio_stop_ = true;
        progress_.notify_all();
      }
      audio_source_->interrupt();
      audio_thread_.join();
      audio_source_->stop();
    }
    if (writer_ && !write_failed_) {
      Status audio = write_ready_audio(true);
      if (result.is_ok()) result = audio;
    }
    std::lock_guard lock(mutex_);
    if (result.is_ok() && !audio_error_.is_ok()) result = audio_error_;
  }
  if (link_) {
    std::lock_guard lock(mutex_);
    stats_.frames_dropped = link_->stats().dropped;
  }
  link_.reset();
  if (encoder_) (void)encoder_->Destroy(chn);
  if (writer_) {
    Status closed = writer_->close();
    if (result.is_ok()) result = closed;
  }
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
