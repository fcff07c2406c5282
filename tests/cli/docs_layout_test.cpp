// SPDX-License-Identifier: LGPL-2.1-or-later
// The pages that describe camrec's layouts say what the code does. docs/file-layout.md: every
// box diagram (a line `ftyp | ... | ...   LABEL` in a code block) is matched against the
// top-level boxes of a real recording in that state, as `camrec info --boxes --json` lists
// them. README.md: the "Layout of the code" table names every folder of src/ and every public
// header, and nothing that is not there.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "recorder/recorder_test_util.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;
namespace rt = recorder::test;
namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

struct Diagram {
  std::string label;    ///< "state B", "--fmp4 file", ...
  std::string pattern;  ///< A regex over "type type ... " of the top-level boxes.
  std::string text;
};

/// The box diagrams of a page: lines in code blocks that start with "ftyp |". Each part
/// between bars is one or more box types (a note in parentheses is dropped); "..." repeats
/// the part before it any number of times. The label is what follows three spaces.
std::vector<Diagram> diagrams(const std::string& page) {
  std::vector<Diagram> out;
  std::ifstream in(page);
  std::string line;
  bool in_block = false;
  while (std::getline(in, line)) {
    if (trim(line).rfind("```", 0) == 0) {
      in_block = !in_block;
      continue;
    }
    const std::string t = trim(line);
    if (!in_block || t.rfind("ftyp |", 0) != 0) continue;
    Diagram d;
    d.text = t;
    size_t label_at = t.find("   ");
    std::string boxes = t.substr(0, label_at);
    if (label_at != std::string::npos) d.label = trim(t.substr(label_at));
    std::string previous;
    size_t start = 0;
    while (start <= boxes.size()) {
      size_t bar = boxes.find('|', start);
      std::string part = trim(boxes.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
      start = bar == std::string::npos ? boxes.size() + 1 : bar + 1;
      if (part == "...") {
        d.pattern += "(?:" + previous + ")*";
        continue;
      }
      part = trim(part.substr(0, part.find('(')));
      std::string group;
      for (size_t at = 0; at < part.size();) {
        size_t end = part.find(' ', at);
        if (end == std::string::npos) end = part.size();
        group += part.substr(at, end - at) + " ";
        at = end + 1;
        while (at < part.size() && part[at] == ' ') ++at;
      }
      d.pattern += group;
      previous = group;
    }
    out.push_back(d);
  }
  return out;
}

/// "ftyp moov moof mdat ... " from `camrec info --boxes --json FILE`.
std::string top_level_types(const std::string& path) {
  auto r = testing::run_command(std::string(CAMREC_CLI) + " info --boxes --json " + shell_quote(path));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Top-level objects are the array's direct elements: track the nesting depth.
  std::string types;
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < r.out.size(); ++i) {
    char c = r.out[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      if (depth == 2 && r.out.compare(i, 8, "\"type\":\"") == 0) {
        types += r.out.substr(i + 8, 4) + " ";
        i += 12;
        continue;
      }
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return types;
}

bool wait_for_count(const std::string& path, const std::string& text, int count, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 20) {
    const std::string log = read_text(path);
    int found = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++found;
    if (found >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(DocsLayout, EveryBoxDiagramOfFileLayoutMatchesARealRecording) {
  testing::TempDir dir;
  const std::string common = " record --fast -q --frames 90 --size 160x120 --gop 15 ";
  // The finished files.
  const std::string fmp4 = dir.file("f.mp4"), regular = dir.file("r.mp4"), stream = dir.file("s.mp4");
  ASSERT_EQ(testing::run_command(CAMREC_CLI + common + "--fmp4 -o " + shell_quote(fmp4)).exit_code, 0);
  ASSERT_EQ(testing::run_command(CAMREC_CLI + common + "-o " + shell_quote(regular)).exit_code, 0);
  ASSERT_EQ(testing::run_command(CAMREC_CLI + common + "--fmp4 -o - > " + shell_quote(stream)).exit_code, 0);
  // A regular recording copied at two instants: after its third fragment (state A), and once
  // the final moov is appended but the header not yet written (state B). The test hook
  // pauses after each step and logs it.
  const std::string growing = dir.file("g.mp4"), log = dir.file("g.log");
  const std::string state_a = dir.file("a.mp4"), state_b = dir.file("b.mp4");
  ::setenv("CAMREC_TEST_STEP_PAUSE_MS", "400", 1);
  ::setenv("CAMREC_TEST_STEP_LOG", "1", 1);
  rt::Child child;
  rt::spawn(child, {CAMREC_CLI, "record", "--fast", "-q", "--frames", "90", "--size", "160x120", "--gop", "15", "-o", growing},
            log);
  ::unsetenv("CAMREC_TEST_STEP_PAUSE_MS");
  ::unsetenv("CAMREC_TEST_STEP_LOG");
  ASSERT_TRUE(wait_for_count(log, "step fragment-written", 3, 30'000)) << read_text(log);
  fs::copy_file(growing, state_a);
  ASSERT_TRUE(wait_for_count(log, "step final-moov-written", 1, 30'000)) << read_text(log);
  fs::copy_file(growing, state_b);
  int code = -1;
  ASSERT_TRUE(child.wait_for(30'000, code));
  ASSERT_EQ(code, 0) << read_text(log);

  const std::map<std::string, std::string> files = {
      {"--fmp4 file", fmp4},
      {"--fmp4 -o - stream", stream},
      {"state A: fragmented MP4", state_a},
      {"state B", state_b},
      {"state C: regular MP4", regular},
  };
  auto found = diagrams(std::string(CAMREC_SOURCE_DIR) + "/docs/file-layout.md");
  std::set<std::string> checked;
  for (const auto& d : found) {
    auto file = files.find(d.label);
    if (file == files.end()) {
      ADD_FAILURE() << "docs/file-layout.md shows a diagram this test does not know how to record: '" << d.text
                    << "'; add a recording of it here";
      continue;
    }
    checked.insert(d.label);
    const std::string actual = top_level_types(file->second);
    EXPECT_TRUE(std::regex_match(actual, std::regex(d.pattern)))
        << "docs/file-layout.md: '" << d.text << "'\n  pattern " << d.pattern << "\n  but the file holds " << actual;
  }
  EXPECT_EQ(checked.size(), files.size()) << "a layout lost its diagram";
}

TEST(DocsLayout, TheDiagramReaderTellsLayoutsApart) {
  testing::TempDir dir;
  const std::string page = dir.file("p.md");
  std::ofstream(page) << "```\nftyp | moov (mvex) | free(16) | moof mdat | ... | mfra   x\n```\nftyp | not in a block\n";
  auto d = diagrams(page);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].label, "x");
  std::regex re(d[0].pattern);
  EXPECT_TRUE(std::regex_match("ftyp moov free moof mdat moof mdat mfra ", re)) << d[0].pattern;
  EXPECT_TRUE(std::regex_match("ftyp moov free moof mdat mfra ", re)) << d[0].pattern;
  EXPECT_FALSE(std::regex_match("ftyp moov free mfra ", re)) << "the part before ... is there once: " << d[0].pattern;
  EXPECT_FALSE(std::regex_match("ftyp moov moof mdat mfra ", re)) << d[0].pattern;
  EXPECT_FALSE(std::regex_match("ftyp moov free moof mdat moof mfra ", re)) << d[0].pattern;
}

TEST(DocsLayout, TheReadmeNamesEveryFolderOfTheCodeAndEveryPublicHeader) {
  const fs::path root = CAMREC_SOURCE_DIR;
  const std::string readme = read_text((root / "README.md").string());
  const size_t table = readme.find("## Layout of the code");
  ASSERT_NE(table, std::string::npos);
  const size_t end = readme.find("\n## ", table + 1);
  const std::string section = readme.substr(table, end == std::string::npos ? std::string::npos : end - table);
  // Every `path` in the table's first column exists.
  std::set<std::string> named;
  std::regex row("\\n\\|([^|\\n]*)\\|([^\\n]*)");
  for (std::sregex_iterator it(section.begin(), section.end(), row), last; it != last; ++it) {
    const std::string first = (*it)[1];
    std::regex code("`([^`]+)`");
    for (std::sregex_iterator c(first.begin(), first.end(), code), none; c != none; ++c) {
      std::string path = (*c)[1];
      if (path.find('<') != std::string::npos) continue;  // tests/<layer>
      while (!path.empty() && path.back() == '/') path.pop_back();
      named.insert(path);
      EXPECT_TRUE(fs::is_directory(root / path)) << "README's layout table names '" << path << "', which is not a folder";
    }
  }
  // Every folder of src/ is in it.
  for (const auto& entry : fs::directory_iterator(root / "src")) {
    if (!entry.is_directory()) continue;
    EXPECT_TRUE(named.count("src/" + entry.path().filename().string()))
        << "README's layout table does not name src/" << entry.path().filename().string();
  }
  // The public headers listed for include/camrec/ are exactly the ones there.
  std::smatch headers;
  ASSERT_TRUE(std::regex_search(section, headers, std::regex("`include/camrec/` \\| [^(\\n]*\\(([^)]*)\\)")));
  std::set<std::string> listed;
  const std::string list = headers[1];
  std::regex name("`([a-z_0-9]+\\.h)`");
  for (std::sregex_iterator h(list.begin(), list.end(), name), none; h != none; ++h) listed.insert((*h)[1]);
  std::set<std::string> present;
  for (const auto& entry : fs::directory_iterator(root / "include" / "camrec"))
    if (entry.path().extension() == ".h") present.insert(entry.path().filename().string());
  EXPECT_EQ(listed, present) << "README's layout table lists the public headers of include/camrec/";
}

}  // namespace
}  // namespace camrec
