// SPDX-License-Identifier: LGPL-2.1-or-later
// Media endpoints as K230 names them: (module id, device, channel) triples, and the two
// roles a linked module plays (a source of frames, a sink that accepts them).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "camrec/media/frame.h"
#include "camrec/status.h"

namespace camrec::media {

/// K230 module ids (k_mod_id values, so K230 code ports unchanged).
inline constexpr uint32_t CAMERA_MOD_ID = 6;         ///< K_ID_VI: sensors.
inline constexpr uint32_t VIDEO_ENCODE_MOD_ID = 9;   ///< K_ID_VENC: the video encoder.
inline constexpr uint32_t AUDIO_IN_MOD_ID = 12;      ///< K_ID_AI: audio inputs.
inline constexpr uint32_t AUDIO_ENCODE_MOD_ID = 14;  ///< K_ID_AENC: audio encoders.
/// The video encoder device (K230 has one, with channels 0..3).
inline constexpr uint32_t VENC_DEV_ID = 0;
/// Sensor devices 0..2 (CAM_DEV_ID_0..2) and their output channels 0..2 (CAM_CHN_ID_0..2).
inline constexpr uint32_t CAM_DEV_ID_0 = 0;
inline constexpr uint32_t CAM_CHN_ID_0 = 0;
inline constexpr uint32_t CAM_CHN_ID_1 = 1;
inline constexpr uint32_t CAM_CHN_ID_2 = 2;
/// Encoder channels 0..3.
inline constexpr uint32_t VENC_CHN_ID_0 = 0;
inline constexpr uint32_t VENC_CHN_ID_1 = 1;
inline constexpr uint32_t VENC_CHN_ID_2 = 2;
inline constexpr uint32_t VENC_CHN_ID_3 = 3;

/// One end of a link: module, device and channel.
struct Endpoint {
  uint32_t mod = 0;  ///< Module id (CAMERA_MOD_ID, VIDEO_ENCODE_MOD_ID, ...).
  uint32_t dev = 0;  ///< Device number within the module.
  uint32_t chn = 0;  ///< Channel of the device.
  /// Same module, device and channel.
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

/// "(6, 0, 1)" for messages.
std::string to_string(const Endpoint& e);

/// Called for every frame a source channel produces, on the source's capture thread. Must
/// return quickly (a link only queues or drops).
using FrameCallback = std::function<void(const FramePtr&)>;

/// Called when a source channel stops producing frames (stop(), end of file, or a failure
/// given in `why`; ok for a clean end), on the source's thread, after its last frame.
using EndCallback = std::function<void(const Status& why)>;

/// A module that produces frames on channels (a Sensor).
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  /// Registers `callback` for channel `chn`, and `on_end` (may be empty) for the end of each
  /// run of frames; returns a subscription id. Errors: invalid_argument for a channel that
  /// does not exist or is not enabled.
  virtual Result<uint64_t> subscribe(uint32_t chn, FrameCallback callback, EndCallback on_end = {}) = 0;
  /// Removes a subscription. When it returns, the callback is not running and will not run
  /// again. Unknown ids are ignored.
  virtual void unsubscribe(uint64_t id) = 0;
};

/// A module that consumes frames on channels (the Encoder).
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  /// Ok when `chn` is a channel number this sink has (it may not be created yet). Errors:
  /// invalid_argument.
  virtual Status check_input_channel(uint32_t chn) const = 0;
  /// Takes one frame for channel `chn`, waiting up to `timeout_ms` (-1 = forever) for room.
  /// Errors: as the sink's SendFrame.
  virtual Status accept_frame(uint32_t chn, const Frame& frame, int timeout_ms) = 0;
  /// The source linked to channel `chn` produces no more frames (`why`: ok for a clean end,
  /// else its failure), after its last frame was handed over. Default: nothing to do.
  virtual void input_ended(uint32_t chn, const Status& why) {
    (void)chn;
    (void)why;
  }
  /// A link to channel `chn` was made: frames come again (after an earlier link ended).
  /// Default: nothing to do.
  virtual void input_linked(uint32_t chn) { (void)chn; }
  /// While `on` (set by a link's close(), cleared once its worker has ended), an
  /// accept_frame on channel `chn` that would wait for room returns timeout at once instead:
  /// a closing link must not wait for a consumer that may never come. Default: nothing to do
  /// (a sink that never waits).
  virtual void interrupt_input(uint32_t chn, bool on) {
    (void)chn;
    (void)on;
  }
};

}  // namespace camrec::media
