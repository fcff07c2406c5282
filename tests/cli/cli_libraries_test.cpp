// SPDX-License-Identifier: LGPL-2.1-or-later
// The codec and device libraries are opened when first needed (src/libs), not at start: a
// command that needs none runs while every one of them is broken, and one that needs a
// library it cannot load names that library and what it is for, and writes no file. The
// libraries are broken for real: LD_LIBRARY_PATH points the loader at a folder holding files
// under their names (a file that is no library, or a real library that lacks the functions).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "testing/h264_clip.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;

testing::CommandResult camrec_cli(const std::string& env, const std::string& args) {
  return testing::run_command(env + " " + std::string(CAMREC_CLI) + " " + args);
}

// The file names `camrec --version` says it loads when needed, in its order.
std::vector<std::string> library_names() {
  auto r = testing::run_command(std::string(CAMREC_CLI) + " --version");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> names;
  static const std::regex soname(R"((lib[A-Za-z0-9_]+\.so\.[0-9]+) \()");
  for (std::sregex_iterator it(r.out.begin(), r.out.end(), soname), end; it != end; ++it) names.push_back((*it)[1]);
  return names;
}

std::string name_starting(const std::vector<std::string>& names, const std::string& prefix) {
  for (const auto& n : names)
    if (n.rfind(prefix, 0) == 0) return n;
  ADD_FAILURE() << "camrec --version names no " << prefix;
  return prefix;
}

// A folder where every library `camrec --version` names is a text file: the loader finds it
// first (LD_LIBRARY_PATH) and refuses it ("file too short").
class BrokenLibraries : public ::testing::Test {
 protected:
  void SetUp() override {
    names_ = library_names();
    ASSERT_GE(names_.size(), 9u);
    std::filesystem::create_directories(dir_.file("lib"));
    for (const auto& n : names_) ASSERT_TRUE(testing::write_file(dir_.file("lib/" + n), {'n', 'o', '\n'}));
    env_ = "LD_LIBRARY_PATH=" + shell_quote(dir_.file("lib"));
  }
  std::string lib(const std::string& prefix) const { return name_starting(names_, prefix); }

  testing::TempDir dir_;
  std::vector<std::string> names_;
  std::string env_;
};

TEST_F(BrokenLibraries, RemuxInfoAndVersionNeedNoneOfThem) {
  // On a build that links the libraries, the loader stops every command before main.
  const std::string h264 = dir_.file("in.h264"), mp4 = dir_.file("out.mp4");
  ASSERT_TRUE(testing::write_file(h264, testing::clip().stream));
  auto r = camrec_cli(env_, "remux -q " + shell_quote(h264) + " " + shell_quote(mp4));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = camrec_cli(env_, "info " + shell_quote(mp4));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("avc1"), std::string::npos) << r.out;
  r = camrec_cli(env_, "--version");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(BrokenLibraries, RecordingNamesTheLibraryItCannotLoadAndWritesNothing) {
  struct Case {
    std::string args, library, needed_for;
  };
  for (const Case& c : std::vector<Case>{
           {"--codec h264", "libx264.so.", "H.264 encoding"},
           {"--codec h265", "libx265.so.", "H.265 encoding"},
           {"--audio opus", "libopus.so.", "Opus audio"},
           // libavutil is opened first: libavcodec needs it.
           {"--audio aac", "libavutil.so.", "AAC audio"},
       }) {
    SCOPED_TRACE(c.args);
    // Only the library under test is broken; the others load from the system.
    testing::TempDir one;
    std::filesystem::create_directories(one.file("lib"));
    const std::string name = lib(c.library);
    ASSERT_TRUE(testing::write_file(one.file("lib/" + name), {'n', 'o', '\n'}));
    const std::string out = one.file("out.mp4");
    auto r = camrec_cli("LD_LIBRARY_PATH=" + shell_quote(one.file("lib")),
                        "record -q -o " + shell_quote(out) + " --frames 5 --size 160x128 --fast " + c.args);
    EXPECT_EQ(r.exit_code, 66) << r.err;  // not_found, as for a missing input
    EXPECT_NE(r.err.find("cannot load " + name + ", needed for " + c.needed_for), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(one.file("lib/" + name)), std::string::npos) << "the loader's reason: " << r.err;
    EXPECT_NE(r.err.find("hint: install the library"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << "a failed start leaves no file";
  }
}

// A small I420 Y4M file: 5 grey frames of 160x128.
std::string write_y4m(const testing::TempDir& dir) {
  std::string y4m = "YUV4MPEG2 W160 H128 F30:1 Ip C420jpeg\n";
  for (int i = 0; i < 5; ++i) y4m += "FRAME\n" + std::string(160 * 128 * 3 / 2, char(100 + i));
  const std::string path = dir.file("grey.y4m");
  EXPECT_TRUE(testing::write_file(path, std::vector<uint8_t>(y4m.begin(), y4m.end())));
  return path;
}

// A Y4M file at its own size goes to the encoder as it is read: no pixel conversion, so no
// libyuv (an older camrec converted every frame to NV12). Scaled, it needs libyuv, and says so
// before recording anything.
TEST_F(BrokenLibraries, OnlyAConvertedPictureNeedsLibyuv) {
  testing::TempDir one;
  std::filesystem::create_directories(one.file("lib"));
  const std::string name = lib("libyuv.so.");
  ASSERT_TRUE(testing::write_file(one.file("lib/" + name), {'n', 'o', '\n'}));
  const std::string env = "LD_LIBRARY_PATH=" + shell_quote(one.file("lib"));
  const std::string y4m = write_y4m(one);
  const std::string out = one.file("own.mp4");
  auto r = camrec_cli(env, "record -q --fast --source file:" + shell_quote(y4m) + " -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(out));
  const std::string scaled = one.file("scaled.mp4");
  r = camrec_cli(env, "record -q --fast --size 96x64 --source file:" + shell_quote(y4m) + " -o " + shell_quote(scaled));
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_NE(r.err.find("cannot load " + name + ", needed for pixel format conversion and scaling"), std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(scaled)) << "a failed start leaves no file";
}

TEST_F(BrokenLibraries, DevicesSaysWhyThereIsNoAudioDevice) {
  auto r = camrec_cli(env_, "devices");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("none: cannot load " + lib("libasound.so.") + ", needed for ALSA"), std::string::npos)
      << r.out;
}

TEST(WrongLibrary, ALibraryWithoutTheFunctionsIsNamedWithWhatItLacks) {
  // A real shared library under x264's name: it loads, but has none of x264's functions.
  testing::TempDir dir;
  std::filesystem::create_directories(dir.file("lib"));
  const std::string name = name_starting(library_names(), "libx264.so.");
  std::filesystem::copy_file(CAMREC_TEST_UNRELATED_LIBRARY, dir.file("lib/" + name));
  const std::string out = dir.file("out.mp4");
  auto r = camrec_cli("LD_LIBRARY_PATH=" + shell_quote(dir.file("lib")),
                      "record -q -o " + shell_quote(out) + " --frames 5 --size 160x128 --fast");
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_NE(r.err.find("cannot use " + name + ", needed for H.264 encoding: it lacks x264_param_default_preset"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("x264_encoder_open_"), std::string::npos) << "the versioned name: " << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace camrec
