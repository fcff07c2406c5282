// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec: record camera video and audio to MP4, and inspect, remux, extract and recover
// MP4 files. `camrec help` lists the commands; exit codes are in cli_common.h.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "cli_common.h"
#include "cli_help.h"
#include "serve.h"

namespace {

using namespace camrec::cli;

/// Every subcommand, in the order `camrec help` lists them. A new command adds one line.
const std::vector<void (*)(CLI::App&, Runner&)> kCommands = {
    add_record_command,  add_remux_command,   add_info_command,
    add_extract_command, add_recover_command, add_devices_command,
    add_serve_command,
};

}  // namespace

int main(int argc, char** argv) {
  // A file past RLIMIT_FSIZE must give EFBIG to the writer (reported, file kept valid), not
  // kill the process with SIGXFSZ; a closed pipe must give EPIPE (reported), not SIGPIPE.
  std::signal(SIGXFSZ, SIG_IGN);
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"camrec: records camera video and audio to MP4 files that survive crashes"};
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text());
  Runner run;
  for (auto add : kCommands) add(app, run);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (auto early = handle_before_parse(app, args)) return *early;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, args, e);
  }
  return run ? run() : kExitUsage;
}
