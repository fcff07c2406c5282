// SPDX-License-Identifier: LGPL-2.1-or-later
// A full disk (ENOSPC, on a small tmpfs made for the test) and a file-size limit (EFBIG,
// RLIMIT_FSIZE): the command fails naming the cause, and the file on disk is valid with every
// fragment that fit.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <sstream>

#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::run_command;
using testing::shell_quote;

class DiskFull : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    input_ = dir_->file("in.h264");
    // 20 s of video, about 800 KB.
    ASSERT_TRUE(testing::make_stream(input_, "320x240", 600, 30, "-c:v libx264 -preset ultrafast -g 30 -bf 0"));
  }
  static void TearDownTestSuite() { delete dir_; }

  /// Frames ffmpeg decodes from `path` without any error message.
  static int clean_frames(const std::string& path) {
    auto r = run_command("ffmpeg -nostdin -v error -i " + shell_quote(path) + " -f framemd5 -");
    if (r.exit_code != 0 || !r.err.empty()) return -1;
    int n = 0;
    for (size_t at = 0; (at = r.out.find('\n', at)) != std::string::npos; ++at)
      if (at + 1 < r.out.size() && r.out[at + 1] != '#') ++n;
    return n;
  }

  /// Frames a file written until `limit` bytes must hold: those of every fragment that
  /// ends within the limit (read from a reference fragmented remux; the regular layout's
  /// fragments sit 16 bytes later, after its placeholder).
  static int expected_frames(uint64_t limit, bool regular) {
    std::string ref = dir_->file("ref.mp4");
    auto made = run_command(std::string(CAMREC_CLI) + " remux -q -y --fmp4 " + shell_quote(input_) + " " + shell_quote(ref));
    EXPECT_EQ(made.exit_code, 0) << made.err;
    auto ends = run_command(std::string(CAMREC_CLI) + " info --boxes --json " + shell_quote(ref) +
                            " | python3 -c 'import json,sys\nfor b in json.load(sys.stdin):\n"
                            "  print(b[\"type\"], b[\"offset\"] + b[\"size\"])'");
    EXPECT_EQ(ends.exit_code, 0) << ends.err;
    int frames = 0;
    std::istringstream lines(ends.out);
    std::string type;
    uint64_t end = 0;
    while (lines >> type >> end)
      if (type == "mdat" && end + (regular ? 16 : 0) <= limit) frames += 30;  // 1 s fragments at 30 fps
    return frames;
  }

  static testing::TempDir* dir_;
  static std::string input_;
};

testing::TempDir* DiskFull::dir_ = nullptr;
std::string DiskFull::input_;

TEST_F(DiskFull, FileTooLargeKeepsEveryFragmentThatFit) {
  for (const char* layout : {"", "--fmp4"}) {
    SCOPED_TRACE(layout);
    std::string out = dir_->file("fbig.mp4");
    // A 200 KiB file size limit, a quarter of the output.
    auto r = run_command("prlimit --fsize=204800 " + std::string(CAMREC_CLI) + " remux -y " + layout + " " + shell_quote(input_) +
                         " " + shell_quote(out));
    EXPECT_EQ(r.exit_code, 74) << r.err;
    EXPECT_NE(r.err.find("hint: the file system limits the file size: --segment-size"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
    int frames = clean_frames(out);
    EXPECT_EQ(frames, expected_frames(200 * 1024, layout[0] == 0)) << "every fragment that fit must play";
    EXPECT_GT(frames, 0);
    EXPECT_EQ(testing::ffprobe_warnings(out), "");
  }
}

TEST_F(DiskFull, NoSpaceKeepsEveryFragmentThatFit) {
  testing::TempDir mount_point;
  std::string dir = mount_point.path().string();
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=256k") != 0)
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root); the file-size limit test covers the same path";
  for (const char* layout : {"", "--fmp4"}) {
    SCOPED_TRACE(layout);
    std::string out = dir + "/full.mp4";
    std::remove(out.c_str());
    auto r = run_command(std::string(CAMREC_CLI) + " remux " + layout + " " + shell_quote(input_) + " " +
                         shell_quote(out));
    EXPECT_EQ(r.exit_code, 74) << r.err;
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("hint: free some space"), std::string::npos) << r.err;
    int frames = clean_frames(out);
    EXPECT_EQ(frames, expected_frames(256 * 1024, layout[0] == 0)) << "every fragment that fit must play";
    EXPECT_GT(frames, 0);
    EXPECT_EQ(testing::ffprobe_warnings(out), "");
  }
  ::umount(dir.c_str());
}

}  // namespace
}  // namespace camrec
