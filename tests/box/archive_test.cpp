// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gtest/gtest.h>

#include "box/file_boxes.h"
#include "box/fragment_boxes.h"
#include "box/inspect.h"

namespace camrec::box {
namespace {

TEST(Archive, FtypRoundTrip) {
  FileTypeBox ftyp{fourcc("isom"), 0x200, {fourcc("isom"), fourcc("iso6"), fourcc("mp41")}};
  auto bytes = serialize_box(ftyp);
  ASSERT_EQ(bytes.size(), box_size(ftyp));
  EXPECT_EQ(bytes.size(), 8u + 8 + 12);
  auto back = parse_box<FileTypeBox>(bytes);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(*back, ftyp);
}

TEST(Archive, TrunCountLargerThanBoxIsRejectedBeforeAllocating) {
  TrackRunBox trun;
  trun.flags = TrackRunBox::kSampleSizePresent;
  trun.entries.resize(3);
  auto bytes = serialize_box(trun);
  // Claim 0x40000000 samples of 4 bytes in a box that holds 12 bytes of entries.
  bytes[12] = 0x40;
  auto back = parse_box<TrackRunBox>(bytes);
  ASSERT_FALSE(back.has_value());
  EXPECT_EQ(back.error().code(), Errc::malformed);
  EXPECT_NE(back.error().message().find("trun"), std::string::npos) << back.error().message();
}

TEST(Archive, TrunWithoutPerSampleFieldsCapsTheCount) {
  TrackRunBox trun;
  auto bytes = serialize_box(trun);
  bytes[12] = 0xff;  // 4 billion samples of zero bytes each
  auto back = parse_box<TrackRunBox>(bytes);
  ASSERT_FALSE(back.has_value());
  EXPECT_EQ(back.error().code(), Errc::limit_exceeded);
}

TEST(Archive, InspectPrintsOffsetsAndFields) {
  TrackFragmentDecodeTimeBox tfdt{1, 0, 1234567890123};
  std::string json = inspect_box(tfdt, 100);
  EXPECT_EQ(json,
            "{\"type\":\"tfdt\",\"offset\":100,\"size\":20,\"version\":1,\"flags\":0,"
            "\"base_media_decode_time\":1234567890123}");
}

}  // namespace
}  // namespace camrec::box
