// SPDX-License-Identifier: LGPL-2.1-or-later
// The recorder's hook for the live view: a MediaWriter that writes every packet to the
// recording first and then offers the video (and the audio, when the second writer takes
// its codec) to a second writer (a LiveFeed). The recording never sees the second writer:
// its errors switch it off and are kept for the status, and it costs the recording one
// in-memory copy of each packet it takes.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "camrec/muxer.h"

namespace camrec::server {

class TeeWriter final : public MediaWriter {
 public:
  /// Names the file the primary writer is writing now; called on the writing thread after
  /// each packet (a SegmentWriter moves to a new file at a key frame).
  using CurrentPath = std::function<std::string()>;

  /// Writes to `primary` (owned) and mirrors the first video track and the audio tracks
  /// `live` accepts to `live` (owned). `live` refusing an audio track with unsupported
  /// leaves that track out; any other error switches `live` off.
  TeeWriter(std::unique_ptr<MediaWriter> primary, std::unique_ptr<MediaWriter> live, CurrentPath current_path = {});

  Result<uint32_t> add_video_track(const VideoTrackConfig& config) override;
  Result<uint32_t> add_audio_track(const AudioTrackConfig& config) override;
  /// Returns the primary writer's result only.
  Status write(uint32_t track, const Packet& packet) override;
  /// Closes the primary writer, then the live one. Idempotent.
  Status close() override;
  /// The primary writer's statistics.
  MuxerStats stats() const override;

  /// The file being written (empty before the first packet); any thread.
  std::string current_path() const;
  /// The error that switched the live writer off (ok while it runs); any thread.
  Status live_error() const;

 private:
  void live_failed(const Status& error);

  std::unique_ptr<MediaWriter> primary_;
  std::unique_ptr<MediaWriter> live_;
  CurrentPath current_path_fn_;
  std::vector<std::optional<uint32_t>> live_track_;  ///< Primary track index -> live track.
  bool live_on_ = true;
  mutable std::mutex mutex_;  ///< Guards the two fields below.
  std::string current_path_;
  Status live_error_;
};

}  // namespace camrec::server
