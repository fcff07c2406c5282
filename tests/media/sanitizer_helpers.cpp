// SPDX-License-Identifier: LGPL-2.1-or-later
// LeakSanitizer suppressions for this test binary (used only in sanitizer builds).
// libx265 3.5 leaks a parameter copy and per-frame-encoder filter buffers at every
// x265_encoder_open/close pair, even in a minimal open-close program; those leaks are not
// ours, and leaks anywhere else must still fail the run.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libx265.so\n";
}
