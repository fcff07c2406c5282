// SPDX-License-Identifier: LGPL-2.1-or-later
// Bad input to Mp4Container, the Recorder and `camrec record`: each gets a clear error (an
// Errc, a message naming the problem, the CLI's exit code), never a crash, and an existing
// output file is not destroyed by a refused configuration.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "camrec/recorder/mp4_container.h"
#include "camrec/recorder/recorder.h"
#include "recorder_test_util.h"

namespace camrec::recorder {
namespace {

using camrec::testing::TempDir;
using camrec::testing::run_command;
using camrec::testing::shell_quote;

/// A config the container accepts, writing `file`.
Mp4CfgStr good_config(const std::string& file) {
  Mp4CfgStr cfg(Mp4Container::MP4_CONFIG_TYPE_MUXER);
  cfg.SetMuxerCfg(file, Mp4Container::MP4_CODEC_ID_H264, 320, 240, Mp4Container::MP4_CODEC_ID_G711U);
  cfg.paced = false;
  return cfg;
}

/// Create must fail with `code` and a message containing `words`; a file already at the
/// output path keeps its content.
void expect_create_fails(Mp4CfgStr cfg, Errc code, const std::string& words) {
  TempDir dir;
  cfg.file_name = dir.file("keep.mp4");
  ASSERT_TRUE(camrec::testing::write_file(cfg.file_name, {1, 2, 3, 4}));
  Mp4Container mp4;
  Status s = mp4.Create(cfg);
  EXPECT_EQ(s.code(), code) << s.to_string();
  EXPECT_NE(s.to_string().find(words), std::string::npos) << s.to_string();
  EXPECT_EQ(camrec::testing::read_file(cfg.file_name), (std::vector<uint8_t>{1, 2, 3, 4}))
      << "a refused Create must not truncate the output";
  // The object stays usable: a good config is accepted after the refusal.
  Mp4CfgStr ok = good_config(dir.file("ok.mp4"));
  EXPECT_TRUE(mp4.Create(ok).is_ok());
  EXPECT_TRUE(mp4.Destroy().is_ok());
}

TEST(ContainerErrorsTest, ZeroSize) {
  Mp4CfgStr cfg = good_config("");
  cfg.width = 0;
  cfg.height = 0;
  expect_create_fails(cfg, Errc::invalid_argument, "0x0");
}

TEST(ContainerErrorsTest, OddSize) {
  Mp4CfgStr cfg = good_config("");
  cfg.width = 320;
  cfg.height = 241;
  expect_create_fails(cfg, Errc::invalid_argument, "241");
}

TEST(ContainerErrorsTest, SizeAbove8192) {
  Mp4CfgStr cfg = good_config("");
  cfg.width = 8208;
  cfg.height = 240;
  expect_create_fails(cfg, Errc::invalid_argument, "8208");
}

TEST(ContainerErrorsTest, UnknownVideoCodecId) {
  for (int id : {-1, 2, 3, 4, 96}) {
    SCOPED_TRACE(id);
    Mp4CfgStr cfg = good_config("");
    cfg.video_payload_type = id;
    expect_create_fails(cfg, Errc::invalid_argument, "video codec id " + std::to_string(id));
  }
}

TEST(ContainerErrorsTest, UnknownAudioCodecId) {
  for (int id : {0, 1, 4, 99}) {
    SCOPED_TRACE(id);
    Mp4CfgStr cfg = good_config("");
    cfg.audio_payload_type = id;
    expect_create_fails(cfg, Errc::invalid_argument, "audio codec id " + std::to_string(id));
  }
}

TEST(ContainerErrorsTest, NotAMuxerConfig) {
  Mp4CfgStr cfg = good_config("");
  cfg.type = 2;
  expect_create_fails(cfg, Errc::invalid_argument, "config type 2");
}

TEST(ContainerErrorsTest, MissingVideoSource) {
  Mp4CfgStr cfg = good_config("");
  cfg.source = "file:/nonexistent/clip.y4m";
  expect_create_fails(cfg, Errc::not_found, "/nonexistent/clip.y4m");
}

TEST(ContainerErrorsTest, QueueFramesOutsideOneTo64) {
  for (uint32_t frames : {0u, 65u, 1000u}) {
    SCOPED_TRACE(frames);
    Mp4CfgStr cfg = good_config("");
    cfg.queue_frames = frames;
    expect_create_fails(cfg, Errc::invalid_argument, "queue of " + std::to_string(frames) + " frames");
  }
}

TEST(ContainerErrorsTest, EmptyFileName) {
  Mp4Container mp4;
  Status s = mp4.Create(good_config(""));
  EXPECT_EQ(s.code(), Errc::invalid_argument);
  EXPECT_NE(s.to_string().find("file name"), std::string::npos) << s.to_string();
}

TEST(ContainerErrorsTest, UnwritableOutput) {
  Mp4Container mp4;
  Status s = mp4.Create(good_config("/nonexistent-dir/out.mp4"));
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.to_string().find("/nonexistent-dir/out.mp4"), std::string::npos) << s.to_string();
}

TEST(ContainerErrorsTest, AFileAnotherProcessIsRecordingIsBusy) {
  // One writer per file: the output is locked for the whole recording, so a container in
  // another process gets busy from Create, and the first recording is untouched.
  TempDir dir;
  const std::string out = dir.file("same.mp4");
  test::Child first;
  test::spawn(first, {test::cli(), "record", "-q", "--frames", "90", "--size", "320x240", "-o", out},
              dir.file("first.log"));
  for (int i = 0; i < 500 && !(std::filesystem::exists(out) && std::filesystem::file_size(out) > 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(std::filesystem::exists(out)) << "the first recording did not start";
  Mp4Container mp4;
  Status s = mp4.Create(good_config(out));
  EXPECT_EQ(s.code(), Errc::busy) << s.to_string();
  EXPECT_NE(s.to_string().find("being written by another recording"), std::string::npos) << s.to_string();
  int code = -1;
  ASSERT_TRUE(first.wait_for(60'000, code));
  EXPECT_EQ(code, 0);
  std::string err;
  EXPECT_EQ(camrec::testing::video_frame_md5s(out, &err).size(), 90u) << err;
  // Once the first has closed it, the container may replace it.
  ASSERT_TRUE(mp4.Create(good_config(out)).is_ok());
  EXPECT_TRUE(mp4.Destroy().is_ok());
}

TEST(ContainerErrorsTest, ProcessBeforeStart) {
  TempDir dir;
  Mp4Container mp4;
  Status s = mp4.Process();
  EXPECT_EQ(s.code(), Errc::wrong_state) << s.to_string();
  ASSERT_TRUE(mp4.Create(good_config(dir.file("a.mp4"))).is_ok());
  s = mp4.Process();
  EXPECT_EQ(s.code(), Errc::wrong_state) << s.to_string();
  EXPECT_NE(s.to_string().find("Process when created: call Start first"), std::string::npos) << s.to_string();
  EXPECT_TRUE(mp4.Destroy().is_ok());
}

TEST(ContainerErrorsTest, StartTwice) {
  TempDir dir;
  Mp4Container mp4;
  Status s = mp4.Start();
  EXPECT_EQ(s.code(), Errc::wrong_state) << "Start before Create: " << s.to_string();
  ASSERT_TRUE(mp4.Create(good_config(dir.file("a.mp4"))).is_ok());
  ASSERT_TRUE(mp4.Start().is_ok());
  s = mp4.Start();
  EXPECT_EQ(s.code(), Errc::wrong_state) << s.to_string();
  EXPECT_NE(s.to_string().find("Start when started: it is recording already"), std::string::npos) << s.to_string();
  // The recording is unharmed.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(mp4.Process().is_ok());
  EXPECT_TRUE(mp4.Stop().is_ok());
  const auto frames = mp4.stats().frames_written;
  EXPECT_GE(frames, 3u);
  EXPECT_TRUE(mp4.Destroy().is_ok());
  EXPECT_EQ(camrec::testing::ffprobe_warnings(dir.file("a.mp4")), "");
  EXPECT_EQ(camrec::testing::ffprobe_packet_count(dir.file("a.mp4"), "v"), static_cast<int>(frames));
}

TEST(ContainerErrorsTest, CreateTwice) {
  TempDir dir;
  Mp4Container mp4;
  ASSERT_TRUE(mp4.Create(good_config(dir.file("a.mp4"))).is_ok());
  Status s = mp4.Create(good_config(dir.file("b.mp4")));
  EXPECT_EQ(s.code(), Errc::wrong_state) << s.to_string();
  EXPECT_FALSE(std::filesystem::exists(dir.file("b.mp4")));
  EXPECT_TRUE(mp4.Destroy().is_ok());
}

TEST(ContainerErrorsTest, StopBeforeCreateAndProcessAfterStop) {
  TempDir dir;
  Mp4Container mp4;
  EXPECT_EQ(mp4.Stop().code(), Errc::wrong_state);
  EXPECT_TRUE(mp4.Destroy().is_ok()) << "Destroy of nothing is a no-op";
  ASSERT_TRUE(mp4.Create(good_config(dir.file("a.mp4"))).is_ok());
  ASSERT_TRUE(mp4.Start().is_ok());
  ASSERT_TRUE(mp4.Process().is_ok());
  ASSERT_TRUE(mp4.Stop().is_ok());
  EXPECT_TRUE(mp4.Stop().is_ok()) << "Stop is idempotent";
  Status s = mp4.Process();
  EXPECT_FALSE(s.is_ok());
  EXPECT_TRUE(mp4.Destroy().is_ok());
  EXPECT_EQ(camrec::testing::ffprobe_warnings(dir.file("a.mp4")), "");
}

TEST(RecorderErrorsTest, BadConfigs) {
  struct Case {
    const char* what;
    void (*edit)(RecorderConfig&);
    Errc code;
    const char* words;
  };
  const Case cases[] = {
      // fps_num 0 is the source's own rate; a denominator 0 is no rate at all.
      {"fps 30/0", [](RecorderConfig& c) { c.fps_den = 0; }, Errc::invalid_argument, "frame rate"},
      // 0 x 0 is the source's own size; one side alone is a mistake.
      {"width without height", [](RecorderConfig& c) { c.height = 0; }, Errc::invalid_argument, "both sides"},
      {"audio codec as video", [](RecorderConfig& c) { c.video_codec = Codec::opus; }, Errc::invalid_argument,
       "h264 or h265"},
      {"opus at 44.1 kHz", [](RecorderConfig& c) {
         c.audio = media::AudioCodec::opus;
         c.audio_rate = 44100;
       },
       Errc::invalid_argument, "44100"},
      {"unknown audio source", [](RecorderConfig& c) {
         c.audio = media::AudioCodec::g711u;
         c.audio_source = "mic";
       },
       Errc::invalid_argument, "mic"},
      {"h264 with the h265 profile", [](RecorderConfig& c) { c.profile = media::H265_PROFILE_MAIN; },
       Errc::invalid_argument, "profile"},
      // Refused by create, before the output exists, not by the link that start() makes.
      {"queue of 0 frames", [](RecorderConfig& c) { c.queue_frames = 0; }, Errc::invalid_argument,
       "queue of 0 frames between the sensor and the encoder is outside 1..64"},
      {"queue of 65 frames", [](RecorderConfig& c) { c.queue_frames = 65; }, Errc::invalid_argument,
       "queue of 65 frames"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    TempDir dir;
    RecorderConfig rc;
    rc.width = 320;
    rc.height = 240;
    rc.paced = false;
    c.edit(rc);
    auto muxer = Muxer::create_file(dir.file("x.mp4"));
    ASSERT_TRUE(muxer.has_value());
    auto rec = Recorder::create(rc, std::move(*muxer));
    ASSERT_FALSE(rec.has_value());
    EXPECT_EQ(rec.error().code(), c.code) << rec.error().to_string();
    EXPECT_NE(rec.error().to_string().find(c.words), std::string::npos) << rec.error().to_string();
  }
  auto rec = Recorder::create(RecorderConfig{}, std::unique_ptr<MediaWriter>{});
  ASSERT_FALSE(rec.has_value());
  EXPECT_EQ(rec.error().code(), Errc::invalid_argument);
  rec = Recorder::create(RecorderConfig{}, WriterFactory{});
  ASSERT_FALSE(rec.has_value());
  EXPECT_EQ(rec.error().code(), Errc::invalid_argument);
}

/// `camrec record ARGS` must exit with `code`, say `words` on stderr and leave an existing
/// output file alone.
void expect_cli_fails(const std::string& args, int code, const std::string& words) {
  TempDir dir;
  const std::string out = dir.file("keep.mp4");
  ASSERT_TRUE(camrec::testing::write_file(out, {9, 8, 7}));
  auto r = run_command(shell_quote(test::cli()) + " record -q --frames 5 -o " + shell_quote(out) + " " + args);
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Assertion"), std::string::npos) << r.err;
  EXPECT_EQ(camrec::testing::read_file(out), (std::vector<uint8_t>{9, 8, 7})) << "the output was touched";
}

TEST(RecordCliErrorsTest, SizeZero) { expect_cli_fails("--size 0x0", 64, "0x0"); }
TEST(RecordCliErrorsTest, SizeMalformed) { expect_cli_fails("--size big", 64, "--size"); }
TEST(RecordCliErrorsTest, SizeOdd) { expect_cli_fails("--size 320x241", 64, "320x241"); }
TEST(RecordCliErrorsTest, SizeTooLarge) { expect_cli_fails("--size 9000x720", 64, "9000x720"); }
TEST(RecordCliErrorsTest, UnknownCodec) { expect_cli_fails("--codec vp8", 64, "--codec"); }
TEST(RecordCliErrorsTest, UnknownProfile) { expect_cli_fails("--codec h265 --profile high", 64, "--profile"); }
TEST(RecordCliErrorsTest, UnknownAudio) { expect_cli_fails("--audio mp3", 64, "--audio"); }
TEST(RecordCliErrorsTest, UnknownRateControl) { expect_cli_fails("--rc abr", 64, "--rc"); }
TEST(RecordCliErrorsTest, MissingSourceFile) {
  expect_cli_fails("--size 320x240 --source file:/nonexistent", 66, "/nonexistent");
}
TEST(RecordCliErrorsTest, MissingWavFile) {
  expect_cli_fails("--size 320x240 --audio g711u --audio-source wav:/nonexistent.wav", 66, "/nonexistent.wav");
}
TEST(RecordCliErrorsTest, UnknownSource) { expect_cli_fails("--source camera", 64, "camera"); }
TEST(RecordCliErrorsTest, NegativeDuration) { expect_cli_fails("--duration -1", 64, "--duration"); }
TEST(RecordCliErrorsTest, QueueFramesOutsideOneTo64) {
  expect_cli_fails("--queue-frames 0", 64, "--queue-frames");
  expect_cli_fails("--queue-frames 65", 64, "a whole number from 1 to 64");
  expect_cli_fails("--queue-frames 4x", 64, "--queue-frames");
}

TEST(RecordCliErrorsTest, MalformedSourceFile) {
  TempDir dir;
  const std::string clip = dir.file("clip.y4m");
  ASSERT_TRUE(camrec::testing::write_file(clip, std::vector<uint8_t>(64, 'x')));
  expect_cli_fails("--size 320x240 --source file:" + shell_quote(clip), 65, "clip.y4m");
}

TEST(RecordCliErrorsTest, UnwritableOutput) {
  auto r = run_command(shell_quote(test::cli()) + " record -q --frames 5 --size 320x240 -o /nonexistent-dir/x.mp4");
  EXPECT_EQ(r.exit_code, 73) << r.err;
  EXPECT_NE(r.err.find("/nonexistent-dir/x.mp4"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace camrec::recorder
