// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capture/devices.h"
#include "capture/v4l2_source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <turbojpeg.h>

#include "camrec/media/clock.h"

namespace camrec::media {
namespace {

TEST(V4l2FormatTest, PrefersTheCheapestConversion) {
  const uint32_t rgb3 = v4l2_fourcc('R', 'G', 'B', '3');
  std::vector<uint32_t> all = {kFourccMjpeg, rgb3, kFourccYuyv, kFourccNv12};
  EXPECT_EQ(*choose_v4l2_format(all), kFourccNv12);
  std::vector<uint32_t> webcam = {kFourccMjpeg, kFourccYuyv};
  EXPECT_EQ(*choose_v4l2_format(webcam), kFourccYuyv);
  std::vector<uint32_t> mjpeg_only = {kFourccMjpeg};
  EXPECT_EQ(*choose_v4l2_format(mjpeg_only), kFourccMjpeg);
  std::vector<uint32_t> none = {rgb3};
  auto r = choose_v4l2_format(none);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.status().code(), Errc::unsupported);
  EXPECT_NE(r.status().message().find("RGB3"), std::string::npos);
  EXPECT_EQ(choose_v4l2_format({}).status().code(), Errc::unsupported);
}

TEST(V4l2FormatTest, AWantedFormatIsTakenWhenOfferedAndRefusedWithTheListOtherwise) {
  const uint32_t rgb3 = v4l2_fourcc('R', 'G', 'B', '3');
  std::vector<uint32_t> webcam = {kFourccMjpeg, kFourccYuyv};
  // The cheaper YUYV would be chosen; asked for, MJPG is taken.
  EXPECT_EQ(*choose_v4l2_format(webcam, kFourccMjpeg), kFourccMjpeg);
  EXPECT_EQ(*choose_v4l2_format(webcam, kFourccYuyv), kFourccYuyv);
  auto missing = choose_v4l2_format(webcam, kFourccNv12);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.status().code(), Errc::unsupported);
  EXPECT_NE(missing.status().message().find("does not offer NV12 (it has: MJPG, YUYV)"), std::string::npos)
      << missing.status().to_string();
  // Offered, but not a format camrec converts.
  std::vector<uint32_t> with_rgb = {rgb3, kFourccYuyv};
  auto unconvertible = choose_v4l2_format(with_rgb, rgb3);
  ASSERT_FALSE(unconvertible.has_value());
  EXPECT_NE(unconvertible.status().message().find("RGB3 is not one camrec converts"), std::string::npos)
      << unconvertible.status().to_string();
}

TEST(V4l2FormatTest, PixelFormatNames) {
  EXPECT_EQ(*parse_pixel_format("NV12"), kFourccNv12);
  EXPECT_EQ(*parse_pixel_format("yuyv"), kFourccYuyv);
  EXPECT_EQ(*parse_pixel_format("MJPG"), kFourccMjpeg);
  EXPECT_EQ(*parse_pixel_format("mjpeg"), kFourccMjpeg);
  for (const char* bad : {"", "RGB3", "NV1", "NV12 ", "H264"}) {
    auto r = parse_pixel_format(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.status().code(), Errc::invalid_argument);
    EXPECT_NE(r.status().message().find("NV12, YUYV or MJPG"), std::string::npos) << r.status().to_string();
  }
}

TEST(V4l2FormatTest, FourccNames) {
  EXPECT_EQ(fourcc_to_string(kFourccNv12), "NV12");
  EXPECT_EQ(fourcc_to_string(kFourccMjpeg), "MJPG");
  EXPECT_EQ(fourcc_to_string(0x01020304), "????");
}

TEST(V4l2TimestampTest, MapsBufferAgeOntoTheCaptureClock) {
  // Captured 15 ms before "now" on CLOCK_MONOTONIC -> 15 ms before now on the capture clock.
  EXPECT_EQ(v4l2_timestamp_to_clock(1'000'000, 1'015'000, 50'000'000), 49'985'000);
  // A timestamp from the future (driver skew) is clamped to now.
  EXPECT_EQ(v4l2_timestamp_to_clock(2'000'000, 1'000'000, 7), 7);
}

TEST(V4l2ConvertTest, EachCameraFormat) {
  MjpegDecoder mjpeg;
  auto out = Frame::allocate(PixelFormat::nv12, 4, 2);
  ASSERT_TRUE(out.has_value());
  std::vector<uint8_t> yuyv = {10, 128, 20, 128, 30, 128, 40, 128,
                               50, 128, 60, 128, 70, 128, 80, 128};
  ASSERT_TRUE(convert_camera_buffer(kFourccYuyv, yuyv, 8, 4, 2, mjpeg, *out).is_ok());
  EXPECT_EQ(out->plane(0)[5], 60);
  std::vector<uint8_t> nv12 = {1, 2, 3, 4, 5, 6, 7, 8, 128, 128, 128, 128};
  ASSERT_TRUE(convert_camera_buffer(kFourccNv12, nv12, 0, 4, 2, mjpeg, *out).is_ok());
  EXPECT_EQ(out->plane(0)[7], 8);
  EXPECT_EQ(convert_camera_buffer(v4l2_fourcc('R', 'G', 'B', '3'), nv12, 0, 4, 2, mjpeg, *out)
                .code(),
            Errc::unsupported);
  // MJPEG: a 16x16 grey JPEG made with libturbojpeg.
  std::vector<uint8_t> gray(16 * 16 * 3, 128);
  tjhandle h = tjInitCompress();
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  ASSERT_EQ(tjCompress2(h, gray.data(), 16, 48, 16, TJPF_RGB, &jpeg, &size, TJSAMP_422, 90, 0), 0);
  auto f16 = Frame::allocate(PixelFormat::nv12, 16, 16);
  ASSERT_TRUE(convert_camera_buffer(kFourccMjpeg, {jpeg, size}, 0, 16, 16, mjpeg, *f16).is_ok());
  EXPECT_NEAR(f16->plane(0)[40], 126, 3);  // RGB 128 -> limited-range Y 126
  EXPECT_NEAR(f16->plane(1)[8], 128, 2);
  EXPECT_EQ(convert_camera_buffer(kFourccMjpeg, {jpeg, size}, 0, 16, 16, mjpeg, *out).code(),
            Errc::invalid_argument);
  tjFree(jpeg);
  tjDestroy(h);
}

SourceOptions small() {
  SourceOptions o;
  o.width = 640;
  o.height = 480;
  return o;
}

TEST(V4l2DeviceTest, MissingDeviceIsNotFound) {
  auto r = open_sensor_source("v4l2:/dev/video-camrec-none", small(), steady_clock());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.status().code(), Errc::not_found);
  EXPECT_NE(r.status().message().find("/dev/video-camrec-none"), std::string::npos);
}

TEST(V4l2DeviceTest, NonVideoDeviceIsUnsupported) {
  auto r = open_v4l2_source("/dev/null", small(), steady_clock());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.status().code(), Errc::unsupported);
}

TEST(V4l2DeviceTest, CapturesFromARealCamera) {
  struct stat st {};
  if (::stat("/dev/video0", &st) != 0) {
    GTEST_SKIP() << "no /dev/video0 on this machine; camera capture not exercised";
  }
  SourceOptions o = small();
  o.max_frames = 5;
  auto src = open_sensor_source("v4l2:/dev/video0", o, steady_clock());
  ASSERT_TRUE(src.has_value()) << src.status().to_string();
  ASSERT_TRUE((*src)->start().is_ok());
  int64_t last = INT64_MIN;
  for (int i = 0; i < 5; ++i) {
    auto f = (*src)->next_frame();
    ASSERT_TRUE(f.has_value()) << f.status().to_string();
    EXPECT_EQ((*f)->format(), PixelFormat::nv12);
    EXPECT_GT((*f)->pts_us, last);
    EXPECT_LE((*f)->pts_us, steady_clock().now_us());
    last = (*f)->pts_us;
  }
  EXPECT_EQ((*src)->next_frame().status().code(), Errc::end_of_stream);
  (*src)->stop();
}

TEST(V4l2DeviceTest, CapturesEveryOfferedFormatThatIsAskedFor) {
  struct stat st {};
  if (::stat("/dev/video0", &st) != 0) {
    GTEST_SKIP() << "no /dev/video0 on this machine; --pixel-format capture not exercised";
  }
  auto cameras = list_cameras();
  const Camera* camera = nullptr;
  for (const auto& c : cameras)
    if (c.device == "/dev/video0") camera = &c;
  ASSERT_NE(camera, nullptr);
  int tried = 0;
  for (const auto& format : camera->formats) {
    auto fourcc = parse_pixel_format(format.fourcc);
    if (!fourcc) continue;  // offered, but not one camrec converts
    SCOPED_TRACE(format.fourcc);
    SourceOptions o = small();
    o.max_frames = 3;
    o.pixel_format = *fourcc;
    auto src = open_sensor_source("v4l2:/dev/video0", o, steady_clock());
    ASSERT_TRUE(src.has_value()) << src.status().to_string();
    ASSERT_TRUE((*src)->start().is_ok());
    for (int i = 0; i < 3; ++i) {
      auto f = (*src)->next_frame();
      ASSERT_TRUE(f.has_value()) << f.status().to_string();
      EXPECT_EQ((*f)->format(), PixelFormat::nv12);
    }
    (*src)->stop();
    ++tried;
  }
  EXPECT_GT(tried, 0) << "the camera offers none of NV12, YUYV, MJPG";
}

TEST(V4l2DeviceTest, AWantedFormatOnANonVideoDeviceIsUnsupported) {
  SourceOptions o = small();
  o.pixel_format = kFourccMjpeg;
  auto r = open_v4l2_source("/dev/null", o, steady_clock());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.status().code(), Errc::unsupported);
}

}  // namespace
}  // namespace camrec::media
