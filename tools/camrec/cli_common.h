// SPDX-License-Identifier: LGPL-2.1-or-later
// What every camrec subcommand shares: exit codes and error reporting.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "camrec/status.h"

namespace camrec::cli {

/// Exit codes (BSD sysexits values, so scripts can tell the causes apart).
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 64,      ///< Wrong options or arguments.
  kExitDataError = 65,  ///< The input is malformed or unsupported.
  kExitNoInput = 66,    ///< The input does not exist or cannot be opened.
  kExitSoftware = 70,   ///< An internal error (a bug, or a library failing unexpectedly).
  kExitCantCreate = 73, ///< The output cannot be created.
  kExitIoError = 74,    ///< Writing failed: disk full, file too large, I/O error.
  kExitInterrupted = 130,  ///< Not used for a clean stop on SIGINT (that exits 0).
};

/// The exit code that says what kind of failure `status` is (an input's: a refused
/// permission is 66; outputs go through report_output_error).
int exit_code_for(const Status& status);

/// The next step for the user after `status` in `command`, or "" when the message says it.
std::string hint_for(const std::string& command, const Status& status);

/// Prints "camrec <command>: <message>" and the next step ("  hint: ...") to stderr, in plain
/// words (no error tags), and returns exit_code_for(status).
int report_error(const std::string& command, const Status& status);

/// Checks that files can be created where `path` goes: its directory exists and is writable.
/// Run before any work, so a wrong output path is reported at once.
Status check_output_directory(const std::string& path);

/// As report_error, for an output that cannot be created: returns kExitCantCreate, except
/// for write errors of a started output (disk full: kExitIoError).
int report_output_error(const std::string& command, const Status& status);

/// True when `s` ends with `suffix`.
bool ends_with(const std::string& s, const std::string& suffix);

/// Registers a subcommand; `run` is called when it is chosen and returns the exit code.
using Runner = std::function<int()>;

void add_info_command(CLI::App& app, Runner& run);
void add_remux_command(CLI::App& app, Runner& run);
void add_extract_command(CLI::App& app, Runner& run);
void add_record_command(CLI::App& app, Runner& run);
void add_recover_command(CLI::App& app, Runner& run);
void add_devices_command(CLI::App& app, Runner& run);

}  // namespace camrec::cli
