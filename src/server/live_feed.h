// SPDX-License-Identifier: LGPL-2.1-or-later
// The live path: the recorder's video packets go through a second, in-memory muxer that cuts
// short CMAF fragments (parts) whatever the file's fragment length, and each finished
// fragment is handed to a LiveHub for the viewers. The muxer is camrec's own (fragmented
// layout, CMAF brands), so the live stream is byte for byte the format of `--fmp4 --cmaf`.
// Audio rides along when browsers play it (Opus, AAC); G.711 does not play in browsers.
// The video's parameter sets travel in-band ('avc3'/'hev1'), so a change of them mid-stream
// needs no new init segment.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "camrec/muxer.h"

namespace camrec::server {

/// One finished live fragment (moof + mdat), shared read-only by every viewer.
struct LiveFragment {
  uint64_t sequence = 0;        ///< 0, 1, 2, ... in the order the fragments were cut.
  bool key = false;             ///< Starts with a video key frame: a viewer may start here.
  int64_t media_start_us = 0;   ///< Decode time of its first video sample on the live timeline.
  int64_t duration_us = 0;      ///< Sum of its video sample durations.
  int64_t capture_start_us = 0; ///< Capture clock (CLOCK_MONOTONIC µs) of its first sample.
  std::vector<uint8_t> bytes;   ///< The moof and mdat boxes.
};

/// What a LiveFeed publishes to: called on the recorder's thread, must not block.
class LiveSink {
 public:
  virtual ~LiveSink() = default;
  /// The init segment (ftyp + moov) and the RFC 6381 codec strings of its tracks, joined by
  /// commas as MSE wants them ("avc1.4d401e,opus"); called once, before the first fragment.
  virtual void publish_init(std::vector<uint8_t> init, std::string codec) = 0;
  virtual void publish_fragment(std::shared_ptr<const LiveFragment> fragment) = 0;
  /// The recording ended: no fragment follows.
  virtual void publish_end() = 0;
};

struct LiveFeedOptions {
  /// Longest live fragment (a CMAF part / LL-HLS part); also cut at every key frame.
  int64_t part_duration_us = 200'000;
};

/// A MediaWriter for the video (and browser-playable audio) of a recording that fragments
/// it in memory for viewers. Not thread-safe: called from the recorder's writing thread (via TeeWriter).
class LiveFeed final : public MediaWriter {
 public:
  /// `sink` is borrowed and must outlive the feed.
  static Result<std::unique_ptr<LiveFeed>> create(LiveSink& sink, LiveFeedOptions options = {});
  ~LiveFeed() override;

  /// Only one video track is carried; a second one is refused with unsupported.
  Result<uint32_t> add_video_track(const VideoTrackConfig& config) override;
  /// One Opus or AAC track is carried; G.711 (no browser plays it) and a second audio track
  /// are refused with unsupported: the live view then carries the video only.
  Result<uint32_t> add_audio_track(const AudioTrackConfig& config) override;
  /// Packets are Packet.timescale-stamped on the capture clock, like the recorder's.
  Status write(uint32_t track, const Packet& packet) override;
  /// Flushes the last fragment and tells the sink the stream ended. Idempotent.
  Status close() override;
  MuxerStats stats() const override;

  class FragmentCapture;

 private:
  LiveFeed() = default;
  /// One written moof: its bytes and times join the live fragment of the current cut.
  void on_fragment_written();
  /// Hands the moofs of the last cut to the sink as one live fragment.
  void publish_pending();

  /// A track's samples in the live fragment being assembled, on the live timeline.
  struct Span {
    bool set = false;
    int64_t start_us = 0;
    int64_t duration_us = 0;
  };

  LiveSink* sink_ = nullptr;
  FragmentCapture* capture_ = nullptr;  ///< Owned by muxer_.
  std::unique_ptr<Muxer> muxer_;
  bool init_sent_ = false;
  bool have_audio_ = false;
  uint32_t video_track_id_ = 0;  ///< track_ID of the video in the live muxer's moov.
  int64_t video_end_us_ = 0;     ///< End of the video published so far, on the live timeline.
  std::vector<std::pair<uint32_t, uint32_t>> timescales_;  ///< track_ID -> timescale, from the init.
  std::shared_ptr<LiveFragment> pending_;  ///< The cut being written (moofs of one muxer call).
  Span pending_video_, pending_audio_;
  bool closed_ = false;
  uint64_t next_sequence_ = 0;
  int64_t origin_us_ = -1;  ///< Capture time of the first packet: the live timeline's 0.
};

}  // namespace camrec::server
