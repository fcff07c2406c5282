// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers for the recorder tests: running the camrec CLI and the examples, reading a file's
// top-level boxes, stream times and decoded pictures/sound, and spotting the test pattern's
// flashes and the tone's beeps.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "camrec/muxer.h"
#include "camrec/recorder/recorder.h"
#include "testing/probe_util.h"
#include "testing/test_util.h"

namespace camrec::recorder::test {

using camrec::testing::run_command;
using camrec::testing::shell_quote;
using camrec::testing::top_level_boxes;

/// Records with `config` into a new file `path` until the source ends (a frame limit or the
/// end of a file source), then stops the recorder. The statistics of the finished recording,
/// or nullopt after a failed step (reported as a test failure naming the step).
inline std::optional<RecorderStats> record_to_end(const RecorderConfig& config, const std::string& path,
                                                  MuxerOptions options = {}) {
  auto muxer = Muxer::create_file(path, std::move(options));
  if (!muxer) {
    ADD_FAILURE() << "create " << path << ": " << muxer.error().to_string();
    return std::nullopt;
  }
  auto rec = Recorder::create(config, std::move(*muxer));
  if (!rec) {
    ADD_FAILURE() << "Recorder::create: " << rec.error().to_string();
    return std::nullopt;
  }
  if (Status s = (*rec)->start(); !s.is_ok()) {
    ADD_FAILURE() << "start: " << s.to_string();
    return std::nullopt;
  }
  Status s;
  while ((s = (*rec)->process()).is_ok()) {
  }
  EXPECT_EQ(s.code(), Errc::end_of_stream) << s.to_string();
  if (Status stopped = (*rec)->stop(); !stopped.is_ok()) {
    ADD_FAILURE() << "stop: " << stopped.to_string();
    return std::nullopt;
  }
  return (*rec)->stats();
}

/// Path of the camrec executable.
inline std::string cli() { return CAMREC_CLI; }

/// Path of a program built next to the tests (the examples).
inline std::string built(const std::string& name) { return std::string(CAMREC_BINARY_DIR) + "/" + name; }

/// Types of the top-level boxes, space separated ("ftyp mdat moov").
inline std::string top_level_types(const std::string& path) {
  std::string s;
  for (const auto& b : top_level_boxes(path)) s += (s.empty() ? "" : " ") + b.type;
  return s;
}

/// "12.345678" (ffprobe seconds) in µs; nullopt for "N/A" or garbage.
inline std::optional<int64_t> seconds_to_us(const std::string& text) {
  static const std::regex re(R"(^(-?)(\d+)(?:\.(\d{1,9}))?$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) return std::nullopt;
  std::string frac = m[3].str();
  frac.resize(6, '0');
  int64_t us = std::stoll(m[2].str()) * 1'000'000 + std::stoll(frac);
  return m[1].str() == "-" ? -us : us;
}

/// Start and duration (µs) of the first stream of `type` ("v" or "a") as ffprobe reports them.
struct StreamSpan {
  int64_t start_us = 0;
  int64_t duration_us = 0;
  int64_t end_us() const { return start_us + duration_us; }
};
inline std::optional<StreamSpan> stream_span(const std::string& path, const std::string& type) {
  auto start = seconds_to_us(camrec::testing::ffprobe_stream_value(path, type, "start_time"));
  auto duration = seconds_to_us(camrec::testing::ffprobe_stream_value(path, type, "duration"));
  if (!start || !duration) return std::nullopt;
  return StreamSpan{*start, *duration};
}

/// The pts (in the stream's time base) of the video packets of `path`, in presentation order.
inline std::vector<int64_t> video_pts(const std::string& path) {
  std::vector<int64_t> pts;
  for (const auto& p : camrec::testing::ffprobe_packets(path, "v:0")) {
    if (p.pts) pts.push_back(*p.pts);
  }
  std::sort(pts.begin(), pts.end());
  return pts;
}

/// Mean luma of every decoded frame of `path` (ffmpeg -xerror to gray8 at w x h; one per
/// coded frame: no frames repeated to fill timestamp gaps). Empty when ffmpeg fails (`err`
/// gets its output).
inline std::vector<double> frame_mean_luma(const std::string& path, uint32_t w, uint32_t h,
                                           std::string* err = nullptr) {
  camrec::testing::TempDir dir;
  const std::string raw = dir.file("v.gray");
  auto r = run_command("ffmpeg -nostdin -v error -xerror -i " + shell_quote(path) +
                       " -map 0:v:0 -fps_mode passthrough -f rawvideo -pix_fmt gray " + shell_quote(raw));
  if (r.exit_code != 0) {
    if (err) *err = r.err;
    return {};
  }
  auto bytes = camrec::testing::read_file(raw);
  const size_t frame = size_t{w} * h;
  std::vector<double> means;
  for (size_t off = 0; off + frame <= bytes.size(); off += frame) {
    uint64_t sum = 0;
    for (size_t i = 0; i < frame; ++i) sum += bytes[off + i];
    means.push_back(static_cast<double>(sum) / static_cast<double>(frame));
  }
  return means;
}

/// The first audio stream of `path` decoded by ffmpeg (-xerror) to mono s16le at its own
/// rate. Empty when ffmpeg fails.
inline std::vector<int16_t> decoded_pcm(const std::string& path, std::string* err = nullptr) {
  camrec::testing::TempDir dir;
  const std::string raw = dir.file("a.pcm");
  auto r = run_command("ffmpeg -nostdin -v error -xerror -i " + shell_quote(path) +
                       " -map 0:a:0 -ac 1 -f s16le " + shell_quote(raw));
  if (r.exit_code != 0) {
    if (err) *err = r.err;
    return {};
  }
  auto bytes = camrec::testing::read_file(raw);
  std::vector<int16_t> pcm(bytes.size() / 2);
  for (size_t i = 0; i < pcm.size(); ++i)
    pcm[i] = static_cast<int16_t>(bytes[2 * i] | bytes[2 * i + 1] << 8);
  return pcm;
}

/// Indices of the frames whose mean luma jumps up by more than `jump` over the previous one
/// (the test pattern's one-frame white flashes).
inline std::vector<size_t> flash_frames(const std::vector<double>& means, double jump = 60) {
  std::vector<size_t> out;
  for (size_t i = 1; i < means.size(); ++i) {
    if (means[i] - means[i - 1] > jump) out.push_back(i);
  }
  return out;
}

/// Sample indices where a beep starts: a sample above `threshold` after at least
/// `quiet_samples` of samples at or below it.
inline std::vector<size_t> beep_onsets(const std::vector<int16_t>& pcm, int threshold, size_t quiet_samples) {
  std::vector<size_t> out;
  size_t quiet = quiet_samples;  // the start counts as quiet
  for (size_t i = 0; i < pcm.size(); ++i) {
    if (std::abs(int{pcm[i]}) > threshold) {
      if (quiet >= quiet_samples) out.push_back(i);
      quiet = 0;
    } else {
      ++quiet;
    }
  }
  return out;
}

/// The "dropped N" count of camrec record's summary line, or -1 when absent.
inline int64_t summary_dropped(const std::string& err) {
  static const std::regex re(R"(dropped (\d+))");
  std::smatch m;
  int64_t last = -1;
  for (auto it = std::sregex_iterator(err.begin(), err.end(), re); it != std::sregex_iterator(); ++it)
    last = std::stoll((*it)[1].str());
  return last;
}

/// A child process started with fork/exec, its stderr going to a file.
struct Child {
  pid_t pid = -1;
  /// Waits for it; returns the exit code, or 128 + signal.
  int wait() {
    int status = 0;
    if (pid <= 0 || waitpid(pid, &status, 0) != pid) return -1;
    pid = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
  }
  /// Whether it has ended within `timeout_ms`; fills `exit_code` then.
  bool wait_for(int timeout_ms, int& exit_code) {
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
      int status = 0;
      pid_t r = waitpid(pid, &status, WNOHANG);
      if (r == pid) {
        pid = -1;
        exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
      }
      usleep(20'000);
    }
    return false;
  }
  ~Child() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

/// Starts `argv` with stdin from /dev/null, stdout and stderr to `log_path`.
inline void spawn(Child& child, const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    // A test runner may ignore SIGINT for its children; the recorder must see it.
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execv(args[0], args.data());
    _exit(127);
  }
  child.pid = pid;
}

}  // namespace camrec::recorder::test
