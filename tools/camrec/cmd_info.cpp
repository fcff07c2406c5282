// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec info FILE: what a file holds (tracks, codecs, durations, samples, key frames,
// fragments), its box tree with --boxes, as JSON with --json.
#include <cstdio>

#include "camrec/demuxer.h"
#include "cli_common.h"
#include "cli_parse.h"
#include "demux/file_summary.h"
#include "demux/inspect_file.h"
#include "io/source.h"

namespace camrec::cli {

namespace {

struct InfoOptions {
  std::vector<std::string> paths;
  std::string path;  // the file being shown
  bool boxes = false;
  bool json = false;
  std::string max_entries;  // "" = every entry
};

std::string seconds(uint64_t ticks, Timescale ts) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ts ? static_cast<double>(ticks) / ts : 0.0);
  return buf;
}

int run_info(const InfoOptions& o) {
  if (o.boxes) {
    auto source = io::FileSource::open(o.path);
    if (!source) return report_error("info", source.error());
    size_t max_entries = SIZE_MAX;
    if (!o.max_entries.empty()) {
      auto parsed = parse_count("--max-entries", o.max_entries, 0, 1'000'000'000);
      if (!parsed) return report_error("info", parsed.error());
      max_entries = static_cast<size_t>(*parsed);
    }
    auto json = demux::inspect_file(**source, 256u << 20, max_entries);
    if (!json) return report_error("info", json.error().with_context(o.path));
    std::fputs(o.json ? (*json + "\n").c_str() : demux::pretty_json(*json).c_str(), stdout);
    // Said once more where a reader of the terminal sees it: the tree above is not whole.
    if (json->find("_left_out\"") != std::string::npos)
      std::fprintf(stderr, "camrec info: tables longer than --max-entries %s were cut (see their \"..._left_out\" counts)\n",
                   o.max_entries.c_str());
    return kExitOk;
  }
  auto demuxer = Demuxer::open(o.path);
  if (!demuxer) return report_error("info", demuxer.error());
  Status s = (*demuxer)->scan();
  if (!s.is_ok()) return report_error("info", s);
  if (!(*demuxer)->warning().empty())
    std::fprintf(stderr, "camrec info: %s: warning: %s\n", o.path.c_str(), (*demuxer)->warning().c_str());
  const auto& layout = (*demuxer)->layout();
  const auto& tracks = (*demuxer)->tracks();
  const double duration = static_cast<double>(demux::movie_duration_ms(layout, tracks)) / 1000.0;

  if (o.json) {
    std::printf("%s\n", demux::file_summary_json(o.path, **demuxer).c_str());
    return kExitOk;
  }

  std::printf("%s: %s MP4, %zu track%s, %.3f s, %llu bytes%s\n", o.path.c_str(),
              layout.fragmented ? "fragmented" : "regular", tracks.size(), tracks.size() == 1 ? "" : "s", duration,
              static_cast<unsigned long long>(layout.file_size), layout.truncated ? " (truncated)" : "");
  std::printf("  brands: ");
  for (const auto& b : layout.brands) std::printf("%s ", b.c_str());
  std::printf("\n");
  if (layout.creation_time || layout.modification_time)
    std::printf("  created: %s, modified: %s\n",
                layout.creation_time ? demux::utc_time_string(*layout.creation_time).c_str() : "unknown",
                layout.modification_time ? demux::utc_time_string(*layout.modification_time).c_str() : "unknown");
  if (layout.fragmented)
    std::printf("  fragments: %llu%s\n", static_cast<unsigned long long>(layout.fragments),
                layout.has_mfra ? " (with mfra index)" : "");
  for (const auto& t : tracks) {
    std::printf("  track %u: ", t.track_id);
    if (t.video) {
      double fps = t.duration ? static_cast<double>(t.sample_count) * t.timescale / static_cast<double>(t.duration) : 0;
      std::printf("video %s %ux%u, %llu frames, %llu key frames, %s s, %.3f fps", t.codec_string.c_str(), t.width,
                  t.height, static_cast<unsigned long long>(t.sample_count),
                  static_cast<unsigned long long>(t.key_frames), seconds(demux::presented_duration(t), t.timescale).c_str(), fps);
    } else if (t.audio) {
      std::printf("audio %s %u Hz %u ch, %llu samples, %s s", t.codec_string.c_str(), t.sample_rate, t.channels,
                  static_cast<unsigned long long>(t.sample_count),
                  seconds(demux::presented_duration(t), t.timescale).c_str());
    } else {
      std::printf("%s, %llu samples", t.sample_entry.c_str(), static_cast<unsigned long long>(t.sample_count));
    }
    if (t.start > 0)
      std::printf(", starts at %s s%s", seconds(static_cast<uint64_t>(t.start), t.timescale).c_str(),
                  t.edit_delay > 0 ? " (presentation delay: an empty edit)" : "");
    if (t.media_skip > 0)
      std::printf(", edit skips the first %s s (%s)", seconds(static_cast<uint64_t>(t.media_skip), t.timescale).c_str(),
                  demux::edit_explanation(t).c_str());
    std::printf("\n");
  }
  return kExitOk;
}

/// Every file in turn; the exit code is the first failure's (0 when all were read).
int run_info_files(InfoOptions o) {
  int result = kExitOk;
  for (const auto& path : o.paths) {
    o.path = path;
    int code = run_info(o);
    if (result == kExitOk) result = code;
  }
  return result;
}

}  // namespace

void add_info_command(CLI::App& app, Runner& run) {
  auto options = std::make_shared<InfoOptions>();
  auto* cmd = app.add_subcommand("info", "Show the tracks, codecs, durations and fragments of an MP4 file");
  cmd->add_option("file", options->paths, "MP4 files (one or more)")->required();
  auto* boxes = cmd->add_flag("--boxes", options->boxes, "Print the box tree with every field and every table entry");
  cmd->add_option("--max-entries", options->max_entries,
                  "With --boxes: print at most N entries of each table (0..1000000000; default: all); a cut "
                  "table says how many it left out (\"<table>_left_out\")")
      ->needs(boxes);
  cmd->add_flag("--json", options->json, "Print JSON instead of text");
  cmd->callback([options, &run] { run = [options] { return run_info_files(*options); }; });
}

}  // namespace camrec::cli
