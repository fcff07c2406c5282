// SPDX-License-Identifier: LGPL-2.1-or-later
// Sensor sources that read pictures from files: YUV4MPEG2 (.y4m) and raw NV12 / I420.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "camrec/media/sensor_source.h"
#include "camrec/status.h"

namespace camrec::media {

/// The stream header of a Y4M file.
struct Y4mHeader {
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t fps_num = 0;  ///< 0 when the header has no F tag.
  uint32_t fps_den = 0;
  PixelFormat format = PixelFormat::i420;  ///< i420 for the 4:2:0 tags, gray8 for "mono".
  std::string colorspace = "420jpeg";      ///< The C tag as written (420jpeg if absent).
};

/// Parses the first line of a Y4M file (without its '\n'): "YUV4MPEG2 W.. H.. F..:.. [I.] [A..]
/// [C..] [X..]". Errors: malformed for a missing magic, W or H, or a bad number;
/// unsupported for interlaced video and chroma layouts other than 4:2:0 8-bit and mono;
/// invalid_argument for sizes outside 1..8192 or odd 4:2:0 sizes.
Result<Y4mHeader> parse_y4m_header(std::string_view line);

/// A Y4M file source; rate from the header (else, or with options.force_rate, options'). Errors: as parse_y4m_header, and
/// not_found / io for the file.
Result<std::unique_ptr<SensorSource>> open_y4m_source(const std::string& path,
                                                      const SourceOptions& options, Clock& clock);

/// A raw file of back-to-back frames of `format` (nv12 or i420) at options.width x height and
/// options' rate. Errors: invalid_argument for a bad size or format, malformed when the
/// file is empty or not a whole number of frames, not_found / io for the file.
Result<std::unique_ptr<SensorSource>> open_raw_source(const std::string& path, PixelFormat format,
                                                      const SourceOptions& options, Clock& clock);

}  // namespace camrec::media
