// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec recover on a damaged file: the input is written to a temporary file and repaired,
// into a separate output (option bit 0 clear) or in place (bit 0 set). A repaired file must
// open in the demuxer and read to its end, and no temporary file may be left behind.
// Input: one option byte, then the file.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "camrec/demuxer.h"
#include "edit/recover.h"

namespace {

namespace fs = std::filesystem;

const fs::path& work_dir() {
  static const fs::path dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "fuzz_recover.XXXXXX").string();
    if (!mkdtemp(tmpl.data())) std::abort();
    return fs::path(tmpl);
  }();
  return dir;
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_recover: %s\n", what.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool in_place = (data[0] & 1) != 0;
  const fs::path& dir = work_dir();
  const fs::path input = dir / "input.mp4";
  const fs::path output = dir / "output.mp4";
  {
    std::ofstream f(input, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  fs::remove(output);  // recover writes a new file only
  camrec::edit::RecoverOptions options;
  if (!in_place) options.output = output.string();
  auto report = camrec::edit::recover(input.string(), options);
  const fs::path repaired = in_place ? input : output;
  if (report && report->action != camrec::edit::RecoverAction::none) {
    auto demuxer = camrec::Demuxer::open(repaired.string());
    if (!demuxer) fail("the repaired file does not open: " + demuxer.error().to_string());
    if (report->action == camrec::edit::RecoverAction::finished_close) {
      // Only the 16-byte header was written: the samples are the input's, whatever they
      // hold; the index must read.
      camrec::Status scanned = (*demuxer)->scan();
      if (!scanned.is_ok()) fail("the finished file's index does not read: " + scanned.to_string());
    } else {
      // Rebuilt or salvaged: every byte was written by the muxer and must read back.
      camrec::DemuxedSample sample;
      while (true) {
        auto more = (*demuxer)->next(sample);
        if (!more) fail("the repaired file does not read to its end: " + more.error().to_string());
        if (!*more) break;
      }
    }
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name != "input.mp4" && name != "output.mp4") fail("left behind: " + name);
  }
  fs::remove(input);
  fs::remove(output);
  return 0;
}
