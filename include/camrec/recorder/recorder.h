// SPDX-License-Identifier: LGPL-2.1-or-later
// The recorder: a sensor linked to an encoder channel, an audio input with its encoder, and
// a MediaWriter (one MP4 or segments), on one capture clock. The modern C++ face of what
// K230's Mp4Container does, without its defects: every pack of every GetStream is written,
// audio is stamped by the capture clock (no synthetic +40 ms), and A/V are interleaved by
// time in the muxer.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "camrec/media/audio.h"
#include "camrec/media/audio_encoder.h"
#include "camrec/media/encoder.h"
#include "camrec/media/media_manager.h"
#include "camrec/media/sensor.h"
#include "camrec/muxer.h"

namespace camrec::recorder {

/// The deepest queue RecorderConfig::queue_frames takes (the link's limit).
inline constexpr uint32_t kMaxQueueFrames = 64;

struct RecorderConfig {
  // Video.
  std::string source = "testpattern";  ///< "testpattern", "file:PATH", "v4l2:/dev/videoN".
  /// v4l2 source: the pixel format to capture (media::kFourccNv12, ...); 0 = chosen.
  uint32_t pixel_format = 0;
  /// Picture size; 0 x 0 = the source's own (a Y4M file's, the size a camera gives for a
  /// 1280x720 request, 1280x720 for the test pattern and raw files). Another aspect ratio
  /// than the source's is letterboxed: the whole picture, centred, with black bars.
  uint32_t width = 1280;
  uint32_t height = 720;  ///< See width.
  /// Frame rate fps_num / fps_den; 0 = the source's own (a Y4M header's, the camera's; 30
  /// for the test pattern and raw files). A rate given for a Y4M file retimes its frames.
  uint32_t fps_num = 30;
  uint32_t fps_den = 1;  ///< Denominator of the rate.
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
  /// Encoder device 0..7: recorders running at once in one process each need their own
  /// device (and sensor_id).
  uint32_t encoder_device = media::VENC_DEV_ID;
  /// Frames the link between the sensor and the encoder holds while the encoder is busy,
  /// 1..kMaxQueueFrames. A paced source drops a frame that finds the queue full (a camera cannot wait),
  /// so the depth is the longest stall of the encoder's thread that loses nothing: 4 frames
  /// are 133 ms at 30 fps; a host shared with other work may stall it longer (16: 533 ms).
  /// Each queued frame holds a picture (1.4 MB at 1280x720 NV12, 3.1 MB at 1920x1080): memory
  /// taken when a stall fills the queue. An unpaced source waits instead of dropping.
  uint32_t queue_frames = 4;
  // Audio.
  std::optional<media::AudioCodec> audio;  ///< nullopt: no audio track.
  std::string audio_source = "tone";       ///< "tone", "wav:PATH", "alsa:DEVICE".
  /// Rate of the audio track: G.711 8000, Opus 8/12/16/24/48 kHz, AAC 8..48 kHz; 0 = the
  /// source's own when the codec takes it, else 8000 for G.711 and 48000 for Opus and AAC.
  /// A source of another rate or channel count is converted (libswresample).
  uint32_t audio_rate = 0;
  /// Channels of the audio track: G.711 1, Opus and AAC 1 or 2; 0 = the source's own when the
  /// codec takes it, else mono for G.711 and stereo for Opus and AAC (tone: mono).
  uint16_t audio_channels = 0;
  /// Flash/beep schedule of the test pattern and the tone (same instants: A/V sync marks).
  media::BeepSchedule marks;
  // Limits (0 = none).
  uint64_t max_frames = 0;
  int64_t max_duration_us = 0;
  /// Clock for capture stamps; null = the steady clock.
  media::Clock* clock = nullptr;
};

struct RecorderStats {
  /// Video frames taken from the encoder for the file. The latest one is handed to the writer
  /// when the next one comes (its duration is then known) or when the video ends.
  uint64_t frames_written = 0;
  uint64_t frames_dropped = 0;   ///< Dropped by the link because the encoder fell behind.
  uint64_t audio_packets = 0;   ///< Audio packets handed to the writer.
  uint64_t bytes = 0;            ///< Bytes of the output so far.
  uint64_t encoded_bytes = 0;    ///< Bytes of coded video and audio taken from the encoders.
  int64_t first_pts_us = -1;     ///< Capture time of the first video frame, µs.
  int64_t last_pts_us = -1;      ///< Capture time of the latest video frame taken, µs.
  uint64_t audio_overruns = 0;  ///< Times the audio input lost samples (device overruns).
};

/// Makes the recorder's output; called once the capture pipeline is built.
using WriterFactory = std::function<Result<std::unique_ptr<MediaWriter>>()>;

class Recorder {
 public:
  /// built (by create) -> started (start) -> stopped (stop; also straight from built).
  enum class State { built, started, stopped };

  /// Builds the pipeline writing to `writer` (owned). Nothing runs until start(). Errors:
  /// invalid_argument for a bad config or a null writer, and the sources' and encoders' errors.
  static Result<std::unique_ptr<Recorder>> create(const RecorderConfig& config, std::unique_ptr<MediaWriter> writer);
  /// Like create() above, but asks `make_writer` for the output only after the sources and
  /// encoders accepted the config, so a refused config never creates or truncates a file.
  static Result<std::unique_ptr<Recorder>> create(const RecorderConfig& config, const WriterFactory& make_writer);
  ~Recorder();

  /// Starts capture, encoding and the audio thread. Errors: wrong_state when started or
  /// stopped (a recorder records once), and the sources' start errors.
  Status start();
  /// Takes the next coded video frame (waiting up to `timeout_ms` for it; a HEADER-only
  /// stream does not count) and writes the audio captured up to the video written so far.
  /// Returns end_of_stream once a limit or the end of a file source is reached. Errors:
  /// wrong_state before start and after stop.
  Status process(int timeout_ms = 2000);
  /// Changes the picture size and bitrate while recording, as K230 programs change the
  /// channel attributes: the sensor scales the next frame it captures to `width` x `height`
  /// (letterboxed for another aspect ratio; the width aligned up to 16), and the encoder
  /// channel restarts at that frame with `bitrate_kbps`, coding it as a key frame after new
  /// parameter sets. Frames captured before keep the old size. The file gets a second sample
  /// description (stsd entry) from that key frame on, in every layout; players switch size
  /// there. Call it on the thread that calls process(). Errors: wrong_state before start,
  /// after stop, once the video ended (a limit, the end of a file source) and while the
  /// previous change has not reached the encoder (call process() and try again);
  /// invalid_argument for a zero or odd side (NV12 pictures have even sides), a size outside
  /// 64x64..8192x8192 or a bitrate outside 1..800000 kbit/s. After an error the recording
  /// goes on as before.
  Status reconfigure_video(uint32_t width, uint32_t height, uint32_t bitrate_kbps);
  /// Stops capture, drains the encoder (no frame it accepted is lost, unless a frame limit
  /// was reached), writes the audio up to the end of the last frame, and closes the writer.
  /// Idempotent.
  Status stop();
  /// A snapshot of the counters; any thread.
  RecorderStats stats() const;
  /// The current state (the thread that calls start/process/stop).
  State state() const { return state_; }
  /// The config as recorded: the source's own size and rate filled in where the config left
  /// them 0, the encoder's width (a multiple of 16); after reconfigure_video, its size and
  /// bitrate.
  const RecorderConfig& config() const { return config_; }
  /// The audio source's own format (before any conversion to audio_rate/audio_channels);
  /// zeros without audio.
  media::AudioFormat audio_input() const { return audio_input_; }

 private:
  explicit Recorder(RecorderConfig config);
  Status build(const WriterFactory& make_writer);
  Status take_stream(const media::StreamData& stream, bool& picture);
  Status write_held(int64_t duration_us);
  Status write_ready_audio(bool final);
  Status finish_video();
  bool frame_limit_reached() const;
  void audio_loop();

  RecorderConfig config_;
  media::Clock* clock_ = nullptr;
  int64_t frame_us_ = 0;  ///< Nominal frame duration: the last frame's duration in the file.
  std::unique_ptr<MediaWriter> writer_;
  std::shared_ptr<media::Sensor> sensor_;
  std::shared_ptr<media::Encoder> encoder_;
  std::unique_ptr<media::Link> link_;
  media::ChnAttr video_attr_;  ///< The encoder channel's attributes (reconfigure_video changes them).
  uint64_t reconfigurations_ = 0;  ///< reconfigure_video calls that succeeded.
  std::unique_ptr<media::AudioSource> audio_source_;
  std::unique_ptr<media::AudioEncoder> audio_encoder_;
  media::AudioFormat audio_input_{0, 0};
  uint32_t video_track_ = 0;
  uint32_t audio_track_ = 0;
  std::vector<uint8_t> parameter_sets_;  ///< The latest HEADER pack, put in front of every key frame.
  std::vector<uint8_t> frame_;
  /// The latest frame, written when the next one comes (the muxer then takes its duration
  /// from the next frame's time, so a gap after a drop stays a gap) or at the end.
  std::vector<uint8_t> held_;
  int64_t held_pts_us_ = -1;
  bool have_held_ = false;
  std::thread audio_thread_;
  std::atomic<bool> audio_stop_{false};
  mutable std::mutex mutex_;  ///< Guards what follows, and stats_.
  Status audio_error_;
  /// Encoded audio waiting for the video to reach it: all writes happen on the thread that
  /// calls process()/stop(), interleaved by time, and the audio never outlasts the video by
  /// more than one packet.
  std::deque<media::AudioPacket> audio_queue_;
  int64_t audio_end_us_ = -1;  ///< End of the audio encoded so far.
  /// AAC's encoder delay, µs: packet k decodes to frame k - 1, so the audio of the last
  /// frame needs the packet after it (the edit list presents packet k's output at frame
  /// k - 1's time).
  int64_t audio_delay_us_ = 0;
  int64_t video_end_us_ = -1;  ///< End of the video written so far (-1: none yet).
  bool audio_finished_ = false;  ///< The audio thread has left its loop.
  /// Signalled when video is written, audio is queued or the audio thread ends.
  std::condition_variable progress_;
  RecorderStats stats_;
  State state_ = State::built;
  bool input_closed_ = false;  ///< The source ended and the encoder was told to drain.
  std::atomic<bool> video_done_{false};
  /// The writer refused a packet: stop() then writes nothing more, it only winds the
  /// pipeline down (without waiting for frames nobody will take) and closes the writer.
  bool write_failed_ = false;
};

/// The muxer track config for a recorder's audio encoder.
AudioTrackConfig audio_track_config(const media::AudioEncoder& encoder);

}  // namespace camrec::recorder
