// SPDX-License-Identifier: LGPL-2.1-or-later
// What `camrec record` does with its output, run as a real process: an existing file is never
// replaced without -y, one writer per file (an OFD lock held for the whole recording), outputs
// that cannot hold an MP4 (FIFO, socket, directory, standard output) refused before
// recording, the null device accepted, a write error ending a --fast recording promptly,
// SIGHUP closing the file like SIGINT, SIGPIPE ignored, a second Ctrl-C during the close
// reported, a third leaving a crash-safe file.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "recorder/recorder_test_util.h"
#include "testing/probe_util.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::shell_quote;
namespace rt = recorder::test;

testing::CommandResult camrec_cli(const std::string& args) { return testing::run_command(std::string(CAMREC_CLI) + " " + args); }

std::string read_text(const std::string& path) {
  auto bytes = testing::read_file(path);
  return std::string(bytes.begin(), bytes.end());
}

/// Waits until `path` holds `text` (a line the child wrote), up to `timeout_ms`.
bool wait_for_text(const std::string& path, const std::string& text, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 20) {
    if (read_text(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

/// Starts `camrec record ARGS --progress plain` and waits for its first progress line: the
/// recording is under way. False (with the log in `log_text`) when it did not get there.
bool start_recording(rt::Child& child, std::vector<std::string> args, const std::string& log) {
  args.insert(args.begin(), {CAMREC_CLI, "record", "--progress", "plain"});
  rt::spawn(child, args, log);
  return child.pid > 0 && wait_for_text(log, "progress:", 20'000);
}

bool decodes_cleanly(const std::string& path, std::string* err) {
  auto frames = testing::video_frame_md5s(path, err);
  return !frames.empty();
}

TEST(CliOverwrite, AnExistingFileIsKeptUnlessMinusY) {
  testing::TempDir dir;
  const std::string out = dir.file("x.mp4");
  auto r = camrec_cli("record --fast -q --frames 20 --size 160x120 -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto first = testing::read_file(out);
  for (const std::string extra : {"", "-n "}) {
    r = camrec_cli("record --fast -q --frames 5 --size 160x120 " + extra + "-o " + shell_quote(out));
    EXPECT_EQ(r.exit_code, 73) << r.err;
    EXPECT_NE(r.err.find("exists: use -y"), std::string::npos) << r.err;
    EXPECT_EQ(testing::read_file(out), first) << "a refused recording changed the existing file";
  }
  // remux refuses the same way.
  const std::string h264 = dir.file("a.h264");
  ASSERT_TRUE(testing::make_stream(h264, "160x120", 10, 30, "-c:v libx264 -g 10"));
  r = camrec_cli("remux -q " + shell_quote(h264) + " " + shell_quote(out));
  EXPECT_EQ(r.exit_code, 73) << r.err;
  EXPECT_NE(r.err.find("exists: use -y"), std::string::npos) << r.err;
  EXPECT_EQ(testing::read_file(out), first);
  // -y replaces it: 5 frames now.
  r = camrec_cli("record --fast -q --frames 5 --size 160x120 -y -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ffprobe_packet_count(out, "v"), 5);
  r = camrec_cli("record -y -n -o " + shell_quote(out));
  EXPECT_EQ(r.exit_code, 64) << "-y and -n together: " << r.err;
}

TEST(CliOverwrite, SegmentsNeverReplaceAFile) {
  testing::TempDir dir;
  const std::string pattern = dir.file("part-{index}.mp4");
  ASSERT_TRUE(testing::write_file(dir.file("part-1.mp4"), {1, 2, 3}));
  auto r = camrec_cli("record -q --frames 45 --size 160x120 --gop 15 --segment-duration 1 -o " +
                      shell_quote(pattern));
  EXPECT_EQ(r.exit_code, 73) << r.err;
  EXPECT_NE(r.err.find("part-1.mp4' exists"), std::string::npos) << r.err;
  EXPECT_EQ(testing::read_file(dir.file("part-1.mp4")), (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_TRUE(std::filesystem::exists(dir.file("part-0.mp4"))) << "the segments before the clash are kept";
}

TEST(CliOverwrite, AWriteErrorMidRecordingEndsAFastRecordingPromptly) {
  // --fast: the source waits for the encoder, which waits for the writing thread. When a
  // write fails (here the third segment's file exists) the recording must still end, with
  // the error, its exit code and the segments written before it complete.
  testing::TempDir dir;
  ASSERT_TRUE(testing::write_file(dir.file("part-2.mp4"), {1, 2, 3}));
  const std::string log = dir.file("record.log");
  rt::Child child;
  // Each step of a segment's close pauses: meanwhile the source fills the encoder's output,
  // as a slow card would, so the failing write meets a pipeline that cannot move on its own.
  setenv("CAMREC_TEST_STEP_PAUSE_MS", "100", 1);
  rt::spawn(child,
            {CAMREC_CLI, "record", "-q", "--fast", "--frames", "3000", "--size", "640x360", "--gop", "15",
             "--segment-duration", "1", "-o", dir.file("part-{index}.mp4")},
            log);
  unsetenv("CAMREC_TEST_STEP_PAUSE_MS");
  int code = -1;
  // Far longer than the recording takes (two 1 s segments, as fast as the encoder goes).
  ASSERT_TRUE(child.wait_for(60'000, code)) << "camrec record hangs after a write error: " << read_text(log);
  EXPECT_EQ(code, 73) << read_text(log);
  EXPECT_NE(read_text(log).find("'" + dir.file("part-2.mp4") + "' exists: use -y"), std::string::npos) << read_text(log);
  EXPECT_EQ(testing::read_file(dir.file("part-2.mp4")), (std::vector<uint8_t>{1, 2, 3}));
  for (const char* name : {"part-0.mp4", "part-1.mp4"}) {
    SCOPED_TRACE(name);
    std::string err;
    EXPECT_EQ(testing::video_frame_md5s(dir.file(name), &err).size(), 30u) << err;
  }
}

TEST(CliOneWriter, ASecondRecorderOnTheSameFileExits73) {
  testing::TempDir dir;
  const std::string out = dir.file("same.mp4");
  const std::string log = dir.file("first.log");
  rt::Child first;
  ASSERT_TRUE(start_recording(first, {"-o", out, "--frames", "75", "--size", "320x240"}, log)) << read_text(log);
  auto without_y = camrec_cli("record --fast -q --frames 10 --size 320x240 -o " + shell_quote(out));
  EXPECT_EQ(without_y.exit_code, 73) << without_y.err;
  EXPECT_NE(without_y.err.find("exists"), std::string::npos) << without_y.err;
  auto with_y = camrec_cli("record --fast -q --frames 10 --size 320x240 -y -o " + shell_quote(out));
  EXPECT_EQ(with_y.exit_code, 73) << with_y.err;
  EXPECT_NE(with_y.err.find("being written by another recording"), std::string::npos) << with_y.err;
  int code = -1;
  ASSERT_TRUE(first.wait_for(60'000, code));
  EXPECT_EQ(code, 0) << read_text(log);
  std::string err;
  EXPECT_TRUE(decodes_cleanly(out, &err)) << err;
  EXPECT_EQ(testing::ffprobe_packet_count(out, "v"), 75);
  // Once the first has closed the file, -y may replace it.
  auto after = camrec_cli("record --fast -q --frames 10 --size 320x240 -y -o " + shell_quote(out));
  EXPECT_EQ(after.exit_code, 0) << after.err;
}

TEST(CliOutputs, PipesDirectoriesAndStandardOutputAreRefusedBeforeRecording) {
  testing::TempDir dir;
  const std::string fifo = dir.file("fifo.mp4");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string folder = dir.file("folder.mp4");
  std::filesystem::create_directory(folder);
  struct Case {
    std::string output;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {fifo, "is a pipe (FIFO)"},
           {folder, "is a directory"},
           {"-", "--fmp4 -o -"},
       }) {
    auto r = camrec_cli("record --fast --frames 10 --size 160x120 -y -o " + shell_quote(c.output));
    EXPECT_EQ(r.exit_code, 73) << c.output << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("frames 10"), std::string::npos) << "refused before recording: " << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("-")));
  // A pipe as standard output: refused, not "Illegal seek" halfway.
  auto r = testing::run_command(std::string(CAMREC_CLI) + " record --fast --frames 10 --size 160x120 -y --force-format -o /dev/stdout | cat");
  EXPECT_NE(r.err.find("is a pipe (FIFO)"), std::string::npos) << r.err;
}

TEST(CliOutputs, ASocketIsRefusedBeforeRecording) {
  testing::TempDir dir;
  const std::string sock = dir.file("sock.mp4");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock.size(), sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, sock.c_str(), sock.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  auto r = camrec_cli("record --fast --frames 10 --size 160x120 -y -o " + shell_quote(sock));
  ::close(fd);
  EXPECT_EQ(r.exit_code, 73) << r.err;
  EXPECT_NE(r.err.find("is not a file an MP4 can be written to"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("frames 10"), std::string::npos) << "refused before recording: " << r.err;
}

TEST(CliSignals, AClosedProgressReaderDoesNotKillTheRecording) {
  // SIGPIPE is ignored: the progress lines going to a reader that has gone (| head) fail
  // quietly, and the recording completes instead of dying with 141.
  testing::TempDir dir;
  const std::string out = dir.file("p.mp4");
  auto r = testing::run_command("bash -c " + shell_quote(std::string(CAMREC_CLI) +
                                                         " record --fast --frames 90 --size 160x120 --progress plain -o " +
                                                         shell_quote(out) + " 2>&1 | head -c 1 >/dev/null; exit ${PIPESTATUS[0]}"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ffprobe_packet_count(out, "v"), 90);
}

TEST(CliOutputs, TheNullDeviceTakesARecording) {
  auto r = camrec_cli("record --fast --frames 30 --size 160x120 -o /dev/null");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("syncing"), std::string::npos) << r.err;
  r = camrec_cli("record --fast -q --frames 30 --size 160x120 --fsync fragment --fmp4 -o /dev/null");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(CliOutputs, OtherExtensionsAreRefusedWithAHint) {
  testing::TempDir dir;
  for (const std::string name : {"out.mkv", "out.h264", "out"}) {
    auto r = camrec_cli("record --fast --frames 5 --size 160x120 -o " + shell_quote(dir.file(name)));
    EXPECT_EQ(r.exit_code, 64) << name << "\n" << r.err;
    EXPECT_NE(r.err.find("--force-format"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file(name)));
  }
  for (const std::string name : {"a.MP4", "b.m4v", "c.mov"}) {
    auto r = camrec_cli("record --fast -q --frames 5 --size 160x120 -o " + shell_quote(dir.file(name)));
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.err;
  }
  auto r = camrec_cli("record --fast -q --frames 5 --size 160x120 --force-format -o " + shell_quote(dir.file("raw.bin")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ffprobe_packet_count(dir.file("raw.bin"), "v"), 5);
}

TEST(CliPermissions, UnreadableInputIs66UnwritableOutputIs73) {
  // Root reads and writes every file: as root the commands run as the user nobody.
  std::string as_user;
  if (::geteuid() == 0) {
    if (!testing::have_tool("setpriv")) GTEST_SKIP() << "root without setpriv: permissions cannot be tested";
    as_user = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
  }
  auto camrec_cli = [&](const std::string& args) {
    return testing::run_command(as_user + std::string(CAMREC_CLI) + " " + args);
  };
  testing::TempDir dir;
  ::chmod(dir.path().c_str(), 0755);  // nobody may look inside, not write
  const std::string h264 = dir.file("a.h264");
  ASSERT_TRUE(testing::make_stream(h264, "160x120", 10, 30, "-c:v libx264 -g 10"));
  ::chmod(h264.c_str(), 0);
  auto r = camrec_cli("remux " + shell_quote(h264) + " " + shell_quote(dir.file("o.mp4")));
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  const std::string locked = dir.file("locked");
  std::filesystem::create_directory(locked);
  ::chmod(locked.c_str(), 0500);
  r = camrec_cli("record --fast --frames 5 --size 160x120 -o " + shell_quote(locked + "/o.mp4"));
  EXPECT_EQ(r.exit_code, 73) << r.err;
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  ::chmod(locked.c_str(), 0700);
}

TEST(CliSignals, SighupClosesTheRecordingLikeSigint) {
  testing::TempDir dir;
  const std::string out = dir.file("hup.mp4");
  const std::string log = dir.file("log");
  rt::Child child;
  ASSERT_TRUE(start_recording(child, {"-o", out, "--duration", "30", "--size", "320x240"}, log)) << read_text(log);
  ASSERT_EQ(kill(child.pid, SIGHUP), 0);
  int code = -1;
  ASSERT_TRUE(child.wait_for(20'000, code));
  EXPECT_EQ(code, 0) << read_text(log);
  EXPECT_NE(read_text(log).find("stopped by signal"), std::string::npos) << read_text(log);
  auto boxes = testing::top_level_boxes(out);
  ASSERT_FALSE(boxes.empty());
  EXPECT_EQ(boxes.back().type, "moov") << "the file was closed as a regular MP4";
  std::string err;
  EXPECT_TRUE(decodes_cleanly(out, &err)) << err;
}

TEST(CliSignals, ASecondInterruptDuringTheCloseIsReportedAThirdQuitsWithACrashSafeFile) {
  testing::TempDir dir;
  for (int interrupts : {2, 3}) {
    SCOPED_TRACE(interrupts);
    const std::string out = dir.file("close" + std::to_string(interrupts) + ".mp4");
    const std::string log = dir.file("log" + std::to_string(interrupts));
    rt::Child child;
    // Each step of the close takes 1.5 s, so the second signal lands inside it.
    setenv("CAMREC_TEST_STEP_PAUSE_MS", "1500", 1);
    setenv("CAMREC_TEST_STEP_LOG", "1", 1);
    rt::spawn(child, {CAMREC_CLI, "record", "-o", out, "--duration", "30", "--size", "160x120", "--gop", "10"}, log);
    unsetenv("CAMREC_TEST_STEP_PAUSE_MS");
    unsetenv("CAMREC_TEST_STEP_LOG");
    ASSERT_TRUE(wait_for_text(log, "step fragment-written", 20'000)) << read_text(log);
    ASSERT_EQ(kill(child.pid, SIGINT), 0);
    ASSERT_TRUE(wait_for_text(log, "step final-moov-written", 20'000)) << read_text(log);
    ASSERT_EQ(kill(child.pid, SIGINT), 0);
    ASSERT_TRUE(wait_for_text(log, "please wait", 5'000)) << read_text(log);
    if (interrupts == 3) {
      ASSERT_EQ(kill(child.pid, SIGINT), 0);
    }
    int code = -1;
    ASSERT_TRUE(child.wait_for(30'000, code));
    EXPECT_EQ(code, interrupts == 2 ? 0 : 130) << read_text(log);
    // Closed or not, the file plays what was recorded.
    std::string err;
    EXPECT_TRUE(decodes_cleanly(out, &err)) << err;
    if (interrupts == 2) {
      EXPECT_NE(read_text(log).find("closed"), std::string::npos);
    }
  }
}

TEST(CliDurability, OneSyncPerFragmentByDefaultOffTheCapturePath) {
  testing::TempDir dir;
  // A card whose fdatasync takes 200 ms, three fragments a second: done on the writer's
  // thread that is 600 ms of every second, and the capture would drop frames.
  setenv("CAMREC_TEST_SYNC_DELAY_MS", "200", 1);
  const std::string out = dir.file("slow.mp4");
  auto r = camrec_cli("record --frames 120 --size 320x240 --gop 10 --preset ultrafast --progress plain -o " +
                      shell_quote(out));
  auto never = camrec_cli("record --frames 30 --size 320x240 --gop 10 --fsync never -q -o " +
                          shell_quote(dir.file("never.mp4")));
  unsetenv("CAMREC_TEST_SYNC_DELAY_MS");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Syncs on the capture path would block 600 ms of every second and drop most of the 120
  // frames. A busy machine (or a sanitizer build, several times slower) may drop a frame or
  // two while the encoder starts, which says nothing about where the syncs run.
  EXPECT_LE(rt::summary_dropped(r.err), 6) << r.err;
  size_t syncs = 0;
  for (size_t at = 0; (at = r.err.find("background sync done", at)) != std::string::npos; ++at) ++syncs;
  EXPECT_GE(syncs, 5u) << r.err;
  EXPECT_EQ(testing::ffprobe_packet_count(out, "v"), 120);
  ASSERT_EQ(never.exit_code, 0) << never.err;
  EXPECT_EQ(never.err.find("background sync"), std::string::npos) << "--fsync never syncs nothing: " << never.err;
  // remux keeps never.
  auto help = camrec_cli("remux --help");
  EXPECT_NE(help.out.find("(default never)"), std::string::npos);
}

}  // namespace
}  // namespace camrec
