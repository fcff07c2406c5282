// SPDX-License-Identifier: LGPL-2.1-or-later
// The crash matrix: real `camrec` processes killed with SIGKILL at random instants, inside
// the close too, in every layout; then the file must play in ffmpeg as it is, or at worst
// after `camrec recover`, and hold every frame of the fragments written before the kill.
// A larger run: CAMREC_CRASH_KILLS=200 (kills per layout).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "testing/conformance.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::run_command;
using testing::shell_quote;

/// A child process whose stderr is read line by line.
struct Child {
  pid_t pid = -1;
  int err_fd = -1;
  std::string buffered;

  static Child spawn(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    Child c;
    c.pid = fork();
    if (c.pid == 0) {
      dup2(fds[1], 2);
      close(fds[0]);
      close(fds[1]);
      for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    c.err_fd = fds[0];
    return c;
  }

  /// Reads stderr until `needle` appears (true) or the process closes it (false).
  bool wait_for(const std::string& needle) {
    char buf[256];
    while (buffered.find(needle) == std::string::npos) {
      ssize_t n = read(err_fd, buf, sizeof buf);
      if (n <= 0) return false;
      buffered.append(buf, static_cast<size_t>(n));
    }
    return true;
  }

  /// Kills with SIGKILL and reaps; returns true when the process was still running.
  bool kill_now() {
    int status = 0;
    bool running = waitpid(pid, &status, WNOHANG) == 0;
    ::kill(pid, SIGKILL);
    if (running) waitpid(pid, &status, 0);
    char buf[4096];
    while (read(err_fd, buf, sizeof buf) > 0) buffered.append(buf);
    close(err_fd);
    return running;
  }

  size_t count(const std::string& needle) const {
    size_t n = 0;
    for (size_t at = buffered.find(needle); at != std::string::npos; at = buffered.find(needle, at + 1)) ++n;
    return n;
  }
};

int decodable_frames(const std::string& path, std::string* err) {
  auto r = run_command("ffmpeg -nostdin -v error -i " + shell_quote(path) + " -map 0:v:0 -f framemd5 -");
  if (err) *err = r.err;
  if (r.exit_code != 0) return -1;
  int n = 0;
  for (size_t at = 0; (at = r.out.find('\n', at)) != std::string::npos; ++at)
    if (at + 1 < r.out.size() && r.out[at + 1] != '#') ++n;
  return n;
}

struct Mode {
  const char* name;
  std::vector<std::string> flags;
};

class CrashMatrix : public ::testing::TestWithParam<Mode> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    // 10 s at 30 fps with 2 s GOPs: the 1 s fragment bound, not the GOP, limits the loss.
    input_ = dir_->file("in.h264");
    ASSERT_TRUE(testing::make_stream(input_, "160x120", 300, 30, "-c:v libx264 -preset ultrafast -g 60 -bf 0"));
  }
  static void TearDownTestSuite() { delete dir_; }

  static testing::TempDir* dir_;
  static std::string input_;
};

testing::TempDir* CrashMatrix::dir_ = nullptr;
std::string CrashMatrix::input_;

int kills_per_mode() {
  const char* env = std::getenv("CAMREC_CRASH_KILLS");
  return env ? std::max(1, std::atoi(env)) : 10;
}

void check_killed_file(const std::string& path, size_t fragments_before_kill, int index, int& repaired) {
  SCOPED_TRACE("kill " + std::to_string(index) + " after " + std::to_string(fragments_before_kill) + " fragments");
  // The file as the kill left it holds every mandatory box (a torn last box aside).
  testing::expect_conformant(path);
  std::string err;
  int frames = decodable_frames(path, &err);
  if (frames < 0 || !err.empty()) {
    auto r = run_command(std::string(CAMREC_CLI) + " recover " + shell_quote(path));
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    ++repaired;
    testing::expect_conformant(path);
    frames = decodable_frames(path, &err);
    ASSERT_GE(frames, 0) << err;
    EXPECT_EQ(err, "") << "ffmpeg still complains after recover";
  }
  // Every fragment written before the kill holds 30 frames (1 s): none of them is lost.
  EXPECT_GE(static_cast<size_t>(frames), 30 * fragments_before_kill);
}

TEST_P(CrashMatrix, KillAtRandomInstants) {
  std::mt19937 rng(12345);
  const int kills = kills_per_mode();
  int repaired = 0, played_as_is = 0;
  for (int i = 0; i < kills; ++i) {
    std::string out = dir_->file(std::string(GetParam().name) + "-" + std::to_string(i) + ".mp4");
    std::vector<std::string> args = {CAMREC_CLI, "remux", "-q", "--fps", "30", input_, out};
    for (const auto& f : GetParam().flags) args.push_back(f);
    // 15 ms after each of the ~10 fragments and each close step: ~200 ms of writing.
    Child c = Child::spawn(args, {"CAMREC_TEST_STEP_PAUSE_MS=15", "CAMREC_TEST_STEP_LOG=1"});
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 260'000)(rng)));
    c.kill_now();
    size_t fragments = c.count("step fragment-written");
    if (access(out.c_str(), F_OK) != 0) continue;  // killed before the file was created
    if (fragments == 0) {
      // Killed before the first fragment was complete: there is nothing to keep, and the
      // file holds at most a torn header. recover must say so clearly, or repair it.
      auto r = run_command(std::string(CAMREC_CLI) + " recover " + shell_quote(out));
      EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 65) << r.err;
      std::remove(out.c_str());
      continue;
    }
    int before = repaired;
    check_killed_file(out, fragments, i, repaired);
    played_as_is += repaired == before;
    std::remove(out.c_str());
  }
  std::printf("[ crash ] %s: %d kills, %d played as they were, %d needed recover\n", GetParam().name, kills,
              played_as_is, repaired);
}

TEST_P(CrashMatrix, KillInsideEachStepOfTheClose) {
  for (const char* step : {"final-moov-written", "final-moov-synced", "header-written"}) {
    SCOPED_TRACE(step);
    std::string out = dir_->file(std::string(GetParam().name) + "-close.mp4");
    std::vector<std::string> args = {CAMREC_CLI, "remux", "-q", "--fps", "30", input_, out};
    for (const auto& f : GetParam().flags) args.push_back(f);
    Child c = Child::spawn(args, {"CAMREC_TEST_STEP_PAUSE_MS=60", "CAMREC_TEST_STEP_LOG=1"});
    bool reached = c.wait_for(std::string("step ") + step);
    c.kill_now();
    if (!reached) continue;  // the fragmented layout has no such step
    int repaired = 0;
    // Every fragment was written before the close began: all 300 frames must survive.
    check_killed_file(out, 10, 0, repaired);
    EXPECT_EQ(decodable_frames(out, nullptr), 300);
    std::remove(out.c_str());
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, CrashMatrix,
                         ::testing::Values(Mode{"regular", {}}, Mode{"fragmented", {"--fmp4"}},
                                           Mode{"faststart", {"--faststart"}}),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace camrec
