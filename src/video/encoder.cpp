// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/encoder.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "link/registry.h"
#include "video/video_codec.h"

namespace camrec::media {

namespace {

std::atomic<uint64_t> g_next_handle{1};

// One pack of a stream: where its bytes are in Stream::bytes.
struct Pack {
  size_t offset = 0;
  uint32_t size = 0;
  uint32_t type = 0;
};
// A coded stream as GetStream hands it out: its packs, one buffer.
struct Stream {
  uint64_t handle = 0;
  int64_t pts_us = 0;
  std::vector<uint8_t> bytes;
  std::vector<Pack> packs;
};

std::string chn_name(uint32_t chn) { return "encoder channel " + std::to_string(chn); }

Status check_attr(const ChnAttr& a, VideoCodecConfig& c) {
  if (a.payload_type == PAYLOAD_TYPE_JPEG) {
    return make_error(Errc::unsupported, "JPEG payload is not supported (H264 or H265 only)");
  }
  if (a.payload_type == PAYLOAD_TYPE_H264) {
    c.codec = VideoCodec::h264;
    switch (a.profile) {
      case H264_PROFILE_BASELINE: c.profile = "baseline"; break;
      case H264_PROFILE_MAIN: c.profile = "main"; break;
      case H264_PROFILE_HIGH: c.profile = "high"; break;
      default:
        return make_error(Errc::invalid_argument, "profile " + std::to_string(a.profile) +
                                                      " is not an H264 profile (1, 2 or 3)");
    }
  } else if (a.payload_type == PAYLOAD_TYPE_H265) {
    c.codec = VideoCodec::h265;
    if (a.profile != H265_PROFILE_MAIN) {
      return make_error(Errc::invalid_argument, "profile " + std::to_string(a.profile) +
                                                    " is not an H265 profile (5 = main)");
    }
    c.profile = "main";
  } else {
    return make_error(Errc::invalid_argument,
                      "unknown payload type " + std::to_string(a.payload_type) +
                          " (96 = H264, 265 = H265)");
  }
  if (a.pic_width < 16 || a.pic_height < 16 || a.pic_width > kMaxFrameDimension ||
      a.pic_height > kMaxFrameDimension || a.pic_width % 2 != 0 || a.pic_height % 2 != 0) {
    return make_error(Errc::invalid_argument,
                      "picture size " + std::to_string(a.pic_width) + "x" +
                          std::to_string(a.pic_height) + " must be even and within 16..8192");
  }
  if (a.bit_rate == 0 || a.bit_rate > 800'000) {
    return make_error(Errc::invalid_argument, "bit rate " + std::to_string(a.bit_rate) +
                                                  " kbps is outside 1..800000");
  }
  if (a.gop_len == 0 || a.gop_len > 3600) {
    return make_error(Errc::invalid_argument, "GOP length " + std::to_string(a.gop_len) +
                                                  " is outside 1..3600");
  }
  if (a.src_frame_rate == 0 || a.src_frame_rate > 240 || a.dst_frame_rate == 0 ||
      a.dst_frame_rate > a.src_frame_rate) {
    return make_error(Errc::invalid_argument,
                      "frame rates src " + std::to_string(a.src_frame_rate) + " / dst " +
                          std::to_string(a.dst_frame_rate) + " need 1 <= dst <= src <= 240");
  }
  if (a.fixed_qp > 51) {
    return make_error(Errc::invalid_argument, "fixed QP " + std::to_string(a.fixed_qp) +
                                                  " is above 51");
  }
  if (a.threads < 0 || a.threads > 64) {
    return make_error(Errc::invalid_argument, "thread count " + std::to_string(a.threads) +
                                                  " is outside 0..64");
  }
  c.width = a.pic_width;
  c.height = a.pic_height;
  c.bitrate_kbps = a.bit_rate;
  c.gop = a.gop_len;
  c.fps_num = a.dst_frame_rate;
  c.fps_den = 1;
  c.rate_control = a.rc_mode;
  c.fixed_qp = a.fixed_qp;
  c.preset = a.preset;
  c.low_latency = a.low_latency;
  c.threads = a.threads;
  return Status::ok();
}

template <typename Pred>
bool wait_for(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, int timeout_ms,
              Pred pred) {
  if (timeout_ms < 0) {
    cv.wait(lock, pred);
    return true;
  }
  return cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), pred);
}

}  // namespace

struct Encoder::Channel {
  mutable std::mutex mutex;  // state, attr, queues, stats
  std::condition_variable out_cv;
  std::condition_variable space_cv;
  std::mutex encode_mutex;  // the codec; taken before `mutex`
  State state = State::none;
  ChnAttr attr;
  uint32_t buf_num = 8;
  std::unique_ptr<VideoCodecEncoder> codec;
  std::deque<Stream> ready;
  std::map<uint64_t, Stream> outstanding;
  bool idr_requested = false;
  std::optional<ChnAttr> pending;  // SetChnAttr's attributes, for the first frame of their size
  uint64_t arrivals = 0;          // frames offered, for frame-rate conversion
  int64_t pictures_since_idr = -1;  // -1: no picture since Start
  std::vector<uint8_t> header_sent;  // the HEADER handed out since Start; empty: none yet
  Status refused;                    // why the latest frame offered was refused for good
  std::optional<Status> input_end;   // the linked source ended (ok: cleanly)
  int link_closing = 0;              // links closing now: their frames do not wait for room
  EncoderChannelStats stats;

  // Turns coded pictures into the streams GetStream hands out (mutex held).
  void queue_pictures(std::vector<EncodedPicture>& pics);
  // Output buffers the next frame may need (mutex held).
  size_t buffers_for_next_frame() const;
  // Makes the pending attributes the channel's (`lock` holds mutex; encode_mutex held).
  Status apply_pending(uint32_t chn, std::unique_lock<std::mutex>& lock);
};

Encoder::Encoder(uint32_t dev) : dev_(dev) {
  for (auto& ch : channels_) ch = std::make_unique<Channel>();
}

ChnAttr ChnAttrStr(uint32_t payload_type, uint32_t profile, uint32_t width, uint32_t height,
                   uint32_t bit_rate, uint32_t gop_len, uint32_t src_frame_rate,
                   uint32_t dst_frame_rate) {
  ChnAttr a;
  a.payload_type = payload_type;
  a.profile = profile;
  a.pic_width = width;
  a.pic_height = height;
  a.bit_rate = bit_rate;
  a.gop_len = gop_len;
  a.src_frame_rate = src_frame_rate;
  a.dst_frame_rate = dst_frame_rate;
  return a;
}

Result<std::shared_ptr<Encoder>> Encoder::create(uint32_t dev) {
  if (dev > 7) {
    return make_error(Errc::invalid_argument,
                      "encoder device " + std::to_string(dev) + " is outside 0..7");
  }
  std::shared_ptr<Encoder> enc(new Encoder(dev));
  CAMREC_RETURN_IF_ERROR(DeviceRegistry::instance().add_sink(VIDEO_ENCODE_MOD_ID, dev,
                                                             std::weak_ptr<FrameSink>(enc)));
  return enc;
}

Encoder::~Encoder() {
  for (uint32_t chn = 0; chn < kMaxChannels; ++chn) {
    bool created;
    {
      std::lock_guard lock(channels_[chn]->mutex);
      created = channels_[chn]->state != State::none;
    }
    if (created) (void)Destroy(chn);
  }
  DeviceRegistry::instance().remove_expired(VIDEO_ENCODE_MOD_ID, dev_);
}

Status Encoder::check_chn(uint32_t chn) const {
  if (chn >= kMaxChannels) {
    return make_error(Errc::invalid_argument, chn_name(chn) + " is outside 0..3");
  }
  return Status::ok();
}

Status Encoder::check_input_channel(uint32_t chn) const { return check_chn(chn); }

namespace {

Result<std::unique_ptr<VideoCodecEncoder>> open_codec(const ChnAttr& attr) {
  VideoCodecConfig config;
  CAMREC_RETURN_IF_ERROR(check_attr(attr, config));
  return open_video_codec(config);
}

}  // namespace

Status Encoder::SetOutBufs(uint32_t chn, uint32_t buf_num, uint32_t width, uint32_t height) {
  CAMREC_RETURN_IF_ERROR(check_chn(chn));
  if (buf_num < 2 || buf_num > 64) {
    return make_error(Errc::invalid_argument, "buffer count " + std::to_string(buf_num) +
                                                  " is outside 2..64");
  }
  if (width == 0 || height == 0 || width > kMaxFrameDimension || height > kMaxFrameDimension) {
    return make_error(Errc::invalid_argument, "buffer picture size " + std::to_string(width) +
                                                  "x" + std::to_string(height) +
                                                  " is outside 1..8192");
  }
  Channel& ch = *channels_[chn];
  std::lock_guard lock(ch.mutex);
  if (ch.state != State::none) {
    return make_error(Errc::wrong_state, "SetOutBufs after Create on " + chn_name(chn));
  }
  ch.buf_num = buf_num;
  return Status::ok();
}

Status Encoder::Create(uint32_t chn, const ChnAttr& attr) {
  CAMREC_RETURN_IF_ERROR(check_chn(chn));
  Channel& ch = *channels_[chn];
  std::lock_guard encode_lock(ch.encode_mutex);
  {
    std::lock_guard lock(ch.mutex);
    if (ch.state != State::none) {
      return make_error(Errc::wrong_state, chn_name(chn) + " is already created");
    }
  }
  CAMREC_ASSIGN_OR_RETURN(auto codec, open_codec(attr));
  std::lock_guard lock(ch.mutex);
  ch.attr = attr;
  ch.codec = std::move(codec);
  ch.state = State::created;
  ch.idr_requested = false;
  ch.pending.reset();
  ch.arrivals = 0;
  ch.stats = {};
  return Status::ok();
}

Status Encoder::Start(uint32_t chn) {
  CAMREC_RETURN_IF_ERROR(check_chn(chn));
  Channel& ch = *channels_[chn];
  std::lock_guard encode_lock(ch.encode_mutex);
  std::unique_lock lock(ch.mutex);
  if (ch.state == State::none) return make_error(Errc::wrong_state, chn_name(chn) + " is not created");
  if (ch.state == State::started || ch.state == State::stopping) {
    return make_error(Errc::wrong_state, chn_name(chn) + " is already started");
  }
  if (!ch.codec) {
    ChnAttr attr = ch.attr;
    lock.unlock();
    CAMREC_ASSIGN_OR_RETURN(auto codec, open_codec(attr));
    lock.lock();
    ch.codec = std::move(codec);
  }
  ch.state = State::started;
  ch.arrivals = 0;
  ch.pictures_since_idr = -1;
  ch.header_sent.clear();
  ch.refused = Status::ok();
  ch.input_end.reset();
  return Status::ok();
}

Status Encoder::Stop(uint32_t chn) {
  CAMREC_RETURN_IF_ERROR(check_chn(chn));
  Channel& ch = *channels_[chn];
  bool flush_here = false;
  {
    std::lock_guard lock(ch.mutex);
    if (ch.state == State::none) return make_error(Errc::wrong_state, chn_name(chn) + " is not created");
    if (ch.state == State::started) {
      // Wakes a SendFrame waiting for room; it gives up and releases the codec.
      ch.state = State::stopping;
      ch.space_cv.notify_all();
      flush_here = true;
    }
  }
  // Also makes a concurrent second Stop wait until the first has drained.
  std::lock_guard encode_lock(ch.encode_mutex);
  if (!flush_here) return Status::ok();
  std::vector<EncodedPicture> pics;
  Status flushed = ch.codec ? ch.codec->flush(pics) : Status::ok();
  std::lock_guard lock(ch.mutex);
  ch.queue_pictures(pics);
  ch.codec.reset();
  ch.state = State::stopped;
  ch.out_cv.notify_all();
  return flushed;
}

Status Encoder::Destroy(uint32_t chn) {
  CAMREC_RETURN_IF_ERROR(check_chn(chn));
  Channel& ch = *channels_[chn];
  {
    std::lock_guard lock(ch.mutex);
    if (ch.state == State::none) return make_error(Errc::wrong_state, chn_name(chn) + " is not created");
  }
  Status stopped = Stop(chn);
  std::lock_guard encode_lock(ch.encode_mutex);
  std::lock_guard lock(ch.mutex);
  ch.codec.reset();
  ch.pending.reset();
  ch.ready.clear();
  ch.outstanding.clear();
  ch.state = State::none;
  ch.buf_num = 8;
  ch.out_cv.notify_all();
  ch.space_cv.notify_all();
  return stopped;
}

void Encoder::Channel::queue_pictures(std::vector<EncodedPicture>& pics) {
  Channel& ch = *this;
  for (EncodedPicture& pic : pics) {
    auto add = [&](Stream& s, const std::vector<uint8_t>& bytes, uint32_t type) {
      s.packs.push_back(Pack{s.bytes.size(), static_cast<uint32_t>(bytes.size()), type});
      s.bytes.insert(s.bytes.end(), bytes.begin(), bytes.end());
      ch.stats.bytes_out += bytes.size();
    };
    auto push = [&](Stream&& s) {
      s.handle = g_next_handle.fetch_add(1);
      s.pts_us = pic.pts_us;
      ch.ready.push_back(std::move(s));
    };
    const uint32_t type = pic.keyframe ? STREAM_TYPE_I : STREAM_TYPE_P;
    // x264/x265 repeat the parameter sets before every IDR; the K230 encoder hands them out
    // once per Start (and when they change), which is what programs written for it expect.
    const bool header_due = !pic.header.empty() &&
                            (ch.attr.header_before_every_idr || pic.header != ch.header_sent);
    if (header_due) {
      ch.header_sent = pic.header;
      Stream header;
      add(header, pic.header, STREAM_TYPE_HEADER);
      if (ch.attr.header_in_own_stream) {
        push(std::move(header));
        Stream frame;
        add(frame, pic.data, type);
        push(std::move(frame));
      } else {
        add(header, pic.data, type);
        push(std::move(header));
      }
    } else {
      Stream frame;
      add(frame, pic.data, type);
      push(std::move(frame));
    }
    ++ch.stats.pictures_out;
    if (pic.keyframe) ++ch.stats.idr_out;
    ch.pictures_since_idr = pic.keyframe ? 0 : ch.pictures_since_idr + 1;
  }
  if (!pics.empty()) ch.out_cv.notify_all();
}

Status Encoder::SendFrame(uint32_t chn, const Frame& frame, int timeout_ms) {
  return send(chn, frame, timeout_ms, false);
}

Status Encoder::send(uint32_t chn, const Frame& frame, int timeout_ms, bool from_link) {
  CAMREC_RETURN_IF_ERROR(check_chn(chn));
  Channel& ch = *channels_[chn];
  std::lock_guard encode_lock(ch.encode_mutex);
  std::unique_lock lock(ch.mutex);
  if (ch.state != State::started) {
    return make_error(Errc::wrong_state, "SendFrame: " + chn_name(chn) + " is not started");
  }
  if (ch.pending && frame.width() == ch.pending->pic_width && frame.height() == ch.pending->pic_height) {
    CAMREC_RETURN_IF_ERROR(ch.apply_pending(chn, lock));
  }
  // Frame-rate conversion: keep frame i when it starts a new dst-rate slot.
  const uint64_t i = ch.arrivals++;
  const uint64_t src = ch.attr.src_frame_rate, dst = ch.attr.dst_frame_rate;
  if (dst < src && (i + 1) * dst / src == i * dst / src) {
    ++ch.stats.frames_skipped;
    return Status::ok();
  }
  if (frame.width() != ch.attr.pic_width || frame.height() != ch.attr.pic_height) {
    // A link delivers every frame at the sensor channel's size: a mismatch never heals, so
    // GetStream reports it instead of waiting for a stream that cannot come.
    const uint32_t aligned = (ch.attr.pic_width + 15) / 16 * 16;
    std::string why = "frame " + std::to_string(frame.width()) + "x" + std::to_string(frame.height()) +
                      " does not match the " + std::to_string(ch.attr.pic_width) + "x" +
                      std::to_string(ch.attr.pic_height) + " of " + chn_name(chn);
    if (frame.width() == aligned && frame.height() == ch.attr.pic_height) {
      why += ": sensors align the width up to 16 (ALIGN_UP(" + std::to_string(ch.attr.pic_width) + ", 16) = " +
             std::to_string(aligned) + "); create the channel with width = ALIGN_UP(width, 16), as the "
             "tutorial does, or with the size bind_info() gives";
    } else {
      why += "; create the channel with the size of the linked sensor channel (bind_info())";
    }
    ch.refused = make_error(Errc::invalid_argument, why);
    ch.out_cv.notify_all();
    return ch.refused;
  }
  const size_t need = ch.buffers_for_next_frame();
  auto has_room = [&] { return ch.ready.size() + ch.outstanding.size() + need <= ch.buf_num; };
  // A closing link gives up at once: its close() waits for this call, and the streams that
  // would make room may never be taken (the consumer failed, or is the one closing).
  auto link_closing = [&] { return from_link && ch.link_closing > 0; };
  bool room = wait_for(ch.space_cv, lock, timeout_ms,
                       [&] { return ch.state != State::started || has_room() || link_closing(); });
  if (ch.state != State::started) {
    return make_error(Errc::wrong_state, "SendFrame: " + chn_name(chn) + " was stopped");
  }
  if (!has_room() && link_closing()) {
    // timeout: the wait for room ended early, cut short by the close.
    return make_error(Errc::timeout, "SendFrame: the link to " + chn_name(chn) +
                                         " was closed while all its output buffers were full");
  }
  if (!room) {
    ++ch.stats.send_timeouts;
    return make_error(Errc::timeout, "SendFrame: all " + std::to_string(ch.buf_num) +
                                         " output buffers of " + chn_name(chn) +
                                         " stayed full for " + std::to_string(timeout_ms) +
                                         " ms (GetStream/ReleaseStream too slow)");
  }
  const bool force_idr = ch.idr_requested;
  ch.idr_requested = false;
  lock.unlock();
  // Encoding without the queue lock lets GetStream/ReleaseStream run meanwhile.
  std::vector<EncodedPicture> pics;
  Status s = ch.codec->encode(frame, force_idr, pics);
  lock.lock();
  if (!s) return s.with_context(chn_name(chn));
  ++ch.stats.frames_in;
  ch.refused = Status::ok();
  ch.input_end.reset();
  ch.queue_pictures(pics);
  return Status::ok();
}

Status Encoder::Channel::apply_pending(uint32_t chn, std::unique_lock<std::mutex>& lock) {
  Channel& ch = *this;
  const ChnAttr next = *ch.pending;
  lock.unlock();
  // The new codec opens before the old one is drained: when it cannot open, the old one
  // still codes the frames of its size, and each frame of the new size is refused with why.
  auto opened = open_codec(next);
  std::vector<EncodedPicture> pics;
  Status flushed = opened ? ch.codec->flush(pics) : Status::ok();
  lock.lock();
  ch.queue_pictures(pics);
  Status s = !opened ? opened.error() : flushed;
  if (!s.is_ok()) {
    ch.refused = s.with_context("reconfiguring " + chn_name(chn));
    ch.out_cv.notify_all();
    return ch.refused;
  }
  ch.codec = std::move(*opened);
  ch.attr = next;
  ch.pending.reset();
  ++ch.stats.reconfigurations;
  // A restart, as K230 programs make it with Stop/Destroy/Create/Start: the rate conversion
  // counts afresh, the first picture is an IDR, and a HEADER pack comes before it even when
  // the parameter sets did not change (a bitrate change), which readers absorb.
  ch.arrivals = 0;
  ch.pictures_since_idr = -1;
  ch.header_sent.clear();
  return Status::ok();
}

size_t Encoder::Channel::buffers_for_next_frame() const {
  const Channel& ch = *this;
  // Without lookahead a frame's picture comes out at once, and x264/x265 place IDRs exactly
  // every GOP (no scene cuts), so only an upcoming IDR that brings a HEADER stream needs a
  // second buffer.
  const bool may_be_idr = !ch.attr.low_latency || ch.idr_requested || ch.pictures_since_idr < 0 ||
                          ch.pictures_since_idr + 1 >= static_cast<int64_t>(ch.attr.gop_len);
  const bool may_bring_header = ch.header_sent.empty() || ch.attr.header_before_every_idr;
  return ch.attr.header_in_own_stream && may_be_idr && may_bring_header ? 2 : 1;
}

Status Encoder::stalled(uint32_t chn, const Channel& ch) {
  if (!ch.ready.empty() || ch.state != State::started) return Status::ok();
  if (ch.outstanding.size() + ch.buffers_for_next_frame() > ch.buf_num) {
    return make_error(Errc::wrong_state,
                      "GetStream: " + std::to_string(ch.outstanding.size()) + " output buffers held: call ReleaseStream "
                          "for every stream GetStream returned (" + chn_name(chn) + " has " +
                          std::to_string(ch.buf_num) + " (SetOutBufs); no frame can be encoded until one is free)");
  }
  if (!ch.refused.is_ok()) {
    return Status(ch.refused.code(), "GetStream: no frame can reach " + chn_name(chn) + ": " + ch.refused.message());
  }
  if (ch.input_end) {
    // With lookahead the codec still holds frames: only Stop brings them out.
    if (ch.stats.frames_in > ch.stats.pictures_out) {
      return make_error(Errc::wrong_state, "GetStream: the source linked to " + chn_name(chn) + " ended and " +
                                               std::to_string(ch.stats.frames_in - ch.stats.pictures_out) +
                                               " frames wait in the encoder's lookahead: call Stop to drain them");
    }
    if (!ch.input_end->is_ok()) return ch.input_end->with_context("GetStream: the source linked to " + chn_name(chn) + " failed");
    return make_error(Errc::end_of_stream, "GetStream: no frame will come to " + chn_name(chn) +
                                               ": its source stopped or ended, or was unlinked; Stop the "
                                               "channel to drain it");
  }
  return Status::ok();
}

void Encoder::input_ended(uint32_t chn, const Status& why) {
  if (chn >= kMaxChannels) return;
  Channel& ch = *channels_[chn];
  std::lock_guard lock(ch.mutex);
  ch.input_end = why;
  ch.out_cv.notify_all();
}

void Encoder::input_linked(uint32_t chn) {
  if (chn >= kMaxChannels) return;
  Channel& ch = *channels_[chn];
  std::lock_guard lock(ch.mutex);
  ch.input_end.reset();
}

void Encoder::interrupt_input(uint32_t chn, bool on) {
  if (chn >= kMaxChannels) return;
  Channel& ch = *channels_[chn];
  std::lock_guard lock(ch.mutex);
  ch.link_closing += on ? 1 : -1;
  ch.space_cv.notify_all();
}

Status Encoder::GetStream(uint32_t chn, StreamData& out, int timeout_ms) {
  CAMREC_RETURN_IF_ERROR(check_chn(chn));
  Channel& ch = *channels_[chn];
  std::unique_lock lock(ch.mutex);
  if (ch.state == State::none) {
    return make_error(Errc::wrong_state, "GetStream: " + chn_name(chn) + " is not created");
  }
  if (ch.state == State::created) {
    return make_error(Errc::wrong_state, "GetStream before Start on " + chn_name(chn));
  }
  Status stall;
  wait_for(ch.out_cv, lock, timeout_ms, [&] {
    stall = stalled(chn, ch);
    return !ch.ready.empty() || ch.state == State::stopped || ch.state == State::none || !stall.is_ok();
  });
  if (ch.ready.empty()) {
    if (!stall.is_ok()) return stall;
    if (ch.state == State::stopped) {
      return make_error(Errc::end_of_stream, chn_name(chn) + " is stopped and drained");
    }
    if (ch.state == State::none) {
      return make_error(Errc::wrong_state, chn_name(chn) + " was destroyed");
    }
    return make_error(Errc::timeout, "no stream on " + chn_name(chn) + " within " +
                                         std::to_string(timeout_ms) + " ms");
  }
  Stream s = std::move(ch.ready.front());
  ch.ready.pop_front();
  out = StreamData{};
  out.handle = s.handle;
  out.pack_cnt = static_cast<uint32_t>(s.packs.size());
  auto [it, inserted] = ch.outstanding.emplace(s.handle, std::move(s));
  const Stream& kept = it->second;
  for (size_t i = 0; i < kept.packs.size(); ++i) {
    out.data[i] = kept.bytes.data() + kept.packs[i].offset;
    out.data_size[i] = kept.packs[i].size;
    out.stream_type[i] = kept.packs[i].type;
    out.pts[i] = kept.pts_us;
  }
  return Status::ok();
}

Status Encoder::ReleaseStream(uint32_t chn, StreamData& stream) {
  CAMREC_RETURN_IF_ERROR(check_chn(chn));
  Channel& ch = *channels_[chn];
  std::lock_guard lock(ch.mutex);
  auto it = ch.outstanding.find(stream.handle);
  if (stream.handle == 0 || it == ch.outstanding.end()) {
    return make_error(Errc::invalid_argument,
                      "ReleaseStream: the stream was already released or does not belong to " +
                          chn_name(chn));
  }
  ch.outstanding.erase(it);
  stream = StreamData{};
  ch.space_cv.notify_all();
  return Status::ok();
}

Status Encoder::RequestIdr(uint32_t chn) {
  CAMREC_RETURN_IF_ERROR(check_chn(chn));
  Channel& ch = *channels_[chn];
  std::lock_guard lock(ch.mutex);
  if (ch.state == State::none) return make_error(Errc::wrong_state, chn_name(chn) + " is not created");
  ch.idr_requested = true;
  return Status::ok();
}

Status Encoder::SetChnAttr(uint32_t chn, const ChnAttr& attr) {
  CAMREC_RETURN_IF_ERROR(check_chn(chn));
  VideoCodecConfig checked;
  CAMREC_RETURN_IF_ERROR(check_attr(attr, checked).with_context("SetChnAttr on " + chn_name(chn)));
  Channel& ch = *channels_[chn];
  std::lock_guard lock(ch.mutex);
  if (ch.state == State::none) return make_error(Errc::wrong_state, "SetChnAttr: " + chn_name(chn) + " is not created");
  if (attr.payload_type != ch.attr.payload_type) {
    return make_error(Errc::invalid_argument, "SetChnAttr: " + chn_name(chn) + " codes payload type " +
                                                  std::to_string(ch.attr.payload_type) + ", not " +
                                                  std::to_string(attr.payload_type) +
                                                  ": another codec needs the channel destroyed and created again");
  }
  if (attr == ch.attr) {
    ch.pending.reset();
  } else {
    ch.pending = attr;
  }
  return Status::ok();
}

Encoder::State Encoder::state(uint32_t chn) const {
  if (chn >= kMaxChannels) return State::none;
  const Channel& ch = *channels_[chn];
  std::lock_guard lock(ch.mutex);
  return ch.state;
}

EncoderChannelStats Encoder::stats(uint32_t chn) const {
  if (chn >= kMaxChannels) return {};
  const Channel& ch = *channels_[chn];
  std::lock_guard lock(ch.mutex);
  return ch.stats;
}

}  // namespace camrec::media
