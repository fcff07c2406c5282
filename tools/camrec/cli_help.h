// SPDX-License-Identifier: LGPL-2.1-or-later
// What the command line does before and around CLI11's parsing: `camrec help [COMMAND]`,
// `--version` with build details, and "did you mean" suggestions for unknown commands and
// options (edit distance over the known names).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace camrec::cli {

/// "camrec 0.1.0" and the compiler and codec libraries it was built with.
std::string version_text();

/// The known name closest to `typed` (optimal string alignment distance, transpositions
/// count once), or "" when none is close enough to be what the user meant.
std::string closest_name(const std::string& typed, const std::vector<std::string>& known);

/// Handles `help [COMMAND]`, unknown commands and options CLI11 would misreport; returns the
/// exit code when the command line was answered, nullopt to go on parsing.
std::optional<int> handle_before_parse(CLI::App& app, const std::vector<std::string>& args);

/// Prints CLI11's parse error (or the help it carries) with a suggestion where one helps;
/// returns the exit code (0 for --help/--version, else 64).
int report_parse_error(CLI::App& app, const std::vector<std::string>& args, const CLI::ParseError& e);

}  // namespace camrec::cli
