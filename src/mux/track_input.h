// SPDX-License-Identifier: LGPL-2.1-or-later
// Converts what a caller hands the muxer (Annex B access units, ADTS frames, G.711 bytes,
// Opus packets) into MP4 samples, and knows the track's sample description.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "box/sample_table_boxes.h"
#include "camrec/muxer.h"
#include "codec/annexb.h"
#include "codec/video_config.h"
#include "mux/sample_data.h"

namespace camrec::mux {

/// One packet converted to an MP4 sample.
struct InputSample {
  size_t size = 0;                ///< Bytes prepare() appended to its output buffer.
  bool sync = true;               ///< A random access point (key frame).
  bool drop = false;              ///< Not to be written (e.g. RASL after a starting CRA).
  uint32_t duration = 0;          ///< In the track timescale when the packet tells it; else 0.
  uint32_t description = 1;       ///< 1-based sample description (stsd entry) of the sample.
};

/// A video access unit its caller has already split into NAL units and parsed with a
/// codec::AccessUnitParser (the remux's reader): the muxer neither scans nor parses it again
/// and writes the NAL units' payloads from where they are, so their memory must stay valid
/// until the muxer is closed.
struct ParsedVideo {
  std::span<const codec::NalView> nals;  ///< The access unit's NAL units, in stream order.
  bool key = false;                      ///< AccessUnit::is_key.
  /// The stream's parameter sets as of this access unit (AccessUnitParser::parameter_sets()).
  const codec::VideoParameterSets* sets = nullptr;
  /// The parser found the picture undecodable after the stream's first key frame
  /// (AccessUnit::droppable: an H.265 RASL picture of a starting CRA): the muxer drops it
  /// as prepare() drops it.
  bool drop = false;
};

class TrackInput {
 public:
  virtual ~TrackInput() = default;
  /// Converts one packet, appending the sample's bytes to `out`. On error `out` may have
  /// grown (the caller cuts it back); the input's stream state is unchanged.
  virtual Result<InputSample> prepare(std::span<const uint8_t> packet, std::vector<uint8_t>& out) = 0;
  /// As prepare(), for an access unit parsed by the caller: the sample's NAL unit payloads
  /// go into `out` as views of the caller's memory. The same track must not also take
  /// packets through prepare() (it would not know the caller's parameter sets).
  virtual Result<InputSample> prepare_parsed(const ParsedVideo& video, SampleData& out) {
    (void)video;
    (void)out;
    return make_error(Errc::invalid_argument, "not a video track");
  }
  /// True once the sample description is known (video: after the first parameter sets).
  virtual bool configured() const = 0;
  /// Adds the sample description(s) to `stsd`; only when configured().
  virtual void describe(box::SampleDescriptionBox& stsd) const = 0;
  /// Sample descriptions known so far (video: one per distinct set of parameter sets).
  virtual uint32_t description_count() const { return 1; }
  /// Takes parameter sets (Annex B, parameter set NAL units only) that apply from the next
  /// key frame on, as if they had come in front of it. Errors: invalid_argument for other
  /// NAL units or a track without parameter sets.
  virtual Status hold_parameter_sets(std::span<const uint8_t> annexb) {
    (void)annexb;
    return make_error(Errc::invalid_argument, "this track has no parameter sets");
  }
  virtual bool is_video() const = 0;
  /// Track timescale (ticks per second).
  virtual Timescale timescale() const = 0;
  /// Display size of a video track (0 for audio).
  virtual uint32_t width() const { return 0; }
  virtual uint32_t height() const { return 0; }
  /// Presentation width for tkhd, 16.16 fixed point: width() stretched by the pixel aspect.
  virtual uint32_t presentation_width() const { return width() << 16; }
  /// Bytes of one sample frame (all channels) when the track is listed one sample per
  /// frame in a regular file's tables (G.711); 0 when each packet is one sample.
  virtual uint32_t pcm_frame_bytes() const { return 0; }
  /// Media ticks at the start of the track that decode to priming, not sound (the Opus
  /// pre-skip): the edit list starts the presentation after them.
  virtual uint32_t priming() const { return 0; }
  /// Samples a decoder must decode before a sample to output it right (the Opus pre-roll,
  /// written as a 'roll' sample group with this negative distance); 0 when none.
  virtual int16_t roll_distance() const { return 0; }
  /// True when a packet keeps the duration its contents decode to and a shorter duration
  /// given with it trims the presentation's end (Opus, whose last packet is padded).
  virtual bool trims_end() const { return false; }
  /// Codec string (RFC 6381) once configured, e.g. "avc1.4d401f".
  virtual std::string codec_string() const = 0;
};

/// Makes the input for a video track; fails on a codec that is not video.
Result<std::unique_ptr<TrackInput>> make_video_input(const VideoTrackConfig& config);
/// Makes the input for an audio track; fails on a codec that is not audio or a bad config.
Result<std::unique_ptr<TrackInput>> make_audio_input(const AudioTrackConfig& config);

}  // namespace camrec::mux
