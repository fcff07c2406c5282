// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec extract FILE: each track to a file players and tools read directly: H.264/H.265 as
// Annex B (.h264/.h265), G.711 as WAVE (.wav, format 6/7: no decoding), AAC as ADTS (.aac),
// Opus as Ogg Opus (.opus). The packets are copied as they are: nothing is decoded.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "camrec/demuxer.h"
#include "cli_common.h"
#include "codec/aac.h"
#include "codec/opus.h"
#include "io/byte_writer.h"
#include "io/sink.h"
#include "ogg_opus_writer.h"

namespace camrec::cli {

namespace {

struct ExtractOptions {
  std::string input;
  std::string prefix;  // output name prefix; default: the input name without extension
  std::vector<uint32_t> tracks;  // track ids; empty = all
  bool overwrite = false;        // -y
  bool no_overwrite = false;     // -n (the default, stated)
};

/// How one track is written.
struct TrackWriter {
  std::unique_ptr<io::FileSink> sink;
  std::string path;
  enum class Kind { annexb, wav, adts, ogg_opus } kind = Kind::annexb;
  uint64_t data_bytes = 0;
  uint16_t wav_format = 0;
  uint32_t sample_rate = 0;
  uint16_t channels = 0;
  codec::AudioSpecificConfig asc;
  codec::OpusHead opus_head;
  std::unique_ptr<OggOpusWriter> ogg;  // owns the sink once opened
};

std::vector<uint8_t> wav_header(uint16_t format, uint32_t rate, uint16_t channels, uint64_t data_bytes) {
  // RIFF WAVE with an 8-bit G.711 'fmt ' chunk (WAVE_FORMAT_ALAW 6, WAVE_FORMAT_MULAW 7).
  io::ByteWriter w;
  auto le16 = [&](uint16_t v) { w.u8(static_cast<uint8_t>(v)); w.u8(static_cast<uint8_t>(v >> 8)); };
  auto le32 = [&](uint32_t v) { le16(static_cast<uint16_t>(v)); le16(static_cast<uint16_t>(v >> 16)); };
  uint32_t data = static_cast<uint32_t>(std::min<uint64_t>(data_bytes, UINT32_MAX - 64));
  w.chars("RIFF");
  le32(4 + 26 + 8 + data);
  w.chars("WAVE");
  w.chars("fmt ");
  le32(18);
  le16(format);
  le16(channels);
  le32(rate);
  le32(rate * channels);  // byte rate: one byte per sample
  le16(channels);         // block align
  le16(8);                // bits per sample
  le16(0);                // cbSize
  w.chars("data");
  le32(data);
  return std::move(w.buffer());
}

std::vector<uint8_t> adts_header(const codec::AudioSpecificConfig& asc, size_t payload) {
  // ISO/IEC 13818-7 / 14496-3 1.A.2: 7-byte header, no CRC, one raw data block.
  size_t length = payload + 7;
  uint8_t profile = static_cast<uint8_t>(asc.audio_object_type - 1);
  return {0xFF, 0xF1,
          static_cast<uint8_t>((profile << 6) | (asc.sampling_frequency_index << 2) | (asc.channel_configuration >> 2)),
          static_cast<uint8_t>(((asc.channel_configuration & 3) << 6) | (length >> 11)),
          static_cast<uint8_t>(length >> 3), static_cast<uint8_t>(((length & 7) << 5) | 0x1F), 0xFC};
}

/// Writes the tracks; `created` gets the path of each file as it is created.
int extract_tracks(const ExtractOptions& o, std::vector<std::string>& created) {
  DemuxOptions dopt;
  dopt.annexb = true;
  auto demuxer = Demuxer::open(o.input, dopt);
  if (!demuxer) return report_error("extract", demuxer.error());
  std::string prefix = o.prefix;
  if (prefix.empty()) {
    prefix = o.input;
    auto dot = prefix.rfind('.');
    if (dot != std::string::npos && prefix.find('/', dot) == std::string::npos) prefix.resize(dot);
  }
  Status writable = check_output_directory(prefix);
  if (!writable.is_ok()) return report_output_error("extract", writable);
  const auto& tracks = (*demuxer)->tracks();
  for (uint32_t id : o.tracks) {
    if (std::none_of(tracks.begin(), tracks.end(), [&](const auto& t) { return t.track_id == id; })) {
      std::string ids;
      for (const auto& t : tracks) ids += (ids.empty() ? "" : ", ") + std::to_string(t.track_id);
      return report_error("extract", make_error(Errc::invalid_argument, "'" + o.input + "' has no track " +
                                                                            std::to_string(id) + " (its tracks: " +
                                                                            ids + "; camrec info lists them)"));
    }
  }
  std::vector<std::unique_ptr<TrackWriter>> writers(tracks.size());
  for (size_t i = 0; i < tracks.size(); ++i) {
    const auto& t = tracks[i];
    if (!o.tracks.empty() && std::find(o.tracks.begin(), o.tracks.end(), t.track_id) == o.tracks.end()) continue;
    auto w = std::make_unique<TrackWriter>();
    std::string base = prefix + ".track" + std::to_string(t.track_id);
    const std::string& e = t.sample_entry;
    if (e == "avc1" || e == "avc3") {
      w->path = base + ".h264";
    } else if (e == "hvc1" || e == "hev1") {
      w->path = base + ".h265";
    } else if (e == "ulaw" || e == "alaw") {
      w->kind = TrackWriter::Kind::wav;
      w->path = base + ".wav";
      w->wav_format = e == "ulaw" ? 7 : 6;
      w->sample_rate = t.sample_rate;
      w->channels = static_cast<uint16_t>(std::max<uint32_t>(1, t.channels));
    } else if (e == "mp4a") {
      auto asc = codec::parse_audio_specific_config(t.decoder_config);
      if (!asc) return report_error("extract", asc.error().with_context("track " + std::to_string(t.track_id)));
      w->kind = TrackWriter::Kind::adts;
      w->asc = *asc;
      w->path = base + ".aac";
    } else if (e == "Opus") {
      auto head = codec::parse_dops(t.decoder_config);
      if (!head) return report_error("extract", head.error().with_context("track " + std::to_string(t.track_id)));
      w->kind = TrackWriter::Kind::ogg_opus;
      w->opus_head = *head;
      w->path = base + ".opus";
    } else {
      std::fprintf(stderr, "camrec extract: track %u ('%s') skipped: no plain file format for it\n", t.track_id,
                   e.c_str());
      continue;
    }
    // Never replaced by accident, as every output of camrec: an existing track file stops
    // the extract (exit 73), and the files created before it are removed.
    io::FileSinkOptions sink_options;
    sink_options.mode = o.overwrite ? io::FileSinkOptions::Mode::create : io::FileSinkOptions::Mode::create_new;
    auto sink = io::FileSink::open(w->path, sink_options);
    if (!sink) return report_output_error("extract", sink.error());
    created.push_back(w->path);
    w->sink = std::move(*sink);
    if (w->kind == TrackWriter::Kind::ogg_opus) {
      auto ogg = OggOpusWriter::open(std::move(w->sink), w->opus_head, t.track_id);
      if (!ogg) return report_error("extract", ogg.error());
      w->ogg = std::move(*ogg);
    }
    if (w->kind == TrackWriter::Kind::wav) {
      Status s = w->sink->append(wav_header(w->wav_format, w->sample_rate, w->channels, 0));
      if (!s.is_ok()) return report_error("extract", s);
    }
    writers[i] = std::move(w);
  }
  DemuxedSample sample;
  while (true) {
    auto more = (*demuxer)->next(sample);
    if (!more) return report_error("extract", more.error());
    if (!*more) break;
    auto* w = writers[sample.track].get();
    if (!w) continue;
    Status s;
    if (w->kind == TrackWriter::Kind::ogg_opus) {
      s = w->ogg->write(sample.data).with_context("track " + std::to_string(tracks[sample.track].track_id));
    } else if (w->kind == TrackWriter::Kind::adts) {
      auto header = adts_header(w->asc, sample.data.size());
      std::span<const uint8_t> parts[2] = {header, sample.data};
      s = w->sink->append(parts);
    } else {
      s = w->sink->append(sample.data);
    }
    if (!s.is_ok()) return report_error("extract", s);
    w->data_bytes += sample.data.size();
  }
  if (!(*demuxer)->warning().empty())
    std::fprintf(stderr, "camrec extract: warning: %s\n", (*demuxer)->warning().c_str());
  for (auto& w : writers) {
    if (!w) continue;
    if (w->kind == TrackWriter::Kind::wav) {
      Status s = w->sink->write_at(0, wav_header(w->wav_format, w->sample_rate, w->channels, w->data_bytes));
      if (!s.is_ok()) return report_error("extract", s);
    }
    Status s = w->ogg ? w->ogg->close() : w->sink->close();
    if (!s.is_ok()) return report_error("extract", s);
    std::printf("%s\n", w->path.c_str());
  }
  return kExitOk;
}

int run_extract(const ExtractOptions& o) {
  std::vector<std::string> created;
  const int code = extract_tracks(o, created);
  // A refused input (or an existing track file) leaves no partial track files; after a
  // write error (disk full) they keep what reached them.
  if (code != kExitOk && code != kExitIoError) {
    std::string names;
    for (const auto& p : created)
      if (std::remove(p.c_str()) == 0) names += (names.empty() ? "'" : ", '") + p + "'";
    if (!names.empty()) std::fprintf(stderr, "camrec extract: removed %s: the extract was refused\n", names.c_str());
  }
  return code;
}

}  // namespace

void add_extract_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<ExtractOptions>();
  auto* cmd = app.add_subcommand("extract", "Write each track of an MP4 to its own file (.h264/.h265/.wav/.aac/.opus)");
  cmd->add_option("file", o->input, "MP4 file")->required();
  cmd->add_option("-o,--output", o->prefix, "Output name prefix (default: the input name)");
  cmd->add_option("-t,--track", o->tracks, "Track id to extract (repeatable; default: all)");
  auto* yes = cmd->add_flag("-y,--overwrite", o->overwrite, "Replace existing track files");
  cmd->add_flag("-n,--no-overwrite", o->no_overwrite, "Refuse to replace existing track files (the default)")
      ->excludes(yes);
  cmd->callback([o, &run] { run = [o] { return run_extract(*o); }; });
}

}  // namespace camrec::cli
