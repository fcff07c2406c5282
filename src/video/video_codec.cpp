// SPDX-License-Identifier: LGPL-2.1-or-later
#include "video/video_codec.h"

#include <map>
#include <optional>

#include "frame/convert.h"
#include "libs/video.h"

namespace camrec::media {

namespace {

int ci(uint32_t v) { return static_cast<int>(v); }

// Keeps capture times by input order; x264/x265 hand back the input pts we gave them.
class PtsMap {
 public:
  int64_t push(int64_t pts_us) {
    map_[next_] = pts_us;
    return next_++;
  }
  int64_t take(int64_t key) {
    auto it = map_.find(key);
    if (it == map_.end()) return 0;
    int64_t v = it->second;
    map_.erase(it);
    return v;
  }

 private:
  std::map<int64_t, int64_t> map_;
  int64_t next_ = 0;
};

Status check_size(const Frame& frame, const VideoCodecConfig& c) {
  if (frame.width() != c.width || frame.height() != c.height) {
    return make_error(Errc::invalid_argument,
                      "frame " + std::to_string(frame.width()) + "x" +
                          std::to_string(frame.height()) + " does not match the channel size " +
                          std::to_string(c.width) + "x" + std::to_string(c.height));
  }
  return Status::ok();
}

void append(std::vector<uint8_t>& dst, const uint8_t* p, int n) {
  if (n > 0) dst.insert(dst.end(), p, p + n);
}

class X264Encoder final : public VideoCodecEncoder {
 public:
  explicit X264Encoder(const VideoCodecConfig& c) : config_(c) {}
  ~X264Encoder() override {
    if (enc_ != nullptr) x264_->x264_encoder_close(enc_);
  }

  Status open() {
    CAMREC_ASSIGN_OR_RETURN(x264_, libs::x264());
    x264_param_t p;
    if (x264_->x264_param_default_preset(&p, config_.preset.c_str(),
                                  config_.low_latency ? "zerolatency" : nullptr) < 0) {
      return make_error(Errc::invalid_argument, "x264 does not know preset '" + config_.preset + "'");
    }
    p.i_log_level = X264_LOG_ERROR;
    p.i_threads = config_.threads;
    p.i_width = ci(config_.width);
    p.i_height = ci(config_.height);
    p.i_csp = X264_CSP_I420;
    p.i_fps_num = config_.fps_num;
    p.i_fps_den = config_.fps_den;
    p.b_vfr_input = 0;
    p.i_keyint_max = ci(config_.gop);
    p.i_keyint_min = ci(config_.gop);
    p.i_scenecut_threshold = 0;  // IDR exactly every GOP, as K230 does.
    p.b_open_gop = 0;
    p.i_bframe = 0;  // K230 streams are I/P only.
    p.b_intra_refresh = 0;
    p.b_repeat_headers = 1;
    p.b_annexb = 1;
    p.b_aud = 0;
    switch (config_.rate_control) {
      case RateControl::cbr:
        p.rc.i_rc_method = X264_RC_ABR;
        p.rc.i_bitrate = ci(config_.bitrate_kbps);
        p.rc.i_vbv_max_bitrate = ci(config_.bitrate_kbps);
        p.rc.i_vbv_buffer_size = ci(config_.bitrate_kbps);
        break;
      case RateControl::vbr:
        p.rc.i_rc_method = X264_RC_CRF;
        p.rc.f_rf_constant = 23;
        p.rc.i_vbv_max_bitrate = ci(config_.bitrate_kbps);
        p.rc.i_vbv_buffer_size = ci(config_.bitrate_kbps);
        break;
      case RateControl::fixqp:
        p.rc.i_rc_method = X264_RC_CQP;
        p.rc.i_qp_constant = ci(config_.fixed_qp);
        break;
    }
    if (x264_->x264_param_apply_profile(&p, config_.profile.c_str()) < 0) {
      return make_error(Errc::invalid_argument, "x264 rejects profile '" + config_.profile + "'");
    }
    enc_ = x264_->x264_encoder_open(&p);
    if (enc_ == nullptr) return make_error(Errc::invalid_argument, "x264_encoder_open failed");
    return Status::ok();
  }

  Status encode(const Frame& frame, bool force_idr, std::vector<EncodedPicture>& out) override {
    CAMREC_RETURN_IF_ERROR(check_size(frame, config_));
    const Frame* in = &frame;
    std::optional<Frame> converted;
    if (frame.format() != PixelFormat::nv12 && frame.format() != PixelFormat::i420) {
      CAMREC_ASSIGN_OR_RETURN(Frame f, convert_to(frame, PixelFormat::i420, frame.width(),
                                                  frame.height()));
      converted.emplace(std::move(f));
      in = &*converted;
    }
    x264_picture_t pic;
    x264_->x264_picture_init(&pic);
    pic.img.i_csp = in->format() == PixelFormat::nv12 ? X264_CSP_NV12 : X264_CSP_I420;
    pic.img.i_plane = in->plane_count();
    for (int i = 0; i < in->plane_count(); ++i) {
      pic.img.plane[i] = const_cast<uint8_t*>(in->plane(i));
      pic.img.i_stride[i] = ci(in->stride(i));
    }
    pic.i_pts = pts_.push(frame.pts_us);
    pic.i_type = force_idr ? X264_TYPE_IDR : X264_TYPE_AUTO;
    return run(&pic, out);
  }

  Status flush(std::vector<EncodedPicture>& out) override {
    while (x264_->x264_encoder_delayed_frames(enc_) > 0) {
      size_t before = out.size();
      CAMREC_RETURN_IF_ERROR(run(nullptr, out));
      if (out.size() == before) break;
    }
    return Status::ok();
  }

 private:
  Status run(x264_picture_t* in, std::vector<EncodedPicture>& out) {
    x264_nal_t* nals = nullptr;
    int n = 0;
    x264_picture_t pic_out;
    int bytes = x264_->x264_encoder_encode(enc_, &nals, &n, in, &pic_out);
    if (bytes < 0) return make_error(Errc::internal, "x264_encoder_encode failed");
    if (bytes == 0) return Status::ok();
    EncodedPicture pic;
    for (int i = 0; i < n; ++i) {
      const x264_nal_t& nal = nals[i];
      if (nal.i_type == NAL_SPS || nal.i_type == NAL_PPS) {
        append(pic.header, nal.p_payload, nal.i_payload);
      } else if (nal.i_type != NAL_AUD) {
        append(pic.data, nal.p_payload, nal.i_payload);
      }
      if (nal.i_type == NAL_SLICE_IDR) pic.keyframe = true;
    }
    pic.pts_us = pts_.take(pic_out.i_pts);
    out.push_back(std::move(pic));
    return Status::ok();
  }

  VideoCodecConfig config_;
  const libs::X264* x264_ = nullptr;
  x264_t* enc_ = nullptr;
  PtsMap pts_;
};

class X265Encoder final : public VideoCodecEncoder {
 public:
  explicit X265Encoder(const VideoCodecConfig& c) : config_(c) {}
  ~X265Encoder() override {
    if (enc_ != nullptr) x265_->encoder_close(enc_);
    if (param_ != nullptr) x265_->param_free(param_);
    if (pic_ != nullptr) x265_->picture_free(pic_);
  }

  Status open() {
    CAMREC_ASSIGN_OR_RETURN(x265_, libs::x265());
    param_ = x265_->param_alloc();
    pic_ = x265_->picture_alloc();
    if (param_ == nullptr || pic_ == nullptr) return make_error(Errc::internal, "x265 allocation failed");
    if (x265_->param_default_preset(param_, config_.preset.c_str(),
                                  config_.low_latency ? "zerolatency" : nullptr) < 0) {
      return make_error(Errc::invalid_argument, "x265 does not know preset '" + config_.preset + "'");
    }
    x265_param* p = param_;
    p->logLevel = X265_LOG_ERROR;
    if (config_.threads > 0) {
      std::string pools = std::to_string(config_.threads);
      x265_->param_parse(p, "pools", pools.c_str());
      p->frameNumThreads = 1;
    }
    p->sourceWidth = ci(config_.width);
    p->sourceHeight = ci(config_.height);
    p->internalCsp = X265_CSP_I420;
    p->internalBitDepth = 8;
    p->fpsNum = config_.fps_num;
    p->fpsDenom = config_.fps_den;
    p->keyframeMax = ci(config_.gop);
    p->keyframeMin = ci(config_.gop);
    p->scenecutThreshold = 0;  // IDR exactly every GOP, as K230 does.
    p->bOpenGOP = 0;           // Otherwise later keyframes are CRA, not IDR.
    p->bframes = 0;            // K230 streams are I/P only.
    p->bRepeatHeaders = 1;
    p->bAnnexB = 1;
    p->bEnableAccessUnitDelimiters = 0;
    p->bEmitInfoSEI = 0;
    switch (config_.rate_control) {
      case RateControl::cbr:
        p->rc.rateControlMode = X265_RC_ABR;
        p->rc.bitrate = ci(config_.bitrate_kbps);
        p->rc.vbvMaxBitrate = ci(config_.bitrate_kbps);
        p->rc.vbvBufferSize = ci(config_.bitrate_kbps);
        break;
      case RateControl::vbr:
        p->rc.rateControlMode = X265_RC_CRF;
        p->rc.rfConstant = 28;
        p->rc.vbvMaxBitrate = ci(config_.bitrate_kbps);
        p->rc.vbvBufferSize = ci(config_.bitrate_kbps);
        break;
      case RateControl::fixqp:
        p->rc.rateControlMode = X265_RC_CQP;
        p->rc.qp = ci(config_.fixed_qp);
        break;
    }
    if (x265_->param_apply_profile(p, config_.profile.c_str()) < 0) {
      return make_error(Errc::invalid_argument, "x265 rejects profile '" + config_.profile + "'");
    }
    enc_ = x265_->encoder_open(p);
    if (enc_ == nullptr) return make_error(Errc::invalid_argument, "x265_encoder_open failed");
    return Status::ok();
  }

  Status encode(const Frame& frame, bool force_idr, std::vector<EncodedPicture>& out) override {
    CAMREC_RETURN_IF_ERROR(check_size(frame, config_));
    const Frame* in = &frame;
    if (frame.format() != PixelFormat::i420) {
      // x265 reads planar 4:2:0 only.
      if (!i420_ || i420_->width() != frame.width() || i420_->height() != frame.height()) {
        CAMREC_ASSIGN_OR_RETURN(Frame f, Frame::allocate(PixelFormat::i420, frame.width(),
                                                         frame.height()));
        i420_ = std::make_unique<Frame>(std::move(f));
      }
      CAMREC_RETURN_IF_ERROR(convert_frame(frame, *i420_));
      in = i420_.get();
    }
    x265_->picture_init(param_, pic_);
    pic_->colorSpace = X265_CSP_I420;
    pic_->bitDepth = 8;
    for (int i = 0; i < 3; ++i) {
      pic_->planes[i] = const_cast<uint8_t*>(in->plane(i));
      pic_->stride[i] = ci(in->stride(i));
    }
    pic_->pts = pts_.push(frame.pts_us);
    pic_->sliceType = force_idr ? X265_TYPE_IDR : X265_TYPE_AUTO;
    return run(pic_, out).status();
  }

  Status flush(std::vector<EncodedPicture>& out) override {
    for (;;) {
      CAMREC_ASSIGN_OR_RETURN(bool more, run(nullptr, out));
      if (!more) return Status::ok();
    }
  }

 private:
  // True when a picture came out.
  Result<bool> run(x265_picture* in, std::vector<EncodedPicture>& out) {
    x265_nal* nals = nullptr;
    uint32_t n = 0;
    x265_picture pic_out;
    x265_->picture_init(param_, &pic_out);
    int r = x265_->encoder_encode(enc_, &nals, &n, in, &pic_out);
    if (r < 0) return make_error(Errc::internal, "x265_encoder_encode failed");
    if (r == 0 || n == 0) return false;
    EncodedPicture pic;
    for (uint32_t i = 0; i < n; ++i) {
      const x265_nal& nal = nals[i];
      if (nal.type == NAL_UNIT_VPS || nal.type == NAL_UNIT_SPS || nal.type == NAL_UNIT_PPS) {
        append(pic.header, nal.payload, static_cast<int>(nal.sizeBytes));
      } else if (nal.type != NAL_UNIT_ACCESS_UNIT_DELIMITER) {
        append(pic.data, nal.payload, static_cast<int>(nal.sizeBytes));
      }
      if (nal.type == NAL_UNIT_CODED_SLICE_IDR_W_RADL || nal.type == NAL_UNIT_CODED_SLICE_IDR_N_LP) {
        pic.keyframe = true;
      }
    }
    pic.pts_us = pts_.take(pic_out.pts);
    out.push_back(std::move(pic));
    return true;
  }

  VideoCodecConfig config_;
  const x265_api* x265_ = nullptr;
  x265_param* param_ = nullptr;
  x265_picture* pic_ = nullptr;
  x265_encoder* enc_ = nullptr;
  std::unique_ptr<Frame> i420_;
  PtsMap pts_;
};

}  // namespace

Result<std::unique_ptr<VideoCodecEncoder>> open_video_codec(const VideoCodecConfig& config) {
  if (config.codec == VideoCodec::h264) {
    auto s = std::make_unique<X264Encoder>(config);
    CAMREC_RETURN_IF_ERROR(s->open());
    return std::unique_ptr<VideoCodecEncoder>(std::move(s));
  }
  auto s = std::make_unique<X265Encoder>(config);
  CAMREC_RETURN_IF_ERROR(s->open());
  return std::unique_ptr<VideoCodecEncoder>(std::move(s));
}

}  // namespace camrec::media
