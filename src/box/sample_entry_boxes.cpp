// SPDX-License-Identifier: LGPL-2.1-or-later
#include "box/sample_entry_boxes.h"

#include <algorithm>
#include <array>
#include <bit>

namespace camrec::box {

namespace {

// Types read as VisualSampleEntry; codecs camrec does not decode keep their children raw.
constexpr std::array kVisualTypes = {
    fourcc("avc1"), fourcc("avc2"), fourcc("avc3"), fourcc("avc4"), fourcc("hvc1"), fourcc("hev1"),
    fourcc("dvh1"), fourcc("dvhe"), fourcc("mp4v"), fourcc("vp08"), fourcc("vp09"), fourcc("av01"),
    fourcc("encv"), fourcc("jpeg"), fourcc("mjpa"), fourcc("mjpb"), fourcc("mjp2"), fourcc("s263"),
    fourcc("h263"), fourcc("apch"), fourcc("apcn"), fourcc("apcs"), fourcc("apco"), fourcc("ap4h"),
};

// Types read as AudioSampleEntry, ISO and QuickTime ('raw ' is left out: QuickTime uses it
// for video too, and a sample entry does not say which).
constexpr std::array kAudioTypes = {
    fourcc("mp4a"), fourcc("enca"), fourcc("Opus"), fourcc("ulaw"), fourcc("alaw"), fourcc("sowt"),
    fourcc("twos"), fourcc("lpcm"), fourcc("in24"), fourcc("in32"), fourcc("fl32"), fourcc("fl64"),
    fourcc("ipcm"), fourcc("fpcm"), fourcc("NONE"), fourcc("ac-3"), fourcc("ec-3"), fourcc("ac-4"),
    fourcc("fLaC"), fourcc("alac"), fourcc("samr"), fourcc("sawb"), fourcc(".mp3"), fourcc("ima4"),
    fourcc("mlpa"), fourcc("dtsc"), fourcc("dtsh"), fourcc("dtsl"), fourcc("dtse"),
};

}  // namespace

bool VisualSampleEntry::accepts(FourCC t) {
  return std::find(kVisualTypes.begin(), kVisualTypes.end(), t) != kVisualTypes.end();
}

bool AudioSampleEntry::accepts(FourCC t) {
  return std::find(kAudioTypes.begin(), kAudioTypes.end(), t) != kAudioTypes.end();
}

uint32_t AudioSampleEntry::sample_rate_hz(uint32_t stsd_version) const {
  if (quicktime_v2(stsd_version)) return integer_from_float64_bits(audio_sample_rate);
  return samplerate >> 16;
}

uint64_t float64_bits_from_integer(uint32_t value) {
  if (value == 0) return 0;
  int top = std::bit_width(value) - 1;  // value = 1.f * 2^top
  uint64_t exponent = static_cast<uint64_t>(1023 + top);
  uint64_t mantissa = (uint64_t{value} << (52 - top)) & ((uint64_t{1} << 52) - 1);
  return (exponent << 52) | mantissa;
}

uint32_t integer_from_float64_bits(uint64_t bits) {
  if (bits >> 63) return 0;  // negative
  int exponent = static_cast<int>((bits >> 52) & 0x7ff);
  if (exponent == 0x7ff) return 0;  // infinity or NaN
  int shift = exponent - 1023;
  if (shift < 0) return 0;
  if (shift > 31) return UINT32_MAX;
  uint64_t significand = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52);
  return static_cast<uint32_t>(significand >> (52 - shift));
}

}  // namespace camrec::box
