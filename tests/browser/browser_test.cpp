// SPDX-License-Identifier: LGPL-2.1-or-later
// Playback in a real browser: headless Chromium plays camrec's files the way a web page or a
// camera dashboard does, from a Blob URL (every layout) and through Media Source Extensions
// (fragmented files with CMAF brands). Each file is played to its end; the page reports what
// the browser decoded, and the test checks it against what was written.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::run_command;
using testing::shell_quote;

constexpr int kFrames = 90;  // 3 s at 30 fps

std::string base64(const std::vector<uint8_t>& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = uint32_t{bytes[i]} << 16;
    if (i + 1 < bytes.size()) v |= uint32_t{bytes[i + 1]} << 8;
    if (i + 2 < bytes.size()) v |= bytes[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

/// One file for the browser: played from a Blob URL, or appended whole to a SourceBuffer
/// of `mse_type` and played from the MediaSource.
struct Case {
  std::string name;
  std::string path;
  std::string mse_type;  // empty: Blob URL playback
  bool audio = false;
};

// The page plays the cases one after the other and prints one line per case to the console
// ("CAMREC name key=value ..."), then "CAMREC done at=MS" and closes itself.
constexpr const char* kPageScript = R"JS(
function bytes(b64) {
  const s = atob(b64);
  const a = new Uint8Array(s.length);
  for (let i = 0; i < s.length; ++i) a[i] = s.charCodeAt(i);
  return a;
}
function report(name, fields) {
  console.log('CAMREC ' + name + ' ' + Object.entries(fields).map(([k, v]) => k + '=' + v).join(' '));
}
function playToEnd(video, name, extra) {
  return new Promise(resolve => {
    const timer = setTimeout(() => { report(name, {error: 'timeout', currentTime: video.currentTime}); resolve(); }, 30000);
    video.onerror = () => {
      clearTimeout(timer);
      report(name, {error: 'media_error_' + (video.error ? video.error.code : 0)});
      resolve();
    };
    video.onended = () => {
      clearTimeout(timer);
      const q = video.getVideoPlaybackQuality();
      report(name, Object.assign({error: 'none', duration: video.duration, width: video.videoWidth,
                                  height: video.videoHeight, decoded: q.totalVideoFrames,
                                  currentTime: video.currentTime,
                                  audioBytes: video.webkitAudioDecodedByteCount || 0}, extra));
      resolve();
    };
    video.muted = true;
    video.play().catch(e => { clearTimeout(timer); report(name, {error: 'play_' + e.name}); resolve(); });
  });
}
async function playBlob(c) {
  const video = document.createElement('video');
  video.src = URL.createObjectURL(new Blob([bytes(c.data)], {type: 'video/mp4'}));
  await playToEnd(video, c.name, {});
}
async function playMse(c) {
  if (!MediaSource.isTypeSupported(c.type)) { report(c.name, {error: 'type_not_supported'}); return; }
  const ms = new MediaSource();
  const video = document.createElement('video');
  video.src = URL.createObjectURL(ms);
  await new Promise(r => ms.addEventListener('sourceopen', r, {once: true}));
  const sb = ms.addSourceBuffer(c.type);
  const appended = new Promise(r => { sb.onupdateend = () => r('ok'); sb.onerror = () => r('append_error'); });
  sb.appendBuffer(bytes(c.data));
  if (await appended !== 'ok') { report(c.name, {error: 'append_error'}); return; }
  const b = sb.buffered;
  const extra = {ranges: b.length, bufferedStart: b.length ? b.start(0) : -1, bufferedEnd: b.length ? b.end(b.length - 1) : -1};
  ms.endOfStream();
  await playToEnd(video, c.name, extra);
}
(async () => {
  for (const c of CASES) {
    try { await (c.type ? playMse(c) : playBlob(c)); } catch (e) { report(c.name, {error: 'exception_' + e.name}); }
  }
  console.log('CAMREC done at=' + performance.now());
  window.close();
})();
)JS";

/// What the page said about each case: key -> value.
using Results = std::map<std::string, std::map<std::string, std::string>>;

Results play_in_chromium(const std::vector<Case>& cases, const testing::TempDir& dir, std::string& log) {
  std::ostringstream page;
  page << "<!doctype html><html><body><script>\nconst CASES = [\n";
  for (const auto& c : cases)
    page << "{name: '" << c.name << "', type: '" << c.mse_type << "', data: '" << base64(testing::read_file(c.path))
         << "'},\n";
  page << "];\n" << kPageScript << "</script></body></html>\n";
  std::string html = dir.file("page.html");
  std::vector<uint8_t> bytes;
  const std::string text = page.str();
  bytes.assign(text.begin(), text.end());
  EXPECT_TRUE(testing::write_file(html, bytes));

  // Root needs --no-sandbox; a profile of its own lets ctest run this beside other tests.
  auto r = run_command("timeout 180 chromium --headless --no-sandbox --disable-gpu --mute-audio"
                       " --autoplay-policy=no-user-gesture-required --enable-logging=stderr --v=0"
                       " --user-data-dir=" + shell_quote(dir.file("profile")) + " file://" + html + " 2>&1");
  log = r.out;
  Results results;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto at = line.find("CAMREC ");
    if (at == std::string::npos) continue;
    std::istringstream fields(line.substr(at + 7));
    std::string name, field;
    fields >> name;
    results[name]["line"] = line.substr(at);
    while (fields >> field) {
      auto eq = field.find('=');
      if (eq == std::string::npos) continue;
      std::string value = field.substr(eq + 1);
      if (!value.empty() && value.back() == '"') value.pop_back();  // the console line's quoting
      if (!value.empty() && value.back() == ',') value.pop_back();
      results[name][field.substr(0, eq)] = value;
    }
  }
  return results;
}

/// The codec string camrec writes for each track, joined for an MSE type.
std::string mse_type(const std::string& path) {
  auto r = run_command(std::string(CAMREC_CLI) + " info --json " + shell_quote(path));
  std::vector<std::string> codecs;
  for (size_t at = r.out.find("\"codec\":\""); at != std::string::npos; at = r.out.find("\"codec\":\"", at + 1)) {
    size_t begin = at + 9;
    codecs.push_back(r.out.substr(begin, r.out.find('"', begin) - begin));
  }
  std::string joined;
  for (const auto& c : codecs) joined += (joined.empty() ? "" : ",") + c;
  return "video/mp4; codecs=\"" + joined + "\"";
}

double number(const std::map<std::string, std::string>& fields, const std::string& key) {
  auto it = fields.find(key);
  return it == fields.end() ? -1 : std::atof(it->second.c_str());
}

TEST(Browser, ChromiumPlaysEveryLayoutToTheEnd) {
  ASSERT_TRUE(testing::have_tool("chromium")) << "scripts/install-deps.sh installs chromium";
  testing::TempDir dir;
  const std::string input = dir.file("in.h264");
  // Main profile with B-frames: the edit list and composition offsets are exercised.
  ASSERT_TRUE(testing::make_stream(input, "320x240", kFrames, 30, "-c:v libx264 -preset ultrafast -g 30 -bf 2"));
  std::vector<Case> cases;
  auto remux = [&](const std::string& name, const std::string& flags) {
    std::string out = dir.file(name + ".mp4");
    auto r = run_command(std::string(CAMREC_CLI) + " remux -q --fps 30 " + flags + " " + shell_quote(input) + " " +
                         shell_quote(out));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  };
  auto record = [&](const std::string& name, const std::string& flags, const std::string& audio = "opus") {
    std::string out = dir.file(name + ".mp4");
    auto r = run_command(std::string(CAMREC_CLI) + " record --fast -q --frames 90 --size 320x240 --audio " + audio +
                         " " + flags + " -o " + shell_quote(out));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  };
  cases.push_back({"regular", remux("regular", ""), "", false});
  cases.push_back({"faststart", remux("faststart", "--faststart"), "", false});
  cases.push_back({"fragmented", remux("fragmented", "--fmp4"), "", false});
  std::string cmaf = remux("cmaf", "--fmp4 --cmaf");
  cases.push_back({"cmaf_mse", cmaf, mse_type(cmaf), false});
  cases.push_back({"opus_regular", record("opus_regular", ""), "", true});
  std::string opus_cmaf = record("opus_cmaf", "--fmp4 --cmaf");
  cases.push_back({"opus_cmaf_mse", opus_cmaf, mse_type(opus_cmaf), true});
  ASSERT_EQ(cases.back().mse_type, "video/mp4; codecs=\"avc1.4d4015,opus\"");
  // AAC-LC: its encoder delay is hidden by the edit list, in both layouts.
  cases.push_back({"aac_regular", record("aac_regular", "", "aac"), "", true});
  std::string aac_cmaf = record("aac_cmaf", "--fmp4 --cmaf", "aac");
  cases.push_back({"aac_cmaf_mse", aac_cmaf, mse_type(aac_cmaf), true});
  ASSERT_EQ(cases.back().mse_type, "video/mp4; codecs=\"avc1.4d4015,mp4a.40.2\"");

  std::string log;
  Results results = play_in_chromium(cases, dir, log);
  ASSERT_TRUE(results.count("done")) << "the page did not finish:\n" << log;
  results.erase("done");
  ASSERT_EQ(results.size(), cases.size()) << "the page did not report every case:\n" << log;
  for (const auto& c : cases) {
    auto& got = results[c.name];
    SCOPED_TRACE(got["line"]);
    ASSERT_EQ(got.count("error") ? got.at("error") : "missing", "none");
    EXPECT_EQ(number(got, "width"), 320);
    EXPECT_EQ(number(got, "height"), 240);
    EXPECT_EQ(number(got, "decoded"), kFrames) << "every frame decoded";
    // The browser's duration and end of playback: 3 s, to a microsecond of rounding (the
    // audio track starts up to one packet late and ends with the video).
    EXPECT_NEAR(number(got, "duration"), 3.0, c.audio ? 0.03 : 0.001);
    EXPECT_NEAR(number(got, "currentTime"), number(got, "duration"), 0.001) << "played to its end";
    if (c.audio) {
      EXPECT_GT(number(got, "audioBytes"), 0) << "the audio track was decoded";
    }
    if (!c.mse_type.empty()) {
      // One buffered range: audio and video meet with no gap the browser would stall on.
      EXPECT_EQ(number(got, "ranges"), 1);
      EXPECT_NEAR(number(got, "bufferedStart"), 0.0, c.audio ? 0.03 : 0.001);
      EXPECT_NEAR(number(got, "bufferedEnd"), 3.0, 0.001);
    }
  }
}

}  // namespace
}  // namespace camrec
