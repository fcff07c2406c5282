// SPDX-License-Identifier: LGPL-2.1-or-later
// `camrec record --fmp4 -o -` and `camrec remux IN - --fmp4`, run as real processes with a
// real pipe: ffmpeg decodes every frame as it reads the pipe, and the stream holds the same
// packets (times, flags, bytes) as the fragmented file the same command writes to a path.
// What standard output cannot take is refused before recording. And the creation time every
// recording carries, as `camrec info` and ffprobe show it.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "testing/probe_util.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;

testing::CommandResult camrec_cli(const std::string& args) { return testing::run_command(std::string(CAMREC_CLI) + " " + args); }

/// Runs `script` with bash (for PIPESTATUS) and returns its result.
testing::CommandResult bash(const std::string& script) { return testing::run_command("bash -c " + shell_quote(script)); }

const std::string kRecord = "record --fast -q --frames 60 --size 160x120 --gop 15 --fmp4 ";

/// Packets as ffprobe lists them (times, duration, key flag, size, MD5 of the bytes).
std::vector<std::string> packet_lines(const std::string& path) {
  std::vector<std::string> out;
  for (const auto& p : testing::ffprobe_packets(path, "v:0", true))
    out.push_back(std::to_string(p.pts.value_or(-1)) + " " + std::to_string(p.dts.value_or(-1)) + " " +
                  std::to_string(p.duration) + " " + (p.key ? "K " : "_ ") + std::to_string(p.size) + " " + p.md5);
  return out;
}

TEST(CliStream, RecordToStandardOutputPipesAFragmentedMp4ThatFfmpegDecodesAsItArrives) {
  testing::TempDir dir;
  // ffmpeg reads the pipe as it is written (no seek is possible on it) and decodes every
  // frame; tee keeps the bytes that went through the pipe.
  const std::string kept = dir.file("stream.mp4");
  auto piped = bash("set -o pipefail; " + std::string(CAMREC_CLI) + " " + kRecord + "-o - | tee " + shell_quote(kept) +
                    " | ffmpeg -nostdin -v error -xerror -f mp4 -i - -f framemd5 " + shell_quote(dir.file("pipe.md5")));
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  std::vector<std::string> piped_md5s;
  {
    auto bytes = testing::read_file(dir.file("pipe.md5"));
    std::string text(bytes.begin(), bytes.end());
    size_t at = 0;
    while (at < text.size()) {
      size_t end = text.find('\n', at);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(at, end - at);
      if (!line.empty() && line[0] != '#') {
        std::string md5 = line.substr(line.rfind(',') + 1);
        md5.erase(0, md5.find_first_not_of(' '));
        piped_md5s.push_back(md5);
      }
      at = end + 1;
    }
  }
  EXPECT_EQ(piped_md5s.size(), 60u);
  // What ffmpeg decoded from the pipe is what the kept stream decodes to as a file.
  std::string err;
  auto kept_md5s = testing::video_frame_md5s(kept, &err);
  ASSERT_EQ(kept_md5s.size(), piped_md5s.size()) << err;
  for (size_t i = 0; i < kept_md5s.size(); ++i)
    EXPECT_EQ(kept_md5s[i], piped_md5s[i]) << "frame " << i;

  // The same command written to a file: the same packets at the same times with the same
  // flags (the test pattern burns the capture time in, so the coded bytes differ).
  const std::string file = dir.file("file.mp4");
  auto to_file = camrec_cli(kRecord + "-o " + shell_quote(file));
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  auto timing = [](const std::string& path) {
    std::vector<std::string> out;
    for (const auto& p : testing::ffprobe_packets(path, "v:0"))
      out.push_back(std::to_string(p.pts.value_or(-1)) + " " + std::to_string(p.dts.value_or(-1)) + " " +
                    std::to_string(p.duration) + (p.key ? " K" : " _"));
    return out;
  };
  auto file_timing = timing(file);
  ASSERT_EQ(file_timing.size(), 60u);
  EXPECT_EQ(timing(kept), file_timing);

  // The stream is the file without what needs going back: no reserve, no moof typed free.
  std::vector<std::string> types;
  for (const auto& b : testing::top_level_boxes(kept)) types.push_back(b.type);
  ASSERT_GE(types.size(), 4u);
  EXPECT_EQ(types[0], "ftyp");
  EXPECT_EQ(types[1], "moov");
  EXPECT_EQ(types.size() % 2, 0u) << "whole fragments only, no mfra";
  for (size_t i = 2; i < types.size(); ++i) EXPECT_EQ(types[i], i % 2 == 0 ? "moof" : "mdat") << i;
  // Nothing but the MP4 on standard output: the progress and summary go to stderr.
  auto summary = bash(std::string(CAMREC_CLI) + " record --fast --frames 10 --size 160x120 --fmp4 -o - 2>&1 >/dev/null");
  EXPECT_EQ(summary.exit_code, 0) << summary.out;
  EXPECT_NE(summary.out.find("wrote standard output"), std::string::npos) << summary.out;
}

TEST(CliStream, RemuxToStandardOutputGivesTheSamePacketsAsRemuxToAFile) {
  testing::TempDir dir;
  const std::string input = dir.file("in.mp4");
  ASSERT_EQ(camrec_cli("record --fast -q --frames 45 --size 160x120 --gop 15 -o " + shell_quote(input)).exit_code, 0);
  const std::string file = dir.file("file.mp4");
  auto to_file = camrec_cli("remux -q --fmp4 " + shell_quote(input) + " " + shell_quote(file));
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  const std::string kept = dir.file("stream.mp4");
  auto streamed = bash("set -o pipefail; " + std::string(CAMREC_CLI) + " remux -q --fmp4 " + shell_quote(input) +
                       " - | cat > " + shell_quote(kept));
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  auto file_packets = packet_lines(file);
  ASSERT_EQ(file_packets.size(), 45u);
  EXPECT_EQ(packet_lines(kept), file_packets);
  // Without --fmp4: refused before anything is read or written.
  auto regular = bash(std::string(CAMREC_CLI) + " remux " + shell_quote(input) + " - | cat > " + shell_quote(dir.file("r")) +
                      "; exit ${PIPESTATUS[0]}");
  EXPECT_EQ(regular.exit_code, 73) << regular.err;
  EXPECT_NE(regular.err.find("--fmp4 -o -"), std::string::npos) << regular.err;
  EXPECT_TRUE(testing::read_file(dir.file("r")).empty());
}

TEST(CliStream, WhatStandardOutputCannotTakeIsRefusedBeforeRecording) {
  struct Case {
    std::string args;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"-o -", "--fmp4 -o -"},                                           // the regular layout
           {"--faststart -o -", "--fmp4 -o -"},
           {"--fmp4 --segment-duration 2 -o -", "segments are files named by a pattern"},
       }) {
    auto r = bash(std::string(CAMREC_CLI) + " record --fast --frames 10 --size 160x120 " + c.args +
                  " | wc -c; exit ${PIPESTATUS[0]}");
    EXPECT_EQ(r.exit_code, 73) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "0\n") << c.args << ": nothing written";
    EXPECT_EQ(r.err.find("frames 10"), std::string::npos) << "refused before recording: " << r.err;
  }
  // A terminal on standard output would get binary noise.
  if (testing::have_tool("script")) {
    auto r = testing::run_command("script -qec " +
                                  shell_quote(std::string(CAMREC_CLI) + " record --fast --frames 10 --size 160x120 --fmp4 -o -") +
                                  " /dev/null");
    EXPECT_NE(r.out.find("standard output is a terminal"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.exit_code, 0);
  }
}

TEST(CliTimes, InfoAndFfprobeShowTheRecordingsCreationTime) {
  testing::TempDir dir;
  const std::string out = dir.file("t.mp4");
  const auto before = std::chrono::system_clock::now();
  ASSERT_EQ(camrec_cli("record --fast -q --frames 10 --size 160x120 -o " + shell_quote(out)).exit_code, 0);
  const auto after = std::chrono::system_clock::now();
  auto tag = testing::run_command("ffprobe -v error -show_entries format_tags=creation_time -of default=nw=1:nk=1 " +
                                  shell_quote(out));
  ASSERT_EQ(tag.exit_code, 0) << tag.err;
  // 2026-12-06T16:39:09.000000Z
  auto to_text = [](std::chrono::system_clock::time_point t) {
    time_t s = std::chrono::system_clock::to_time_t(t);
    struct tm tm = {};
    gmtime_r(&s, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return std::string(buf);
  };
  const std::string first = to_text(before), last = to_text(after);
  const std::string written = tag.out.substr(0, 19);
  EXPECT_GE(written, first) << tag.out;
  EXPECT_LE(written, last) << tag.out;
  auto info = camrec_cli("info " + shell_quote(out));
  EXPECT_NE(info.out.find("created: " + written + "Z, modified: " + written + "Z"), std::string::npos) << info.out;
  auto json = camrec_cli("info --json " + shell_quote(out));
  EXPECT_NE(json.out.find("\"creation_time\":\"" + written + "Z\""), std::string::npos) << json.out;

}

TEST(CliTimes, RemuxKeepsTheInputsTimesAndInventsNoneForARawStream) {
  testing::TempDir dir;
  const std::string input = dir.file("dated.mp4");
  auto made = testing::run_command("ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=160x120:rate=30 -frames:v 10 "
                                   "-c:v libx264 -metadata creation_time=2001-02-03T04:05:06Z " + shell_quote(input));
  ASSERT_EQ(made.exit_code, 0) << made.err;
  for (const char* layout : {"", "--fmp4 "}) {
    const std::string copy = dir.file("copy.mp4");
    auto r = camrec_cli(std::string("remux -q -y ") + layout + shell_quote(input) + " " + shell_quote(copy));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto info = camrec_cli("info " + shell_quote(copy));
    EXPECT_NE(info.out.find("created: 2001-02-03T04:05:06Z, modified: 2001-02-03T04:05:06Z"), std::string::npos)
        << layout << info.out;
    auto tag = testing::run_command("ffprobe -v error -show_entries format_tags=creation_time -of default=nw=1:nk=1 " +
                                    shell_quote(copy));
    EXPECT_EQ(tag.out, "2001-02-03T04:05:06.000000Z\n") << layout;
  }
  const std::string raw = dir.file("raw.h264");
  ASSERT_EQ(testing::run_command("ffmpeg -nostdin -v error -i " + shell_quote(input) + " -c copy -bsf:v h264_mp4toannexb " +
                                 shell_quote(raw)).exit_code, 0);
  const std::string from_raw = dir.file("raw.mp4");
  ASSERT_EQ(camrec_cli("remux -q " + shell_quote(raw) + " " + shell_quote(from_raw)).exit_code, 0);
  auto info = camrec_cli("info " + shell_quote(from_raw));
  EXPECT_EQ(info.out.find("created:"), std::string::npos) << info.out;
  auto tag = testing::run_command("ffprobe -v error -show_entries format_tags=creation_time -of default=nw=1:nk=1 " +
                                  shell_quote(from_raw));
  EXPECT_EQ(tag.out, "");
}

}  // namespace
}  // namespace camrec
