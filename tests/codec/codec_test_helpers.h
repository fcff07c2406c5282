// SPDX-License-Identifier: LGPL-2.1-or-later
// Test helpers for the codec tests: temporary directories, running ffmpeg/ffprobe, making
// fixtures once per test binary, reading files and finding boxes in MP4 files.
#pragma once

#include "testing/test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include "codec/annexb.h"
#include "codec/au_splitter.h"

namespace camrec::codec::testing {

/// A fresh directory in the system temporary directory ($TMPDIR), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "camrec-codec-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  /// Path of `name` inside the directory.
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// Exit status and standard output of a shell command.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};

/// Runs `command` with /bin/sh, capturing standard output (standard error goes to the
/// test log only when the command fails).
inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  static std::atomic<int> counter{0};
  std::string err_file = (std::filesystem::temp_directory_path() /
                          ("camrec-codec-stderr-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
                             .string();
  FILE* pipe = ::popen((command + " 2>" + err_file).c_str(), "r");
  if (!pipe) return r;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (r.exit_code != 0) {
    std::ifstream err(err_file);
    std::stringstream ss;
    ss << err.rdbuf();
    std::string text = ss.str();
    if (text.size() > 4000) text = text.substr(text.size() - 4000);
    std::fprintf(stderr, "command failed (%d): %s\n%s\n", r.exit_code, command.c_str(), text.c_str());
  }
  std::remove(err_file.c_str());
  return r;
}

/// Reads a whole file (empty on error).
inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Writes a whole file.
inline void write_file(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

/// Files made once per test binary in one shared temporary directory: fixture(name, args)
/// runs `ffmpeg -y -v error <args> <dir>/<name>` the first time a name is asked for.
class Fixtures {
 public:
  static Fixtures& get() {
    static Fixtures instance;
    return instance;
  }
  /// Path of the fixture, made on first use; empty if ffmpeg failed.
  std::string make(const std::string& name, const std::string& ffmpeg_args) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = made_.find(name);
    if (it != made_.end()) return it->second;
    // Shared by every test process of the build (see testing::cached_ffmpeg).
    auto dot = name.rfind('.');
    made_[name] = camrec::testing::cached_ffmpeg(ffmpeg_args, dot == std::string::npos ? "" : name.substr(dot));
    return made_[name];
  }
  /// The shared directory, for derived files.
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::mutex mu_;
  std::map<std::string, std::string> made_;
};

/// Shorthand for Fixtures::get().make().
inline std::string fixture(const std::string& name, const std::string& ffmpeg_args) {
  return Fixtures::get().make(name, ffmpeg_args);
}

/// `key=value` lines of `ffprobe -v error <args> -of default=nw=1 <file>` as a map (the last
/// value wins for repeated keys).
inline std::map<std::string, std::string> ffprobe_values(const std::string& args, const std::string& file) {
  std::map<std::string, std::string> out;
  auto r = run_command("ffprobe -v error " + args + " -of default=nw=1 '" + file + "'");
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

/// One value per line of `ffprobe -v error <args> -of csv=p=0 <file>`.
inline std::vector<std::string> ffprobe_lines(const std::string& args, const std::string& file) {
  std::vector<std::string> out;
  auto r = run_command("ffprobe -v error " + args + " -of csv=p=0 '" + file + "'");
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == ',' || line.back() == '\r')) line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

/// The payload (after the 8-byte header) of the first box of type `fourcc` anywhere in an
/// MP4 file, found by walking the box tree through the containers a sample entry sits in.
inline std::optional<std::vector<uint8_t>> find_box_payload(const std::vector<uint8_t>& file, const char* fourcc) {
  // Containers and how many bytes of fields precede their children.
  static const std::map<std::string, size_t> kContainers = {
      {"moov", 0}, {"trak", 0}, {"mdia", 0}, {"minf", 0}, {"stbl", 0}, {"stsd", 8},
      {"avc1", 78}, {"avc3", 78}, {"hvc1", 78}, {"hev1", 78}, {"mp4a", 28}, {"Opus", 28}, {"edts", 0}};
  std::optional<std::vector<uint8_t>> found;
  auto walk = [&](auto& self, size_t begin, size_t end) -> void {
    size_t pos = begin;
    while (!found && pos + 8 <= end) {
      uint64_t size = (uint64_t{file[pos]} << 24) | (uint64_t{file[pos + 1]} << 16) | (uint64_t{file[pos + 2]} << 8) |
                      file[pos + 3];
      std::string type(reinterpret_cast<const char*>(&file[pos + 4]), 4);
      size_t header = 8;
      if (size == 1 && pos + 16 <= end) {
        size = 0;
        for (int i = 0; i < 8; ++i) size = (size << 8) | file[pos + 8 + i];
        header = 16;
      } else if (size == 0) {
        size = end - pos;
      }
      if (size < header || size > end - pos) return;
      if (type == fourcc) {
        found = std::vector<uint8_t>(file.begin() + static_cast<ptrdiff_t>(pos + header),
                                     file.begin() + static_cast<ptrdiff_t>(pos + size));
        return;
      }
      auto c = kContainers.find(type);
      if (c != kContainers.end() && header + c->second <= size) self(self, pos + header + c->second, pos + size);
      pos += size;
    }
  };
  walk(walk, 0, file.size());
  return found;
}

/// Hex dump for assertion messages.
inline std::string hex(const std::vector<uint8_t>& bytes) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += d[b >> 4];
    s += d[b & 15];
  }
  return s;
}

/// MSB-first bit writer with Exp-Golomb codes, for building parameter sets by hand.
class BitWriter {
 public:
  void u(uint64_t value, int bits) {
    for (int i = bits - 1; i >= 0; --i) bit((value >> i) & 1);
  }
  void flag(bool b) { bit(b); }
  void ue(uint32_t value) {
    uint64_t v = uint64_t{value} + 1;
    int len = 0;
    while ((v >> len) > 1) ++len;
    u(0, len);
    u(v, len + 1);
  }
  void se(int32_t value) { ue(value > 0 ? static_cast<uint32_t>(2 * value - 1) : static_cast<uint32_t>(-2 * int64_t{value})); }
  /// rbsp_trailing_bits(): a 1, then zeros to the byte boundary.
  void trailing_bits() {
    bit(true);
    while (used_ != 0) bit(false);
  }
  const std::vector<uint8_t>& bytes() const { return out_; }

 private:
  void bit(bool b) {
    if (used_ == 0) out_.push_back(0);
    if (b) out_.back() |= static_cast<uint8_t>(0x80 >> used_);
    used_ = (used_ + 1) & 7;
  }
  std::vector<uint8_t> out_;
  int used_ = 0;
};

/// A raw elementary stream split into access units (copies of their Annex B bytes).
struct SplitStream {
  std::vector<std::vector<uint8_t>> aus;
  std::vector<uint64_t> offsets;  ///< Stream offset of each access unit.
  Status status;
};

/// Splits a whole file with AccessUnitSplitter in 1 MiB chunks.
inline SplitStream split_stream(VideoCodec codec, const std::string& path) {
  SplitStream out;
  std::vector<uint8_t> data = read_file(path);
  AccessUnitSplitter splitter(codec);
  size_t pos = 0;
  while (true) {
    if (pos < data.size()) {
      size_t n = std::min<size_t>(size_t{1} << 20, data.size() - pos);
      splitter.feed(std::span<const uint8_t>(data).subspan(pos, n));
      pos += n;
    } else {
      splitter.finish();
    }
    while (true) {
      auto au = splitter.next();
      if (!au) {
        out.status = au.error();
        return out;
      }
      if (!*au) break;
      out.aus.emplace_back((*au)->bytes.begin(), (*au)->bytes.end());
      out.offsets.push_back((*au)->stream_offset);
    }
    if (splitter.done()) return out;
  }
}

/// The NAL units of `au` whose type (per `codec`) is `type`, as copies.
inline std::vector<std::vector<uint8_t>> nals_of_type(VideoCodec codec, const std::vector<uint8_t>& au, int type) {
  std::vector<std::vector<uint8_t>> out;
  auto nals = split_annexb(au);
  if (!nals) return out;
  for (auto nal : *nals) {
    int t = codec == VideoCodec::h264 ? (nal[0] & 0x1F) : ((nal[0] >> 1) & 0x3F);
    if (t == type) out.emplace_back(nal.begin(), nal.end());
  }
  return out;
}

/// Access unit indices in the order ffprobe's decoder outputs the frames: each frame's
/// pkt_pos is mapped to the access unit whose bytes contain it.
inline std::vector<size_t> ffprobe_output_order(const std::string& file, const std::vector<uint64_t>& offsets) {
  std::vector<size_t> out;
  for (const auto& line : ffprobe_lines("-show_entries frame=pkt_pos", file)) {
    uint64_t pos = std::stoull(line);
    auto it = std::upper_bound(offsets.begin(), offsets.end(), pos);
    out.push_back(it == offsets.begin() ? SIZE_MAX : static_cast<size_t>(it - offsets.begin() - 1));
  }
  return out;
}

/// The elementary streams the codec tests share, made with the ffmpeg CLI on first use.
/// H.264 Main, 1280x720, 30 fps, I/P only (pic_order_cnt_type 2).
inline std::string h264_main() {
  return fixture("main.h264",
                 "-f lavfi -i testsrc2=size=1280x720:rate=30 -t 2 -c:v libx264 -profile:v main -g 30 -bf 0 -pix_fmt yuv420p");
}
/// H.264 High with B-pyramid (3 B-frames), 640x360 (cropped from 640x368), 25 fps.
inline std::string h264_high_b() {
  return fixture("high_b.h264",
                 "-f lavfi -i testsrc2=size=640x360:rate=25 -t 3 -c:v libx264 -profile:v high -bf 3 -g 50 -pix_fmt yuv420p");
}
/// H.264 Constrained Baseline, 320x240.
inline std::string h264_baseline() {
  return fixture("baseline.h264", "-f lavfi -i testsrc2=size=320x240:rate=30 -t 2 -c:v libx264 -profile:v baseline -g 15");
}
/// H.264 High 10 with B-frames, 352x288.
inline std::string h264_high10() {
  return fixture("high10.h264", "-f lavfi -i testsrc2=size=352x288:rate=30 -t 1 -c:v libx264 -profile:v high10 "
                                "-pix_fmt yuv420p10le -bf 2");
}
/// H.264 interlaced (MBAFF, frame_mbs_only_flag 0) with B-frames, 720x576.
inline std::string h264_interlaced() {
  return fixture("interlaced.h264", "-f lavfi -i testsrc2=size=720x576:rate=25 -t 1 -c:v libx264 -flags +ildct "
                                    "-x264-params tff=1 -bf 2 -pix_fmt yuv420p");
}
/// H.265 with libx265 defaults (open GOP: CRA key frames and RASL pictures), 642x362
/// (conformance window), 30 fps.
inline std::string h265_open_gop() {
  return fixture("open.h265", "-f lavfi -i testsrc2=size=642x362:rate=30 -t 3 -c:v libx265 -g 30 "
                              "-x265-params log-level=error");
}
/// H.265 closed GOP (IDR key frames), 640x360.
inline std::string h265_closed_gop() {
  return fixture("closed.h265", "-f lavfi -i testsrc2=size=640x360:rate=30 -t 3 -c:v libx265 -g 30 "
                                "-x265-params no-open-gop=1:log-level=error");
}
/// H.265 Main 10, 320x240.
inline std::string h265_main10() {
  return fixture("main10.h265", "-f lavfi -i testsrc2=size=320x240:rate=30 -t 1 -c:v libx265 -pix_fmt yuv420p10le "
                                "-x265-params log-level=error");
}

}  // namespace camrec::codec::testing
