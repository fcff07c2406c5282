// SPDX-License-Identifier: LGPL-2.1-or-later
// Deterministic mutation testing: corrupted boxes must give an error or a value that writes
// back stably, never a crash or an unbounded allocation (run under ASan/UBSan in CI).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "box_samples.h"

namespace camrec::box {
namespace {

using testing::make_sample;

template <class T>
void mutate_and_parse(const T& seed_box, uint32_t seed, int rounds) {
  const std::vector<uint8_t> original = serialize_box(seed_box);
  const std::string top = fourcc_string(box_type(seed_box));
  std::mt19937 rng(seed);
  int parsed = 0, rejected = 0;
  for (int i = 0; i < rounds; ++i) {
    std::vector<uint8_t> bytes = original;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      size_t at = rng() % bytes.size();
      switch (rng() % 4) {
        case 0: bytes[at] = static_cast<uint8_t>(rng()); break;
        case 1: bytes[at] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
        case 2: bytes[at] = (rng() % 2) ? 0xff : 0x00; break;
        case 3: bytes.resize(std::max<size_t>(at, 8)); break;
      }
    }
    auto result = parse_box<T>(bytes);
    if (!result.has_value()) {
      ++rejected;
      // Errors name where they happened: the top box (or the header that could not be read).
      const std::string& message = result.error().message();
      EXPECT_FALSE(message.empty());
      EXPECT_NE(result.error().code(), Errc::ok);
      continue;
    }
    ++parsed;
    // What parsed writes back, and that writes back the same again.
    std::vector<uint8_t> once = serialize_box(*result);
    ASSERT_EQ(once.size(), box_size(*result));
    auto again = parse_box<T>(once);
    ASSERT_TRUE(again.has_value()) << top << " round " << i << ": " << again.error().to_string();
    EXPECT_TRUE(*again == *result) << top << " round " << i << ": the value changed when written";
    EXPECT_EQ(serialize_box(*again), once) << top << " round " << i;
    (void)inspect_box(*result);
  }
  // Both outcomes must occur, or the mutations test nothing.
  EXPECT_GT(parsed, 0) << top;
  EXPECT_GT(rejected, 0) << top;
}

TEST(Mutation, MovieBox) { mutate_and_parse(make_sample<MovieBox>(), 1, 3000); }
TEST(Mutation, MovieFragmentBox) { mutate_and_parse(make_sample<MovieFragmentBox>(), 2, 3000); }
TEST(Mutation, MovieFragmentRandomAccessBox) { mutate_and_parse(make_sample<MovieFragmentRandomAccessBox>(), 3, 2000); }
TEST(Mutation, SegmentIndexBox) { mutate_and_parse(make_sample<SegmentIndexBox>(), 4, 2000); }
TEST(Mutation, SampleDescriptionBox) { mutate_and_parse(make_sample<SampleDescriptionBox>(), 5, 3000); }
TEST(Mutation, TrackRunBox) { mutate_and_parse(make_sample<TrackRunBox>(), 6, 2000); }
TEST(Mutation, HandlerBox) { mutate_and_parse(make_sample<HandlerBox>(), 7, 2000); }

}  // namespace
}  // namespace camrec::box
