// SPDX-License-Identifier: LGPL-2.1-or-later
// Every command the README and docs/ show runs as written. The rules, kept simple so that
// anyone adding a section knows what is checked: in each ```sh block, every line starting
// with `camrec ` is run by /bin/sh (a trailing `# comment` is dropped), in order, in one fresh
// folder per page, with the built camrec first on the PATH; each must exit 0. A block right
// after a line `<!-- readme-test: skip (REASON) -->` is not run (hardware it needs).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "testing/test_util.h"

namespace camrec {
namespace {

struct Command {
  std::string text;
  int line = 0;
};

/// Drops a `# comment` that starts after whitespace outside quotes.
std::string without_comment(const std::string& line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '#' && i > 0 && (line[i - 1] == ' ' || line[i - 1] == '\t')) {
      std::string kept = line.substr(0, i);
      while (!kept.empty() && (kept.back() == ' ' || kept.back() == '\t')) kept.pop_back();
      return kept;
    }
  }
  return line;
}

std::vector<Command> shell_commands(const std::string& path) {
  std::ifstream in(path);
  std::vector<Command> out;
  std::string line, previous;
  bool in_block = false, skip = false;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!in_block && line.rfind("```sh", 0) == 0) {
      in_block = true;
      skip = previous.rfind("<!-- readme-test: skip", 0) == 0;
    } else if (in_block && line.rfind("```", 0) == 0) {
      in_block = false;
    } else if (in_block && !skip && line.rfind("camrec ", 0) == 0) {
      out.push_back({without_comment(line), number});
    }
    if (!line.empty()) previous = line;
  }
  return out;
}

std::vector<std::string> pages() {
  const std::filesystem::path root = CAMREC_SOURCE_DIR;
  std::vector<std::string> out = {(root / "README.md").string()};
  for (const auto& entry : std::filesystem::directory_iterator(root / "docs"))
    if (entry.path().extension() == ".md") out.push_back(entry.path().string());
  std::sort(out.begin() + 1, out.end());
  return out;
}

TEST(DocsCommands, TheRulesFindTheCommands) {
  testing::TempDir dir;
  const std::string page = dir.file("page.md");
  std::ofstream(page) << "text\n```sh\ncamrec info a.mp4   # shows it\nmake run\n```\n"
                         "<!-- readme-test: skip (needs a camera) -->\n```sh\ncamrec record --source v4l2:/dev/video0\n```\n"
                         "```\ncamrec not-shell\n```\n```sh\ncamrec info 'a # b.mp4'\n```\n";
  auto commands = shell_commands(page);
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[0].text, "camrec info a.mp4");
  EXPECT_EQ(commands[0].line, 3);
  EXPECT_EQ(commands[1].text, "camrec info 'a # b.mp4'");
}

TEST(DocsCommands, EveryCommandInTheReadmeAndDocsRunsAsWritten) {
  testing::TempDir bin;
  std::filesystem::create_symlink(CAMREC_CLI, bin.path() / "camrec");
  size_t ran = 0;
  for (const auto& page : pages()) {
    testing::TempDir work;
    for (const auto& command : shell_commands(page)) {
      auto r = testing::run_command("cd " + testing::shell_quote(work.path().string()) + " && export PATH=" +
                                    testing::shell_quote(bin.path().string()) + ":\"$PATH\" && " + command.text +
                                    " </dev/null");
      EXPECT_EQ(r.exit_code, 0) << page << ":" << command.line << ": " << command.text << "\n" << r.err;
      ++ran;
    }
  }
  EXPECT_GE(ran, 8u) << "the README shows camrec's commands";
}

}  // namespace
}  // namespace camrec
