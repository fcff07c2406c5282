// SPDX-License-Identifier: LGPL-2.1-or-later
// K230's Mp4Container: the one-object recorder of the CanMV tutorial
// (Mp4CfgStr.SetMuxerCfg -> Create -> Start -> Process... -> Stop -> Destroy), on camrec's
// Recorder. Defaults as K230: H.265 Main, CBR 4000 kbit/s, GOP 30, 30 fps, G.711 µ-law
// 8 kHz mono, test pattern (the camera of a board without one).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "camrec/recorder/recorder.h"

namespace camrec::recorder {

/// Mp4CfgStr: what SetMuxerCfg fills in.
struct Mp4CfgStr {
  explicit Mp4CfgStr(int config_type) : type(config_type) {}
  /// K230: SetMuxerCfg(file, video codec, width, height, audio codec, fmp4Flag = 0).
  void SetMuxerCfg(const std::string& file, int video_codec, uint32_t w, uint32_t h, int audio_codec,
                   int fmp4 = 0) {
    file_name = file;
    video_payload_type = video_codec;
    width = w;
    height = h;
    audio_payload_type = audio_codec;
    fmp4_flag = fmp4;
  }

  int type = 0;
  std::string file_name;
  int video_payload_type = 1;  ///< MP4_CODEC_ID_H265
  uint32_t width = 1280;
  uint32_t height = 720;
  int audio_payload_type = 3;  ///< MP4_CODEC_ID_G711U
  int fmp4_flag = 0;
  /// camrec extensions (not in K230): the video source, whether it runs in real time, and
  /// the audio source ("tone", "wav:PATH", "alsa:DEVICE").
  std::string source = "testpattern";
  std::string audio_source = "tone";
  bool paced = true;
  /// camrec extension: frames queued between the sensor and the encoder, 1..64 (see
  /// RecorderConfig::queue_frames; Create refuses others).
  uint32_t queue_frames = 4;
};

class Mp4Container {
 public:
  static constexpr int MP4_CONFIG_TYPE_MUXER = 1;
  static constexpr int MP4_CODEC_ID_H264 = 0;
  static constexpr int MP4_CODEC_ID_H265 = 1;
  static constexpr int MP4_CODEC_ID_G711A = 2;
  static constexpr int MP4_CODEC_ID_G711U = 3;
  /// camrec extension (K230 records G.711 only): AAC-LC, 48 kHz mono, the number of
  /// K_MP4_CODEC_ID_AAC.
  static constexpr int MP4_CODEC_ID_AAC = 5;

  /// Where the container is in Create -> Start -> Process... -> Stop -> Destroy.
  enum class State { destroyed, created, started, stopped };

  ~Mp4Container();
  /// Builds the pipeline and creates the file: destroyed -> created. Errors: invalid_argument
  /// for a config type other than muxer, an unknown codec id, a bad size or a queue_frames
  /// outside 1..64; wrong_state unless destroyed.
  Status Create(const Mp4CfgStr& config);
  /// Starts capture: created -> started. Errors: wrong_state in any other state (after Stop:
  /// Destroy, then Create again), and the sources' start errors.
  Status Start();
  /// Writes one video frame (every pack of the GetStream) and the audio captured meanwhile.
  /// Errors: wrong_state unless started; the muxer's and encoder's errors.
  Status Process();
  /// camrec extension (not in K230): a new picture size and bitrate from the next frame
  /// captured on, as Recorder::reconfigure_video (a key frame and a second sample
  /// description there). Errors: wrong_state unless started; Recorder::reconfigure_video's.
  Status ReconfigureVideo(uint32_t width, uint32_t height, uint32_t bitrate_kbps);
  /// Stops capture and finishes the file (nothing the encoder holds is lost): created or
  /// started -> stopped (a Stop before Start leaves a file without frames). Again when
  /// stopped: ok. Errors: wrong_state when destroyed; the file's close errors.
  Status Stop();
  /// Stops if needed and frees everything: any state -> destroyed; Create may follow.
  Status Destroy();

  /// The current state.
  State state() const { return state_; }
  /// Counters of the recording (zeros when destroyed).
  RecorderStats stats() const;

 private:
  std::unique_ptr<Recorder> recorder_;
  State state_ = State::destroyed;
};

/// "created", ... for messages.
const char* to_string(Mp4Container::State state);

}  // namespace camrec::recorder
