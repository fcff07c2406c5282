// K230's Mp4Container: the one-object recorder of the CanMV tutorial
// (Mp4CfgStr.SetMuxerCfg -> Create -> Start -> Process... -> Stop -> Destroy), on camrec's
// Recorder. Defaults as K230: H.265 Main, CBR 4000 kbit/s, GOP 30, 30 fps, G.711 µ-law
// 8 kHz mono, test pattern (the camera of a board without one).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "recorder/recorder.h"

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
};

class Mp4Container {
 public:
  static constexpr int MP4_CONFIG_TYPE_MUXER = 1;
  static constexpr int MP4_CODEC_ID_H264 = 0;
  static constexpr int MP4_CODEC_ID_H265 = 1;
  static constexpr int MP4_CODEC_ID_G711A = 2;
  static constexpr int MP4_CODEC_ID_G711U = 3;

  ~Mp4Container();
  /// Builds the pipeline. Errors: invalid_argument for a config type other than muxer, an
  /// unknown codec id or a bad size; wrong_state when created already.
  Status Create(const Mp4CfgStr& config);
  /// Starts capture. Errors: wrong_state before Create or when started.
  Status Start();
  /// Writes one video frame (every pack of the GetStream) and the audio captured meanwhile.
  /// Errors: wrong_state before Start; the muxer's and encoder's errors.
  Status Process();
  /// Stops capture and finishes the file (nothing the encoder holds is lost).
  Status Stop();
  /// Frees everything; the object can be created again.
  Status Destroy();

  RecorderStats stats() const;

 private:
  std::unique_ptr<Recorder> recorder_;
  bool started_ = false;
};

}  // namespace camrec::recorder
