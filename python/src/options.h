// SPDX-License-Identifier: LGPL-2.1-or-later
// Python keyword options -> camrec option structs, shared by Muxer, remux and Recorder.
#pragma once

#include <cstdint>
#include <string>

#include "camrec/muxer.h"

namespace camrec::python {

/// The file-layout keywords every writing call accepts (times in microseconds).
struct OutputKeywords {
  bool fragmented = false;
  bool faststart = false;
  bool cmaf = false;
  int64_t fragment_duration_us = 0;
  int64_t max_fragment_duration_us = 1'000'000;
  std::string fsync = "never";  ///< "never", "fragment" or "interval".
  int64_t fsync_interval_us = 1'000'000;
};

/// MuxerOptions from the keywords. Errors: invalid_argument naming the keyword.
Result<MuxerOptions> muxer_options(const OutputKeywords& k);

/// The Codec called `name` ("h264", "g711u", ...: codec_name()'s spelling). Errors:
/// invalid_argument listing the names.
Result<Codec> codec_from_name(const std::string& name);

}  // namespace camrec::python
