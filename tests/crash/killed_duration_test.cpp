// SPDX-License-Identifier: LGPL-2.1-or-later
// A recording killed (SIGKILL) while it runs is a fragmented MP4 in either layout: its header
// has a moov without sample tables and the fragments follow. GStreamer's qtdemux reads only
// the first fragments when it opens such a file and takes the header's mehd duration (else
// mvhd's) for the length of the whole; the muxer keeps mehd at the end of the fragments
// written, so gst-discoverer reports the length the file really has (docs/file-layout.md).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "testing/probe_util.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

/// Seconds `camrec info` gives the file (its own demuxer reads every fragment), or -1.
double info_seconds(const std::string& path) {
  auto r = testing::run_command(std::string(CAMREC_CLI) + " info " + testing::shell_quote(path));
  // "NAME: fragmented MP4, 2 tracks, 4.000 s, 123 bytes"
  const size_t s = r.out.find(" s, ");
  if (r.exit_code != 0 || s == std::string::npos) return -1;
  const size_t comma = r.out.rfind(", ", s);
  return std::atof(r.out.substr(comma + 2, s - comma - 2).c_str());
}

class KilledRecording : public ::testing::TestWithParam<bool> {};

TEST_P(KilledRecording, GstDiscovererReportsTheLengthTheFileHas) {
  const bool fragmented = GetParam();
  testing::TempDir dir;
  const std::string out = dir.file("killed.mp4");
  std::vector<std::string> args = {CAMREC_CLI, "record", "--source", "testpattern", "--size", "160x120",
                                   "--audio", "g711u", "--duration", "60", "-o", out};
  if (fragmented) args.push_back("--fmp4");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::freopen("/dev/null", "w", stderr);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  // A few fragments (1 s each) in real time, then killed: no close runs.
  std::this_thread::sleep_for(std::chrono::milliseconds(4500));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "camrec ended before it was killed";

  const double real = info_seconds(out);
  ASSERT_GE(real, 2.0) << "too few fragments were written to tell the first from the whole";
  const auto gst = testing::gst_discover(out);
  ASSERT_TRUE(gst.ok) << gst.output;
  const double reported = static_cast<double>(gst.duration_ns) / 1e9;
  // The header's duration is written after each fragment: a kill between the two leaves it
  // one fragment (1 s) short, never longer than the file.
  EXPECT_LE(reported, real + 0.001) << gst.output;
  EXPECT_GE(reported, real - 1.001) << "gst-discoverer reports " << reported << " s of a " << real << " s file\n"
                                    << gst.output;
}

INSTANTIATE_TEST_SUITE_P(Layouts, KilledRecording, ::testing::Values(false, true),
                         [](const auto& p) { return std::string(p.param ? "fragmented" : "regular"); });

}  // namespace
}  // namespace camrec
