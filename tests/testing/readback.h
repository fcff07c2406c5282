// SPDX-License-Identifier: LGPL-2.1-or-later
// Reading a written file back: its top-level boxes parsed with camrec's box layer, and what
// ffmpeg and GStreamer decode from it (frames with their times, audio sample counts), for
// the tests that check each reader gets every sample at its time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "box/boxes.h"

namespace camrec::testing {

/// The last complete top-level box of type T (MovieBox: a regular file's moov, which a
/// hybrid file's close appends after the fragments; MovieFragmentBox: the last fragment's
/// header) of the file at `path`, parsed; nullopt when there is none or it does not parse.
template <class T>
std::optional<T> last_top_level_box(const std::string& path);
extern template std::optional<box::MovieBox> last_top_level_box<box::MovieBox>(const std::string&);
extern template std::optional<box::MovieFragmentBox> last_top_level_box<box::MovieFragmentBox>(const std::string&);

/// Every complete top-level moof of the file at `path`, parsed (empty on a parse error).
std::vector<box::MovieFragmentBox> movie_fragments(const std::string& path);

/// One decoded video frame as ffmpeg outputs it.
struct DecodedFrame {
  int64_t pts_us = 0;  ///< Presentation time, microseconds.
  std::string md5;     ///< Hex MD5 of the picture.
};

/// Every video frame ffmpeg decodes from the first video stream of `path` (with -xerror),
/// in output order, with its presentation time (no frame rate conversion: frames sharing a
/// time or out of order show up as they are). Empty on failure (`err` gets ffmpeg's output).
std::vector<DecodedFrame> decoded_video_frames(const std::string& path, std::string* err = nullptr,
                                               const std::string& input_args = "");

/// Sample frames (one per channel set) of the first audio stream of `path` as ffmpeg
/// decodes them (edit lists applied); -1 when ffmpeg fails.
int64_t ffmpeg_decoded_audio_frames(const std::string& path, int channels, std::string* err = nullptr);

/// Decodes the first audio stream of `path` with `gst-launch-1.0 filesrc ! qtdemux !
/// decodebin ! audioconvert` to interleaved signed 16-bit PCM and returns how many sample
/// frames (one per channel set) reached the file sink; -1 when GStreamer fails (`err` gets
/// its output).
int64_t gst_decoded_audio_frames(const std::string& path, int channels, std::string* err = nullptr);

}  // namespace camrec::testing
