// SPDX-License-Identifier: LGPL-2.1-or-later
// Every call in every state of an encoder channel, a sensor and a link: it does its job or
// returns wrong_state (invalid_argument for a stream that is not the caller's) with a
// message. Each (state, call) pair starts from a fresh object brought to that state.
#include <gtest/gtest.h>

#include <optional>

#include "camrec/media/encoder.h"
#include "camrec/media/media_manager.h"
#include "camrec/media/sensor.h"
#include "media_test_util.h"

namespace camrec::media {
namespace {

enum class EncState { none, created, started, stopped };
const char* const kEncStates[] = {"none", "created", "started", "stopped"};
const char* const kEncCalls[] = {"SetOutBufs", "Create", "Start",     "Stop",      "Destroy",
                                 "SendFrame",  "GetStream", "ReleaseStream", "RequestIdr"};

ChnAttr small_attr() {
  ChnAttr a = ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, 64, 64);
  a.threads = 1;
  a.preset = "ultrafast";
  return a;
}

Status enc_call(Encoder& enc, int which, const Frame& frame) {
  StreamData sd;
  switch (which) {
    case 0: return enc.SetOutBufs(0, 8, 64, 64);
    case 1: return enc.Create(0, small_attr());
    case 2: return enc.Start(0);
    case 3: return enc.Stop(0);
    case 4: return enc.Destroy(0);
    case 5: return enc.SendFrame(0, frame, 0);
    case 6: return enc.GetStream(0, sd, 0);
    case 7: return enc.ReleaseStream(0, sd);  // a stream this caller never got
    default: return enc.RequestIdr(0);
  }
}

TEST(StateTable, EncoderChannelEveryCallInEveryState) {
  const Errc ok = Errc::ok, ws = Errc::wrong_state, ia = Errc::invalid_argument;
  // Expected code per state (rows) and call (columns, in kEncCalls order). GetStream with a
  // timeout of 0: nothing queued is a timeout while started, the end once stopped.
  const Errc table[4][9] = {
      /* none    */ {ok, ok, ws, ws, ws, ws, ws, ia, ws},
      /* created */ {ws, ws, ok, ok, ok, ws, ws, ia, ok},
      /* started */ {ws, ws, ws, ok, ok, ok, Errc::timeout, ia, ok},
      /* stopped */ {ws, ws, ok, ok, ok, ws, Errc::end_of_stream, ia, ok},
  };
  auto frame = test::pattern_frames(1, 64, 64)[0];
  for (int state = 0; state < 4; ++state) {
    for (int which = 0; which < 9; ++which) {
      SCOPED_TRACE(std::string(kEncCalls[which]) + " when " + kEncStates[state]);
      auto enc = *Encoder::create();
      if (state >= 1) ASSERT_TRUE(enc->Create(0, small_attr()).is_ok());
      if (state >= 2) ASSERT_TRUE(enc->Start(0).is_ok());
      if (state == 3) ASSERT_TRUE(enc->Stop(0).is_ok());
      const Encoder::State before = enc->state(0);
      ASSERT_EQ(static_cast<int>(before), state == 3 ? 4 : state) << "brought to the wrong state";
      Status s = enc_call(*enc, which, *frame);
      EXPECT_EQ(s.code(), table[state][which]) << s.to_string();
      if (!s.is_ok()) {
        EXPECT_NE(s.message().find("encoder channel 0"), std::string::npos) << s.to_string();
        if (s.code() == Errc::wrong_state) {
          EXPECT_EQ(enc->state(0), before) << "a refused call changes nothing";
        }
      }
    }
  }
}

// A 64x64 test pattern as fast as it is taken, `frames` frames (0: no end).
SensorConfig tiny_sensor(ManualClock& clock, uint64_t frames) {
  SensorConfig c;
  c.clock = &clock;
  c.source_options.width = 64;
  c.source_options.height = 64;
  c.source_options.paced = false;
  c.source_options.max_frames = frames;
  return c;
}

// A sensor: new (configurable), running, stopped, or ended by itself (its source ran out).
TEST(StateTable, SensorEveryCallInEveryState) {
  enum { fresh, running, stopped, ended };
  const char* states[] = {"new", "running", "stopped", "ended"};
  const char* calls[] = {"reset", "set_framesize", "set_pixformat", "run", "stop", "snapshot", "bind_info"};
  const Errc ok = Errc::ok, ws = Errc::wrong_state;
  const Errc table[4][7] = {
      /* new     */ {ok, ok, ok, ok, ok, ws, ok},
      /* running */ {ok, ws, ws, ws, ok, ok, ok},
      /* stopped */ {ok, ok, ok, ok, ok, ok, ok},
      /* ended   */ {ok, ok, ok, ok, ok, ok, ok},
  };
  for (int state = 0; state < 4; ++state) {
    for (int which = 0; which < 7; ++which) {
      SCOPED_TRACE(std::string(calls[which]) + " when " + states[state]);
      ManualClock clock;
      auto sensor = *Sensor::create(tiny_sensor(clock, state == ended ? 3 : 0));
      if (state != fresh) ASSERT_TRUE(sensor->run().is_ok());
      if (state == stopped) {
        ASSERT_TRUE(sensor->snapshot(0, 5000).has_value());
        ASSERT_TRUE(sensor->stop().is_ok());
      }
      if (state == ended) ASSERT_TRUE(sensor->wait_finished(10'000));
      const Sensor::State expected[] = {Sensor::State::idle, Sensor::State::running, Sensor::State::stopped,
                                        Sensor::State::ended};
      ASSERT_EQ(sensor->state(), expected[state]);
      Status s;
      switch (which) {
        case 0: s = sensor->reset(); break;
        case 1: s = sensor->set_framesize(64, 64); break;
        case 2: s = sensor->set_pixformat(Sensor::YUV420SP); break;
        case 3: s = sensor->run(); break;
        case 4: s = sensor->stop(); break;
        case 5: s = sensor->snapshot(0, 5000).status(); break;
        default: s = sensor->bind_info(0).status(); break;
      }
      EXPECT_EQ(s.code(), table[state][which]) << s.to_string();
      if (!s.is_ok()) {
        EXPECT_FALSE(s.message().empty());
        EXPECT_EQ(sensor->state(), expected[state]) << "a refused call changes nothing";
      }
      (void)sensor->stop();
    }
  }
}

// A link: open, then closed (K230 `del link` calls close too). Both calls are good in both.
TEST(StateTable, LinkEveryCallInEveryState) {
  for (bool closed : {false, true}) {
    ManualClock clock;
    auto sensor = *Sensor::create(tiny_sensor(clock, 0));
    auto enc = *Encoder::create();
    auto link = MediaManager::link(sensor->bind_info()->src, {VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0});
    ASSERT_TRUE(link.has_value());
    if (closed) (*link)->close();
    EXPECT_EQ(MediaManager::link_count(), closed ? 0u : 1u);
    (void)(*link)->stats();
    (*link)->close();
    (*link)->close();
    EXPECT_EQ(MediaManager::link_count(), 0u);
    EXPECT_TRUE(MediaManager::deinit().is_ok());
  }
}

}  // namespace
}  // namespace camrec::media
