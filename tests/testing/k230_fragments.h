// SPDX-License-Identifier: LGPL-2.1-or-later
// A fragmented MP4 as K230's muxer writes one with audio: the init moov declares the video
// track only, while the fragments also carry trafs of the audio track (track 2).
#pragma once

#include <string>

namespace camrec::testing {

struct K230FragmentedFile {
  std::string path;      ///< The K230-style file: its moov lacks track 2, its moofs do not.
  std::string complete;  ///< The same file as camrec wrote it, with both tracks declared.
  int video_frames = 0;
  int audio_samples = 0;     ///< G.711 packets written to track 2 (samples of the traf runs).
  int audio_fragments = 0;   ///< trafs of track 2.
};

/// Writes both files into `dir` with camrec's muxer (`frames` H.264 frames of 320x240 from
/// ffmpeg's testsrc2 and 40 ms G.711 packets of a sine, fragmented at every second), then
/// removes the audio trak and its trex from the moov, a 'free' box of the same size taking
/// their place so that every offset stays, and drops the mfra index (K230 writes none).
/// Fails the calling test (and returns an empty path) when ffmpeg or the muxer fails.
K230FragmentedFile make_k230_fragmented(const std::string& dir, int frames = 90);

}  // namespace camrec::testing
