// SPDX-License-Identifier: LGPL-2.1-or-later
// An H.264 clip for the tests that write access units one by one through the kd_mp4 C API,
// and the few calls they all make: 60 frames of 320x240 from x264, a key frame every 30.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mp4_format.h"

namespace camrec::testing {

/// The clip as one Annex B stream and as its access units.
struct Clip {
  std::vector<uint8_t> stream;               ///< The whole stream.
  std::vector<std::vector<uint8_t>> units;  ///< One Annex B access unit each (IDRs with SPS/PPS).
};

/// The clip, made once per process.
const Clip& clip();

/// `unit` split in two: its parameter set NAL units, and the rest (each with 4-byte start codes).
std::pair<std::vector<uint8_t>, std::vector<uint8_t>> split_parameter_sets(const std::vector<uint8_t>& unit);

/// kd_mp4_create of a muxer (regular layout) or demuxer on `path`; null (and a test
/// failure) on error.
KD_HANDLE create_kd_mp4(const std::string& path, k_mp4_config_type_e type);
/// A kd_mp4 muxer writing `path` (regular layout); null (and a test failure) on error.
KD_HANDLE create_kd_mp4_muxer(const std::string& path);
/// A video (H.264) or audio (G.711 µ-law, 8 kHz mono) track of `mp4`; `track` gets its handle.
int add_kd_mp4_track(KD_HANDLE mp4, KD_HANDLE* track, k_mp4_track_type_e type);
/// kd_mp4_write_frame of `data` at `time_us` with `codec`.
int write_kd_mp4_frame(KD_HANDLE mp4, KD_HANDLE track, k_mp4_codec_id_e codec, std::span<const uint8_t> data,
                       uint64_t time_us);

}  // namespace camrec::testing
