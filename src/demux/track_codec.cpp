// SPDX-License-Identifier: LGPL-2.1-or-later
// What the demuxer says about a track's codec, and the Annex B output of video samples.
#include <algorithm>

#include "codec/aac.h"
#include "codec/annexb.h"
#include "codec/avc_config.h"
#include "codec/hevc_config.h"
#include "demux/demuxer_impl.h"

namespace camrec {

using box::fourcc;

namespace {

const std::vector<uint8_t>* video_record(const box::VisualSampleEntry& e) {
  if (e.avcC) return &e.avcC->record;
  if (e.hvcC) return &e.hvcC->record;
  return nullptr;
}

void append_start_code_nal(std::vector<uint8_t>& out, const std::vector<uint8_t>& nal) {
  static const uint8_t kStartCode[] = {0, 0, 0, 1};
  out.insert(out.end(), kStartCode, kStartCode + 4);
  out.insert(out.end(), nal.begin(), nal.end());
}

}  // namespace

void describe_track(DemuxTrack& track) {
  auto& info = track.info;
  const auto& stsd = track.trak.mdia.minf.stbl.stsd;
  if (!stsd.visual.empty()) {
    const auto& e = stsd.visual.front();
    info.sample_entry = box::fourcc_string(e.type);
    info.codec_string = info.sample_entry;
    info.width = e.width;
    info.height = e.height;
    if (e.avcC) {
      if (auto c = codec::parse_avc_config(e.avcC->record)) info.codec_string = codec::avc_codec_string(*c, info.sample_entry.c_str());
      info.decoder_config = e.avcC->record;
    } else if (e.hvcC) {
      if (auto c = codec::parse_hevc_config(e.hvcC->record)) info.codec_string = codec::hevc_codec_string(*c, info.sample_entry.c_str());
      info.decoder_config = e.hvcC->record;
    }
  } else if (!stsd.audio.empty()) {
    const auto& e = stsd.audio.front();
    info.sample_entry = box::fourcc_string(e.type);
    info.codec_string = info.sample_entry;
    info.channels = e.version == 2 ? e.num_audio_channels : e.channelcount;
    info.sample_rate = e.version == 2 ? static_cast<uint32_t>(e.sample_rate_hz()) : e.samplerate >> 16;
    if (info.sample_rate == 0) info.sample_rate = info.timescale;
    if (e.esds) {
      if (auto es = codec::parse_es_descriptor(e.esds->descriptor)) {
        info.decoder_config = es->decoder_config.decoder_specific_info;
        if (es->decoder_config.object_type_indication == 0x40 && !info.decoder_config.empty()) {
          info.codec_string = "mp4a.40." + std::to_string(info.decoder_config[0] >> 3);
          // The sample entry's channelcount and samplerate are template fields (MP4 writers
          // put 2 channels there whatever the stream); the AudioSpecificConfig says what the
          // decoder will output.
          if (auto asc = codec::parse_audio_specific_config(info.decoder_config)) {
            uint8_t cc = asc->channel_configuration;
            if (cc >= 1 && cc <= 6) info.channels = cc;
            else if (cc == 7) info.channels = 8;
            // With implicit SBR signalling the output rate is not in the ASC: keep the entry's.
            if (asc->sbr_present.has_value())
              info.sample_rate = *asc->sbr_present && asc->extension_sampling_frequency
                                     ? asc->extension_sampling_frequency
                                     : asc->sampling_frequency;
          }
        }
      }
    } else if (e.dOps) {
      info.decoder_config = e.dOps->payload;
      info.codec_string = "opus";
    }
  } else if (!stsd.other.empty()) {
    info.sample_entry = box::fourcc_string(stsd.other.front().type);
    info.codec_string = info.sample_entry;
  }
  const auto& stbl = track.trak.mdia.minf.stbl;
  info.key_frames = stbl.stss ? stbl.stss->sample_numbers.size() : 0;
}

Status prepare_annexb(DemuxTrack& track) {
  for (const auto& e : track.trak.mdia.minf.stbl.stsd.visual) {
    std::vector<std::vector<uint8_t>> nals;
    int length_size = 4;
    const auto* record = video_record(e);
    if (record && e.avcC) {
      CAMREC_ASSIGN_OR_RETURN(auto c, codec::parse_avc_config(*record));
      for (const auto* list : {&c.sequence_parameter_sets, &c.sequence_parameter_set_ext, &c.picture_parameter_sets})
        nals.insert(nals.end(), list->begin(), list->end());
      length_size = c.length_size_minus_one + 1;
    } else if (record && e.hvcC) {
      CAMREC_ASSIGN_OR_RETURN(auto c, codec::parse_hevc_config(*record));
      for (const auto& array : c.arrays) nals.insert(nals.end(), array.nal_units.begin(), array.nal_units.end());
      length_size = c.length_size_minus_one + 1;
    } else {
      return make_error(Errc::unsupported, "Annex B output needs an avcC or hvcC record, track " +
                                               std::to_string(track.info.track_id) + " has '" +
                                               box::fourcc_string(e.type) + "'");
    }
    std::vector<uint8_t> header;
    for (const auto& nal : nals) append_start_code_nal(header, nal);
    // The raw path hands the muxer these NAL units in front of a key frame as the Annex B
    // path hands it `header`: the same units as the muxer splits from it (trailing zero
    // bytes are no part of a NAL unit there). A header that does not split takes the raw
    // path away (demuxer_internals.cpp).
    nals.clear();
    if (auto split = codec::split_annexb(header)) {
      for (auto nal : *split) nals.emplace_back(nal.begin(), nal.end());
    } else {
      track.header_unsplittable = true;
    }
    // The samples are read with the last description's length size; the raw path
    // (demux/demuxer_internals.h) takes a track only when every description says 4.
    if (!track.annexb_headers.empty() && length_size != track.nal_length_size) track.mixed_length_sizes = true;
    track.nal_length_size = length_size;
    track.annexb_headers.push_back(std::move(header));
    track.config_nals.push_back(std::move(nals));
  }
  return Status::ok();
}

Status to_annexb(const DemuxTrack& track, const std::vector<uint8_t>& sample, bool key, uint32_t description,
                 std::vector<uint8_t>& out) {
  out.clear();
  out.reserve(sample.size() + 64);
  if (key && description >= 1 && description <= track.annexb_headers.size())
    out.insert(out.end(), track.annexb_headers[description - 1].begin(), track.annexb_headers[description - 1].end());
  codec::LengthPrefixedReader reader(sample, track.nal_length_size);
  static const uint8_t kStartCode[] = {0, 0, 0, 1};
  while (true) {
    CAMREC_ASSIGN_OR_RETURN(auto nal, reader.next());
    if (!nal) break;
    out.insert(out.end(), kStartCode, kStartCode + 4);
    out.insert(out.end(), nal->begin(), nal->end());
  }
  return Status::ok();
}

}  // namespace camrec
