// SPDX-License-Identifier: LGPL-2.1-or-later
// The video encoder with K230 CanMV semantics: 4 channels, each turning frames into H.264 or
// H.265 Annex B streams handed out as typed packs (HEADER / I / P).
//
// Threading: encoding runs on the thread that calls SendFrame (the link's worker thread when
// a sensor channel is linked), so one slow encode back-pressures that caller only. GetStream
// may be called from any other thread and blocks up to its timeout. All methods are
// thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "camrec/media/endpoint.h"
#include "camrec/media/frame.h"
#include "camrec/status.h"

namespace camrec::media {

/// K230 payload types (k_payload_type values).
inline constexpr uint32_t PAYLOAD_TYPE_H264 = 96;
inline constexpr uint32_t PAYLOAD_TYPE_H265 = 265;
inline constexpr uint32_t PAYLOAD_TYPE_JPEG = 26;
/// K230 encoder profiles.
inline constexpr uint32_t H264_PROFILE_BASELINE = 1;
inline constexpr uint32_t H264_PROFILE_MAIN = 2;
inline constexpr uint32_t H264_PROFILE_HIGH = 3;
inline constexpr uint32_t H265_PROFILE_MAIN = 5;
/// Pack types in StreamData::stream_type.
inline constexpr uint32_t STREAM_TYPE_P = 1;
inline constexpr uint32_t STREAM_TYPE_I = 2;
inline constexpr uint32_t STREAM_TYPE_HEADER = 3;
/// Most packs one GetStream returns (VENC_PACK_CNT_MAX).
inline constexpr uint32_t kMaxPacks = 12;

/// Rate control: constant bitrate, bitrate-capped quality, or constant QP (K230 names).
enum class RateControl : uint8_t { cbr = 1, vbr = 2, fixqp = 3 };

/// Channel attributes (K230 ChnAttrStr plus rate control and camrec's encoder knobs).
struct ChnAttr {
  uint32_t payload_type = PAYLOAD_TYPE_H265;  ///< PAYLOAD_TYPE_H264 or _H265.
  uint32_t profile = H265_PROFILE_MAIN;       ///< A K230 profile matching the payload.
  uint32_t pic_width = 0;                     ///< Even, 16..8192.
  uint32_t pic_height = 0;                    ///< Even, 16..8192.
  uint32_t bit_rate = 4000;                   ///< kbit/s: CBR target, VBR cap.
  uint32_t gop_len = 30;                      ///< Frames between IDRs (1..3600).
  uint32_t src_frame_rate = 30;               ///< Rate frames arrive at (1..240).
  uint32_t dst_frame_rate = 30;               ///< Rate coded (<= src; extra frames skipped).
  RateControl rc_mode = RateControl::cbr;  ///< CBR (K230 default), VBR or FIXQP.
  uint32_t fixed_qp = 30;  ///< QP for RateControl::fixqp (0..51).
  /// x264/x265 speed preset ("ultrafast" ... ; default "veryfast").
  std::string preset = "veryfast";
  /// Zero-latency tuning (no lookahead): right for live sources.
  bool low_latency = true;
  /// Codec threads; 0 = the library's choice.
  int threads = 0;
  /// True (K230 behaviour): a HEADER pack comes in its own GetStream, and the I pack in the
  /// next. False: one GetStream with packs HEADER, I.
  bool header_in_own_stream = true;
  /// False (K230 behaviour): the HEADER pack (the parameter sets) is handed out once per
  /// Start, before the first I pack, and again only when the parameter sets change; later I
  /// packs come without it, so a program that writes key frames on their own must keep the
  /// HEADER and glue it in front of them (kd_mp4_write_frame needs it only once). True:
  /// a HEADER pack before every I pack.
  bool header_before_every_idr = false;

  bool operator==(const ChnAttr&) const = default;
};

/// K230's ChnAttrStr(payload, profile, w, h, bit_rate, gopLen, src_frame_rate, dst_frame_rate).
ChnAttr ChnAttrStr(uint32_t payload_type, uint32_t profile, uint32_t width, uint32_t height,
                   uint32_t bit_rate = 4000, uint32_t gop_len = 30, uint32_t src_frame_rate = 30,
                   uint32_t dst_frame_rate = 30);

/// One GetStream result: up to 12 packs. data[i] points into encoder-owned memory valid
/// until ReleaseStream (or Destroy).
struct StreamData {
  std::array<const uint8_t*, kMaxPacks> data{};  ///< Annex B bytes of pack i.
  std::array<uint32_t, kMaxPacks> data_size{};   ///< Bytes of pack i.
  std::array<uint32_t, kMaxPacks> stream_type{};  ///< STREAM_TYPE_HEADER / _I / _P.
  std::array<int64_t, kMaxPacks> pts{};           ///< Capture time of the frame, µs.
  uint32_t pack_cnt = 0;                          ///< Packs filled.
  uint64_t handle = 0;  ///< Identifies the stream for ReleaseStream; 0 when empty.
};

/// Counters of one channel since Create.
struct EncoderChannelStats {
  uint64_t frames_in = 0;       ///< Frames accepted by SendFrame and encoded.
  uint64_t frames_skipped = 0;  ///< Dropped by dst_frame_rate < src_frame_rate.
  uint64_t send_timeouts = 0;   ///< SendFrame calls that found the output full.
  uint64_t pictures_out = 0;    ///< Coded pictures queued for GetStream.
  uint64_t idr_out = 0;         ///< Of which IDR pictures.
  uint64_t bytes_out = 0;       ///< Bytes of all packs.
  uint64_t reconfigurations = 0;  ///< SetChnAttr changes made (at a frame of their size).
};

/// The encoder device. Create with Encoder::create(); registered at
/// (VIDEO_ENCODE_MOD_ID, dev) for MediaManager::link.
class Encoder final : public FrameSink {
 public:
  /// Channels 0..3.
  static constexpr uint32_t kMaxChannels = 4;
  /// A channel's state: none (not created; SetOutBufs and Create allowed), created,
  /// started (frames accepted), stopping (Stop draining the codec), stopped (streams still
  /// to take; Start again or Destroy).
  enum class State { none, created, started, stopping, stopped };

  /// A new encoder device. Errors: invalid_argument for dev > 7, wrong_state when that
  /// device exists already.
  static Result<std::shared_ptr<Encoder>> create(uint32_t dev = VENC_DEV_ID);
  /// Stops and destroys every channel.
  ~Encoder() override;

  /// Sets the number of output streams a channel may hold (queued + not yet released),
  /// 2..64, and the largest picture (informational, 1..8192). Before Create. Errors:
  /// invalid_argument for bad values, wrong_state after Create.
  Status SetOutBufs(uint32_t chn, uint32_t buf_num, uint32_t width, uint32_t height);
  /// Creates channel `chn` and opens its codec. Errors: invalid_argument for a bad channel,
  /// size (0, odd, < 16, > 8192), profile, rate or GOP, or an unknown payload; unsupported
  /// for JPEG; wrong_state when already created.
  Status Create(uint32_t chn, const ChnAttr& attr);
  /// Starts accepting frames (reopens the codec after a Stop; the first frame is an IDR).
  /// Errors: wrong_state when not created or already started.
  Status Start(uint32_t chn);
  /// Stops accepting frames and drains the codec: every frame SendFrame accepted is coded
  /// and queued for GetStream before Stop returns (the queue may then exceed buf_num).
  /// Errors: wrong_state when not created; a no-op when not started.
  Status Stop(uint32_t chn);
  /// Stops if needed and frees the channel; unreleased StreamData become invalid. Errors:
  /// wrong_state when not created.
  Status Destroy(uint32_t chn);
  /// Encodes one frame (its size must be the channel's) on the calling thread, waiting up
  /// to `timeout_ms` (-1 = forever) for free output buffers (2 when the frame may become an
  /// IDR with its own HEADER stream, else 1). Stop or Destroy from another thread ends the
  /// wait (wrong_state), so a producer never outlives the channel. Errors: wrong_state when
  /// not started, timeout when the output stays full, invalid_argument for a wrong size.
  Status SendFrame(uint32_t chn, const Frame& frame, int timeout_ms = 1000);
  /// Takes the oldest coded stream, waiting up to `timeout_ms` (-1 = forever) unless no
  /// stream can come: then, whatever the timeout, wrong_state when every output buffer is
  /// held by streams not yet released (call ReleaseStream), invalid_argument when the linked
  /// source's frames do not have the channel's size, end_of_stream (or the source's error)
  /// when the linked source ended. Errors also: wrong_state before Start, timeout,
  /// end_of_stream when stopped and fully drained.
  Status GetStream(uint32_t chn, StreamData& out, int timeout_ms = -1);
  /// Returns a stream's memory and clears `stream`. Errors: invalid_argument when the
  /// stream was already released or came from another channel.
  Status ReleaseStream(uint32_t chn, StreamData& stream);
  /// Makes the next coded frame an IDR. Errors: wrong_state when not created.
  Status RequestIdr(uint32_t chn);
  /// New attributes for a created channel (camrec extension; on the K230 a program stops,
  /// destroys and creates the channel again). They take effect at the first frame of their
  /// size that SendFrame or the link brings (the next frame when the size stays), so frames
  /// of the old size still on their way are coded as before: the codec is drained (its last
  /// pictures come out first), reopened with the new attributes, and that frame is an IDR
  /// after a HEADER pack. One change waits at a time: a newer one replaces it, and
  /// attributes equal to the current ones cancel it (frames of its size already on their
  /// way are then refused as of another size: wait for stats().reconfigurations). Errors: invalid_argument as Create's and for another payload type (a new codec
  /// needs a new channel); wrong_state when not created.
  Status SetChnAttr(uint32_t chn, const ChnAttr& attr);
  /// Counters of channel `chn` (zeros when it does not exist).
  EncoderChannelStats stats(uint32_t chn) const;
  /// The state of channel `chn` (none for a channel outside 0..3).
  State state(uint32_t chn) const;
  /// The device number.
  uint32_t dev() const { return dev_; }

  /// FrameSink: ok for channels 0..3.
  Status check_input_channel(uint32_t chn) const override;
  /// FrameSink: SendFrame (the link's worker thread does the encoding).
  Status accept_frame(uint32_t chn, const Frame& frame, int timeout_ms) override {
    return send(chn, frame, timeout_ms, true);
  }
  /// FrameSink: the linked source ended; GetStream returns once the queue is empty.
  void input_ended(uint32_t chn, const Status& why) override;
  /// FrameSink: a new link brings frames again, so GetStream waits for them (an earlier
  /// link's end no longer counts).
  void input_linked(uint32_t chn) override;
  /// FrameSink: a closing link's frame does not wait for free output buffers.
  void interrupt_input(uint32_t chn, bool on) override;

 private:
  // A channel's state, queues and codec (defined in the implementation, which keeps the
  // codec libraries out of this header).
  struct Channel;

  explicit Encoder(uint32_t dev);
  Status check_chn(uint32_t chn) const;
  Status send(uint32_t chn, const Frame& frame, int timeout_ms, bool from_link);
  static Status stalled(uint32_t chn, const Channel& ch);  // ch.mutex held

  const uint32_t dev_;
  std::array<std::unique_ptr<Channel>, kMaxChannels> channels_;
};

}  // namespace camrec::media
