// SPDX-License-Identifier: LGPL-2.1-or-later
#include "testing/probe_util.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "testing/conformance.h"
#include "testing/test_util.h"

namespace camrec::testing {

namespace {

/// Splits ffprobe's `-of compact=p=0` line "k=v|k=v" into pairs.
std::vector<std::pair<std::string, std::string>> compact_fields(const std::string& line) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(line);
  std::string field;
  while (std::getline(in, field, '|')) {
    auto eq = field.find('=');
    if (eq == std::string::npos) continue;
    out.emplace_back(field.substr(0, eq), field.substr(eq + 1));
  }
  return out;
}

std::optional<int64_t> number(const std::string& v) {
  if (v.empty() || v == "N/A") return std::nullopt;
  try {
    size_t used = 0;
    long long n = std::stoll(v, &used);
    if (used != v.size()) return std::nullopt;
    return n;
  } catch (...) {
    return std::nullopt;
  }
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

}  // namespace

std::vector<ProbeStream> ffprobe_streams(const std::string& path, const std::string& input_args) {
  expect_conformant(path);
  auto r = run_command("ffprobe -v error " + input_args +
                       " -show_entries stream=index,codec_type,codec_name,time_base,width,height,sample_rate,"
                       "channels,duration_ts -of compact=p=0 " + shell_quote(path));
  std::vector<ProbeStream> out;
  if (r.exit_code != 0) return out;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    ProbeStream s;
    bool any = false;
    for (auto& [k, v] : compact_fields(line)) {
      any = true;
      if (k == "index") s.index = static_cast<int>(number(v).value_or(-1));
      else if (k == "codec_type") s.codec_type = v;
      else if (k == "codec_name") s.codec_name = v;
      else if (k == "width") s.width = static_cast<int>(number(v).value_or(0));
      else if (k == "height") s.height = static_cast<int>(number(v).value_or(0));
      else if (k == "sample_rate") s.sample_rate = static_cast<int>(number(v).value_or(0));
      else if (k == "channels") s.channels = static_cast<int>(number(v).value_or(0));
      else if (k == "duration_ts") s.duration_ts = number(v);
      else if (k == "time_base") {
        auto slash = v.find('/');
        if (slash != std::string::npos) {
          s.tb_num = number(v.substr(0, slash)).value_or(0);
          s.tb_den = number(v.substr(slash + 1)).value_or(0);
        }
      }
    }
    if (any) out.push_back(s);
  }
  return out;
}

std::vector<ProbePacket> ffprobe_packets(const std::string& path, const std::string& select, bool hash,
                                         const std::string& input_args) {
  expect_conformant(path);
  std::string cmd = "ffprobe -v error " + input_args + (select.empty() ? "" : " -select_streams " + select) +
                    " -show_entries packet=stream_index,pts,dts,duration,size,pos,flags" +
                    (hash ? ",data_hash -show_data_hash MD5" : "") + " -of compact=p=0 " + shell_quote(path);
  auto r = run_command(cmd);
  std::vector<ProbePacket> out;
  if (r.exit_code != 0) return out;
  // A packet is one line, except that ffprobe 5 ends the flags of a discarded packet
  // ("KD") with a line break: a line starting with '|' continues the one before.
  std::vector<std::string> records;
  {
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
      if (!line.empty() && line[0] == '|' && !records.empty()) records.back() += line;
      else if (!line.empty()) records.push_back(line);
    }
  }
  for (const auto& line : records) {
    auto fields = compact_fields(line);
    if (fields.empty()) continue;
    ProbePacket p;
    for (auto& [k, v] : fields) {
      if (k == "stream_index") p.stream_index = static_cast<int>(number(v).value_or(-1));
      else if (k == "pts") p.pts = number(v);
      else if (k == "dts") p.dts = number(v);
      else if (k == "duration") p.duration = number(v).value_or(0);
      else if (k == "size") p.size = number(v).value_or(0);
      else if (k == "pos") p.pos = number(v).value_or(-1);
      else if (k == "flags") {
        p.key = v.find('K') != std::string::npos;
        p.discard = v.find('D') != std::string::npos;
      } else if (k == "data_hash") {
        p.md5 = v.rfind("MD5:", 0) == 0 ? v.substr(4) : v;
      }
    }
    out.push_back(p);
  }
  return out;
}

std::vector<std::string> md5_hex(const std::vector<std::vector<uint8_t>>& buffers) {
  TempDir dir;
  std::vector<uint8_t> all;
  std::string sizes;
  for (const auto& b : buffers) {
    all.insert(all.end(), b.begin(), b.end());
    sizes += std::to_string(b.size()) + "\n";
  }
  std::vector<std::string> out;
  if (!write_file(dir.file("data"), all) || !write_file(dir.file("sizes"), std::vector<uint8_t>(sizes.begin(), sizes.end())))
    return out;
  auto r = run_command("python3 -c " +
                       shell_quote("import hashlib,sys\n"
                                   "d=open(sys.argv[1],'rb').read()\n"
                                   "p=0\n"
                                   "for n in open(sys.argv[2]).read().split():\n"
                                   "  n=int(n); print(hashlib.md5(d[p:p+n]).hexdigest()); p+=n\n") +
                       " " + shell_quote(dir.file("data")) + " " + shell_quote(dir.file("sizes")));
  if (r.exit_code != 0) return out;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

std::string md5_hex(const std::vector<uint8_t>& buffer) {
  TempDir dir;
  if (!write_file(dir.file("data"), buffer)) return "";
  auto r = run_command("md5sum " + shell_quote(dir.file("data")));
  return r.exit_code == 0 && r.out.size() >= 32 ? r.out.substr(0, 32) : "";
}

std::string decoded_audio_md5(const std::string& path, const std::string& input_args, std::string* err) {
  expect_conformant(path);
  // ffmpeg's md5 muxer hashes the PCM it would write.
  auto r = run_command("ffmpeg -nostdin -v error " + input_args + " -i " + shell_quote(path) +
                       " -map 0:a:0 -c:a pcm_s16le -f md5 -");
  if (err) *err = r.err;
  if (r.exit_code != 0 || r.out.rfind("MD5=", 0) != 0) return "";
  return trim(r.out.substr(4));
}

GstDiscovery gst_discover(const std::string& path) {
  expect_conformant(path);
  GstDiscovery d;
  auto r = run_command("gst-discoverer-1.0 " + shell_quote(path));
  d.output = r.out + r.err;
  if (r.exit_code != 0) return d;
  std::istringstream lines(r.out);
  std::string line;
  bool in_video = false;
  while (std::getline(lines, line)) {
    std::string t = trim(line);
    if (t.rfind("container", 0) == 0) d.ok = true;
    if (t.rfind("video #", 0) == 0) {
      in_video = d.video_codec.empty();
      if (in_video) d.video_codec = trim(t.substr(t.find(':') + 1));
      continue;
    }
    if (t.rfind("audio #", 0) == 0) {
      in_video = false;
      if (d.audio_codec.empty()) d.audio_codec = trim(t.substr(t.find(':') + 1));
      continue;
    }
    if (t.rfind("Duration: ", 0) == 0 && d.duration_ns < 0) {
      // h:mm:ss.nnnnnnnnn
      unsigned h = 0, m = 0, s = 0;
      unsigned long long ns = 0;
      if (std::sscanf(t.c_str() + 10, "%u:%u:%u.%llu", &h, &m, &s, &ns) == 4)
        d.duration_ns = ((int64_t{h} * 60 + m) * 60 + s) * 1'000'000'000LL + static_cast<int64_t>(ns);
    }
    if (in_video && t.rfind("Width: ", 0) == 0) d.width = std::atoi(t.c_str() + 7);
    if (in_video && t.rfind("Height: ", 0) == 0) d.height = std::atoi(t.c_str() + 8);
  }
  if (r.out.find("error was encountered") != std::string::npos) d.ok = false;
  return d;
}

int gst_decoded_video_frames(const std::string& path, int* exit_code) {
  expect_conformant(path);
  // fakesink with silent=false and -v prints one "chain" line per buffer it receives; the
  // caps filter keeps only raw video, so audio buffers are not counted.
  auto r = run_command("gst-launch-1.0 -v filesrc location=" + shell_quote(path) +
                       " ! qtdemux name=d d.video_0 ! queue ! decodebin ! video/x-raw ! fakesink silent=false");
  if (exit_code) *exit_code = r.exit_code;
  int frames = 0;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line))
    if (line.find("last-message = chain") != std::string::npos) ++frames;
  return frames;
}

std::vector<std::string> gst_video_frame_md5s(const std::string& path, GstRead read) {
  const bool mp4 = path.size() > 4 && path.substr(path.size() - 4) == ".mp4";
  if (mp4) expect_conformant(path);
  TempDir frames;
  const std::string source = read == GstRead::pull ? "filesrc location=" + shell_quote(path) : "fdsrc fd=3";
  auto r = run_command("gst-launch-1.0 -q " + source + (mp4 ? " ! qtdemux" : "") +
                       " ! decodebin ! videoconvert ! video/x-raw,format=I420 ! multifilesink location=" +
                       shell_quote(frames.file("%05d.raw")) + (read == GstRead::push ? " 3<" + shell_quote(path) : ""));
  std::vector<std::string> md5s;
  if (r.exit_code != 0) return md5s;
  auto name = [&](int i) {
    char n[16];
    std::snprintf(n, sizeof n, "%05d.raw", i);
    return frames.file(n);
  };
  for (int i = 0; std::filesystem::exists(name(i)); ++i) md5s.push_back(md5_hex(read_file(name(i))));
  return md5s;
}

std::string mediainfo(const std::string& path, const std::string& inform) {
  expect_conformant(path);
  auto r = run_command("mediainfo " + shell_quote("--Inform=" + inform) + " " + shell_quote(path));
  return trim(r.out);
}

Mp4BoxReading mp4box_read(const std::string& path) {
  expect_conformant(path);
  Mp4BoxReading m;
  const std::string script = std::string(CAMREC_SOURCE_DIR) + "/tests/node/mp4box_info.js";
  const std::string package = std::string(CAMREC_SOURCE_DIR) + "/tests/node/node_modules/mp4box";
  if (!have_tool("node") || !std::filesystem::exists(package)) return m;
  m.available = true;
  auto r = run_command("node " + shell_quote(script) + " " + shell_quote(path));
  m.json = trim(r.out);
  m.ready = r.exit_code == 0 && m.json.find("\"ready\":true") != std::string::npos;
  // The report is one JSON line of a fixed shape: pick the per-track fields in order.
  auto all_values = [&](const std::string& key) {
    std::vector<std::string> out;
    const std::string needle = "\"" + key + "\":";
    for (size_t pos = m.json.find(needle); pos != std::string::npos; pos = m.json.find(needle, pos + 1)) {
      size_t begin = pos + needle.size();
      size_t end = begin;
      if (begin < m.json.size() && m.json[begin] == '"') end = m.json.find('"', ++begin);
      else end = m.json.find_first_of(",}", begin);
      if (end == std::string::npos) break;
      out.push_back(m.json.substr(begin, end - begin));
    }
    return out;
  };
  m.codecs = all_values("codec");
  for (const auto& v : all_values("nb_samples")) m.sample_counts.push_back(number(v).value_or(-1));
  for (const auto& v : all_values("sample_descriptions")) m.descriptions.push_back(number(v).value_or(-1));
  for (size_t pos = m.json.find("\"error: "); pos != std::string::npos; pos = m.json.find("\"error: ", pos + 1))
    m.errors.push_back(m.json.substr(pos + 1, m.json.find('"', pos + 1) - pos - 1));
  return m;
}

}  // namespace camrec::testing
