// SPDX-License-Identifier: LGPL-2.1-or-later
// The camrec command line run as a process: exit codes (0 success, 64 bad options, 65 a
// malformed input, 66 a missing input), messages that name the command, the file and the
// cause, `info --json` as valid JSON with the right track facts, `info --boxes`, `extract`.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "testing/probe_util.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::CommandResult;
using testing::shell_quote;

CommandResult camrec_cli(const std::string& args) { return testing::run_command(std::string(CAMREC_CLI) + " " + args); }

/// Test inputs made once: an H.264 stream, its MP4s, an MP4 with AAC beside it, garbage.
struct Inputs {
  testing::TempDir dir;
  std::string h264, mp4, fmp4, av, garbage_mp4, garbage_h264;
  std::string sps_codec;  // "avc1.PPCCLL" from the stream's SPS
};

const Inputs& inputs() {
  // A static object, so that its directory is removed at exit.
  static Inputs inputs_once;
  static const Inputs* in = [] {
    Inputs* i = &inputs_once;
    i->h264 = i->dir.file("clip.h264");
    EXPECT_TRUE(testing::make_stream(i->h264, "320x240", 60, 30, "-c:v libx264 -profile:v high -bf 2 -g 30"));
    i->mp4 = i->dir.file("clip.mp4");
    i->fmp4 = i->dir.file("clip_f.mp4");
    EXPECT_EQ(camrec_cli("remux -q " + shell_quote(i->h264) + " " + shell_quote(i->mp4)).exit_code, 0);
    EXPECT_EQ(camrec_cli("remux -q --fmp4 " + shell_quote(i->h264) + " " + shell_quote(i->fmp4)).exit_code, 0);
    i->av = i->dir.file("av.mp4");
    auto r = testing::run_command("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi "
                                  "-i sine=f=440:r=48000 -t 2 -pix_fmt yuv420p -c:v libx264 -g 25 -c:a aac -ac 1 " +
                                  shell_quote(i->av));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<uint8_t> garbage(4096);
    for (size_t k = 0; k < garbage.size(); ++k) garbage[k] = static_cast<uint8_t>(0xA7 * k + (k >> 3));
    i->garbage_mp4 = i->dir.file("garbage.mp4");
    i->garbage_h264 = i->dir.file("garbage.h264");
    EXPECT_TRUE(testing::write_file(i->garbage_mp4, garbage));
    EXPECT_TRUE(testing::write_file(i->garbage_h264, garbage));
    // RFC 6381: profile_idc, constraint flags, level_idc of the first SPS.
    auto bytes = testing::read_file(i->h264);
    for (size_t k = 0; k + 7 < bytes.size(); ++k) {
      if (bytes[k] == 0 && bytes[k + 1] == 0 && bytes[k + 2] == 1 && (bytes[k + 3] & 0x1f) == 7) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "avc1.%02x%02x%02x", bytes[k + 4], bytes[k + 5], bytes[k + 6]);
        i->sps_codec = buf;
        break;
      }
    }
    return i;
  }();
  return *in;
}

/// Validates `json` with python3 -m json.tool and flattens it to "a.b.0.c" -> value text.
std::map<std::string, std::string> parse_json(const std::string& json, std::string* error) {
  testing::TempDir dir;
  const std::string path = dir.file("in.json");
  testing::write_file(path, std::vector<uint8_t>(json.begin(), json.end()));
  std::map<std::string, std::string> out;
  auto check = testing::run_command("python3 -m json.tool " + shell_quote(path));
  if (check.exit_code != 0) {
    *error = check.err;
    return out;
  }
  auto r = testing::run_command("python3 -c " +
                                shell_quote("import json,sys\n"
                                            "def walk(p,v):\n"
                                            "  if isinstance(v,dict):\n"
                                            "    for k,x in v.items(): walk(p+[k],x)\n"
                                            "  elif isinstance(v,list):\n"
                                            "    for k,x in enumerate(v): walk(p+[str(k)],x)\n"
                                            "  else: print('.'.join(p)+'='+json.dumps(v))\n"
                                            "walk([],json.load(open(sys.argv[1])))\n") +
                                " " + shell_quote(path));
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

// --- Usage errors: 64 ----------------------------------------------------------------

TEST(CliUsage, NoCommandOrUnknownCommand) {
  auto r = camrec_cli("");
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("subcommand"), std::string::npos) << r.err;
  r = camrec_cli("frobnicate");
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos) << r.err;
}

TEST(CliUsage, HelpListsTheCommands) {
  auto r = camrec_cli("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"remux", "info", "extract"}) EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  r = camrec_cli("remux --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--fragment-duration"), std::string::npos);
  EXPECT_NE(r.out.find("--faststart"), std::string::npos);
}

TEST(CliUsage, MissingArgumentsAndUnknownOptions) {
  const auto& in = inputs();
  struct Case {
    std::string args;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"remux", "input is required"},
           {"remux " + shell_quote(in.h264), "output is required"},
           {"info", "file is required"},
           {"extract", "file is required"},
           {"info " + shell_quote(in.mp4) + " --bogus", "--bogus"},
           {"remux " + shell_quote(in.h264) + " x.mp4 --fast", "--fast"},
       }) {
    auto r = camrec_cli(c.args);
    EXPECT_EQ(r.exit_code, 64) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << "\n" << r.err;
  }
}

TEST(CliUsage, BadOptionValuesNameTheOption) {
  const auto& in = inputs();
  testing::TempDir dir;
  const std::string out = shell_quote(dir.file("out.mp4"));
  const std::string h264 = shell_quote(in.h264);
  struct Case {
    std::string args;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"--fragment-duration -1", "--fragment-duration"},
           {"--fragment-duration abc", "--fragment-duration"},
           {"--max-fragment-duration -2", "--max-fragment-duration"},
           {"--fps abc", "--fps 'abc'"},
           {"--fps 0", "--fps '0'"},
           {"--fmp4 --faststart", "excludes"},
           {"--codec vp9", "--codec"},
           {"--fsync sometimes", "--fsync"},
       }) {
    auto r = camrec_cli("remux " + h264 + " " + out + " " + c.args);
    EXPECT_EQ(r.exit_code, 64) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << "\n" << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.mp4"))) << "a refused command created its output";
}

// --- Missing input: 66 -----------------------------------------------------------------

TEST(CliErrors, MissingInput) {
  testing::TempDir dir;
  const std::string missing = dir.file("nothere.mp4");
  const std::string missing_es = dir.file("nothere.h264");
  const std::string out = dir.file("out.mp4");
  for (const std::string& args :
       {"info " + shell_quote(missing), "info --json " + shell_quote(missing), "info --boxes " + shell_quote(missing),
        "extract " + shell_quote(missing), "remux " + shell_quote(missing) + " " + shell_quote(out),
        "remux " + shell_quote(missing_es) + " " + shell_quote(out)}) {
    auto r = camrec_cli(args);
    EXPECT_EQ(r.exit_code, 66) << args << "\n" << r.err;
    const std::string command = args.substr(0, args.find(' '));
    EXPECT_EQ(r.err.rfind("camrec " + command + ": ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("nothere."), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  EXPECT_FALSE(std::filesystem::exists(out)) << "remux of a missing input left an output file";
}

// --- Output that cannot be created: 73 -------------------------------------------------

TEST(CliErrors, OutputCannotBeCreated) {
  const auto& in = inputs();
  testing::TempDir dir;
  const std::string nowhere = dir.file("no-such-dir");
  // recover writes only when there is something to repair: a file cut before its moov.
  auto bytes = testing::read_file(in.mp4);
  bytes.resize(200);
  const std::string cut = dir.file("cut.mp4");
  ASSERT_TRUE(testing::write_file(cut, bytes));
  struct Case {
    std::string args;
    std::string names;
  };
  for (const Case& c : std::vector<Case>{
           {"remux " + shell_quote(in.mp4) + " " + shell_quote(nowhere + "/a.mp4"), "no-such-dir/a.mp4"},
           {"remux --segment-duration 1 " + shell_quote(in.mp4) + " " + shell_quote(nowhere + "/s{index}.mp4"), "no-such-dir/s{index}.mp4"},
           {"extract -o " + shell_quote(nowhere + "/x") + " " + shell_quote(in.mp4), "no-such-dir/x"},
           {"recover " + shell_quote(cut) + " -o " + shell_quote(nowhere + "/r.mp4"), "no-such-dir/r.mp4"},
       }) {
    auto r = camrec_cli(c.args);
    EXPECT_EQ(r.exit_code, 73) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.names), std::string::npos) << "the message should name the output: " << r.err;
    EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(nowhere));
}

// --- Malformed input: 65 ---------------------------------------------------------------

TEST(CliErrors, GarbageInput) {
  const auto& in = inputs();
  testing::TempDir dir;
  struct Case {
    std::string args;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"info " + shell_quote(in.garbage_mp4), "not an MP4 file"},
           {"info --json " + shell_quote(in.garbage_mp4), "not an MP4 file"},
           {"info --boxes " + shell_quote(in.garbage_mp4), "not an MP4 file"},
           {"extract -o " + shell_quote(dir.file("x")) + " " + shell_quote(in.garbage_mp4), "not an MP4 file"},
           {"remux " + shell_quote(in.garbage_mp4) + " " + shell_quote(dir.file("a.mp4")), "not an MP4 file"},
           {"remux " + shell_quote(in.garbage_h264) + " " + shell_quote(dir.file("b.mp4")), "start code"},
       }) {
    auto r = camrec_cli(c.args);
    EXPECT_EQ(r.exit_code, 65) << c.args << "\n" << r.err;
    EXPECT_EQ(r.err.find("malformed:"), std::string::npos) << "plain words, no error tag: " << r.err;
    EXPECT_NE(r.err.find("\n  hint: "), std::string::npos) << "a next step: " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find("garbage."), std::string::npos) << "the message should name the file: " << r.err;
  }
}

TEST(CliErrors, TruncatedMp4WithoutMoov) {
  const auto& in = inputs();
  testing::TempDir dir;
  auto bytes = testing::read_file(in.mp4);
  bytes.resize(200);  // ftyp, then the start of the mdat
  const std::string cut = dir.file("cut.mp4");
  ASSERT_TRUE(testing::write_file(cut, bytes));
  auto r = camrec_cli("info " + shell_quote(cut));
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_NE(r.err.find("no 'moov' box"), std::string::npos) << r.err;
  // The box listing still shows what is there.
  r = camrec_cli("info --boxes " + shell_quote(cut));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"truncated\": true"), std::string::npos) << r.out;
}

// --- Success: 0 ----------------------------------------------------------------------------

TEST(CliSuccess, RemuxReportsWhatItWrote) {
  const auto& in = inputs();
  testing::TempDir dir;
  const std::string out = dir.file("o.mp4");
  auto r = camrec_cli("remux " + shell_quote(in.h264) + " " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("60 samples"), std::string::npos) << r.err;
  EXPECT_EQ(testing::video_frame_md5s(out), testing::video_frame_md5s(in.h264));
  // Quiet means quiet.
  r = camrec_cli("remux -q " + shell_quote(in.h264) + " " + shell_quote(dir.file("q.mp4")));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "");
}

TEST(CliSuccess, InfoText) {
  const auto& in = inputs();
  auto r = camrec_cli("info " + shell_quote(in.mp4));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("regular MP4, 1 track, 2.000 s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("video " + in.sps_codec + " 320x240, 60 frames, 2 key frames, 2.000 s, 30.000 fps"),
            std::string::npos)
      << r.out;
  r = camrec_cli("info " + shell_quote(in.fmp4));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("fragmented MP4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fragments: 2 (with mfra index)"), std::string::npos) << r.out;
}

TEST(CliSuccess, InfoJsonIsValidWithTheTrackFacts) {
  const auto& in = inputs();
  for (const std::string& file : {in.mp4, in.fmp4}) {
    SCOPED_TRACE(file);
    const bool fragmented = file == in.fmp4;
    auto r = camrec_cli("info --json " + shell_quote(file));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string error;
    auto j = parse_json(r.out, &error);
    ASSERT_FALSE(j.empty()) << error << r.out;
    EXPECT_EQ(j["file"], "\"" + file + "\"");
    EXPECT_EQ(j["size"], std::to_string(std::filesystem::file_size(file)));
    EXPECT_EQ(j["layout"], fragmented ? "\"fragmented\"" : "\"regular\"");
    EXPECT_EQ(j["fragments"], fragmented ? "2" : "0");
    EXPECT_EQ(j["mfra"], fragmented ? "true" : "false");
    EXPECT_EQ(j["truncated"], "false");
    EXPECT_EQ(j["duration_ms"], "2000");
    EXPECT_EQ(j["brands.0"], fragmented ? "\"iso6\"" : "\"isom\"");
    EXPECT_EQ(j["tracks.0.id"], "1");
    EXPECT_EQ(j["tracks.0.type"], "\"video\"");
    EXPECT_EQ(j["tracks.0.codec"], "\"" + in.sps_codec + "\"");
    EXPECT_EQ(j["tracks.0.sample_entry"], "\"avc1\"");
    EXPECT_EQ(j["tracks.0.timescale"], "90000");
    EXPECT_EQ(j["tracks.0.width"], "320");
    EXPECT_EQ(j["tracks.0.height"], "240");
    EXPECT_EQ(j["tracks.0.start"], "0");
    EXPECT_EQ(j["tracks.0.duration"], "180000");
    EXPECT_EQ(j["tracks.0.samples"], "60");
    EXPECT_EQ(j["tracks.0.key_frames"], "2");
    EXPECT_EQ(j["tracks.0.descriptions"], "1");
    EXPECT_EQ(j.count("tracks.1.id"), 0u);
  }
}

TEST(CliSuccess, InfoJsonOfAFileWithAudio) {
  const auto& in = inputs();
  auto r = camrec_cli("info --json " + shell_quote(in.av));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string error;
  auto j = parse_json(r.out, &error);
  ASSERT_FALSE(j.empty()) << error;
  // Compared with what ffprobe reads.
  auto streams = testing::ffprobe_streams(in.av);
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(j["tracks.0.type"], "\"video\"");
  EXPECT_EQ(j["tracks.0.width"], std::to_string(streams[0].width));
  EXPECT_EQ(j["tracks.0.timescale"], std::to_string(streams[0].tb_den));
  EXPECT_EQ(j["tracks.0.samples"], std::to_string(testing::ffprobe_packet_count(in.av, "v")));
  EXPECT_EQ(j["tracks.1.type"], "\"audio\"");
  EXPECT_EQ(j["tracks.1.codec"], "\"mp4a.40.2\"");
  EXPECT_EQ(j["tracks.1.sample_entry"], "\"mp4a\"");
  EXPECT_EQ(j["tracks.1.sample_rate"], std::to_string(streams[1].sample_rate));
  EXPECT_EQ(j["tracks.1.channels"], std::to_string(streams[1].channels));
  EXPECT_EQ(j["tracks.1.samples"], std::to_string(testing::ffprobe_packet_count(in.av, "a")));
  // ffmpeg trims the AAC encoder's priming samples with an edit list.
  EXPECT_EQ(j["tracks.1.start"], "0") << "AAC priming is not a delay of the track";
}

TEST(CliSuccess, InfoBoxes) {
  const auto& in = inputs();
  auto r = camrec_cli("info --boxes " + shell_quote(in.fmp4));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string error;
  auto j = parse_json(r.out, &error);
  ASSERT_FALSE(j.empty()) << error;
  EXPECT_EQ(j["0.type"], "\"ftyp\"");
  EXPECT_EQ(j["1.type"], "\"moov\"");
  EXPECT_EQ(j["2.type"], "\"free\"");  // room for the header to grow (new parameter sets)
  EXPECT_EQ(j["3.type"], "\"moof\"");
  EXPECT_EQ(j["4.type"], "\"mdat\"");
  bool mfra = false;
  for (const auto& [k, v] : j) mfra |= v == "\"mfra\"";
  EXPECT_TRUE(mfra);
  // --json: the same, on one line.
  auto compact = camrec_cli("info --boxes --json " + shell_quote(in.fmp4));
  ASSERT_EQ(compact.exit_code, 0);
  EXPECT_EQ(std::count(compact.out.begin(), compact.out.end(), '\n'), 1);
  EXPECT_EQ(parse_json(compact.out, &error), j);
  // The regular file: ftyp, the mdat spanning the fragments, the final moov.
  r = camrec_cli("info --boxes " + shell_quote(in.mp4));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = parse_json(r.out, &error);
  EXPECT_EQ(j["0.type"], "\"ftyp\"");
  EXPECT_EQ(j["1.type"], "\"mdat\"");
  EXPECT_EQ(j["2.type"], "\"moov\"");
  EXPECT_EQ(j.count("3.type"), 0u);
}

TEST(CliSuccess, ExtractWritesPlayableTracks) {
  const auto& in = inputs();
  testing::TempDir dir;
  const std::string prefix = dir.file("x");
  auto r = camrec_cli("extract -o " + shell_quote(prefix) + " " + shell_quote(in.av));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, prefix + ".track1.h264\n" + prefix + ".track2.aac\n");
  // The video decodes to the frames of the MP4, the ADTS audio to its samples.
  EXPECT_EQ(testing::video_frame_md5s(prefix + ".track1.h264"), testing::video_frame_md5s(in.av));
  auto audio = testing::ffprobe_streams(prefix + ".track2.aac");
  ASSERT_EQ(audio.size(), 1u);
  EXPECT_EQ(audio[0].codec_name, "aac");
  EXPECT_EQ(testing::ffprobe_packet_count(prefix + ".track2.aac", "a"), testing::ffprobe_packet_count(in.av, "a"));
  // One track only.
  r = camrec_cli("extract -t 2 -o " + shell_quote(dir.file("y")) + " " + shell_quote(in.av));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, dir.file("y") + ".track2.aac\n");
  EXPECT_FALSE(std::filesystem::exists(dir.file("y") + ".track1.h264"));
}

TEST(CliSuccess, ExtractWritesOpusAsOggOpus) {
  testing::TempDir dir;
  const std::string recording = dir.file("rec.mp4");
  auto r = camrec_cli("record --fast -q --frames 90 --size 320x240 --audio opus -o " + shell_quote(recording));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string prefix = dir.file("x");
  r = camrec_cli("extract -t 2 -o " + shell_quote(prefix) + " " + shell_quote(recording));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string opus = prefix + ".track2.opus";
  EXPECT_EQ(r.out, opus + "\n");
  auto streams = testing::ffprobe_streams(opus);
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].codec_name, "opus");
  EXPECT_EQ(testing::ffprobe_warnings(opus), "");
  // Every packet copied, with the pre-skip: the decoded samples are those of the MP4 track.
  EXPECT_EQ(testing::ffprobe_packet_count(opus, "a"), testing::ffprobe_packet_count(recording, "a"));
  const std::string decoded = testing::decoded_audio_md5(opus);
  EXPECT_FALSE(decoded.empty());
  EXPECT_EQ(decoded, testing::decoded_audio_md5(recording));
  auto discovered = testing::run_command("gst-discoverer-1.0 " + shell_quote(opus));
  EXPECT_NE(discovered.out.find("Opus"), std::string::npos) << discovered.out;

  // A packet whose duration cannot be read (TOC code 3 with a frame count of 0) has no
  // granule position: a clear error naming the track.
  auto pos = testing::run_command("ffprobe -v error -select_streams a -show_entries packet=pos -of csv=p=0 " +
                                  shell_quote(recording));
  const long first_audio = std::atol(pos.out.c_str());
  ASSERT_GT(first_audio, 0) << pos.out;
  auto bytes = testing::read_file(recording);
  bytes[static_cast<size_t>(first_audio)] = 0x03;
  bytes[static_cast<size_t>(first_audio) + 1] = 0x00;
  const std::string broken = dir.file("broken.mp4");
  ASSERT_TRUE(testing::write_file(broken, bytes));
  r = camrec_cli("extract -t 2 -o " + shell_quote(dir.file("b")) + " " + shell_quote(broken));
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_NE(r.err.find("track 2: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("malformed:"), std::string::npos) << "plain words, no error tag: " << r.err;
}

// AAC-LC from libavcodec, at the usual rates mono and stereo: ffprobe sees H.264 + AAC LC,
// ffmpeg decodes it without a complaint, the 1024 samples of encoder delay are hidden by the
// edit list (the first packet dropped whole), and the decoded sound is every packet written
// but that delay, ending within one AAC frame of the video.
TEST(CliSuccess, RecordsAacLc) {
  struct Case {
    int rate;
    int channels;
  };
  for (const Case c : {Case{48000, 1}, Case{44100, 2}, Case{22050, 2}, Case{8000, 1}}) {
    SCOPED_TRACE(std::to_string(c.rate) + " Hz x" + std::to_string(c.channels));
    testing::TempDir dir;
    const std::string out = dir.file("aac.mp4");
    auto r = camrec_cli("record --fast -q --frames 60 --size 160x120 --audio aac --audio-rate " +
                        std::to_string(c.rate) + " --audio-channels " + std::to_string(c.channels) + " -o " +
                        shell_quote(out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(testing::ffprobe_stream_value(out, "v", "codec_name"), "h264");
    EXPECT_EQ(testing::ffprobe_stream_value(out, "a", "codec_name"), "aac");
    EXPECT_EQ(testing::ffprobe_stream_value(out, "a", "profile"), "LC");
    EXPECT_EQ(testing::ffprobe_stream_value(out, "a", "sample_rate"), std::to_string(c.rate));
    EXPECT_EQ(testing::ffprobe_stream_value(out, "a", "channels"), std::to_string(c.channels));
    EXPECT_EQ(testing::ffprobe_warnings(out), "");
    auto decode = testing::run_command("ffmpeg -nostdin -v error -xerror -i " + shell_quote(out) +
                                       " -map 0:a:0 -f s16le -ac 1 " + shell_quote(dir.file("a.pcm")));
    ASSERT_EQ(decode.exit_code, 0) << decode.err;
    const auto decoded_samples = static_cast<int64_t>(testing::read_file(dir.file("a.pcm")).size() / 2);

    auto packets = testing::ffprobe_packets(out, "a:0");
    ASSERT_GE(packets.size(), 3u);
    ASSERT_TRUE(packets[0].pts && packets[1].pts);
    EXPECT_TRUE(packets[0].discard) << "the delay's packet is not presented";
    EXPECT_FALSE(packets[1].discard);
    EXPECT_EQ(*packets[1].pts - *packets[0].pts, 1024);  // time_base = 1 / rate
    EXPECT_EQ(decoded_samples, static_cast<int64_t>(packets.size() - 1) * 1024);

    // The sound starts with the video (the first packet at or after the first frame: up to
    // one frame later, rounded to a sample) and ends within one AAC frame of its end (2 s).
    const int64_t start = *packets[1].pts;
    EXPECT_GE(start, 0);
    EXPECT_LE(start, 1024);
    const double end_s = static_cast<double>(start + decoded_samples) / c.rate;
    EXPECT_NEAR(end_s, 2.0, 1024.0 / c.rate) << "audio ends at " << end_s << " s";
  }
}

}  // namespace
}  // namespace camrec
