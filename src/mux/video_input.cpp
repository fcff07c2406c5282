// SPDX-License-Identifier: LGPL-2.1-or-later
// Annex B access units to MP4 samples: parameter sets move into the sample entry ('avc1' +
// avcC, 'hvc1' + hvcC: Apple players refuse 'hev1'), one entry per distinct set of parameter
// sets, AUDs are dropped, SEI is kept.
#include <algorithm>

#include "codec/access_unit.h"
#include "codec/annexb.h"
#include "codec/video_config.h"
#include "mux/track_input.h"

namespace camrec::mux {

namespace {

using box::fourcc;

/// Largest access unit accepted (an 8K intra frame at a high bitrate stays far below).
constexpr size_t kMaxAccessUnit = 64u << 20;

class VideoInput : public TrackInput {
 public:
  VideoInput(const VideoTrackConfig& c, codec::VideoCodec vc) : config_(c), vc_(vc), parser_(vc) {
    timescale_ = c.timescale ? c.timescale : 90'000;
  }

  Result<InputSample> prepare(std::span<const uint8_t> packet, std::vector<uint8_t>& out) override {
    if (packet.size() > kMaxAccessUnit)
      return make_error(Errc::limit_exceeded, "access unit of " + std::to_string(packet.size()) +
                                                  " bytes is larger than the limit of 64 MiB per video frame");
    const size_t before = out.size();
    if (!held_.empty()) {
      // Parameter sets handed over alone go in front of the next access unit, so the parser
      // takes them before its slices (a key frame's; on another frame they wait in the
      // parser's sets for the next key frame all the same).
      std::vector<uint8_t> joined = held_;
      joined.insert(joined.end(), packet.begin(), packet.end());
      CAMREC_RETURN_IF_ERROR(parser_.parse(joined, au_, &out));
      held_.clear();
    } else {
      CAMREC_RETURN_IF_ERROR(parser_.parse(packet, au_, &out));
    }
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
    CAMREC_RETURN_IF_ERROR(describe_sample(au_.is_key, sets, s));
    if (au_.is_key && in_band()) {
      std::vector<uint8_t> sets_bytes = in_band_sets(sets);
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(before), sets_bytes.begin(), sets_bytes.end());
      s.size += sets_bytes.size();
    }
    return s;
  }

  Result<InputSample> prepare_parsed(const ParsedVideo& v, SampleData& out) override {
    if (!v.sets) return make_error(Errc::invalid_argument, "a parsed access unit needs the stream's parameter sets");
    if (v.nals.empty()) return make_error(Errc::malformed, "empty access unit");
    // The sample is what prepare() builds from the same access unit: the in-band parameter
    // sets of a key frame once the track has them, then every NAL unit a sample keeps with
    // a 4-byte length in front, the payloads left where the caller has them.
    size_t bytes = 0;
    for (const auto& nal : v.nals)
      if (codec::stays_in_sample(vc_, nal)) bytes += 4 + nal.size();
    if (bytes > kMaxAccessUnit)
      return make_error(Errc::limit_exceeded, "access unit of " + std::to_string(bytes) +
                                                  " bytes is larger than the limit of 64 MiB per video frame");
    InputSample s;
    if (!configured_ && !v.key) {
      // As prepare() before the first key frame: the muxer refuses it as a first packet.
      s.sync = false;
      return s;
    }
    if (v.drop) {
      s.drop = true;
      return s;
    }
    CAMREC_RETURN_IF_ERROR(describe_sample(v.key, *v.sets, s));
    const uint64_t start = out.size();
    if (v.key && in_band()) out.append_owned(in_band_sets(*v.sets));
    for (const auto& nal : v.nals) {
      if (!codec::stays_in_sample(vc_, nal)) continue;
      const uint32_t n = static_cast<uint32_t>(nal.size());
      const uint8_t length[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                                 static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
      out.append_owned(length);
      out.append_external(nal);
    }
    s.size = static_cast<size_t>(out.size() - start);
    return s;
  }

  uint32_t description_count() const override { return static_cast<uint32_t>(descriptions_.size()); }

  Status hold_parameter_sets(std::span<const uint8_t> annexb) override {
    CAMREC_ASSIGN_OR_RETURN(auto nals, codec::split_annexb(annexb));
    if (nals.empty()) return make_error(Errc::invalid_argument, "no NAL unit in the parameter sets");
    for (const auto& nal : nals)
      if (!codec::is_parameter_set(vc_, nal))
        return make_error(Errc::invalid_argument, "a unit of parameter sets holds a NAL unit that is not a VPS, SPS or PPS");
    if (held_.size() + annexb.size() > kMaxAccessUnit)
      return make_error(Errc::limit_exceeded, "parameter sets of more than " + std::to_string(kMaxAccessUnit) + " bytes");
    held_.insert(held_.end(), annexb.begin(), annexb.end());
    return Status::ok();
  }

  bool configured() const override { return configured_; }
  bool is_video() const override { return true; }
  Timescale timescale() const override { return timescale_; }
  // The track header shows the first description's size and codec.
  uint32_t width() const override { return descriptions_.empty() ? 0 : descriptions_[0].width; }
  uint32_t height() const override { return descriptions_.empty() ? 0 : descriptions_[0].height; }
  uint32_t presentation_width() const override {
    // 14496-12 8.3.2.3: tkhd holds the presentation size, the coded width stretched by the
    // sample aspect ratio (ffmpeg writes 853.33 for 640 pixels of SAR 4:3), in 16.16.
    if (descriptions_.empty()) return 0;
    const auto& d = descriptions_[0];
    if (!d.format.sar_width || !d.format.sar_height || d.format.sar_width == d.format.sar_height) return d.width << 16;
    uint64_t fixed = (uint64_t{d.width} * d.format.sar_width << 16) / d.format.sar_height;
    return static_cast<uint32_t>(std::min<uint64_t>(fixed, UINT32_MAX));
  }
  std::string codec_string() const override {
    if (descriptions_.empty()) return "";
    std::string c = descriptions_[0].codec_string;
    if (in_band()) c.replace(0, 4, config_.codec == Codec::h265 ? "hev1" : "avc3");
    return c;
  }

  void describe(box::SampleDescriptionBox& stsd) const override {
    const bool hevc = config_.codec == Codec::h265;
    for (const auto& d : descriptions_) {
      box::VisualSampleEntry e;
      // Samples with parameter sets in-band need 'avc3'/'hev1' (14496-15): 'avc1'/'hvc1'
      // say they are in the sample entry only.
      e.type = hevc ? (in_band() ? fourcc("hev1") : fourcc("hvc1")) : (in_band() ? fourcc("avc3") : fourcc("avc1"));
      e.data_reference_index = 1;
      e.width = static_cast<uint16_t>(d.width);
      e.height = static_cast<uint16_t>(d.height);
      if (hevc) {
        e.hvcC = box::HevcConfigurationBox{};
        e.hvcC->record = in_band() ? d.record_in_band : d.record;
      } else {
        e.avcC = box::AvcConfigurationBox{};
        e.avcC->record = d.record;
      }
      const auto& f = d.format;
      if (f.sar_width && f.sar_height && f.sar_width != f.sar_height) {
        e.pasp = box::PixelAspectRatioBox{};
        e.pasp->hSpacing = f.sar_width;
        e.pasp->vSpacing = f.sar_height;
      }
      if (f.signal_type_present) {
        // The VUI's colour description as 'nclx' (what ffmpeg and GPAC write): players that
        // read colour from the container (browsers, Apple) otherwise guess it.
        e.colr = box::ColourInformationBox{};
        e.colr->colour_primaries = f.colour_primaries;
        e.colr->transfer_characteristics = f.transfer_characteristics;
        e.colr->matrix_coefficients = f.matrix_coefficients;
        e.colr->full_range_flag = f.full_range ? 1 : 0;
      }
      stsd.visual.push_back(std::move(e));
    }
  }

 private:
  /// One sample description: the parameter sets and what the sample entry says of them.
  struct Description {
    codec::VideoParameterSets sets;
    std::vector<uint8_t> record;
    std::vector<uint8_t> record_in_band;  ///< For 'hev1' (array_completeness 0).
    std::string codec_string;
    uint32_t width = 0, height = 0;
    codec::VideoFormat format;  ///< Sample aspect ratio and colour of the SPS's VUI.
  };

  /// Chooses the sample description of a sample (`key`: a key frame; `sets`: the stream's
  /// parameter sets as of it) and fills in its sync flag and description index.
  Status describe_sample(bool key, const codec::VideoParameterSets& sets, InputSample& s) {
    if (!configured_) {
      if (!key || !sets.complete())
        return make_error(Errc::malformed, "the first key frame comes without its parameter sets");
      CAMREC_RETURN_IF_ERROR(select_description(sets));
      configured_ = true;
    } else if (key && !config_.parameter_sets_in_band && !(sets == descriptions_[current_ - 1].sets)) {
      // New parameters (an encoder restarted or reconfigured, clips joined): a new sample
      // description from this key frame on (14496-12 8.5.2); the pictures before it keep
      // theirs. Sets that only repeat in-band are equal and change nothing. With the sets
      // in-band, the key frame's own sets describe it and the one description stays.
      CAMREC_RETURN_IF_ERROR(select_description(sets));
    }
    s.sync = key;
    s.description = current_;
    return Status::ok();
  }

  /// From the first change on, each key frame also carries its parameter sets: ffmpeg 5.1
  /// ignores a fragment's tfhd.sample_description_index and would decode the new pictures
  /// with the first description's (docs/file-layout.md). These are the bytes it starts with.
  static std::vector<uint8_t> in_band_sets(const codec::VideoParameterSets& sets) {
    std::vector<uint8_t> bytes;
    for (const auto* list : {&sets.vps, &sets.sps, &sets.pps})
      for (const auto& nal : *list) codec::append_length_prefixed(codec::NalView(nal), bytes);
    return bytes;
  }

  /// Makes `sets` the current description: an earlier one with the same sets, or a new one.
  /// On error nothing changes.
  Status select_description(const codec::VideoParameterSets& sets) {
    for (size_t i = 0; i < descriptions_.size(); ++i) {
      if (descriptions_[i].sets == sets) {
        current_ = static_cast<uint32_t>(i + 1);
        return Status::ok();
      }
    }
    if (descriptions_.size() >= kMaxDescriptions)
      return make_error(Errc::limit_exceeded, "more than " + std::to_string(kMaxDescriptions) +
                                                  " different parameter sets in one track; start a new file");
    Description d;
    d.sets = sets;
    CAMREC_ASSIGN_OR_RETURN(d.record, codec::build_decoder_config(sets));
    CAMREC_ASSIGN_OR_RETURN(d.record_in_band, codec::build_decoder_config(sets, true));
    CAMREC_ASSIGN_OR_RETURN(auto format, codec::describe_video(sets));
    CAMREC_ASSIGN_OR_RETURN(d.codec_string, codec::codec_string(sets));
    // The configured display size applies to the first description; later ones are new
    // streams with their own size.
    const bool first = descriptions_.empty();
    d.width = first && config_.width ? config_.width : format.width;
    d.height = first && config_.height ? config_.height : format.height;
    if (d.width == 0 || d.height == 0 || d.width > 65535 || d.height > 65535)
      return make_error(Errc::malformed, "video size " + std::to_string(d.width) + "x" + std::to_string(d.height));
    d.format = format;
    descriptions_.push_back(std::move(d));
    current_ = static_cast<uint32_t>(descriptions_.size());
    return Status::ok();
  }

  /// Once the track has two descriptions (or when asked to from the start), key frames carry
  /// their parameter sets in-band and the entries are 'avc3'/'hev1'.
  bool in_band() const { return config_.parameter_sets_in_band || descriptions_.size() > 1; }

  /// Different parameter sets one track may switch between (each is a sample entry).
  static constexpr size_t kMaxDescriptions = 64;

  VideoTrackConfig config_;
  codec::VideoCodec vc_;
  Timescale timescale_ = 90'000;
  codec::AccessUnitParser parser_;
  codec::AccessUnit au_;
  bool configured_ = false;
  std::vector<Description> descriptions_;
  uint32_t current_ = 1;       ///< 1-based index of the description of the latest sample.
  std::vector<uint8_t> held_;  ///< Parameter sets waiting for the next access unit.
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
