// The recorder: a sensor linked to an encoder channel, an audio input with its encoder, and
// a MediaWriter (one MP4 or segments), on one capture clock. The modern C++ face of what
// K230's Mp4Container does, without its defects: every pack of every GetStream is written,
// audio is stamped by the capture clock (no synthetic +40 ms), and A/V are interleaved by
// time in the muxer.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "camrec/muxer.h"
#include "media/audio.h"
#include "media/audio_encoder.h"
#include "media/encoder.h"
#include "media/media_manager.h"
#include "media/sensor.h"

namespace camrec::recorder {

struct RecorderConfig {
  // Video.
  std::string source = "testpattern";  ///< "testpattern", "file:PATH", "v4l2:/dev/videoN".
  uint32_t width = 1280;
  uint32_t height = 720;
  uint32_t fps_num = 30;
  uint32_t fps_den = 1;
  /// Test pattern and files: deliver frames in real time (true) or as fast as the encoder
  /// takes them (false; timestamps still 1/fps apart).
  bool paced = true;
  Codec video_codec = Codec::h264;
  uint32_t profile = media::H264_PROFILE_MAIN;  ///< K230 profile value.
  uint32_t bitrate_kbps = 4000;
  uint32_t gop = 30;
  media::RateControl rate_control = media::RateControl::cbr;
  std::string preset = "veryfast";
  uint32_t encoder_channel = media::VENC_CHN_ID_0;
  uint32_t sensor_id = media::CAM_DEV_ID_0;
  // Audio.
  std::optional<media::AudioCodec> audio;  ///< nullopt: no audio track.
  std::string audio_source = "tone";       ///< "tone", "wav:PATH", "alsa:DEVICE".
  uint32_t audio_rate = 8000;              ///< Opus: 8/12/16/24/48 kHz.
  uint16_t audio_channels = 1;
  /// Flash/beep schedule of the test pattern and the tone (same instants: A/V sync marks).
  media::BeepSchedule marks;
  // Limits (0 = none).
  uint64_t max_frames = 0;
  int64_t max_duration_us = 0;
  /// Clock for capture stamps; null = the steady clock.
  media::Clock* clock = nullptr;
};

struct RecorderStats {
  uint64_t frames_written = 0;   ///< Video samples handed to the writer.
  uint64_t frames_dropped = 0;   ///< Dropped by the link because the encoder fell behind.
  uint64_t audio_packets = 0;
  uint64_t bytes = 0;            ///< Bytes of the output so far.
  int64_t first_pts_us = -1;
  int64_t last_pts_us = -1;      ///< Capture time of the latest video frame written.
  uint64_t audio_overruns = 0;
};

class Recorder {
 public:
  /// Builds the pipeline writing to `writer` (owned). Nothing runs until start().
  static Result<std::unique_ptr<Recorder>> create(const RecorderConfig& config, std::unique_ptr<MediaWriter> writer);
  ~Recorder();

  /// Starts capture, encoding and the audio thread.
  Status start();
  /// Writes the next coded video frame (waiting up to `timeout_ms` for it) and everything
  /// the audio thread produced meanwhile. Returns end_of_stream once a limit or the end of
  /// a file source is reached and everything is written.
  Status process(int timeout_ms = 2000);
  /// Stops capture, drains the encoder (no frame it accepted is lost) and the audio, and
  /// closes the writer. Idempotent.
  Status stop();
  RecorderStats stats() const;

 private:
  explicit Recorder(RecorderConfig config);
  Status build(std::unique_ptr<MediaWriter> writer);
  Status write_stream(const media::StreamData& stream);
  Status write_audio_packets(std::vector<media::AudioPacket>& packets);
  void audio_loop();
  void finish_video();

  RecorderConfig config_;
  media::Clock* clock_ = nullptr;
  std::unique_ptr<MediaWriter> writer_;
  std::shared_ptr<media::Sensor> sensor_;
  std::shared_ptr<media::Encoder> encoder_;
  std::unique_ptr<media::Link> link_;
  std::unique_ptr<media::AudioSource> audio_source_;
  std::unique_ptr<media::AudioEncoder> audio_encoder_;
  uint32_t video_track_ = 0;
  uint32_t audio_track_ = 0;
  std::vector<uint8_t> header_;  ///< Parameter sets waiting for their key frame.
  std::vector<uint8_t> frame_;
  std::thread audio_thread_;
  std::atomic<bool> audio_stop_{false};
  Status audio_error_;
  mutable std::mutex mutex_;  ///< Guards stats_, audio_error_ and video_done_ waits.
  /// Signalled when a video frame is written or the video ends: audio waits for the first
  /// frame (so the file starts with video), and in unpaced mode keeps within kAudioLead of it.
  std::condition_variable video_progress_;
  RecorderStats stats_;
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<bool> video_done_{false};
};

/// The muxer track config for a recorder's audio encoder.
AudioTrackConfig audio_track_config(const media::AudioEncoder& encoder);

}  // namespace camrec::recorder
