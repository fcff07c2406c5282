// camrec: record camera video and audio to MP4, and inspect, remux, extract and recover
// MP4 files. `camrec --help` lists the commands; exit codes are in cli_common.h.
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli_common.h"
#include "io/sink.h"

namespace camrec::cli {

int exit_code_for(const Status& status) {
  switch (status.code()) {
    case Errc::ok: return kExitOk;
    case Errc::invalid_argument: return kExitUsage;
    case Errc::malformed:
    case Errc::unsupported:
    case Errc::limit_exceeded: return kExitDataError;
    case Errc::not_found: return kExitNoInput;
    case Errc::io:
    case Errc::no_space:
    case Errc::file_too_large: return kExitIoError;
    default: return kExitSoftware;
  }
}

int report_error(const std::string& command, const Status& status) {
  std::fprintf(stderr, "camrec %s: %s\n", command.c_str(), status.to_string().c_str());
  return exit_code_for(status);
}

Status check_output_directory(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return io::errno_status(errno, "cannot create '" + path + "' in '" + dir.string() + "'");
  return Status::ok();
}

int report_output_error(const std::string& command, const Status& status) {
  report_error(command, status);
  return kExitCantCreate;
}

}  // namespace camrec::cli

int main(int argc, char** argv) {
  using namespace camrec::cli;
  // A file past RLIMIT_FSIZE must give EFBIG to the writer (reported, file kept valid), not
  // kill the process with SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);

  CLI::App app{"camrec: records camera video and audio to MP4 files that survive crashes"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "camrec 0.1.0");
  Runner run;
  add_record_command(app, run);
  add_remux_command(app, run);
  add_info_command(app, run);
  add_extract_command(app, run);
  add_recover_command(app, run);
  // CLI11 answers an unknown command with "A subcommand is required"; name it instead.
  const std::string first = argc > 1 ? argv[1] : "";
  if (!first.empty() && first[0] != '-' &&
      app.get_subcommands([&](CLI::App* sub) { return sub->check_name(first); }).empty()) {
    std::fprintf(stderr, "camrec: unknown command '%s' (camrec --help lists them)\n", argv[1]);
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  return run ? run() : kExitUsage;
}
