// Annex B access units to MP4 samples: parameter sets move into the sample entry ('avc1' +
// avcC, 'hvc1' + hvcC: Apple players refuse 'hev1'), AUDs are dropped, SEI is kept.
#include <algorithm>

#include "codec/access_unit.h"
#include "codec/video_config.h"
#include "mux/track_input.h"

namespace camrec::mux {

namespace {

using box::fourcc;

/// Largest access unit accepted (an 8K intra frame at a high bitrate stays far below).
constexpr size_t kMaxAccessUnit = 64u << 20;

class VideoInput : public TrackInput {
 public:
  VideoInput(const VideoTrackConfig& c, codec::VideoCodec vc) : config_(c), parser_(vc) {
    timescale_ = c.timescale ? c.timescale : 90'000;
  }

  Result<InputSample> prepare(std::span<const uint8_t> packet, std::vector<uint8_t>& out) override {
    if (packet.size() > kMaxAccessUnit)
      return make_error(Errc::limit_exceeded, "access unit of " + std::to_string(packet.size()) +
                                                  " bytes is larger than the limit of 64 MiB per video frame");
    const size_t before = out.size();
    CAMREC_RETURN_IF_ERROR(parser_.parse(packet, au_, &out));
    InputSample s;
    s.size = out.size() - before;
    if (!parser_.seen_key_frame()) {
      // Before the first key frame: the muxer refuses it as a first packet.
      s.sync = false;
      return s;
    }
    if (au_.droppable) {
      s.drop = true;
      return s;
    }
    const auto& sets = parser_.parameter_sets();
    if (!configured_) {
      if (!au_.is_key || !sets.complete())
        return make_error(Errc::malformed, "the first key frame comes without its parameter sets");
      CAMREC_RETURN_IF_ERROR(configure(sets));
    } else if (au_.parameter_sets_changed && !(sets == sets_)) {
      // The init segment of a fragmented file cannot gain a sample description; a new
      // file is the honest answer.
      return make_error(Errc::unsupported, "the stream's parameter sets changed mid-stream; start a new file");
    }
    s.sync = au_.is_key;
    return s;
  }

  bool configured() const override { return configured_; }
  bool is_video() const override { return true; }
  Timescale timescale() const override { return timescale_; }
  uint32_t width() const override { return width_; }
  uint32_t height() const override { return height_; }
  uint32_t presentation_width() const override {
    // 14496-12 8.3.2.3: tkhd holds the presentation size, the coded width stretched by the
    // sample aspect ratio (ffmpeg writes 853.33 for 640 pixels of SAR 4:3), in 16.16.
    if (!sar_width_ || !sar_height_ || sar_width_ == sar_height_) return width_ << 16;
    uint64_t fixed = (uint64_t{width_} * sar_width_ << 16) / sar_height_;
    return static_cast<uint32_t>(std::min<uint64_t>(fixed, UINT32_MAX));
  }
  std::string codec_string() const override { return codec_string_; }

  void describe(box::SampleDescriptionBox& stsd) const override {
    box::VisualSampleEntry e;
    const bool hevc = config_.codec == Codec::h265;
    e.type = hevc ? fourcc("hvc1") : fourcc("avc1");
    e.data_reference_index = 1;
    e.width = static_cast<uint16_t>(width_);
    e.height = static_cast<uint16_t>(height_);
    if (hevc) {
      e.hvcC = box::HevcConfigurationBox{};
      e.hvcC->record = record_;
    } else {
      e.avcC = box::AvcConfigurationBox{};
      e.avcC->record = record_;
    }
    if (sar_width_ && sar_height_ && sar_width_ != sar_height_) {
      e.pasp = box::PixelAspectRatioBox{};
      e.pasp->hSpacing = sar_width_;
      e.pasp->vSpacing = sar_height_;
    }
    if (format_.signal_type_present) {
      // The VUI's colour description as 'nclx' (what ffmpeg and GPAC write): players that
      // read colour from the container (browsers, Apple) otherwise guess it.
      e.colr = box::ColourInformationBox{};
      e.colr->colour_primaries = format_.colour_primaries;
      e.colr->transfer_characteristics = format_.transfer_characteristics;
      e.colr->matrix_coefficients = format_.matrix_coefficients;
      e.colr->full_range_flag = format_.full_range ? 1 : 0;
    }
    stsd.visual.push_back(std::move(e));
  }

 private:
  Status configure(const codec::VideoParameterSets& sets) {
    CAMREC_ASSIGN_OR_RETURN(record_, codec::build_decoder_config(sets));
    CAMREC_ASSIGN_OR_RETURN(auto format, codec::describe_video(sets));
    CAMREC_ASSIGN_OR_RETURN(codec_string_, codec::codec_string(sets));
    width_ = config_.width ? config_.width : format.width;
    height_ = config_.height ? config_.height : format.height;
    if (width_ == 0 || height_ == 0 || width_ > 65535 || height_ > 65535)
      return make_error(Errc::malformed, "video size " + std::to_string(width_) + "x" + std::to_string(height_));
    format_ = format;
    sar_width_ = format.sar_width;
    sar_height_ = format.sar_height;
    sets_ = sets;
    configured_ = true;
    return Status::ok();
  }

  VideoTrackConfig config_;
  Timescale timescale_ = 90'000;
  codec::AccessUnitParser parser_;
  codec::AccessUnit au_;
  codec::VideoParameterSets sets_;
  bool configured_ = false;
  std::vector<uint8_t> record_;
  std::string codec_string_;
  uint32_t width_ = 0, height_ = 0;
  uint16_t sar_width_ = 0, sar_height_ = 0;
  codec::VideoFormat format_;
};

}  // namespace

Result<std::unique_ptr<TrackInput>> make_video_input(const VideoTrackConfig& config) {
  codec::VideoCodec vc;
  if (config.codec == Codec::h264) vc = codec::VideoCodec::h264;
  else if (config.codec == Codec::h265) vc = codec::VideoCodec::h265;
  else return make_error(Errc::invalid_argument, std::string(codec_name(config.codec)) + " is not a video codec");
  if (config.width > 16384 || config.height > 16384)
    return make_error(Errc::invalid_argument, "video size " + std::to_string(config.width) + "x" +
                                                  std::to_string(config.height) + " is larger than 16384");
  return std::unique_ptr<TrackInput>(std::make_unique<VideoInput>(config, vc));
}

}  // namespace camrec::mux
