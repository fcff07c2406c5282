// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec recover FILE [-o OUT]: repairs a file left by a crash, a power cut or a full disk.
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "cli_common.h"
#include "edit/recover.h"
#include "io/sink.h"
#include "cli_parse.h"

namespace camrec::cli {

namespace {

struct RecoverCliOptions {
  std::string input;
  std::string output;
  std::string fps;
};

int run_recover(const RecoverCliOptions& o) {
  edit::RecoverOptions options;
  options.output = o.output;
  if (!o.fps.empty()) {
    auto rate = parse_rate("--fps", o.fps);
    if (!rate) return report_error("recover", rate.error());
    options.fps_num = rate->num;
    options.fps_den = rate->den;
  }
  if (::access(o.input.c_str(), R_OK) != 0)
    return report_error("recover", io::errno_status(errno, "cannot open '" + o.input + "'"));
  if (!o.output.empty()) {
    Status writable = check_output_directory(o.output);
    if (!writable.is_ok()) return report_output_error("recover", writable);
  }
  auto report = edit::recover(o.input, options);
  if (!report) return report_error("recover", report.error());
  if (report->action != edit::RecoverAction::none && report->samples == 0) {
    // An empty file is no repair: leave nothing that looks like one.
    if (!o.output.empty()) std::remove(o.output.c_str());
    return report_error("recover", make_error(Errc::malformed, "nothing could be salvaged from '" + o.input +
                                                                   "': no intact fragment and no video with its "
                                                                   "parameter sets"));
  }
  if (!report->warning.empty()) std::fprintf(stderr, "camrec recover: warning: %s\n", report->warning.c_str());
  std::printf("%s\n", report->summary.c_str());
  return kExitOk;
}

}  // namespace

void add_recover_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<RecoverCliOptions>();
  auto* cmd = app.add_subcommand("recover", "Repair an MP4 left by a crash, a power cut or a full disk");
  cmd->add_option("file", o->input, "The damaged file")->required();
  cmd->add_option("-o,--output", o->output, "Write the repaired file here, a new file (default: repair in place, safely)");
  cmd->add_option("--fps", o->fps, "Frame rate of video salvaged from a file without moov (default: from the stream, else 30)");
  cmd->callback([o, &run] { run = [o] { return run_recover(*o); }; });
}

}  // namespace camrec::cli
