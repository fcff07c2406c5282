// SPDX-License-Identifier: LGPL-2.1-or-later
#include "testing/test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "box/fourcc.h"
#include "box/top_level.h"
#include "io/source.h"
#include "testing/conformance.h"

namespace camrec::testing {

struct Watchdog::State {
  std::mutex mutex;
  std::condition_variable cv;
  bool disarmed = false;
  std::thread thread;
};

Watchdog::Watchdog(std::string what, int seconds) : state_(std::make_shared<State>()) {
  state_->thread = std::thread([state = state_, what = std::move(what), seconds] {
    std::unique_lock lock(state->mutex);
    if (state->cv.wait_for(lock, std::chrono::seconds(seconds), [&] { return state->disarmed; })) return;
    std::fprintf(stderr, "FAILED: %s did not return within %d s (a hang); ending the test process\n", what.c_str(),
                 seconds);
    std::fflush(nullptr);
    std::_Exit(1);
  });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(state_->mutex);
    state_->disarmed = true;
  }
  state_->cv.notify_all();
  state_->thread.join();
}

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate = base / ("camrec-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::error_code ec;
    if (std::filesystem::create_directory(candidate, ec)) {
      path_ = candidate;
      return;
    }
  }
  path_ = base;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (path_ != std::filesystem::temp_directory_path()) std::filesystem::remove_all(path_, ec);
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

CommandResult run_command(const std::string& command) {
  TempDir dir;
  std::string out_path = dir.file("stdout"), err_path = dir.file("stderr");
  std::string full = "(" + command + ") >" + shell_quote(out_path) + " 2>" + shell_quote(err_path) + " </dev/null";
  int status = std::system(full.c_str());
  CommandResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.exit_code = 128 + WTERMSIG(status);
  auto out = read_file(out_path), err = read_file(err_path);
  r.out.assign(out.begin(), out.end());
  r.err.assign(err.begin(), err.end());
  return r;
}

bool have_tool(const std::string& tool) {
  return run_command("command -v " + shell_quote(tool)).exit_code == 0;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool write_file(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(out);
}

std::vector<TopBox> top_level_boxes(std::span<const uint8_t> bytes) {
  io::MemorySource source(bytes);
  auto scan = box::scan_top_level_boxes(source);
  std::vector<TopBox> boxes;
  if (!scan) return boxes;  // only an I/O error of the source, which memory cannot have
  for (const auto& h : scan->boxes) boxes.push_back({box::fourcc_string(h.type), h.offset, h.size});
  return boxes;
}

std::vector<TopBox> top_level_boxes(const std::string& path) { return top_level_boxes(read_file(path)); }

std::vector<std::string> video_frame_md5s(const std::string& path, std::string* err) {
  expect_conformant(path);
  auto r = run_command("ffmpeg -nostdin -v error -xerror -i " + shell_quote(path) + " -map 0:v:0 -f framemd5 -");
  std::vector<std::string> md5s;
  if (r.exit_code != 0) {
    if (err) *err = r.err;
    return md5s;
  }
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto comma = line.rfind(',');
    if (comma == std::string::npos) continue;
    std::string md5 = line.substr(comma + 1);
    while (!md5.empty() && md5.front() == ' ') md5.erase(md5.begin());
    md5s.push_back(md5);
  }
  return md5s;
}

std::string ffprobe_warnings(const std::string& path) {
  expect_conformant(path);
  auto r = run_command("ffprobe -v warning " + shell_quote(path));
  return r.err + (r.exit_code != 0 ? "(ffprobe exit " + std::to_string(r.exit_code) + ")" : "");
}

std::string ffprobe_stream_value(const std::string& path, const std::string& type, const std::string& key) {
  expect_conformant(path);
  auto r = run_command("ffprobe -v error -select_streams " + type + ":0 -show_entries stream=" + key +
                       " -of default=nw=1:nk=1 " + shell_quote(path));
  std::string v = r.out;
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

int ffprobe_packet_count(const std::string& path, const std::string& type) {
  expect_conformant(path);
  auto r = run_command("ffprobe -v error -select_streams " + type + ":0 -count_packets -show_entries "
                       "stream=nb_read_packets -of default=nw=1:nk=1 " + shell_quote(path));
  try {
    return std::stoi(r.out);
  } catch (...) {
    return -1;
  }
}

std::string cached_ffmpeg(const std::string& args, const std::string& ext) {
  std::filesystem::path dir = std::filesystem::path(CAMREC_BINARY_DIR) / "test-fixture-cache";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  char name[32];
  std::snprintf(name, sizeof name, "%016zx", std::hash<std::string>{}(args));
  std::string path = (dir / (std::string(name) + ext)).string();
  if (std::filesystem::exists(path)) return path;
  // Made under a private name and renamed: a process that finds the file finds it whole.
  std::string tmp = path + ".tmp" + std::to_string(::getpid()) + ext;
  auto r = run_command("ffmpeg -nostdin -y -v error " + args + " " + shell_quote(tmp));
  if (r.exit_code != 0) {
    std::filesystem::remove(tmp, ec);
    return "";
  }
  std::filesystem::rename(tmp, path, ec);
  return ec ? "" : path;
}

bool make_stream(const std::string& out_path, const std::string& size, int frames, int fps,
                 const std::string& codec_args) {
  std::string ext = std::filesystem::path(out_path).extension().string();
  std::string cached = cached_ffmpeg("-f lavfi -i testsrc2=size=" + size + ":rate=" + std::to_string(fps) +
                                         " -frames:v " + std::to_string(frames) + " -pix_fmt yuv420p " + codec_args,
                                     ext);
  if (cached.empty()) return false;
  std::error_code ec;
  std::filesystem::copy_file(cached, out_path, std::filesystem::copy_options::overwrite_existing, ec);
  return !ec;
}

}  // namespace camrec::testing
