// SPDX-License-Identifier: LGPL-2.1-or-later
// A command that refuses its input leaves nothing behind: remux, extract and recover remove
// the output they created (every segment file too), never a file they were not asked to
// replace (extract and recover -o refuse an existing output as remux does).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "box/boxes.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::CommandResult;
using testing::shell_quote;
namespace fs = std::filesystem;

CommandResult camrec_cli(const std::string& args) { return testing::run_command(std::string(CAMREC_CLI) + " " + args); }

std::string corrupt(const std::string& name) { return std::string(CAMREC_SOURCE_DIR) + "/tests/data/corrupt/" + name; }

/// The names in `dir`, sorted.
std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// The NAL units of an Annex B stream (without start codes).
std::vector<std::vector<uint8_t>> nal_units(const std::vector<uint8_t>& es) {
  std::vector<size_t> starts;
  for (size_t i = 0; i + 2 < es.size(); ++i)
    if (es[i] == 0 && es[i + 1] == 0 && es[i + 2] == 1) starts.push_back(i + 3);
  std::vector<std::vector<uint8_t>> out;
  for (size_t k = 0; k < starts.size(); ++k) {
    size_t end = k + 1 < starts.size() ? starts[k + 1] - 3 : es.size();
    while (end > starts[k] && es[end - 1] == 0) --end;
    out.emplace_back(es.begin() + static_cast<ptrdiff_t>(starts[k]), es.begin() + static_cast<ptrdiff_t>(end));
  }
  return out;
}

class Refusal : public ::testing::Test {
 protected:
  void SetUp() override {
    es_ = dir_.file("clip.h264");
    // 5 s, a key frame every second: room for several segments before the damage.
    ASSERT_TRUE(testing::make_stream(es_, "160x120", 150, 30, "-c:v libx264 -bf 0 -g 30"));
    // A NAL unit with forbidden_zero_bit set after 4 s of good pictures.
    auto nals = nal_units(testing::read_file(es_));
    ASSERT_GT(nals.size(), 140u);
    std::vector<uint8_t> bad;
    const uint8_t start[4] = {0, 0, 0, 1};
    for (size_t i = 0; i < nals.size(); ++i) {
      if (i == nals.size() - 20) {
        bad.insert(bad.end(), start, start + 4);
        for (uint8_t b : {0xe5, 0x88, 0x84, 0x00}) bad.push_back(b);
      }
      bad.insert(bad.end(), start, start + 4);
      bad.insert(bad.end(), nals[i].begin(), nals[i].end());
    }
    bad_es_ = dir_.file("damaged.h264");
    ASSERT_TRUE(testing::write_file(bad_es_, bad));
    out_dir_ = dir_.path() / "out";
    fs::create_directories(out_dir_);
  }
  std::string out(const std::string& name) const { return (out_dir_ / name).string(); }

  testing::TempDir dir_;
  std::string es_, bad_es_;
  fs::path out_dir_;
};

TEST_F(Refusal, RemuxOfAStreamRefusedMidwayLeavesNoOutput) {
  for (const char* layout : {"", " --fmp4", " --faststart"}) {
    SCOPED_TRACE(layout);
    auto r = camrec_cli("remux " + shell_quote(bad_es_) + " " + shell_quote(out("a.mp4")) + layout);
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_NE(r.err.find("forbidden_zero_bit"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("removed '" + out("a.mp4") + "': the input was refused"), std::string::npos) << r.err;
    EXPECT_EQ(listing(out_dir_), std::vector<std::string>{});
  }
  // Every segment written before the refusal goes too.
  auto r = camrec_cli("remux --segment-duration 1 " + shell_quote(bad_es_) + " " + shell_quote(out("s{index}.mp4")));
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_NE(r.err.find("removed '" + out("s0.mp4") + "', '" + out("s1.mp4")), std::string::npos) << r.err;
  EXPECT_EQ(listing(out_dir_), std::vector<std::string>{});
  // The same stream undamaged remuxes (the refusal is the damage's).
  r = camrec_cli("remux -q " + shell_quote(es_) + " " + shell_quote(out("good.mp4")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(Refusal, RemuxOfAnMp4RefusedWhileCopyingLeavesNoOutput) {
  for (const char* input : {"sample_passes_end.mp4", "nal_length_ffffffff.mp4"}) {
    SCOPED_TRACE(input);
    auto r = camrec_cli("remux " + shell_quote(corrupt(input)) + " " + shell_quote(out("b.mp4")));
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_EQ(listing(out_dir_), std::vector<std::string>{}) << r.err;
  }
}

TEST_F(Refusal, RemuxOfAnMp4WithoutATrackIsRefused) {
  // A movie whose moov declares no track: a copy would be an empty file.
  auto r = camrec_cli("remux -q " + shell_quote(es_) + " " + shell_quote(dir_.file("v.mp4")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto bytes = testing::read_file(dir_.file("v.mp4"));
  auto boxes = testing::top_level_boxes(bytes);
  auto moov_at = std::find_if(boxes.begin(), boxes.end(), [](const auto& b) { return b.type == "moov"; });
  ASSERT_NE(moov_at, boxes.end());
  auto moov = box::parse_box<box::MovieBox>(std::span<const uint8_t>(bytes).subspan(
      static_cast<size_t>(moov_at->offset), static_cast<size_t>(moov_at->size)));
  ASSERT_TRUE(moov.has_value());
  moov->traks.clear();
  auto empty = box::serialize_box(*moov);
  std::vector<uint8_t> file(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(moov_at->offset));
  file.insert(file.end(), empty.begin(), empty.end());
  ASSERT_TRUE(testing::write_file(dir_.file("no_track.mp4"), file));
  r = camrec_cli("remux " + shell_quote(dir_.file("no_track.mp4")) + " " + shell_quote(out("c.mp4")));
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_NE(r.err.find("has no track camrec can copy (it has no track)"), std::string::npos) << r.err;
  EXPECT_EQ(listing(out_dir_), std::vector<std::string>{});
}

TEST_F(Refusal, RemuxNeverRemovesAFileItWasNotToldToReplace) {
  const std::vector<uint8_t> mine = {'m', 'i', 'n', 'e'};
  ASSERT_TRUE(testing::write_file(out("mine.mp4"), mine));
  auto r = camrec_cli("remux " + shell_quote(bad_es_) + " " + shell_quote(out("mine.mp4")));
  EXPECT_EQ(r.exit_code, 73) << r.err;
  EXPECT_TRUE(testing::read_file(out("mine.mp4")) == mine);
  // Told to replace it (-y), the file is replaced; a refused input then leaves no half copy.
  r = camrec_cli("remux -y " + shell_quote(bad_es_) + " " + shell_quote(out("mine.mp4")));
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_EQ(listing(out_dir_), std::vector<std::string>{});
}

TEST_F(Refusal, ExtractOfARefusedInputLeavesNoTrackFile) {
  // The first video sample holds a NAL length past its end: refused while writing.
  auto r = camrec_cli("extract -o " + shell_quote(out("x")) + " " + shell_quote(corrupt("nal_length_ffffffff.mp4")));
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_NE(r.err.find("passes the end of the sample"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("removed '" + out("x") + ".track1.h264'"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(listing(out_dir_), std::vector<std::string>{});
}

TEST_F(Refusal, ExtractNeverReplacesAnExistingTrackFile) {
  // Video and G.711: the video's file is created first, then the audio's exists.
  const std::string input = corrupt("base/regular.mp4");
  const std::vector<uint8_t> mine = {'m', 'i', 'n', 'e'};
  ASSERT_TRUE(testing::write_file(out("x.track2.wav"), mine));
  auto r = camrec_cli("extract -o " + shell_quote(out("x")) + " " + shell_quote(input));
  EXPECT_EQ(r.exit_code, 73) << r.err;
  EXPECT_NE(r.err.find("'" + out("x") + ".track2.wav' exists: use -y (--overwrite) to replace it"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(listing(out_dir_), std::vector<std::string>{"x.track2.wav"}) << "the video's file is removed again";
  EXPECT_TRUE(testing::read_file(out("x.track2.wav")) == mine);
  r = camrec_cli("extract -y -o " + shell_quote(out("x")) + " " + shell_quote(input));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, out("x") + ".track1.h264\n" + out("x") + ".track2.wav\n");
  EXPECT_GT(testing::read_file(out("x.track2.wav")).size(), 44u);
}

TEST_F(Refusal, RecoverThatSalvagesNothingLeavesNoOutput) {
  // No moov, and an mdat with the parameter sets but no picture: recover creates its output
  // before it finds there is no frame.
  auto nals = nal_units(testing::read_file(es_));
  std::vector<uint8_t> mdat_body;
  for (const auto& n : nals) {
    if ((n[0] & 0x1f) != 7 && (n[0] & 0x1f) != 8) continue;
    for (int shift = 24; shift >= 0; shift -= 8) mdat_body.push_back(static_cast<uint8_t>(n.size() >> shift));
    mdat_body.insert(mdat_body.end(), n.begin(), n.end());
    if (mdat_body.size() > 8 && (n[0] & 0x1f) == 8) break;
  }
  std::vector<uint8_t> file = {0, 0, 0, 16, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0};
  const uint32_t size = static_cast<uint32_t>(8 + mdat_body.size());
  for (int shift = 24; shift >= 0; shift -= 8) file.push_back(static_cast<uint8_t>(size >> shift));
  for (char c : std::string("mdat")) file.push_back(static_cast<uint8_t>(c));
  file.insert(file.end(), mdat_body.begin(), mdat_body.end());
  const std::string input = dir_.file("params_only.mp4");
  ASSERT_TRUE(testing::write_file(input, file));
  auto r = camrec_cli("recover " + shell_quote(input) + " -o " + shell_quote(out("fixed.mp4")));
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_NE(r.err.find("no decodable video frame"), std::string::npos) << r.err;
  EXPECT_EQ(listing(out_dir_), std::vector<std::string>{});
  // In place: the input stays as it was, with nothing beside it.
  r = camrec_cli("recover " + shell_quote(input));
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_TRUE(testing::read_file(input) == file);
  EXPECT_FALSE(fs::exists(input + ".recover.tmp"));
}

TEST_F(Refusal, RecoverNeverWritesOverAnExistingFile) {
  // A file cut before its moov (salvaged from its media), written to a name that exists.
  auto r = camrec_cli("remux -q " + shell_quote(es_) + " " + shell_quote(dir_.file("v.mp4")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto bytes = testing::read_file(dir_.file("v.mp4"));
  auto boxes = testing::top_level_boxes(bytes);
  ASSERT_GE(boxes.size(), 3u);
  bytes.resize(static_cast<size_t>(boxes.back().offset + 100));
  const std::string cut = dir_.file("cut.mp4");
  ASSERT_TRUE(testing::write_file(cut, bytes));
  const std::vector<uint8_t> mine = {'m', 'i', 'n', 'e'};
  ASSERT_TRUE(testing::write_file(out("mine.mp4"), mine));
  r = camrec_cli("recover " + shell_quote(cut) + " -o " + shell_quote(out("mine.mp4")));
  EXPECT_EQ(r.exit_code, 73) << r.err;
  EXPECT_NE(r.err.find("exists"), std::string::npos) << r.err;
  EXPECT_TRUE(testing::read_file(out("mine.mp4")) == mine);
  // The input named as its own output was emptied before it was read.
  r = camrec_cli("recover " + shell_quote(cut) + " -o " + shell_quote(cut));
  EXPECT_EQ(r.exit_code, 73) << r.err;
  EXPECT_TRUE(testing::read_file(cut) == bytes);
  // A new name works.
  r = camrec_cli("recover " + shell_quote(cut) + " -o " + shell_quote(out("new.mp4")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace camrec
