// SPDX-License-Identifier: LGPL-2.1-or-later
#include "options.h"

namespace camrec::python {

Result<MuxerOptions> muxer_options(const OutputKeywords& k) {
  constexpr int64_t kHour = 3'600'000'000;
  MuxerOptions m;
  m.layout = k.fragmented ? Layout::fragmented : Layout::regular;
  if (k.faststart && k.fragmented)
    return make_error(Errc::invalid_argument, "faststart=True and fragmented=True exclude each other");
  if (k.cmaf && !k.fragmented) return make_error(Errc::invalid_argument, "cmaf=True needs fragmented=True");
  if (k.fragment_duration_us < 0 || k.fragment_duration_us > kHour)
    return make_error(Errc::invalid_argument, "fragment_duration_us must be 0..3600000000");
  if (k.max_fragment_duration_us < 0 || k.max_fragment_duration_us > kHour)
    return make_error(Errc::invalid_argument, "max_fragment_duration_us must be 0..3600000000");
  m.faststart = k.faststart;
  m.cmaf = k.cmaf;
  m.fragment_duration_us = k.fragment_duration_us;
  m.max_fragment_duration_us = k.max_fragment_duration_us;
  if (k.fsync == "never") {
    m.fsync = FsyncPolicy::never;
  } else if (k.fsync == "fragment") {
    m.fsync = FsyncPolicy::every_fragment;
  } else if (k.fsync == "interval") {
    if (k.fsync_interval_us <= 0 || k.fsync_interval_us > kHour)
      return make_error(Errc::invalid_argument, "fsync_interval_us must be 1..3600000000");
    m.fsync = FsyncPolicy::interval;
    m.fsync_interval_us = k.fsync_interval_us;
  } else {
    return make_error(Errc::invalid_argument, "fsync must be 'never', 'fragment' or 'interval', not '" + k.fsync + "'");
  }
  return m;
}

Result<Codec> codec_from_name(const std::string& name) {
  std::string names;
  for (Codec c : {Codec::h264, Codec::h265, Codec::g711_alaw, Codec::g711_ulaw, Codec::aac, Codec::opus}) {
    if (name == codec_name(c)) return c;
    names += names.empty() ? "" : ", ";
    names += codec_name(c);
  }
  return make_error(Errc::invalid_argument, "unknown codec '" + name + "': use one of " + names);
}

}  // namespace camrec::python
