// SPDX-License-Identifier: LGPL-2.1-or-later
#include "testing/readback.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "box/top_level.h"
#include "io/source.h"
#include "testing/test_util.h"

namespace camrec::testing {
namespace {

/// Parses every complete top-level box of type T of the file at `path` (stops at the first
/// that does not parse).
template <class T>
std::vector<T> top_level_of_type(const std::string& path) {
  std::vector<T> out;
  auto source = io::FileSource::open(path);
  if (!source) return out;
  auto scan = box::scan_top_level_boxes(**source);
  if (!scan) return out;
  for (const auto& h : scan->boxes) {
    if (h.type != T::kType) continue;
    auto parsed = box::read_top_level_box<T>(**source, h);
    if (!parsed) return {};
    out.push_back(std::move(*parsed));
  }
  return out;
}

}  // namespace

template <class T>
std::optional<T> last_top_level_box(const std::string& path) {
  auto all = top_level_of_type<T>(path);
  if (all.empty()) return std::nullopt;
  return std::move(all.back());
}
template std::optional<box::MovieBox> last_top_level_box<box::MovieBox>(const std::string&);
template std::optional<box::MovieFragmentBox> last_top_level_box<box::MovieFragmentBox>(const std::string&);

std::vector<box::MovieFragmentBox> movie_fragments(const std::string& path) {
  return top_level_of_type<box::MovieFragmentBox>(path);
}

namespace {

/// Sample frames in the signed 16-bit PCM file `pcm` that the command `r` wrote; -1 when
/// the command failed (`err` gets its output).
int64_t s16_frames(const CommandResult& r, const std::string& pcm, int channels, std::string* err) {
  if (r.exit_code != 0 || channels <= 0) {
    if (err) *err = r.out + r.err;
    return -1;
  }
  std::error_code ec;
  auto bytes = std::filesystem::file_size(pcm, ec);
  if (ec) return -1;
  return static_cast<int64_t>(bytes / (2 * static_cast<uint64_t>(channels)));
}

}  // namespace

int64_t ffmpeg_decoded_audio_frames(const std::string& path, int channels, std::string* err) {
  TempDir dir;
  const std::string pcm = dir.file("ffmpeg.pcm");
  auto r = run_command("ffmpeg -nostdin -v error -i " + shell_quote(path) + " -map 0:a:0 -c:a pcm_s16le -f s16le " +
                       shell_quote(pcm));
  return s16_frames(r, pcm, channels, err);
}

std::vector<DecodedFrame> decoded_video_frames(const std::string& path, std::string* err,
                                               const std::string& input_args) {
  auto r = run_command("ffmpeg -nostdin -v error -xerror " + input_args + " -i " + shell_quote(path) +
                       " -map 0:v:0 -vsync passthrough -enc_time_base -1 -f framemd5 -");
  std::vector<DecodedFrame> frames;
  if (r.exit_code != 0) {
    if (err) *err = r.err;
    return frames;
  }
  int64_t tb_num = 1, tb_den = 1;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("#tb 0: ", 0) == 0) {
      std::sscanf(line.c_str() + 7, "%ld/%ld", &tb_num, &tb_den);
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    // stream, dts, pts, duration, size, md5
    long long stream = 0, dts = 0, pts = 0, duration = 0, size = 0;
    char md5[64] = {0};
    if (std::sscanf(line.c_str(), "%lld, %lld, %lld, %lld, %lld, %63s", &stream, &dts, &pts, &duration, &size, md5) != 6)
      continue;
    frames.push_back({pts * tb_num * 1'000'000 / tb_den, md5});
  }
  return frames;
}

int64_t gst_decoded_audio_frames(const std::string& path, int channels, std::string* err) {
  TempDir dir;
  const std::string pcm = dir.file("gst.pcm");
  auto r = run_command("gst-launch-1.0 -q filesrc location=" + shell_quote(path) +
                       " ! qtdemux name=d d.audio_0 ! queue ! decodebin ! audioconvert ! audio/x-raw,format=S16LE ! "
                       "filesink location=" + shell_quote(pcm));
  return s16_frames(r, pcm, channels, err);
}

}  // namespace camrec::testing
