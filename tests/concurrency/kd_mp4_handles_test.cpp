// SPDX-License-Identifier: LGPL-2.1-or-later
// kd_mp4 handles under threads: a destroy while another thread writes waits for the write
// (no use after free), a destroyed handle never names a later recording, and threads that
// create, write and destroy at once (with stale handles thrown in) get only clean errors.
// Run under ASan (make test-asan) and TSan (make test-tsan).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "mp4_format.h"
#include "testing/h264_clip.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

using testing::clip;

KD_HANDLE create_video_track(KD_HANDLE mp4) {
  KD_HANDLE track = nullptr;
  EXPECT_EQ(testing::add_kd_mp4_track(mp4, &track, K_MP4_STREAM_VIDEO), 0) << kd_mp4_error_message();
  return track;
}

int write_unit(KD_HANDLE mp4, KD_HANDLE track, size_t frame) {
  return testing::write_kd_mp4_frame(mp4, track, K_MP4_CODEC_ID_H264, clip().units[frame % clip().units.size()],
                                     frame * 1'000'000 / 30);
}

TEST(KdMp4Handles, DestroyWaitsForAWriteInFlightAndLaterCallsFail) {
  ASSERT_FALSE(clip().units.empty());
  for (int round = 0; round < 5; ++round) {
    testing::TempDir dir;
    const std::string out = dir.file("w.mp4");
    KD_HANDLE mp4 = testing::create_kd_mp4_muxer(out);
    KD_HANDLE track = create_video_track(mp4);
    std::atomic<size_t> written{0};
    std::atomic<bool> go{false};
    std::vector<int> errors;
    std::thread writer([&] {
      while (!go) std::this_thread::yield();
      // Until the destroy lands, then every call fails cleanly: never a crash.
      for (size_t i = 0; i < 100'000; ++i) {
        int r = write_unit(mp4, track, i);
        if (r != 0) {
          errors.push_back(r);
          if (errors.size() >= 3) break;
          continue;
        }
        written = i + 1;
      }
    });
    go = true;
    while (written < static_cast<size_t>(5 + round * 7)) std::this_thread::yield();
    EXPECT_EQ(kd_mp4_destroy(mp4), 0) << kd_mp4_error_message();
    writer.join();
    ASSERT_FALSE(errors.empty());
    for (int e : errors) EXPECT_TRUE(e == K_MP4_ERR_INVALID_ARGUMENT || e == K_MP4_ERR_WRONG_STATE) << e;
    // Every frame acknowledged before the destroy is in the closed file.
    EXPECT_EQ(testing::ffprobe_warnings(out), "");
    EXPECT_EQ(testing::ffprobe_packet_count(out, "v"), static_cast<int64_t>(written.load()));
  }
}

TEST(KdMp4Handles, AStaleHandleNeverNamesANewerRecording) {
  testing::TempDir dir;
  for (int i = 0; i < 50; ++i) {
    KD_HANDLE old_mp4 = testing::create_kd_mp4_muxer(dir.file("old.mp4"));
    KD_HANDLE old_track = create_video_track(old_mp4);
    ASSERT_EQ(kd_mp4_destroy(old_mp4), 0);
    // The allocator hands freed memory out again first: a new recording now.
    const std::string out = dir.file("new" + std::to_string(i) + ".mp4");
    KD_HANDLE mp4 = testing::create_kd_mp4_muxer(out);
    KD_HANDLE track = create_video_track(mp4);
    ASSERT_EQ(write_unit(mp4, track, 0), 0) << kd_mp4_error_message();
    EXPECT_NE(old_mp4, mp4);
    EXPECT_NE(old_track, track);
    EXPECT_EQ(kd_mp4_destroy(old_mp4), K_MP4_ERR_INVALID_ARGUMENT) << "round " << i;
    EXPECT_NE(std::string(kd_mp4_error_message()).find("was destroyed"), std::string::npos) << kd_mp4_error_message();
    EXPECT_EQ(write_unit(old_mp4, old_track, 1), K_MP4_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(write_unit(mp4, old_track, 1), K_MP4_ERR_INVALID_ARGUMENT) << "an old track on the new file";
    EXPECT_EQ(kd_mp4_destroy(track), K_MP4_ERR_INVALID_ARGUMENT) << "a track handle is not a file handle";
    EXPECT_NE(std::string(kd_mp4_error_message()).find("track handle was passed"), std::string::npos);
    // The new recording is untouched and gets its second frame.
    ASSERT_EQ(write_unit(mp4, track, 1), 0) << kd_mp4_error_message();
    ASSERT_EQ(kd_mp4_destroy(mp4), 0) << kd_mp4_error_message();
    if (i % 10 == 0) {
      EXPECT_EQ(testing::ffprobe_packet_count(out, "v"), 2);
    }
  }
  int on_stack = 0;
  EXPECT_EQ(kd_mp4_destroy(&on_stack), K_MP4_ERR_INVALID_ARGUMENT) << "an address that was never a handle";
  EXPECT_NE(std::string(kd_mp4_error_message()).find("not a kd_mp4 handle"), std::string::npos);
}

// Threads that each record, with one more thread destroying and writing to whatever handles
// it has seen, stale ones included. Every call returns 0 or a clean error; every recording
// whose owner destroyed it is a clean file.
TEST(KdMp4Handles, CreateWriteDestroyFromManyThreads) {
  ASSERT_FALSE(clip().units.empty());
  testing::TempDir dir;
  constexpr int kThreads = 4;
  constexpr int kRounds = 6;
  std::mutex seen_mutex;
  std::vector<std::pair<KD_HANDLE, KD_HANDLE>> seen;
  std::atomic<bool> done{false};
  std::atomic<int> unexpected{0};
  auto expected = [](int r) {
    return r == 0 || r == K_MP4_ERR_INVALID_ARGUMENT || r == K_MP4_ERR_WRONG_STATE;
  };
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> finished(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const std::string out = dir.file("t" + std::to_string(t) + "_" + std::to_string(round) + ".mp4");
        KD_HANDLE mp4 = testing::create_kd_mp4_muxer(out);
        KD_HANDLE track = create_video_track(mp4);
        {
          std::lock_guard lock(seen_mutex);
          seen.emplace_back(mp4, track);
        }
        bool alive = true;
        for (size_t i = 0; i < 20 && alive; ++i) {
          int r = write_unit(mp4, track, i);
          if (!expected(r)) ++unexpected;
          alive = r == 0;
        }
        int r = kd_mp4_destroy(mp4);
        if (!expected(r)) ++unexpected;
        if (r == 0) finished[t].push_back(out);
      }
    });
  }
  std::thread chaos([&] {
    size_t n = 0;
    while (!done) {
      std::pair<KD_HANDLE, KD_HANDLE> h{};
      {
        std::lock_guard lock(seen_mutex);
        if (!seen.empty()) h = seen[n++ % seen.size()];
      }
      if (!h.first) {
        std::this_thread::yield();
        continue;
      }
      // Mostly writes (out of order: refused or accepted), sometimes a destroy.
      int r = n % 5 == 0 ? kd_mp4_destroy(h.first) : write_unit(h.first, h.second, n);
      if (!expected(r) && r != K_MP4_ERR_MALFORMED) ++unexpected;
    }
  });
  for (auto& th : threads) th.join();
  done = true;
  chaos.join();
  EXPECT_EQ(unexpected.load(), 0);
  size_t files = 0;
  for (const auto& list : finished) {
    for (const auto& out : list) {
      EXPECT_EQ(testing::ffprobe_warnings(out), "") << out;
      ++files;
    }
  }
  EXPECT_GT(files, 0u);
}

}  // namespace
}  // namespace camrec
