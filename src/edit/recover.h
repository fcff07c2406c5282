// SPDX-License-Identifier: LGPL-2.1-or-later
// Repairing files left by a crash, a power cut or a full disk (`camrec recover`).
//
// camrec files: a torn last fragment is dropped; a regular (hybrid) file interrupted inside
// its close is finished in place when its final moov is whole (one 16-byte write), else its
// fragments are rebuilt into a regular MP4. Files of other recorders that end without a moov
// (K230, ffmpeg, Android killed before close) are salvaged when their video carries its
// parameter sets in-band: the length-prefixed NAL units of the mdat are scanned.
#pragma once

#include <cstdint>
#include <string>

#include "camrec/status.h"

namespace camrec::edit {

struct RecoverOptions {
  /// Where the repaired file goes; empty = repair in place (through a temporary file that
  /// replaces the original only once complete).
  std::string output;
  /// Frame rate for salvaged video, whose timing died with the moov (0/0 = from the stream's
  /// VUI, else 30 fps).
  uint32_t fps_num = 0;
  uint32_t fps_den = 0;
};

enum class RecoverAction {
  none,          ///< The file was complete.
  finished_close,  ///< The final moov was whole: the 16-byte header was written.
  rebuilt,       ///< The intact fragments were written into a new file.
  salvaged,      ///< No moov: the video was recovered from the mdat's NAL units.
};

struct RecoverReport {
  RecoverAction action = RecoverAction::none;
  uint64_t samples = 0;        ///< Samples in the repaired file.
  uint64_t video_frames = 0;
  uint64_t duration_ms = 0;
  uint64_t bytes_dropped = 0;  ///< Bytes of the input that could not be used.
  /// One line for people: what was done, the samples, the duration and each track with
  /// its sample count, as read back from the result.
  std::string summary;
  /// What reading the input skipped (fragments of tracks its moov does not declare), for
  /// people; empty when nothing was.
  std::string warning;
};

/// Repairs `path` (see the file comment). Errors: not_found, malformed (nothing to salvage:
/// no fragment, no moov and no in-band parameter sets; a complete file that does not read),
/// and the I/O errors of writing. On an error, no output of its own is left behind.
Result<RecoverReport> recover(const std::string& path, const RecoverOptions& options = {});

}  // namespace camrec::edit
