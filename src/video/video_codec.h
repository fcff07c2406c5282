// SPDX-License-Identifier: LGPL-2.1-or-later
// Software H.264 (libx264) and H.265 (libx265) encoders behind one interface; the
// Encoder turns their output into K230 stream packs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "camrec/media/encoder.h"
#include "camrec/media/frame.h"
#include "camrec/status.h"

namespace camrec::media {

/// H.264 (libx264) or H.265 (libx265).
enum class VideoCodec : uint8_t { h264, h265 };

/// Everything an encoder needs; validated by the Encoder before open.
struct VideoCodecConfig {
  VideoCodec codec = VideoCodec::h265;  ///< Which library.
  /// "baseline", "main" or "high" for H.264; "main" for H.265.
  std::string profile = "main";
  uint32_t width = 0;   ///< Pixels, even.
  uint32_t height = 0;  ///< Pixels, even.
  uint32_t bitrate_kbps = 4000;  ///< Target (CBR) or cap (VBR).
  uint32_t gop = 30;             ///< Frames from one IDR to the next.
  uint32_t fps_num = 30;  ///< Coded frame rate fps_num / fps_den.
  uint32_t fps_den = 1;   ///< Denominator of the rate.
  RateControl rate_control = RateControl::cbr;  ///< How bits are spent.
  uint32_t fixed_qp = 30;           ///< QP for RateControl::fixqp (0..51).
  std::string preset = "veryfast";  ///< x264/x265 speed preset.
  bool low_latency = true;          ///< Tune zerolatency: no lookahead, one frame in one out.
  int threads = 0;                  ///< Encoder threads; 0 = the library's choice.
};

/// One coded picture in decode order (= presentation order: I and P only).
struct EncodedPicture {
  std::vector<uint8_t> header;  ///< Annex B parameter sets (VPS/SPS/PPS); empty unless key.
  std::vector<uint8_t> data;    ///< Annex B NAL units of the picture (SEI and slices).
  bool keyframe = false;        ///< An IDR picture.
  int64_t pts_us = 0;           ///< Capture time of the source frame.
};

/// An open encoder. Not thread-safe: one caller at a time.
class VideoCodecEncoder {
 public:
  virtual ~VideoCodecEncoder() = default;
  /// Encodes `frame` (its size must be the configured one; nv12 and i420 are taken
  /// directly, other formats converted). Appends finished pictures (zero or more, depending
  /// on lookahead) to `out`. `force_idr` makes this frame an IDR. Errors: invalid_argument
  /// for a wrong size, internal when the library fails.
  virtual Status encode(const Frame& frame, bool force_idr, std::vector<EncodedPicture>& out) = 0;
  /// Encodes every delayed frame and appends the pictures to `out`. Errors: internal.
  virtual Status flush(std::vector<EncodedPicture>& out) = 0;
};

/// Opens an x264 (codec h264) or x265 (codec h265) encoder. Errors: invalid_argument when
/// the library rejects the preset, profile or parameters.
Result<std::unique_ptr<VideoCodecEncoder>> open_video_codec(const VideoCodecConfig& config);

}  // namespace camrec::media
