// SPDX-License-Identifier: LGPL-2.1-or-later
// Structured readings of a media file by external tools (ffprobe packets and streams,
// gst-discoverer, GStreamer decoding, mediainfo) and hashes to compare them with, for
// tests that check camrec's files against what other readers see.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace camrec::testing {

/// One stream as `ffprobe -show_streams` lists it.
struct ProbeStream {
  int index = -1;
  std::string codec_type;  ///< "video", "audio", ...
  std::string codec_name;  ///< "h264", "hevc", "pcm_mulaw", ...
  int64_t tb_num = 0;      ///< time_base numerator.
  int64_t tb_den = 0;
  int width = 0;
  int height = 0;
  int sample_rate = 0;
  int channels = 0;
  std::optional<int64_t> duration_ts;  ///< In time_base units, when ffprobe gives it.
};

/// One packet as `ffprobe -show_packets` lists it (times in the stream's time_base).
struct ProbePacket {
  int stream_index = -1;
  std::optional<int64_t> pts;
  std::optional<int64_t> dts;
  int64_t duration = 0;
  int64_t size = 0;
  int64_t pos = -1;
  bool key = false;
  bool discard = false;      ///< Flag 'D': dropped by the edit list.
  std::string md5;           ///< Hex MD5 of the packet data (only when asked for).
};

/// The streams of `path`; empty when ffprobe fails. `input_args` go before -i (e.g.
/// "-framerate 30" for a raw stream).
std::vector<ProbeStream> ffprobe_streams(const std::string& path, const std::string& input_args = "");

/// The packets of `path` in file order, of the streams chosen by `select` ("v:0", "a:0", or
/// "" for all), with their MD5 when `hash`. Empty when ffprobe fails.
std::vector<ProbePacket> ffprobe_packets(const std::string& path, const std::string& select = "",
                                         bool hash = false, const std::string& input_args = "");

/// Hex MD5 of each buffer (computed by python3's hashlib in one process).
std::vector<std::string> md5_hex(const std::vector<std::vector<uint8_t>>& buffers);
/// Hex MD5 of one buffer.
std::string md5_hex(const std::vector<uint8_t>& buffer);

/// MD5 of the first audio stream of `path` decoded by ffmpeg to signed 16-bit PCM (same
/// rate and channels), or "" when ffmpeg fails. `input_args` go before -i (e.g.
/// "-f mulaw -ar 8000 -ac 1" for raw G.711).
std::string decoded_audio_md5(const std::string& path, const std::string& input_args = "",
                              std::string* err = nullptr);

/// What gst-discoverer-1.0 says about the first video stream (and the container).
struct GstDiscovery {
  bool ok = false;             ///< The tool ran and named a container.
  std::string video_codec;     ///< e.g. "H.264 (High Profile)".
  std::string audio_codec;     ///< e.g. "MPEG-4 AAC".
  int width = 0;
  int height = 0;
  int64_t duration_ns = -1;
  std::string output;          ///< Everything it printed, for failure messages.
};
GstDiscovery gst_discover(const std::string& path);

/// Decodes every stream of `path` with `gst-launch-1.0 filesrc ! qtdemux ! decodebin !
/// fakesink` and counts the video frames that reached the sink. `exit_code` gets the
/// tool's exit status. Returns -1 when the output could not be read.
int gst_decoded_video_frames(const std::string& path, int* exit_code);

/// How GStreamer reads a file: `pull` seeks in it (filesrc, what playbin and gst-discoverer
/// do with a local file); `push` takes it as a stream in order (fdsrc, as from a socket).
enum class GstRead { pull, push };

/// GStreamer's decoded video frames of `path` (an MP4 or an elementary stream), converted to
/// I420, one MD5 each in presentation order; empty when the pipeline fails.
std::vector<std::string> gst_video_frame_md5s(const std::string& path, GstRead read = GstRead::pull);

/// `mediainfo --Inform=<inform>` for `path`, trailing newline removed (e.g.
/// "Video;%Format%|%Width%|%Height%").
std::string mediainfo(const std::string& path, const std::string& inform);

/// What mp4box.js (GPAC's JavaScript MP4 parser, npm package `mp4box`, installed into
/// tests/node by scripts/install-deps.sh) reads in a file.
struct Mp4BoxReading {
  bool available = false;  ///< node and the package are installed.
  bool ready = false;      ///< The parser read the whole header (its onReady fired).
  std::string json;        ///< Its whole report (tracks, sample counts, logged errors).
  std::vector<std::string> codecs;       ///< Per track, e.g. "avc1.42c01e".
  std::vector<int64_t> sample_counts;    ///< Per track, fragments included.
  std::vector<int64_t> descriptions;     ///< Per track: stsd entries.
  std::vector<std::string> errors;       ///< What it logged at error level.
};
Mp4BoxReading mp4box_read(const std::string& path);

}  // namespace camrec::testing
