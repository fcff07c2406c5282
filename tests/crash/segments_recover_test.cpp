// SPDX-License-Identifier: LGPL-2.1-or-later
// Loop recording: segments that start at key frames and hold every frame exactly once; and
// `camrec recover` salvaging a regular file of another recorder cut before its moov, and
// reviving a last fragment whose moof was never renamed from 'free'.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "testing/conformance.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::run_command;
using testing::shell_quote;

using testing::TopBox;
using testing::top_level_boxes;

TEST(Segments, TenSegmentsHoldEveryFrameExactlyOnce) {
  testing::TempDir dir;
  std::string input = dir.file("in.h264");
  // 22 s at 30 fps, 1 s GOPs with B-frames: 11 segments of 2 s.
  ASSERT_TRUE(testing::make_stream(input, "160x120", 660, 30, "-c:v libx264 -preset ultrafast -g 30 -bf 2"));
  std::string pattern = dir.file("seg-{index:03}.mp4");
  auto r = run_command(std::string(CAMREC_CLI) + " remux -q --fps 30 --segment-duration 2 " + shell_quote(input) +
                       " " + shell_quote(pattern));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::vector<std::string> joined;
  int segments = 0;
  for (;; ++segments) {
    char name[32];
    std::snprintf(name, sizeof name, "seg-%03d.mp4", segments);
    std::string path = dir.file(name);
    if (!std::filesystem::exists(path)) break;
    EXPECT_EQ(testing::ffprobe_warnings(path), "") << name;
    // Each segment starts with a key frame: it decodes on its own with -xerror.
    std::string err;
    auto md5s = testing::video_frame_md5s(path, &err);
    ASSERT_FALSE(md5s.empty()) << name << ": " << err;
    joined.insert(joined.end(), md5s.begin(), md5s.end());
  }
  EXPECT_GE(segments, 10);
  EXPECT_EQ(joined, testing::video_frame_md5s(input)) << "no frame lost or repeated across segments";
}

TEST(Segments, KeepDeletesTheOldest) {
  testing::TempDir dir;
  std::string input = dir.file("in.h264");
  ASSERT_TRUE(testing::make_stream(input, "160x120", 300, 30, "-c:v libx264 -preset ultrafast -g 30 -bf 0"));
  auto r = run_command(std::string(CAMREC_CLI) + " remux -q --fps 30 --segment-duration 1 --keep 3 " +
                       shell_quote(input) + " " + shell_quote(dir.file("loop-{index}.mp4")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    files += e.path().filename().string().rfind("loop-", 0) == 0;
  EXPECT_EQ(files, 3);
  EXPECT_TRUE(std::filesystem::exists(dir.file("loop-9.mp4")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("loop-0.mp4")));
}

TEST(Recover, SalvagesARegularFileCutBeforeItsMoov) {
  // A K230-style file: parameter sets in-band at every key frame, moov at the end, cut by
  // a power failure before the moov was written.
  testing::TempDir dir;
  std::string input = dir.file("in.h264");
  ASSERT_TRUE(testing::make_stream(input, "160x120", 150, 30, "-c:v libx264 -preset ultrafast -g 30 -bf 0"));
  std::string full = dir.file("k230.mp4");
  auto made = run_command("ffmpeg -nostdin -v error -y -r 30 -i " + shell_quote(input) +
                          " -c copy -bsf:v dump_extra=freq=keyframe " + shell_quote(full));
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto bytes = testing::read_file(full);
  // The moov is the last box: cut at its start.
  size_t moov = 0;
  for (const auto& box : top_level_boxes(bytes))
    if (box.type == "moov") moov = box.offset;
  ASSERT_GT(moov, 0u);
  std::string cut = dir.file("cut.mp4");
  bytes.resize(moov);
  ASSERT_TRUE(testing::write_file(cut, bytes));
  testing::BrokenOnPurpose broken(cut);
  EXPECT_NE(testing::ffprobe_warnings(cut), "") << "ffmpeg cannot open it as it is";

  std::string fixed = dir.file("fixed.mp4");
  auto r = run_command(std::string(CAMREC_CLI) + " recover " + shell_quote(cut) + " -o " + shell_quote(fixed) + " --fps 30");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("salvaged"), std::string::npos) << r.out;
  EXPECT_EQ(testing::ffprobe_warnings(fixed), "");
  EXPECT_EQ(testing::video_frame_md5s(fixed), testing::video_frame_md5s(input)) << "every frame salvaged, bit-exact";
}

TEST(Recover, SaysClearlyWhenThereIsNothingToSalvage) {
  testing::TempDir dir;
  std::string junk = dir.file("junk.mp4");
  ASSERT_TRUE(testing::write_file(junk, std::vector<uint8_t>(1000, 0x55)));
  auto r = run_command(std::string(CAMREC_CLI) + " recover " + shell_quote(junk) + " -o " + shell_quote(dir.file("o.mp4")));
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_NE(r.err.find("neither a moov nor an mdat to salvage"), std::string::npos) << r.err;
}

/// The state a kill between writing the last fragment and renaming its moof leaves: that
/// moof still typed 'free' (ffmpeg skips it, and the fragment with it).
void unrename_last_moof(std::vector<uint8_t>& bytes) {
  auto boxes = top_level_boxes(bytes);
  for (auto it = boxes.rbegin(); it != boxes.rend(); ++it) {
    if (it->type == "moof") {
      std::copy_n("free", 4, bytes.begin() + static_cast<long>(it->offset) + 4);
      return;
    }
  }
  FAIL() << "no moof";
}

class RecoverPendingFragment : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = dir_.file("in.h264");
    // 3 s, a key frame every second: three fragments.
    ASSERT_TRUE(testing::make_stream(input_, "160x120", 90, 30, "-c:v libx264 -preset ultrafast -g 30 -bf 0"));
  }
  std::string remux(const std::string& name, const std::string& flags) {
    std::string out = dir_.file(name);
    auto r = run_command(std::string(CAMREC_CLI) + " remux -q --fps 30 " + flags + " " + shell_quote(input_) + " " +
                         shell_quote(out));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }
  testing::TempDir dir_;
  std::string input_;
};

TEST_F(RecoverPendingFragment, RevivesAWholeFragmentOfAFragmentedFile) {
  std::string path = remux("frag.mp4", "--fmp4");
  auto bytes = testing::read_file(path);
  unrename_last_moof(bytes);
  ASSERT_TRUE(testing::write_file(path, bytes));
  EXPECT_EQ(testing::video_frame_md5s(path).size(), 60u) << "players skip the fragment";

  auto r = run_command(std::string(CAMREC_CLI) + " recover " + shell_quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("90 video frames"), std::string::npos) << r.out;
  EXPECT_EQ(testing::ffprobe_warnings(path), "");
  EXPECT_EQ(testing::video_frame_md5s(path), testing::video_frame_md5s(input_)) << "every frame back, bit-exact";
}

TEST_F(RecoverPendingFragment, RevivesTheLastFragmentOfARecordingKilledBeforeItsClose) {
  // A closed regular file taken back to the moment before its close: the 16-byte mdat
  // header becomes the placeholder again and the final moov goes.
  std::string path = remux("regular.mp4", "");
  auto bytes = testing::read_file(path);
  auto boxes = top_level_boxes(bytes);
  ASSERT_EQ(boxes.size(), 3u);
  ASSERT_EQ(boxes[1].type, "mdat");
  ASSERT_EQ(boxes[2].type, "moov");
  const uint8_t placeholder[16] = {0, 0, 0, 16, 'f', 'r', 'e', 'e'};
  std::copy_n(placeholder, 16, bytes.begin() + static_cast<long>(boxes[1].offset));
  bytes.resize(boxes[2].offset);
  unrename_last_moof(bytes);
  ASSERT_TRUE(testing::write_file(path, bytes));

  std::string fixed = dir_.file("fixed.mp4");
  auto r = run_command(std::string(CAMREC_CLI) + " recover " + shell_quote(path) + " -o " + shell_quote(fixed));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ffprobe_warnings(fixed), "");
  EXPECT_EQ(top_level_boxes(testing::read_file(fixed)).back().type, "moov") << "made regular";
  EXPECT_EQ(testing::video_frame_md5s(fixed), testing::video_frame_md5s(input_));
}

TEST_F(RecoverPendingFragment, LeavesOutAFragmentWhoseDataNeverReachedTheDisk) {
  // After a power cut the moof may be on disk and its mdat still zeros: reviving it would
  // hand players garbage, so the file is rebuilt without it.
  std::string path = remux("zeros.mp4", "--fmp4");
  auto bytes = testing::read_file(path);
  unrename_last_moof(bytes);
  auto boxes = top_level_boxes(bytes);
  auto mdat = std::find_if(boxes.rbegin(), boxes.rend(), [](const TopBox& b) { return b.type == "mdat"; });
  ASSERT_NE(mdat, boxes.rend());
  std::fill_n(bytes.begin() + static_cast<long>(mdat->offset) + 8, mdat->size - 8, 0);
  ASSERT_TRUE(testing::write_file(path, bytes));

  auto r = run_command(std::string(CAMREC_CLI) + " recover " + shell_quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("60 video frames"), std::string::npos) << r.out;
  EXPECT_EQ(testing::ffprobe_warnings(path), "");
  auto expected = testing::video_frame_md5s(input_);
  expected.resize(60);
  EXPECT_EQ(testing::video_frame_md5s(path), expected);
}

TEST_F(RecoverPendingFragment, AClosedFileCutInsideItsFirstMoovHasNothingToGive) {
  // Power lost right after the close began flushing, with only the file's first bytes on
  // disk: the moov inside the mdat is cut, and the samples carry no parameter sets.
  std::string path = remux("cut.mp4", "");
  auto bytes = testing::read_file(path);
  bytes.resize(200);
  ASSERT_TRUE(testing::write_file(path, bytes));
  std::string fixed = dir_.file("fixed.mp4");
  auto r = run_command(std::string(CAMREC_CLI) + " recover " + shell_quote(path) + " -o " + shell_quote(fixed));
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_NE(r.err.find("no in-band H.264/H.265 parameter sets"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(fixed + ".es.tmp"));
}

}  // namespace
}  // namespace camrec
