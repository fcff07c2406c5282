// SPDX-License-Identifier: LGPL-2.1-or-later
// LeakSanitizer suppressions for every test binary and the programs they run (used only in
// sanitizer builds; tests/testing is part of each test binary). libx265 3.5 leaks a parameter
// copy and per-frame-encoder filter buffers at every x265_encoder_open/close pair, even in a
// minimal open-close program; those leaks are not ours, and leaks anywhere else must still
// fail the run.
#include <cstdlib>
#include <string>

extern "C" const char* __lsan_default_suppressions() {
  return "leak:libx265.so\n";
}

namespace {

// The camrec CLI and the examples started by the tests are sanitizer builds too: they
// inherit the same suppression through the environment.
const bool kChildSuppressions = [] {
  std::string options = "suppressions=" CAMREC_SOURCE_DIR "/tests/testing/lsan_x265.supp";
  if (const char* old = std::getenv("LSAN_OPTIONS"); old != nullptr && *old != '\0') options = std::string(old) + ":" + options;
  return setenv("LSAN_OPTIONS", options.c_str(), 1) == 0;
}();

}  // namespace
