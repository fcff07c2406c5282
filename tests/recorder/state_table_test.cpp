// SPDX-License-Identifier: LGPL-2.1-or-later
// Every call in every state of Mp4Container and Recorder: it does its job or returns
// wrong_state with a message that names the state and the next step. Each (state, call)
// pair starts from a fresh object brought to that state.
#include <gtest/gtest.h>

#include <functional>

#include "camrec/muxer.h"
#include "camrec/recorder/mp4_container.h"
#include "camrec/recorder/recorder.h"
#include "recorder_test_util.h"

namespace camrec::recorder {
namespace {

using camrec::testing::TempDir;
using State = Mp4Container::State;

Mp4CfgStr small_config(const std::string& file) {
  Mp4CfgStr cfg(Mp4Container::MP4_CONFIG_TYPE_MUXER);
  cfg.SetMuxerCfg(file, Mp4Container::MP4_CODEC_ID_H264, 160, 120, -1);
  // Paced, as a camera: an unpaced source's link waits for the encoder without a time
  // limit, and Recorder::stop then waits on it (see the Recorder's stop()).
  cfg.paced = true;
  return cfg;
}

// The calls in the order Create, Start, Process, Stop, Destroy, and camrec's ReconfigureVideo.
const char* const kCalls[] = {"Create", "Start", "Process", "Stop", "Destroy", "ReconfigureVideo"};

Status call(Mp4Container& c, int which, const std::string& file) {
  switch (which) {
    case 0: return c.Create(small_config(file));
    case 1: return c.Start();
    case 2: return c.Process();
    case 3: return c.Stop();
    case 4: return c.Destroy();
    default: return c.ReconfigureVideo(320, 240, 1000);
  }
}

// Brings a fresh container to `state` the shortest way; "stopped" is reached by a Stop
// before Start (the cancel that once crashed a later Start).
void reach(Mp4Container& c, State state, const std::string& file) {
  if (state == State::destroyed) return;
  ASSERT_TRUE(c.Create(small_config(file)).is_ok());
  if (state == State::started) ASSERT_TRUE(c.Start().is_ok());
  if (state == State::stopped) ASSERT_TRUE(c.Stop().is_ok());
  ASSERT_EQ(c.state(), state);
}

struct Row {
  State state;
  // Per call: the state after it when it succeeds, or nullopt when it must be wrong_state.
  std::optional<State> after[6];
};

TEST(StateTable, Mp4ContainerEveryCallInEveryState) {
  const std::optional<State> wrong;
  const Row rows[] = {
      {State::destroyed, {State::created, wrong, wrong, wrong, State::destroyed, wrong}},
      {State::created, {wrong, State::started, wrong, State::stopped, State::destroyed, wrong}},
      {State::started, {wrong, wrong, State::started, State::stopped, State::destroyed, State::started}},
      {State::stopped, {wrong, wrong, wrong, State::stopped, State::destroyed, wrong}},
  };
  TempDir dir;
  int n = 0;
  for (const Row& row : rows) {
    for (int which = 0; which < 6; ++which) {
      SCOPED_TRACE(std::string(kCalls[which]) + " when " + to_string(row.state));
      const std::string file = dir.file("c" + std::to_string(n++) + ".mp4");
      Mp4Container c;
      reach(c, row.state, file);
      Status s = call(c, which, file);
      if (row.after[which]) {
        EXPECT_TRUE(s.is_ok()) << s.to_string();
        EXPECT_EQ(c.state(), *row.after[which]);
      } else {
        EXPECT_EQ(s.code(), Errc::wrong_state) << s.to_string();
        EXPECT_NE(s.message().find(std::string(kCalls[which]) + " when " + to_string(row.state) + ": "),
                  std::string::npos)
            << s.to_string();
        EXPECT_EQ(c.state(), row.state) << "a refused call changes nothing";
      }
      // Whatever happened, the object can still be torn down and used again.
      EXPECT_TRUE(c.Destroy().is_ok());
      EXPECT_TRUE(c.Create(small_config(file + ".again.mp4")).is_ok());
      EXPECT_TRUE(c.Start().is_ok());
      EXPECT_TRUE(c.Process().is_ok());
      EXPECT_TRUE(c.Destroy().is_ok());
    }
  }
}

// A recording stopped by a Stop right after Start or Create is a file that says so, not a
// crash: the Create -> Stop -> Start of a cancelled recording.
TEST(StateTable, Mp4ContainerCancelBeforeStart) {
  TempDir dir;
  Mp4Container c;
  ASSERT_TRUE(c.Create(small_config(dir.file("cancel.mp4"))).is_ok());
  ASSERT_TRUE(c.Stop().is_ok());
  Status s = c.Start();
  EXPECT_EQ(s.code(), Errc::wrong_state);
  EXPECT_NE(s.message().find("Destroy, then Create"), std::string::npos) << s.to_string();
  EXPECT_TRUE(c.Destroy().is_ok());
}

TEST(StateTable, RecorderEveryCallInEveryState) {
  using RState = Recorder::State;
  struct RRow {
    RState state;
    std::optional<RState> after[4];
  };
  const std::optional<RState> wrong;
  const RRow rows[] = {
      {RState::built, {RState::started, wrong, RState::stopped, wrong}},
      {RState::started, {wrong, RState::started, RState::stopped, RState::started}},
      {RState::stopped, {wrong, wrong, RState::stopped, wrong}},
  };
  const char* names[] = {"start", "process", "stop", "reconfigure_video"};
  TempDir dir;
  int n = 0;
  for (const RRow& row : rows) {
    for (int which = 0; which < 4; ++which) {
      SCOPED_TRACE(std::string(names[which]) + " in state " + std::to_string(static_cast<int>(row.state)));
      RecorderConfig rc;
      rc.width = 160;
      rc.height = 120;
      rc.paced = true;
      const std::string file = dir.file("r" + std::to_string(n++) + ".mp4");
      auto r = Recorder::create(rc, [&]() -> Result<std::unique_ptr<MediaWriter>> {
        CAMREC_ASSIGN_OR_RETURN(auto muxer, Muxer::create_file(file, MuxerOptions{}));
        return std::unique_ptr<MediaWriter>(std::move(muxer));
      });
      ASSERT_TRUE(r.has_value()) << r.error().to_string();
      Recorder& rec = **r;
      if (row.state != RState::built) ASSERT_TRUE(rec.start().is_ok());
      if (row.state == RState::stopped) ASSERT_TRUE(rec.stop().is_ok());
      ASSERT_EQ(rec.state(), row.state);
      Status s = which == 0   ? rec.start()
                 : which == 1 ? rec.process()
                 : which == 2 ? rec.stop()
                              : rec.reconfigure_video(320, 240, 1000);
      if (row.after[which]) {
        EXPECT_TRUE(s.is_ok()) << s.to_string();
        EXPECT_EQ(rec.state(), *row.after[which]);
      } else {
        EXPECT_EQ(s.code(), Errc::wrong_state) << s.to_string();
        EXPECT_NE(s.message().find(std::string("recorder: ") + names[which] + " when "), std::string::npos)
            << s.to_string();
        EXPECT_EQ(rec.state(), row.state);
      }
    }
  }
}

}  // namespace
}  // namespace camrec::recorder
