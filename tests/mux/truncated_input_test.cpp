// SPDX-License-Identifier: LGPL-2.1-or-later
// A remux input cut short while it is mapped (another program truncates it): reading past
// the new end must be a clear error, not SIGBUS, and no byte from past the new end may be
// handed out. Deterministic: the test truncates the file itself between two reads.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "camrec/muxer.h"
#include "io/mapped_file.h"
#include "mux/elementary_stream.h"
#include "mux/parsed_write.h"
#include "testing/test_util.h"

namespace camrec {
namespace {

/// A fresh copy of a 2-second H.264 stream in `dir` (the tests cut it short).
std::string stream_copy(const testing::TempDir& dir) {
  static testing::TempDir cache;
  const std::string made = cache.file("in.h264");
  if (!std::filesystem::exists(made)) {
    EXPECT_TRUE(testing::make_stream(made, "320x240", 60, 30, "-c:v libx264 -profile:v baseline -g 30"));
  }
  const std::string path = dir.file("in.h264");
  std::filesystem::copy_file(made, path, std::filesystem::copy_options::overwrite_existing);
  return path;
}

void cut(const std::string& path, uint64_t size) {
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(size)), 0) << path;
}

std::unique_ptr<mux::ElementaryStreamReader> open_mapped(const std::string& path) {
  mux::EsTiming timing;
  timing.fps_num = 30;
  timing.fps_den = 1;
  auto reader = mux::ElementaryStreamReader::open(path, codec::VideoCodec::h264, timing, true);
  EXPECT_TRUE(reader.has_value()) << reader.error().to_string();
  return reader ? std::move(*reader) : nullptr;
}

/// Reads `n` frames, which must all be there and mapped.
void read_frames(mux::ElementaryStreamReader& reader, int n) {
  mux::EsFrame f;
  for (int i = 0; i < n; ++i) {
    auto more = reader.next(f);
    ASSERT_TRUE(more.has_value()) << more.error().to_string();
    ASSERT_TRUE(*more);
    ASSERT_FALSE(f.nals.empty()) << "the reader did not map the file";
  }
}

/// Reads on until the end or an error; returns the error (ok at a clean end).
Status read_rest(mux::ElementaryStreamReader& reader) {
  mux::EsFrame f;
  while (true) {
    auto more = reader.next(f);
    if (!more) return more.error();
    if (!*more) return Status::ok();
  }
}

/// A mapped reader of a fresh copy of the stream, five frames into it: the input is then cut.
class TruncatedWhileReading : public ::testing::Test {
 protected:
  void SetUp() override {
    in_ = stream_copy(dir_);
    size_ = std::filesystem::file_size(in_);
    reader_ = open_mapped(in_);
    ASSERT_TRUE(reader_);
    read_frames(*reader_, 5);
  }

  testing::TempDir dir_;
  std::string in_;
  uint64_t size_ = 0;
  std::unique_ptr<mux::ElementaryStreamReader> reader_;
};

TEST_F(TruncatedWhileReading, InputEmptiedWhileMappedIsAnErrorNotSigbus) {
  // Every page not yet read is now past the end: touching one faults (SIGBUS).
  cut(in_, 0);
  Status s = read_rest(*reader_);
  ASSERT_FALSE(s.is_ok()) << "the frames past the new end were handed out";
  EXPECT_EQ(s.code(), Errc::malformed) << s.to_string();
  EXPECT_NE(s.message().find("the input shrank from " + std::to_string(size_) + " to 0 bytes while being read"),
            std::string::npos)
      << s.to_string();
  // The error stays: nothing more comes out of the reader.
  EXPECT_FALSE(reader_->check_input().is_ok());
}

TEST_F(TruncatedWhileReading, InputCutInsideItsLastPageIsAnErrorThoughNothingFaults) {
  // The new end is on the last page: reading it gives zeros past the end instead of a
  // fault, so only the file's size tells.
  cut(in_, size_ - 7);
  Status s = read_rest(*reader_);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("the input shrank from " + std::to_string(size_) + " to " + std::to_string(size_ - 7) +
                             " bytes"),
            std::string::npos)
      << s.to_string();
}

/// A fresh copy of a 2-second H.264 stream with B-frames (its last frames come out of the
/// reader's reordering after the scan reached the end).
std::string b_frame_stream_copy(const testing::TempDir& dir) {
  static testing::TempDir cache;
  const std::string made = cache.file("in-b.h264");
  if (!std::filesystem::exists(made)) {
    EXPECT_TRUE(testing::make_stream(made, "320x240", 60, 30, "-c:v libx264 -profile:v main -g 30 -bf 2"));
  }
  const std::string path = dir.file("in-b.h264");
  std::filesystem::copy_file(made, path, std::filesystem::copy_options::overwrite_existing);
  return path;
}

TEST(TruncatedInputTest, NoFrameHandedOutHoldsBytesFromPastACutInsideTheLastPage) {
  // The reader asks for the file's size only once the scan reached the end of the mapping
  // (a frame before needs no system call): the last frames, also those held back for
  // reordering, must still come out only after that check, and none with a byte past the cut.
  for (bool b_frames : {false, true}) {
    SCOPED_TRACE(b_frames ? "with B-frames" : "without B-frames");
    testing::TempDir dir;
    const std::string in = b_frames ? b_frame_stream_copy(dir) : stream_copy(dir);
    const auto size = std::filesystem::file_size(in);
    auto reader = open_mapped(in);
    ASSERT_TRUE(reader);
    mux::EsFrame f;
    auto first = reader->next(f);
    ASSERT_TRUE(first.has_value() && *first);
    const uint8_t* base = f.data.data();  // the stream's first start code is at byte 0
    ASSERT_EQ(base[0], 0);
    const uint64_t new_size = size - 7;
    cut(in, new_size);
    uint64_t frames = 1;
    Status s = Status::ok();
    while (true) {
      auto more = reader->next(f);
      if (!more) {
        s = more.error();
        break;
      }
      if (!*more) break;
      ++frames;
      // Frames come out in decode order; a held one may begin anywhere before the end.
      EXPECT_LE(static_cast<uint64_t>(f.data.data() + f.data.size() - base), new_size)
          << "frame " << frames << " holds bytes from past the cut";
    }
    EXPECT_EQ(s.code(), Errc::malformed) << s.to_string();
    // The last frame lost its last bytes (zeros now, which the splitter drops as trailing
    // zeros): it must not come out. The stream has 60 frames.
    EXPECT_LT(frames, 60u) << "the frame cut short was handed out";
  }
}

TEST(TruncatedInputTest, FramesWrittenFromAMappingCutShortAreTheSameError) {
  // The muxer writes a fragment's payloads from the mapping after the reader handed them
  // out: cut then, the write fails (EFAULT, not SIGBUS) and the reader explains why.
  testing::TempDir dir;
  const std::string in = stream_copy(dir);
  auto reader = open_mapped(in);
  ASSERT_TRUE(reader);
  MuxerOptions options;
  options.layout = Layout::fragmented;
  auto muxer = Muxer::create_file(dir.file("out.mp4"), options);
  ASSERT_TRUE(muxer.has_value()) << muxer.error().to_string();
  VideoTrackConfig vt;
  vt.codec = Codec::h264;
  auto track = (*muxer)->add_video_track(vt);
  ASSERT_TRUE(track.has_value());
  mux::EsFrame f;
  for (int i = 0; i < 10; ++i) {  // less than a fragment: all still pending in the muxer
    auto more = reader->next(f);
    ASSERT_TRUE(more.has_value() && *more);
    Packet p{f.data, f.pts, f.dts, f.timescale, f.duration};
    ASSERT_TRUE(MuxerInternals::write_parsed(**muxer, *track, p, {f.nals, f.key, f.sets.get()}).is_ok());
  }
  EXPECT_TRUE(reader->check_input().is_ok());
  cut(in, 0);
  Status closed = (*muxer)->close();
  ASSERT_FALSE(closed.is_ok()) << "the pending frames were written from past the input's new end";
  Status why = reader->check_input();
  EXPECT_EQ(why.code(), Errc::malformed);
  EXPECT_NE(why.message().find("the input shrank from"), std::string::npos) << why.to_string();
}

TEST(TruncatedInputTest, TheHandlerIsGoneWithTheLastMapping) {
  struct sigaction before = {};
  ASSERT_EQ(::sigaction(SIGBUS, nullptr, &before), 0);
  testing::TempDir dir;
  const std::string in = stream_copy(dir);
  {
    auto reader = open_mapped(in);
    ASSERT_TRUE(reader);
    struct sigaction during = {};
    ASSERT_EQ(::sigaction(SIGBUS, nullptr, &during), 0);
    EXPECT_NE(during.sa_sigaction, before.sa_sigaction);
  }
  struct sigaction after = {};
  ASSERT_EQ(::sigaction(SIGBUS, nullptr, &after), 0);
  EXPECT_EQ(after.sa_flags & SA_SIGINFO, before.sa_flags & SA_SIGINFO);
  EXPECT_EQ(reinterpret_cast<void*>(after.sa_handler), reinterpret_cast<void*>(before.sa_handler));
}

TEST(TruncatedInputDeathTest, AFaultOutsideTheGuardedMappingStillKills) {
  // Only faults in the input's own mapping are taken: any other SIGBUS (a bug, someone
  // else's mapping) keeps the action it had, here the default, so the process dies.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  testing::TempDir dir;
  const std::string in = stream_copy(dir);
  const std::string other = dir.file("other.bin");
  ASSERT_TRUE(testing::write_file(other, std::vector<uint8_t>(1 << 16, 1)));
  auto touch_a_cut_mapping = [&] {
    auto reader = open_mapped(in);
    int fd = ::open(other.c_str(), O_RDONLY);
    auto* p = static_cast<volatile const uint8_t*>(::mmap(nullptr, 1 << 16, PROT_READ, MAP_SHARED, fd, 0));
    if (::truncate(other.c_str(), 0) != 0) ::_exit(3);
    volatile uint8_t x = p[1 << 15];
    (void)x;
    ::_exit(0);
  };
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer installs its SIGBUS handler before main: that is the action kept here,
  // and it reports the fault and exits with 1.
  EXPECT_EXIT(touch_a_cut_mapping(), ::testing::ExitedWithCode(1), "AddressSanitizer: BUS");
#else
  EXPECT_EXIT(touch_a_cut_mapping(), ::testing::KilledBySignal(SIGBUS), "");
#endif
}

}  // namespace
}  // namespace camrec
