// SPDX-License-Identifier: LGPL-2.1-or-later
// The default sensor source: a deterministic picture that looks to an encoder like a camera's
// (a colour scene with fine detail panned across, objects moving against the pan, optional
// sensor noise), shows its frame number and timestamp as large digits, and flashes white on
// beep instants.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "camrec/media/beep_schedule.h"
#include "camrec/media/frame.h"
#include "camrec/media/sensor_source.h"
#include "camrec/status.h"

namespace camrec::media {

/// Where the digits are drawn for a given frame size; shared by the drawing and the reader.
struct PatternLayout {
  uint32_t scale = 1;       ///< Side of one font pixel in frame pixels.
  uint32_t x0 = 0;          ///< Left edge of the first digit.
  uint32_t y_frame = 0;     ///< Top of the frame-number row.
  uint32_t y_time = 0;      ///< Top of the timestamp row.
  uint32_t box_right = 0;   ///< Right edge (exclusive) of the black box behind the digits.
  uint32_t box_bottom = 0;  ///< Bottom edge (exclusive) of that box.
};

/// Digits per row: the frame number and the time in ms since the origin, both modulo 10^8.
inline constexpr int kPatternDigits = 8;

/// Layout for a `width` x `height` frame (digits shrink with the frame; 64x64 still fits).
PatternLayout pattern_layout(uint32_t width, uint32_t height);

/// The 5x7 glyph of digit `d` (0..9): 7 rows, bit 4 is the leftmost column.
const std::array<uint8_t, 7>& digit_glyph(int d);

/// Draws frame `frame_number` of the pattern into `frame` (nv12, i420 or gray8): the scene
/// panned 2 px per frame, three moving discs, luma noise of up to `noise` steps below the
/// digits (0 = none), the two digit rows; a white frame instead of the scene when `flash`.
/// Deterministic: the same arguments draw the same pixels. Errors: invalid_argument for
/// rgb888 frames.
Status draw_test_pattern(Frame& frame, uint64_t frame_number, int64_t time_ms, bool flash,
                         uint8_t noise = 0);

/// Reads a digit row (0 = frame number, 1 = time in ms) back from a luma plane of a pattern
/// frame, tolerating compression noise (each glyph is matched to the nearest digit). Errors:
/// malformed when a digit cannot be recognised.
Result<uint64_t> read_pattern_number(const uint8_t* luma, uint32_t stride, uint32_t width,
                                     uint32_t height, int row);

/// Mean of a luma plane (0..255), for flash detection.
uint32_t mean_luma(const uint8_t* luma, uint32_t stride, uint32_t width, uint32_t height);

/// The test-pattern SensorSource (see SourceOptions for size, rate, pacing and beeps).
Result<std::unique_ptr<SensorSource>> make_test_pattern_source(const SourceOptions& options,
                                                               Clock& clock);

}  // namespace camrec::media
