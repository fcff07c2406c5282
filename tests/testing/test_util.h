// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers for tests that use real files and real external tools (ffmpeg, ffprobe,
// gst-discoverer, mediainfo).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace camrec::testing {

/// A fresh directory under the system temp dir, removed (with its content) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  /// path() / name, as a string.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// One complete top-level box of a file.
struct TopBox {
  std::string type;
  uint64_t offset = 0;
  uint64_t size = 0;  ///< Whole box, header included.
};

/// The complete top-level boxes of `bytes` in file order, up to the first box that does not
/// fit (listed by the library's own walker, box::scan_top_level_boxes).
std::vector<TopBox> top_level_boxes(std::span<const uint8_t> bytes);
/// The same for the file at `path`.
std::vector<TopBox> top_level_boxes(const std::string& path);

/// Result of a finished command.
struct CommandResult {
  int exit_code = -1;   ///< Exit status, or 128 + signal number.
  std::string out;      ///< Standard output.
  std::string err;      ///< Standard error.
};

/// Runs `command` through /bin/sh, capturing both outputs.
CommandResult run_command(const std::string& command);

/// True when `tool` is on the PATH.
bool have_tool(const std::string& tool);

/// Reads a whole file (empty on error).
std::vector<uint8_t> read_file(const std::string& path);
/// Writes a whole file; returns false on error.
bool write_file(const std::string& path, const std::vector<uint8_t>& data);

/// Quotes `s` for /bin/sh.
std::string shell_quote(const std::string& s);

/// Ends the test process with a failure naming `what` when it is still alive `seconds` after
/// construction: a call that hangs then fails its test instead of blocking the suite (a
/// thread stuck in a wait cannot be taken back). Destroying the watchdog disarms it.
class Watchdog {
 public:
  Watchdog(std::string what, int seconds);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

/// `ffmpeg -f framemd5` of every decoded video frame of `path` (one md5 per frame, in
/// presentation order), decoding with -xerror. Empty on failure (err has ffmpeg's output).
std::vector<std::string> video_frame_md5s(const std::string& path, std::string* err = nullptr);

/// What `ffprobe -v warning` prints on stderr for `path` (empty = clean).
std::string ffprobe_warnings(const std::string& path);

/// The value of `key` in ffprobe's `-show_entries stream=KEY` for the first stream of
/// `type` ("v" or "a"), or "" when absent.
std::string ffprobe_stream_value(const std::string& path, const std::string& type, const std::string& key);

/// Number of packets ffprobe counts in the stream `type` ("v" or "a").
int ffprobe_packet_count(const std::string& path, const std::string& type);

/// Runs `ffmpeg -nostdin -y -v error ARGS OUT` once per build tree and returns OUT, a file
/// in a cache under the build directory named after a hash of ARGS (with extension `ext`,
/// which also tells ffmpeg the format). Test processes share it, so the many test
/// processes CTest starts do not encode the same clip again. Empty on failure.
std::string cached_ffmpeg(const std::string& args, const std::string& ext);

/// Makes an H.264/H.265 elementary stream with ffmpeg's testsrc2 and libx264/libx265.
/// `codec_args` e.g. "-c:v libx264 -profile:v main -g 30 -bf 0". Returns false on failure.
bool make_stream(const std::string& out_path, const std::string& size, int frames, int fps,
                 const std::string& codec_args);

}  // namespace camrec::testing
