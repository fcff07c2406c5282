// SPDX-License-Identifier: LGPL-2.1-or-later
#include "progress.h"

#include <cstdio>
#include <filesystem>

#include "camrec/demuxer.h"
#include "camrec/time.h"

namespace camrec::cli {

namespace {

/// The bitrate window: long enough to smooth a GOP of I and P frames, short enough to follow
/// a scene change.
constexpr int64_t kWindowUs = 3'000'000;

std::string fixed(int64_t value, int64_t unit, int decimals) {
  char buf[48];
  double v = static_cast<double>(value) / static_cast<double>(unit);  // display only
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

Result<ProgressMode> parse_progress_mode(const std::string& text, bool stderr_is_terminal) {
  if (text == "auto") return stderr_is_terminal ? ProgressMode::terminal : ProgressMode::plain;
  if (text == "terminal") return ProgressMode::terminal;
  if (text == "plain") return ProgressMode::plain;
  if (text == "json") return ProgressMode::json;
  if (text == "none") return ProgressMode::none;
  return make_error(Errc::invalid_argument, "--progress '" + text + "': expected auto, terminal, plain, json or none");
}

WrittenFile describe_file(const std::string& path) {
  WrittenFile f;
  f.path = path;
  std::error_code ec;
  f.bytes = std::filesystem::file_size(path, ec);
  if (ec) f.bytes = 0;
  auto demuxer = Demuxer::open(path);
  if (!demuxer || !(*demuxer)->scan().is_ok()) return f;
  f.duration_us = 0;
  for (const auto& t : (*demuxer)->tracks())
    if (t.timescale)
      f.duration_us = std::max(f.duration_us, rescale(t.start + static_cast<int64_t>(t.duration), t.timescale,
                                                      kMicroseconds));
  return f;
}

ProgressReporter::ProgressReporter(ProgressMode mode, uint64_t max_frames, int64_t max_duration_us)
    : mode_(mode), max_frames_(max_frames), max_duration_us_(max_duration_us) {}

uint64_t ProgressReporter::window_kbps() const {
  if (window_.size() < 2) return 0;
  int64_t span = window_.back().media_us - window_.front().media_us;
  if (span <= 0) return 0;
  uint64_t bits = (window_.back().bytes - window_.front().bytes) * 8;
  return static_cast<uint64_t>(static_cast<int128>(bits) * 1000 / static_cast<uint64_t>(span));
}

void ProgressReporter::update(const recorder::RecorderStats& stats, int64_t elapsed_us) {
  if (stats.first_pts_us >= 0) {
    int64_t media = stats.last_pts_us - stats.first_pts_us;
    if (window_.empty() || media > window_.back().media_us) window_.push_back({media, stats.encoded_bytes});
    while (window_.size() > 2 && window_.back().media_us - window_[1].media_us >= kWindowUs) window_.pop_front();
  }
  if (mode_ == ProgressMode::none) return;
  if (!hinted_ && stats.frames_dropped > 0) {
    hinted_ = true;
    finish_line();
    if (mode_ == ProgressMode::json) {
      std::fprintf(stderr, "{\"event\":\"frames_dropped\",\"dropped\":%llu}\n",
                   static_cast<unsigned long long>(stats.frames_dropped));
    } else {
      std::fprintf(stderr,
                   "camrec record: the encoder is falling behind, frames are being dropped: try a faster --preset "
                   "(superfast, ultrafast), a smaller --size or a lower --fps\n");
    }
  }
  const int64_t interval = mode_ == ProgressMode::terminal ? 250'000 : 1'000'000;
  if (last_print_us_ >= 0 && elapsed_us - last_print_us_ < interval) return;
  last_print_us_ = elapsed_us;
  print(stats, elapsed_us, false);
}

void ProgressReporter::print(const recorder::RecorderStats& s, int64_t elapsed_us, bool final_line) {
  const int64_t media_us = s.first_pts_us >= 0 ? s.last_pts_us - s.first_pts_us : 0;
  const uint64_t fps_centi = elapsed_us > 0 ? s.frames_written * 100'000'000 / static_cast<uint64_t>(elapsed_us) : 0;
  // The share of the limit done, from frames or media time, and the time left at the
  // current pace.
  int64_t percent = -1;
  int64_t eta_us = -1;
  std::string target;
  if (max_frames_) {
    percent = static_cast<int64_t>(std::min<uint64_t>(100, s.frames_written * 100 / max_frames_));
    target = std::to_string(max_frames_) + " frames";
    if (s.frames_written > 0)
      eta_us = static_cast<int64_t>(static_cast<int128>(elapsed_us) *
                                    (max_frames_ - std::min(max_frames_, s.frames_written)) / s.frames_written);
  } else if (max_duration_us_) {
    percent = std::min<int64_t>(100, media_us * 100 / max_duration_us_);
    target = fixed(max_duration_us_, 1'000'000, 1) + " s";
    if (media_us > 0)
      eta_us = static_cast<int64_t>(static_cast<int128>(elapsed_us) * std::max<int64_t>(0, max_duration_us_ - media_us) /
                                    media_us);
  }
  if (final_line) eta_us = -1;
  const uint64_t kbps = window_kbps();
  if (mode_ == ProgressMode::json) {
    std::fprintf(stderr,
                 "{\"event\":\"%s\",\"frames\":%llu,\"dropped\":%llu,\"media_ms\":%lld,\"elapsed_ms\":%lld,"
                 "\"kbps\":%llu,\"bytes\":%llu",
                 final_line ? "done" : "progress", static_cast<unsigned long long>(s.frames_written),
                 static_cast<unsigned long long>(s.frames_dropped), static_cast<long long>(media_us / 1000),
                 static_cast<long long>(elapsed_us / 1000), static_cast<unsigned long long>(kbps),
                 static_cast<unsigned long long>(s.bytes));
    if (percent >= 0) std::fprintf(stderr, ",\"percent\":%lld", static_cast<long long>(percent));
    if (eta_us >= 0) std::fprintf(stderr, ",\"eta_ms\":%lld", static_cast<long long>(eta_us / 1000));
    std::fprintf(stderr, "%s", final_line ? "" : "}\n");
    return;
  }
  std::string line = "frames " + std::to_string(s.frames_written);
  if (max_frames_) line += "/" + std::to_string(max_frames_);
  line += "  " + fixed(static_cast<int64_t>(fps_centi), 100, 1) + " fps  " + std::to_string(kbps) + " kb/s  ";
  // "dropped N" stays parseable; a non-zero count is flagged after it.
  line += "dropped " + std::to_string(s.frames_dropped) + (s.frames_dropped ? " (!)  " : "  ");
  line += fixed(static_cast<int64_t>(s.bytes), 1'000'000, 2) + " MB  " + fixed(media_us, 1'000'000, 1) + " s";
  if (percent >= 0) line += "  " + std::to_string(percent) + "% of " + target;
  if (eta_us >= 0) line += "  ETA " + fixed(eta_us, 1'000'000, 0) + " s";
  if (mode_ == ProgressMode::terminal && !final_line) {
    std::fprintf(stderr, "\r%s   ", line.c_str());
    line_open_ = true;
  } else {
    std::fprintf(stderr, "%s%s\n", final_line ? "" : "progress: ", line.c_str());
  }
}

void ProgressReporter::finish_line() {
  if (line_open_) std::fprintf(stderr, "\n");
  line_open_ = false;
}

void ProgressReporter::segment_closed(const WrittenFile& file) {
  if (mode_ == ProgressMode::none) return;
  finish_line();
  if (mode_ == ProgressMode::json) {
    std::fprintf(stderr, "{\"event\":\"segment\",\"path\":\"%s\",\"duration_ms\":%lld,\"bytes\":%llu}\n",
                 json_escape(file.path).c_str(), static_cast<long long>(file.duration_us / 1000),
                 static_cast<unsigned long long>(file.bytes));
  } else {
    std::fprintf(stderr, "camrec record: segment %s closed: %s s, %s MB\n", file.path.c_str(),
                 fixed(file.duration_us, 1'000'000, 2).c_str(), fixed(static_cast<int64_t>(file.bytes), 1'000'000, 2).c_str());
  }
}

void ProgressReporter::summary(const recorder::RecorderStats& stats, int64_t elapsed_us,
                               const std::vector<WrittenFile>& files, bool stopped_by_signal) {
  finish_line();
  if (mode_ == ProgressMode::json) {
    print(stats, elapsed_us, true);
    std::fprintf(stderr, ",\"stopped_by_signal\":%s,\"files\":[", stopped_by_signal ? "true" : "false");
    for (size_t i = 0; i < files.size(); ++i)
      std::fprintf(stderr, "%s{\"path\":\"%s\",\"duration_ms\":%lld,\"bytes\":%llu}", i ? "," : "",
                   json_escape(files[i].path).c_str(), static_cast<long long>(files[i].duration_us / 1000),
                   static_cast<unsigned long long>(files[i].bytes));
    std::fprintf(stderr, "]}\n");
    return;
  }
  std::fprintf(stderr, "camrec record: %s", stopped_by_signal ? "stopped by signal: " : "");
  print(stats, elapsed_us, true);
  for (const auto& f : files)
    std::fprintf(stderr, "  wrote %s: %s s, %s MB\n", f.path.c_str(),
                 f.duration_us >= 0 ? fixed(f.duration_us, 1'000'000, 2).c_str() : "?",
                 fixed(static_cast<int64_t>(f.bytes), 1'000'000, 2).c_str());
}

}  // namespace camrec::cli
