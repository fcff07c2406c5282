// SPDX-License-Identifier: LGPL-2.1-or-later
// Every malformed input of tests/data/corrupt/ gives exactly the error its row of CASES.md
// names (code and message), through the API the row names, and never a crash. The C API
// call sequences named in the table are defined here.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "box/boxes.h"
#include "camrec/demuxer.h"
#include "codec/access_unit.h"
#include "codec/au_splitter.h"
#include "codec/avc_config.h"
#include "codec/hevc_config.h"
#include "edit/recover.h"
#include "io/source.h"
#include "mp4_format.h"

namespace camrec {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::path(CAMREC_SOURCE_DIR) / "tests" / "data" / "corrupt";

/// One row of CASES.md.
struct Case {
  std::string file;
  std::string api;
  std::string errc;  ///< errc_name() of the expected code, or "end" for a clean end.
  std::string message;
  std::string what;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.file << " [" << c.api << "]"; }

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string unescape(std::string s) {
  for (size_t at; (at = s.find("&#124;")) != std::string::npos;) s.replace(at, 6, "|");
  return s;
}

std::vector<Case> load_cases() {
  std::ifstream in(kDir / "CASES.md");
  std::vector<Case> cases;
  std::string line;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.rfind("| file |", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table || line.rfind("| ", 0) != 0 || line.rfind("| ---", 0) == 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) cells.push_back(unescape(trim(cell)));
    if (cells.size() < 5) continue;
    cases.push_back({cells[0], cells[1], cells[2], cells[3], cells[4]});
  }
  return cases;
}

const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = load_cases();
  return cases;
}

/// What a call sequence ended with: an error, or Errc::ok for success / a clean end.
struct Outcome {
  Errc code = Errc::ok;
  std::string message;
  static Outcome of(const Status& s) { return {s.code(), s.message()}; }
};

std::vector<uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A clean end with what the demuxer skipped: "samples per track: 1: N, 2: M; warning: ..."
/// (the samples each track gave, then Demuxer::warning()).
Outcome with_warning(const Demuxer& d, const std::vector<uint64_t>& counts) {
  Outcome o;
  o.message = "samples per track:";
  for (size_t i = 0; i < counts.size(); ++i)
    o.message += (i ? ", " : " ") + std::to_string(d.tracks()[i].track_id) + ": " + std::to_string(counts[i]);
  o.message += "; warning: " + d.warning();
  return o;
}

Outcome demux(const fs::path& path, bool annexb, bool read_samples, bool scan, bool warns = false) {
  DemuxOptions options;
  options.annexb = annexb;
  auto d = Demuxer::open(path.string(), options);
  if (!d) return Outcome::of(d.error());
  if (scan) {
    Status s = (*d)->scan();
    if (!s.is_ok() || !warns) return Outcome::of(s);
    std::vector<uint64_t> counts;
    for (const auto& t : (*d)->tracks()) counts.push_back(t.sample_count);
    return with_warning(**d, counts);
  }
  if (!read_samples) return {};
  DemuxedSample sample;
  std::vector<uint64_t> counts((*d)->tracks().size());
  while (true) {
    auto more = (*d)->next(sample);
    if (!more) return Outcome::of(more.error());
    if (!*more) return warns ? with_warning(**d, counts) : Outcome{};
    ++counts[sample.track];
  }
}

template <class T>
Status parse_top_level(io::Source& src, const box::BoxHeader& h) {
  return box::read_top_level_box<T>(src, h).status();
}

Outcome parse_boxes(const fs::path& path) {
  auto src = io::FileSource::open(path.string());
  if (!src) return Outcome::of(src.error());
  auto top = box::scan_top_level_boxes(**src);
  if (!top) return Outcome::of(top.error());
  for (const auto& h : top->boxes) {
    Status s;
    if (h.type == box::fourcc("ftyp")) s = parse_top_level<box::FileTypeBox>(**src, h);
    else if (h.type == box::fourcc("moov")) s = parse_top_level<box::MovieBox>(**src, h);
    else if (h.type == box::fourcc("moof")) s = parse_top_level<box::MovieFragmentBox>(**src, h);
    else if (h.type == box::fourcc("mfra")) s = parse_top_level<box::MovieFragmentRandomAccessBox>(**src, h);
    else if (h.type == box::fourcc("sidx")) s = parse_top_level<box::SegmentIndexBox>(**src, h);
    if (!s.is_ok()) return Outcome::of(s);
  }
  return Outcome::of(top->stop);
}

/// The splitter and the stateful parser over a stream, fed whole or one byte at a time.
Outcome annexb(const fs::path& path, codec::VideoCodec vc, bool bytewise) {
  auto bytes = read_file(path);
  codec::AccessUnitSplitter splitter(vc);
  codec::AccessUnitParser parser(vc);
  codec::AccessUnit au;
  auto drain = [&]() -> std::optional<Outcome> {
    while (true) {
      auto unit = splitter.next();
      if (!unit) return Outcome::of(unit.error());
      if (!*unit) return std::nullopt;
      Status s = parser.parse_nals((*unit)->nals, au);
      if (!s.is_ok()) return Outcome::of(s);
    }
  };
  for (size_t pos = 0; bytewise && pos < bytes.size(); ++pos) {
    splitter.feed(std::span<const uint8_t>(&bytes[pos], 1));
    if (auto o = drain()) return *o;
  }
  if (!bytewise) splitter.feed(bytes);
  splitter.finish();
  if (auto o = drain()) return *o;
  return {};
}

/// recover() in place on a copy of the file; a failed repair must leave the copy alone
/// and no temporary file behind.
Outcome recover_in_place(const fs::path& path) {
  fs::path dir = fs::temp_directory_path() / ("camrec-corrupt-recover-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path copy = dir / path.filename();
  fs::copy_file(path, copy, fs::copy_options::overwrite_existing);
  auto r = edit::recover(copy.string());
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir)) left.push_back(entry.path().filename().string());
  if (!r) {
    EXPECT_EQ(left, std::vector<std::string>{path.filename().string()}) << "a failed repair left files behind";
    EXPECT_EQ(read_file(copy), read_file(path)) << "a failed repair changed the file";
  }
  fs::remove_all(dir);
  return r ? Outcome{} : Outcome::of(r.error());
}

/// recover() into a new file; when it reports a repair, the outcome is that of reading the
/// repaired file to its end (a repair must give a file that reads).
Outcome recover(const fs::path& path) {
  fs::path out = fs::temp_directory_path() / ("camrec-corrupt-" + std::to_string(getpid()) + ".mp4");
  edit::RecoverOptions options;
  options.output = out.string();
  auto r = edit::recover(path.string(), options);
  Outcome o = r ? Outcome{} : Outcome::of(r.error());
  if (r && r->action != edit::RecoverAction::none) o = demux(out, false, true, false);
  fs::remove(out);
  return o;
}

// ---- the C API ----

Errc errc_of(int k230_error) {
  switch (k230_error) {
    case 0: return Errc::ok;
    case K_MP4_ERR_INVALID_ARGUMENT: return Errc::invalid_argument;
    case K_MP4_ERR_WRONG_STATE: return Errc::wrong_state;
    case K_MP4_ERR_MALFORMED: return Errc::malformed;
    case K_MP4_ERR_UNSUPPORTED: return Errc::unsupported;
    case K_MP4_ERR_LIMIT: return Errc::limit_exceeded;
    case K_MP4_ERR_IO: return Errc::io;
    case K_MP4_ERR_NO_SPACE: return Errc::no_space;
    case K_MP4_ERR_FILE_TOO_LARGE: return Errc::file_too_large;
    case K_MP4_ERR_NOT_FOUND: return Errc::not_found;
    default: return Errc::internal;
  }
}

/// The outcome of the kd_mp4 call that returned `rc` (its message is the thread's last error).
Outcome capi(int rc) { return {errc_of(rc), rc == 0 ? "" : kd_mp4_error_message()}; }

/// A scratch file name for a muxer (removed when the fixture ends).
struct ScratchFile {
  fs::path path = fs::temp_directory_path() /
                  ("camrec-corrupt-capi-" + std::to_string(getpid()) + "-" + std::to_string(next_id()) + ".mp4");
  ~ScratchFile() { fs::remove(path); }
  static int next_id() {
    static int id = 0;
    return id++;
  }
};

k_mp4_config_s muxer_config(const fs::path& path) {
  k_mp4_config_s cfg{};
  cfg.config_type = K_MP4_CONFIG_MUXER;
  std::strncpy(cfg.muxer_config.file_name, path.c_str(), sizeof cfg.muxer_config.file_name - 1);
  return cfg;
}

k_mp4_config_s demuxer_config(const fs::path& path) {
  k_mp4_config_s cfg{};
  cfg.config_type = K_MP4_CONFIG_DEMUXER;
  std::strncpy(cfg.demuxer_config.file_name, path.c_str(), sizeof cfg.demuxer_config.file_name - 1);
  return cfg;
}

k_mp4_track_info_s video_track(k_mp4_codec_id_e codec) {
  k_mp4_track_info_s info{};
  info.track_type = K_MP4_STREAM_VIDEO;
  info.video_info.width = 64;
  info.video_info.height = 64;
  info.video_info.codec_id = codec;
  return info;
}

/// The first access unit of the base H.264 stream: SPS, PPS and an IDR picture.
std::vector<uint8_t> first_access_unit() {
  auto stream = read_file(kDir / "base" / "base.h264");
  codec::AccessUnitSplitter splitter(codec::VideoCodec::h264);
  splitter.feed(stream);
  splitter.finish();
  auto au = splitter.next();
  if (!au || !*au) return {};
  return {(*au)->bytes.begin(), (*au)->bytes.end()};
}

/// A muxer handle with one H.264 track, destroyed at the end.
struct MuxerWithTrack {
  ScratchFile file;
  KD_HANDLE mp4 = nullptr;
  KD_HANDLE track = nullptr;
  MuxerWithTrack() {
    auto cfg = muxer_config(file.path);
    EXPECT_EQ(kd_mp4_create(&mp4, &cfg), 0) << kd_mp4_error_message();
    auto info = video_track(K_MP4_CODEC_ID_H264);
    EXPECT_EQ(kd_mp4_create_track(mp4, &track, &info), 0) << kd_mp4_error_message();
  }
  ~MuxerWithTrack() {
    if (mp4) (void)kd_mp4_destroy(mp4);
  }
};

k_mp4_frame_data_s frame(k_mp4_codec_id_e codec, std::vector<uint8_t>& data, uint64_t time_stamp_us) {
  k_mp4_frame_data_s f{};
  f.codec_id = codec;
  f.time_stamp = time_stamp_us;
  f.data = data.data();
  f.data_length = static_cast<uint32_t>(data.size());
  return f;
}

const std::map<std::string, std::function<Outcome()>>& capi_scenarios() {
  static const std::map<std::string, std::function<Outcome()>> scenarios = {
      {"capi_create_null_handle",
       [] {
         ScratchFile f;
         auto cfg = muxer_config(f.path);
         return capi(kd_mp4_create(nullptr, &cfg));
       }},
      {"capi_create_null_config",
       [] {
         KD_HANDLE h = nullptr;
         return capi(kd_mp4_create(&h, nullptr));
       }},
      {"capi_bad_config_type",
       [] {
         ScratchFile f;
         auto cfg = muxer_config(f.path);
         cfg.config_type = K_MP4_CONFIG_BUTT;  // not a config type
         KD_HANDLE h = nullptr;
         return capi(kd_mp4_create(&h, &cfg));
       }},
      {"capi_empty_file_name",
       [] {
         auto cfg = muxer_config("");
         KD_HANDLE h = nullptr;
         return capi(kd_mp4_create(&h, &cfg));
       }},
      {"capi_fmp4_flag_2",
       [] {
         ScratchFile f;
         auto cfg = muxer_config(f.path);
         cfg.muxer_config.fmp4_flag = 2;
         KD_HANDLE h = nullptr;
         return capi(kd_mp4_create(&h, &cfg));
       }},
      {"capi_demux_missing_file",
       [] {
         auto cfg = demuxer_config(kDir / "no-such-file.mp4");
         KD_HANDLE h = nullptr;
         return capi(kd_mp4_create(&h, &cfg));
       }},
      {"capi_destroy_null", [] { return capi(kd_mp4_destroy(nullptr)); }},
      {"capi_destroy_twice",
       [] {
         MuxerWithTrack m;
         EXPECT_EQ(kd_mp4_destroy(m.mp4), 0);
         KD_HANDLE stale = m.mp4;
         m.mp4 = nullptr;
         return capi(kd_mp4_destroy(stale));
       }},
      {"capi_write_after_destroy",
       [] {
         MuxerWithTrack m;
         EXPECT_EQ(kd_mp4_destroy(m.mp4), 0);
         KD_HANDLE stale = m.mp4;
         m.mp4 = nullptr;
         auto au = first_access_unit();
         auto f = frame(K_MP4_CODEC_ID_H264, au, 0);
         return capi(kd_mp4_write_frame(stale, m.track, &f));
       }},
      {"capi_write_destroyed_track",
       [] {
         MuxerWithTrack m;
         EXPECT_EQ(kd_mp4_destroy_tracks(m.mp4), 0);
         auto au = first_access_unit();
         auto f = frame(K_MP4_CODEC_ID_H264, au, 0);
         return capi(kd_mp4_write_frame(m.mp4, m.track, &f));
       }},
      {"capi_foreign_track",
       [] {
         MuxerWithTrack a, b;
         auto au = first_access_unit();
         auto f = frame(K_MP4_CODEC_ID_H264, au, 0);
         return capi(kd_mp4_write_frame(a.mp4, b.track, &f));
       }},
      {"capi_codec_id_mismatch",
       [] {
         MuxerWithTrack m;
         auto au = first_access_unit();
         auto f = frame(K_MP4_CODEC_ID_H265, au, 0);
         return capi(kd_mp4_write_frame(m.mp4, m.track, &f));
       }},
      {"capi_video_track_g711",
       [] {
         MuxerWithTrack m;
         auto info = video_track(K_MP4_CODEC_ID_G711A);
         KD_HANDLE t = nullptr;
         return capi(kd_mp4_create_track(m.mp4, &t, &info));
       }},
      {"capi_audio_track_h264",
       [] {
         MuxerWithTrack m;
         k_mp4_track_info_s info{};
         info.track_type = K_MP4_STREAM_AUDIO;
         info.audio_info = {1, 8000, 16, 0, K_MP4_CODEC_ID_H264};
         KD_HANDLE t = nullptr;
         return capi(kd_mp4_create_track(m.mp4, &t, &info));
       }},
      {"capi_null_track_info",
       [] {
         MuxerWithTrack m;
         KD_HANDLE t = nullptr;
         return capi(kd_mp4_create_track(m.mp4, &t, nullptr));
       }},
      {"capi_null_frame",
       [] {
         MuxerWithTrack m;
         return capi(kd_mp4_write_frame(m.mp4, m.track, nullptr));
       }},
      {"capi_frame_without_data",
       [] {
         MuxerWithTrack m;
         std::vector<uint8_t> none;
         auto f = frame(K_MP4_CODEC_ID_H264, none, 0);
         f.data = nullptr;
         return capi(kd_mp4_write_frame(m.mp4, m.track, &f));
       }},
      {"capi_time_stamp_out_of_range",
       [] {
         MuxerWithTrack m;
         auto au = first_access_unit();
         auto f = frame(K_MP4_CODEC_ID_H264, au, UINT64_MAX);
         return capi(kd_mp4_write_frame(m.mp4, m.track, &f));
       }},
      {"capi_garbage_first_frame",
       [] {
         MuxerWithTrack m;
         std::vector<uint8_t> garbage(64, 0x5a);
         auto f = frame(K_MP4_CODEC_ID_H264, garbage, 0);
         return capi(kd_mp4_write_frame(m.mp4, m.track, &f));
       }},
      {"capi_track_after_first_frame",
       [] {
         MuxerWithTrack m;
         auto au = first_access_unit();
         auto f = frame(K_MP4_CODEC_ID_H264, au, 0);
         EXPECT_EQ(kd_mp4_write_frame(m.mp4, m.track, &f), 0) << kd_mp4_error_message();
         auto info = video_track(K_MP4_CODEC_ID_H264);
         KD_HANDLE t = nullptr;
         return capi(kd_mp4_create_track(m.mp4, &t, &info));
       }},
      {"capi_get_frame_on_muxer",
       [] {
         MuxerWithTrack m;
         k_mp4_frame_data_s f{};
         return capi(kd_mp4_get_frame(m.mp4, &f));
       }},
      {"capi_create_track_on_demuxer",
       [] {
         auto cfg = demuxer_config(kDir / "base" / "regular.mp4");
         KD_HANDLE h = nullptr;
         EXPECT_EQ(kd_mp4_create(&h, &cfg), 0) << kd_mp4_error_message();
         auto info = video_track(K_MP4_CODEC_ID_H264);
         KD_HANDLE t = nullptr;
         Outcome o = capi(kd_mp4_create_track(h, &t, &info));
         EXPECT_EQ(kd_mp4_destroy(h), 0);
         return o;
       }},
      {"capi_track_index_out_of_range",
       [] {
         auto cfg = demuxer_config(kDir / "base" / "regular.mp4");
         KD_HANDLE h = nullptr;
         EXPECT_EQ(kd_mp4_create(&h, &cfg), 0) << kd_mp4_error_message();
         k_mp4_track_info_s info{};
         Outcome o = capi(kd_mp4_get_track_by_index(h, 5, &info));
         EXPECT_EQ(kd_mp4_destroy(h), 0);
         return o;
       }},
      {"capi_time_stamp_overflows_timescale",
       [] {
         MuxerWithTrack m;  // its track is 90 kHz; this one counts 2^32 - 1 ticks a second
         auto info = video_track(K_MP4_CODEC_ID_H264);
         info.time_scale = UINT32_MAX;
         KD_HANDLE fast = nullptr;
         EXPECT_EQ(kd_mp4_create_track(m.mp4, &fast, &info), 0) << kd_mp4_error_message();
         auto au = first_access_unit();
         auto f = frame(K_MP4_CODEC_ID_H264, au, uint64_t{1} << 62);
         int rc = kd_mp4_write_frame(m.mp4, fast, &f);
         if (rc != 0) return capi(rc);
         f.time_stamp = 0;
         return capi(kd_mp4_write_frame(m.mp4, fast, &f));
       }},
      {"capi_too_many_tracks",
       [] {
         MuxerWithTrack m;
         KD_HANDLE t = nullptr;
         for (int i = 1; i < 64; ++i) {
           auto info = video_track(K_MP4_CODEC_ID_H264);
           int rc = kd_mp4_create_track(m.mp4, &t, &info);
           if (rc != 0) return capi(rc);
         }
         auto info = video_track(K_MP4_CODEC_ID_H264);
         return capi(kd_mp4_create_track(m.mp4, &t, &info));
       }},
      {"capi_null_file_info",
       [] {
         auto cfg = demuxer_config(kDir / "base" / "regular.mp4");
         KD_HANDLE h = nullptr;
         EXPECT_EQ(kd_mp4_create(&h, &cfg), 0) << kd_mp4_error_message();
         Outcome o = capi(kd_mp4_get_file_info(h, nullptr));
         EXPECT_EQ(kd_mp4_destroy(h), 0);
         return o;
       }},
  };
  return scenarios;
}

/// kd_mp4 demuxer over `path`: create, then every frame until eof or an error.
Outcome capi_demux(const fs::path& path) {
  auto cfg = demuxer_config(path);
  KD_HANDLE h = nullptr;
  int rc = kd_mp4_create(&h, &cfg);
  if (rc != 0) return capi(rc);
  Outcome o;
  for (int i = 0; i < 100000; ++i) {
    k_mp4_frame_data_s f{};
    rc = kd_mp4_get_frame(h, &f);
    if (rc != 0) {
      o = capi(rc);
      break;
    }
    if (f.eof) break;
  }
  EXPECT_EQ(kd_mp4_destroy(h), 0);
  return o;
}

Outcome run(const Case& c) {
  const fs::path path = kDir / c.file;
  if (c.api == "open") return demux(path, false, false, false);
  if (c.api == "open_annexb") return demux(path, true, false, false);
  if (c.api == "next") return demux(path, false, true, false);
  if (c.api == "next_annexb") return demux(path, true, true, false);
  if (c.api == "scan") return demux(path, false, false, true);
  if (c.api == "next_warns") return demux(path, false, true, false, true);
  if (c.api == "scan_warns") return demux(path, false, false, true, true);
  if (c.api == "box") return parse_boxes(path);
  if (c.api == "recover") return recover(path);
  if (c.api == "recover_in_place") return recover_in_place(path);
  if (c.api == "annexb_h264") return annexb(path, codec::VideoCodec::h264, false);
  if (c.api == "annexb_h265") return annexb(path, codec::VideoCodec::h265, false);
  if (c.api == "annexb_h264_bytewise") return annexb(path, codec::VideoCodec::h264, true);
  if (c.api == "avcc") return Outcome::of(codec::parse_avc_config(read_file(path)).status());
  if (c.api == "hvcc") return Outcome::of(codec::parse_hevc_config(read_file(path)).status());
  if (c.api == "capi_demux") return capi_demux(path);
  if (c.api == "capi") {
    auto it = capi_scenarios().find(c.file);
    if (it != capi_scenarios().end()) return it->second();
  }
  ADD_FAILURE() << "unknown api '" << c.api << "' for " << c.file;
  return {};
}

class CorruptInput : public ::testing::TestWithParam<Case> {};

TEST_P(CorruptInput, GivesItsError) {
  const Case& c = GetParam();
  SCOPED_TRACE(c.file + " (" + c.what + ")");
  Outcome got = run(c);
  const std::string got_name = got.code == Errc::ok ? "end" : errc_name(got.code);
  EXPECT_EQ(got_name, c.errc) << "message: " << got.message;
  if (!c.message.empty()) {
    EXPECT_NE(got.message.find(c.message), std::string::npos) << "message: " << got.message;
  }
  if (c.errc != "end") {
    EXPECT_FALSE(got.message.empty()) << "an error without a message";
  }
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.file + "_" + info.param.api;
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Table, CorruptInput, ::testing::ValuesIn(all_cases()), case_name);

TEST(CorruptTable, CoversEveryFileAndEnoughCases) {
  const auto& cases = all_cases();
  EXPECT_GE(cases.size(), 30u);
  std::set<std::string> listed;
  for (const auto& c : cases) {
    listed.insert(c.file);
    const bool needs_file = c.api != "capi" && c.file != "recover_missing_file.mp4";
    if (needs_file) {
      EXPECT_TRUE(fs::exists(kDir / c.file)) << c.file << " is in CASES.md but missing";
    }
    if (c.api == "capi") {
      EXPECT_TRUE(capi_scenarios().count(c.file)) << "no C API scenario " << c.file;
    }
  }
  for (const auto& entry : fs::directory_iterator(kDir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name == "CASES.md") continue;
    EXPECT_TRUE(listed.count(name)) << name << " is in tests/data/corrupt but not in CASES.md";
  }
}

}  // namespace
}  // namespace camrec
