// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/movie_builder.h"

#include <algorithm>

namespace camrec::mux {

namespace {

constexpr uint16_t kLanguageUndetermined = 0x55c4;  // 'und', ISO 639-2/T packed (14496-12 8.4.2.3)

uint64_t movie_duration(const Track& t, uint64_t media_duration) {
  return static_cast<uint64_t>(rescale(static_cast<int64_t>(media_duration), t.timescale(), kMovieTimescale));
}

box::TrackBox make_trak(const Track& t) {
  box::TrackBox trak;
  trak.tkhd.flags = 3;  // track_enabled | track_in_movie
  trak.tkhd.track_ID = t.track_id;
  if (t.is_video()) {
    trak.tkhd.width = t.input->presentation_width();
    trak.tkhd.height = t.input->height() << 16;
  } else {
    trak.tkhd.volume = 0x0100;
  }
  trak.mdia.mdhd.timescale = t.timescale();
  trak.mdia.mdhd.language = kLanguageUndetermined;
  trak.mdia.hdlr.handler_type = t.is_video() ? box::fourcc("vide") : box::fourcc("soun");
  trak.mdia.hdlr.name = t.is_video() ? "VideoHandler" : "SoundHandler";
  if (t.is_video()) trak.mdia.minf.vmhd = box::VideoMediaHeaderBox{};
  else trak.mdia.minf.smhd = box::SoundMediaHeaderBox{};
  t.input->describe(trak.mdia.minf.stbl.stsd);
  // Empty until close (or for good, in a fragmented file): stsz and stco are mandatory in
  // every stbl (14496-12 8.7.3.1, 8.7.5.1), and strict readers (GPAC) skip a trak without them.
  trak.mdia.minf.stbl.stsz = box::SampleSizeBox{};
  trak.mdia.minf.stbl.stco = box::ChunkOffsetBox{};
  return trak;
}

/// The 'roll' group of a track whose samples need pre-roll (Opus in ISOBMFF 4.3.6.2).
box::SampleGroupDescriptionBox roll_description(int16_t distance) {
  box::SampleGroupDescriptionBox sgpd;
  sgpd.version = 1;
  sgpd.grouping_type = box::fourcc("roll");
  sgpd.default_length = 2;
  const auto bits = static_cast<uint16_t>(distance);
  sgpd.entries.push_back({static_cast<uint8_t>(bits >> 8), static_cast<uint8_t>(bits & 0xff)});
  return sgpd;
}

box::SampleToGroupBox roll_samples(uint32_t count, uint32_t description_index) {
  box::SampleToGroupBox sbgp;
  sbgp.grouping_type = box::fourcc("roll");
  sbgp.entries.push_back({count, description_index});
  return sbgp;
}

box::MovieHeaderBox make_mvhd(const std::vector<Track*>& tracks) {
  box::MovieHeaderBox mvhd;
  mvhd.timescale = kMovieTimescale;
  uint32_t max_id = 0;
  for (auto* t : tracks) max_id = std::max(max_id, t->track_id);
  mvhd.next_track_ID = max_id + 1;
  return mvhd;
}

}  // namespace

box::FileTypeBox make_ftyp(const MuxerOptions& options, const std::vector<Track*>& tracks) {
  using box::fourcc;
  box::FileTypeBox ftyp;
  if (options.layout == Layout::fragmented) {
    ftyp.major_brand = fourcc("iso6");
    ftyp.compatible_brands = {fourcc("iso6"), fourcc("isom"), fourcc("iso2"), fourcc("mp41")};
    // A CMAF track file holds one track (23000-19 7.3.1); a file with several keeps the
    // CMAF fragment rules (one traf per moof) without claiming the brand.
    if (options.cmaf && tracks.size() == 1) ftyp.compatible_brands.push_back(fourcc("cmfc"));
  } else {
    // The file ends as a regular MP4; iso6 announces the fragments it holds while recording.
    ftyp.major_brand = fourcc("isom");
    ftyp.minor_version = 0x200;
    ftyp.compatible_brands = {fourcc("isom"), fourcc("iso2"), fourcc("iso6"), fourcc("mp41")};
  }
  for (auto* t : tracks) {
    std::string codec = t->input->codec_string();
    if (codec.rfind("avc1", 0) == 0 && std::find(ftyp.compatible_brands.begin(), ftyp.compatible_brands.end(),
                                                 fourcc("avc1")) == ftyp.compatible_brands.end())
      ftyp.compatible_brands.push_back(fourcc("avc1"));
  }
  return ftyp;
}

uint64_t mp4_time_from_unix_us(int64_t unix_us) {
  // 66 years and 17 leap days from 1904-01-01 to 1970-01-01.
  constexpr int64_t kUnixEpochIn1904 = 2'082'844'800;
  const int64_t seconds = unix_us / 1'000'000 - (unix_us % 1'000'000 < 0 ? 1 : 0);
  return seconds < -kUnixEpochIn1904 ? 0 : static_cast<uint64_t>(seconds + kUnixEpochIn1904);
}

void stamp_times(box::MovieBox& moov, const MovieTimes& times) {
  const bool large = std::max(times.creation, times.modification) > UINT32_MAX;
  moov.mvhd.creation_time = times.creation;
  moov.mvhd.modification_time = times.modification;
  if (large) moov.mvhd.version = 1;
  for (auto& trak : moov.traks) {
    trak.tkhd.creation_time = times.creation;
    trak.tkhd.modification_time = times.modification;
    trak.mdia.mdhd.creation_time = times.creation;
    trak.mdia.mdhd.modification_time = times.modification;
    if (large) {
      trak.tkhd.version = 1;
      trak.mdia.mdhd.version = 1;
    }
  }
}

box::MovieBox make_init_moov(const std::vector<Track*>& tracks, bool cmaf, bool with_mehd) {
  box::MovieBox moov;
  moov.mvhd = make_mvhd(tracks);
  box::MovieExtendsBox mvex;
  // Duration unknown while recording; close() writes it in place (fragmented layout), for
  // players that show the length of a fragmented file from mehd (GStreamer, ffmpeg). A
  // stream cannot go back to it, and an mehd of 0 would claim an empty presentation.
  if (with_mehd) mvex.mehd = box::MovieExtendsHeaderBox{1, 0, 0};
  for (auto* t : tracks) {
    moov.traks.push_back(make_trak(*t));
    if (cmaf) {
      // CMAF writes the pixel aspect even when square (as GPAC's CMAF output does).
      for (auto& entry : moov.traks.back().mdia.minf.stbl.stsd.visual)
        if (!entry.pasp) entry.pasp = box::PixelAspectRatioBox{};
    }
    if (const int16_t roll = t->input->roll_distance()) {
      // Described once here; each traf's sbgp points at it.
      moov.traks.back().mdia.minf.stbl.sgpd.push_back(roll_description(roll));
      t->roll_in_header = true;
    }
    if (t->edit_media_time() > 0) {
      // B-frames: show the media from its first frame's presentation on; Opus: from the
      // end of the pre-skip; media kept from before the origin (AAC priming): after it. A
      // zero duration means "the whole track" in a fragmented file (14496-12 8.6.6.1).
      box::EditListBox elst;
      elst.entries.push_back({0, t->edit_media_time(), 1, 0});
      moov.traks.back().edts = box::EditBox{};
      moov.traks.back().edts->elst = std::move(elst);
    }
    box::TrackExtendsBox trex;
    trex.track_ID = t->track_id;
    trex.default_sample_description_index = 1;
    trex.default_sample_flags = t->is_video() ? box::sample_flags::kDelta : 0;
    mvex.trex.push_back(trex);
  }
  moov.mvex = std::move(mvex);
  return moov;
}

uint64_t mehd_duration_offset(const box::MovieBox& init_moov) {
  uint64_t offset = 8 + box::box_size(init_moov.mvhd);
  for (const auto& trak : init_moov.traks) offset += box::box_size(trak);
  return offset + 8 /* mvex header */ + 8 /* mehd header */ + 4 /* version, flags */;
}

uint64_t movie_duration_ms(const std::vector<Track*>& tracks) {
  int64_t end = 0;
  for (auto* t : tracks) {
    if (!t->started) continue;
    int64_t track_end = t->last_decode_time + (t->pending.empty() ? t->last_duration : 0);
    end = std::max(end, rescale(track_end, t->timescale(), kMovieTimescale));
  }
  return static_cast<uint64_t>(end);
}

box::MovieBox make_final_moov(const std::vector<Track*>& tracks, uint64_t chunk_offset_shift) {
  box::MovieBox moov;
  moov.mvhd = make_mvhd(tracks);
  uint64_t movie_end = 0;
  for (auto* t : tracks) {
    box::TrackBox trak = make_trak(*t);
    uint64_t media_duration = t->index.duration();
    trak.mdia.mdhd.duration = media_duration;
    trak.mdia.mdhd.version = media_duration > UINT32_MAX ? 1 : 0;
    uint64_t start = t->decode_base > 0 ? movie_duration(*t, static_cast<uint64_t>(t->decode_base)) : 0;
    // The edit presents the media from media_time to the end of the last picture shown.
    // Opus: the pre-skip at the start and the padding of the last packet are not presented
    // (Opus in ISOBMFF 4.4), so players output exactly the samples captured; media kept from
    // before the origin (AAC priming, leading pictures) is not presented either. The end is
    // the composition end, not the decode span: a cut file's leading pictures (RASL) dropped
    // at its CRA leave decode time that no picture shows (ffmpeg's 1.5 s cut made 1.633 s).
    const int64_t media_time = t->edit_media_time();
    const int64_t shown = t->index.presentation_end() - media_time - static_cast<int64_t>(t->end_trim);
    uint64_t length = movie_duration(*t, static_cast<uint64_t>(std::max<int64_t>(0, shown)));
    trak.tkhd.duration = start + length;
    trak.tkhd.version = trak.tkhd.duration > UINT32_MAX ? 1 : 0;
    if (start > 0 || media_time > 0) {
      // A track that starts after the file's origin gets an empty edit first; B-frames and
      // priming get media_time = the media instant presented at the track's start (8.6.6).
      box::EditListBox elst;
      if (start > 0) elst.entries.push_back({start, -1, 1, 0});
      elst.entries.push_back({length, media_time, 1, 0});
      elst.version = trak.tkhd.duration > UINT32_MAX ? 1 : 0;
      trak.edts = box::EditBox{};
      trak.edts->elst = std::move(elst);
    }
    box::SampleDescriptionBox stsd = std::move(trak.mdia.minf.stbl.stsd);
    const uint64_t samples = t->index.sample_count();
    trak.mdia.minf.stbl = empty_sample_table(std::move(stsd), t->index.shape(), chunk_offset_shift);
    if (const int16_t roll = t->input->roll_distance(); roll != 0 && samples > 0) {
      trak.mdia.minf.stbl.sgpd.push_back(roll_description(roll));
      trak.mdia.minf.stbl.sbgp.push_back(roll_samples(static_cast<uint32_t>(samples), 1));
    }
    movie_end = std::max(movie_end, trak.tkhd.duration);
    moov.traks.push_back(std::move(trak));
  }
  moov.mvhd.duration = movie_end;
  moov.mvhd.version = movie_end > UINT32_MAX ? 1 : 0;
  return moov;
}

box::MovieFragmentBox make_moof(uint32_t sequence_number, const std::vector<FragmentRun>& runs,
                                uint32_t mdat_header_size) {
  box::MovieFragmentBox moof;
  moof.mfhd.sequence_number = sequence_number;
  for (const auto& run : runs) {
    const Track& t = *run.track;
    box::TrackFragmentBox traf;
    traf.tfhd.flags = box::TrackFragmentHeaderBox::kDefaultBaseIsMoof;
    traf.tfhd.track_ID = t.track_id;
    if (t.pending.front().description != 1) {
      // trex says description 1; the run's samples all share one (a change cuts the fragment).
      traf.tfhd.flags |= box::TrackFragmentHeaderBox::kSampleDescriptionIndexPresent;
      traf.tfhd.sample_description_index = t.pending.front().description;
    }
    box::TrackFragmentDecodeTimeBox tfdt;
    tfdt.base_media_decode_time = static_cast<uint64_t>(t.pending.front().decode_time);
    tfdt.version = tfdt.base_media_decode_time > UINT32_MAX ? 1 : 0;
    traf.tfdt = tfdt;

    box::TrackRunBox trun;
    trun.flags = box::TrackRunBox::kDataOffsetPresent | box::TrackRunBox::kSampleDurationPresent |
                 box::TrackRunBox::kSampleSizePresent;
    bool any_cts = false;
    bool negative_cts = false;
    bool later_sync = false;
    for (size_t i = 0; i < run.count; ++i) {
      const auto& s = t.pending[i];
      any_cts |= s.composition_offset != 0;
      negative_cts |= s.composition_offset < 0;
      if (i > 0 && s.sync) later_sync = true;
    }
    if (any_cts) trun.flags |= box::TrackRunBox::kSampleCompositionTimeOffsetPresent;
    if (negative_cts) trun.version = 1;
    if (t.is_video()) {
      // trex says "delta frame"; a run that starts with a key frame says so once, a run with
      // key frames inside it (all-intra streams) flags every sample.
      if (later_sync) trun.flags |= box::TrackRunBox::kSampleFlagsPresent;
      else if (t.pending.front().sync) {
        trun.flags |= box::TrackRunBox::kFirstSampleFlagsPresent;
        trun.first_sample_flags = box::sample_flags::kKey;
      }
    }
    trun.entries.resize(run.count);
    for (size_t i = 0; i < run.count; ++i) {
      const auto& s = t.pending[i];
      auto& e = trun.entries[i];
      e.sample_duration = s.duration;
      e.sample_size = s.size;
      e.sample_flags = s.sync || !t.is_video() ? box::sample_flags::kKey : box::sample_flags::kDelta;
      e.sample_composition_time_offset = s.composition_offset;
    }
    traf.truns.push_back(std::move(trun));
    if (const int16_t roll = t.input->roll_distance()) {
      // The init moov describes the group when the track had its first packet by then;
      // otherwise the fragment describes it itself (indexes from 0x10001, 8.9.4).
      if (t.roll_in_header) {
        traf.sbgp.push_back(roll_samples(static_cast<uint32_t>(run.count), 1));
      } else {
        traf.sgpd.push_back(roll_description(roll));
        traf.sbgp.push_back(roll_samples(static_cast<uint32_t>(run.count), 0x10001));
      }
    }
    moof.trafs.push_back(std::move(traf));
  }
  // data_offset is relative to the moof's first byte: moof, mdat header, then the runs.
  uint64_t offset = box::box_size(moof) + mdat_header_size;
  for (size_t i = 0; i < runs.size(); ++i) {
    moof.trafs[i].truns[0].data_offset = static_cast<int32_t>(offset);
    for (size_t k = 0; k < runs[i].count; ++k) offset += runs[i].track->pending[k].size;
  }
  return moof;
}

}  // namespace camrec::mux
