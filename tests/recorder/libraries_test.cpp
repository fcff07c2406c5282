// SPDX-License-Identifier: LGPL-2.1-or-later
// A recording resized mid-way to a size its source does not have needs the pixel converter
// (libyuv): when that cannot be loaded, reconfigure_video refuses the size, naming the
// library, and the recording goes on at its size to the end. The dynamic loader reads
// LD_LIBRARY_PATH when a process starts, so the test runs its own binary again with a
// broken libyuv first on that path.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "camrec/muxer.h"
#include "libs/loader.h"
#include "recorder_test_util.h"

namespace camrec::recorder {
namespace {

using camrec::testing::TempDir;

constexpr const char* kChild = "CAMREC_TEST_BROKEN_LIBYUV";

void record_and_resize() {
  TempDir dir;
  const std::string out = dir.file("resized.mp4");
  RecorderConfig rc;
  rc.width = 320;
  rc.height = 240;
  rc.fps_num = 10;  // paced: the resize comes between two frames
  rc.max_frames = 8;
  auto muxer = Muxer::create_file(out, {});
  ASSERT_TRUE(muxer) << muxer.error().to_string();
  auto rec = Recorder::create(rc, std::move(*muxer));
  ASSERT_TRUE(rec) << rec.error().to_string();  // the pattern at its own size: no converter
  ASSERT_TRUE((*rec)->start().is_ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE((*rec)->process().is_ok()) << i;
  Status s = (*rec)->reconfigure_video(640, 360, 1500);
  EXPECT_EQ(s.code(), Errc::not_found) << s.to_string();
  EXPECT_NE(s.message().find("cannot load libyuv"), std::string::npos) << s.to_string();
  while ((s = (*rec)->process()).is_ok()) {
  }
  EXPECT_EQ(s.code(), Errc::end_of_stream) << s.to_string();
  ASSERT_TRUE((*rec)->stop().is_ok());
  EXPECT_EQ((*rec)->stats().frames_written, 8u);
  EXPECT_EQ(camrec::testing::ffprobe_stream_value(out, "v", "width"), "320");
}

TEST(RecorderLibraries, AResizeThatNeedsAMissingLibyuvIsRefusedAndTheRecordingGoesOn) {
  if (std::getenv(kChild) != nullptr) return record_and_resize();
  TempDir dir;
  std::filesystem::create_directories(dir.file("lib"));
  const char* soname = libs::library_infos()[static_cast<size_t>(libs::Lib::yuv)].soname;
  std::ofstream(dir.file(std::string("lib/") + soname)) << "not a library\n";
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  auto r = test::run_command(std::string(kChild) + "=1 LD_LIBRARY_PATH=" + test::shell_quote(dir.file("lib")) + " " +
                       test::shell_quote(self) + " --gtest_filter=RecorderLibraries.*");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("[  PASSED  ] 1 test"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace camrec::recorder
