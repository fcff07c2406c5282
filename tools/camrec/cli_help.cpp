// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_help.h"

#include <stdint.h>
#include <x264.h>
#include <x265.h>

#include <algorithm>
#include <cstdio>

#include "cli_common.h"
#include "libs/loader.h"

namespace camrec::cli {

namespace {

#ifndef CAMREC_VERSION
#define CAMREC_VERSION "0.1.0"
#endif

size_t edit_distance(const std::string& a, const std::string& b) {
  // Optimal string alignment: insertions, deletions, substitutions and swaps of two
  // neighbours ("recrod") each cost 1.
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::vector<std::string> command_names(CLI::App& app) {
  std::vector<std::string> names;
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) names.push_back(sub->get_name());
  names.push_back("help");
  return names;
}

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* opt : app.get_options()) {
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
    for (const auto& s : opt->get_snames()) names.push_back("-" + s);
  }
  return names;
}

CLI::App* find_command(CLI::App& app, const std::string& name) {
  auto found = app.get_subcommands([&](CLI::App* sub) { return sub->check_name(name); });
  return found.empty() ? nullptr : found.front();
}

int unknown_command(CLI::App& app, const std::string& name) {
  std::string suggestion = closest_name(name, command_names(app));
  std::fprintf(stderr, "camrec: unknown command '%s'", name.c_str());
  if (!suggestion.empty()) std::fprintf(stderr, ": did you mean '%s'?", suggestion.c_str());
  std::fprintf(stderr, "\n  camrec help lists the commands\n");
  return kExitUsage;
}

/// The first argument of `args` that looks like an option `command` does not know.
std::optional<std::string> unknown_option(const CLI::App& command, const std::vector<std::string>& args,
                                          size_t first) {
  for (size_t i = first; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    // "-" is standard output or input; "-1" a (refused) number given to an option.
    if (a.size() < 2 || a[0] != '-' || std::isdigit(static_cast<unsigned char>(a[1]))) continue;
    std::string name = a.substr(0, a.find('='));
    if (name.size() > 2 && name[1] != '-') name = name.substr(0, 2);  // -qy, -o- : the first short name
    if (name == "-h" || name == "--help") continue;
    if (!command.get_option_no_throw(name)) return name;
  }
  return std::nullopt;
}

}  // namespace

std::string version_text() {
  std::string text = "camrec " CAMREC_VERSION "\nbuilt with g++ " __VERSION__;
  text += ", x264 core " + std::to_string(X264_BUILD) + ", x265 build " + std::to_string(X265_BUILD);
  // Named, not loaded: printing a version should not map the encoders (see src/libs).
  text += "\nloads when needed:";
  for (const auto& lib : libs::library_infos()) {
    text += std::string(&lib == &libs::library_infos().front() ? " " : ", ") + lib.soname + " (" + lib.needed_for + ")";
  }
  return text;
}

std::string closest_name(const std::string& typed, const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const auto& name : known) {
    size_t d = edit_distance(typed, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  // Close enough: at most 2 edits, and fewer than a third of the name (so "x" is not "-y").
  if (best.empty() || best_distance > 2 || best_distance * 3 > std::max(typed.size(), best.size())) return "";
  return best;
}

std::optional<int> handle_before_parse(CLI::App& app, const std::vector<std::string>& args) {
  if (args.empty()) return std::nullopt;
  const std::string& first = args[0];
  if (first == "help") {
    if (args.size() == 1) {
      std::fputs(app.help().c_str(), stdout);
      return kExitOk;
    }
    CLI::App* command = find_command(app, args[1]);
    if (!command) return unknown_command(app, args[1]);
    std::fputs(command->help().c_str(), stdout);
    return kExitOk;
  }
  if (first[0] == '-') {
    if (first == "--help" || first == "-h" || first == "--version") return std::nullopt;
    std::string suggestion = closest_name(first, {"--help", "--version"});
    std::fprintf(stderr, "camrec: unknown option '%s'%s%s\n  camrec help lists the commands\n", first.c_str(),
                 suggestion.empty() ? "" : ": did you mean ", suggestion.empty() ? "" : ("'" + suggestion + "'?").c_str());
    return kExitUsage;
  }
  CLI::App* command = find_command(app, first);
  if (!command) return unknown_command(app, first);
  if (auto name = unknown_option(*command, args, 1)) {
    std::string suggestion = closest_name(*name, option_names(*command));
    std::fprintf(stderr, "camrec %s: unknown option '%s'", first.c_str(), name->c_str());
    if (!suggestion.empty()) std::fprintf(stderr, ": did you mean '%s'?", suggestion.c_str());
    std::fprintf(stderr, "\n  camrec help %s lists its options\n", first.c_str());
    return kExitUsage;
  }
  return std::nullopt;
}

int report_parse_error(CLI::App& app, const std::vector<std::string>& args, const CLI::ParseError& e) {
  if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
  std::string command = !args.empty() && find_command(app, args[0]) ? args[0] : "";
  std::fprintf(stderr, "camrec%s%s: %s\n  camrec help%s%s lists %s\n", command.empty() ? "" : " ", command.c_str(),
               e.what(), command.empty() ? "" : " ", command.c_str(), command.empty() ? "the commands" : "its options");
  return kExitUsage;
}

}  // namespace camrec::cli
