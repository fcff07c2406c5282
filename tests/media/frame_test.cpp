// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/media/frame.h"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "frame/convert.h"

namespace camrec::media {
namespace {

Frame make(PixelFormat f, uint32_t w, uint32_t h) {
  auto r = Frame::allocate(f, w, h);
  EXPECT_TRUE(r.has_value()) << r.status().to_string();
  return std::move(r).value();
}

void fill_nv12(Frame& f, uint8_t y, uint8_t u, uint8_t v) {
  for (uint32_t r = 0; r < f.plane_rows(0); ++r) std::memset(f.plane(0) + r * f.stride(0), y, f.width());
  for (uint32_t r = 0; r < f.plane_rows(1); ++r) {
    uint8_t* row = f.plane(1) + r * f.stride(1);
    for (uint32_t c = 0; c < f.width() / 2; ++c) {
      row[2 * c] = u;
      row[2 * c + 1] = v;
    }
  }
}

TEST(FrameTest, LayoutOfEachFormat) {
  Frame nv12 = make(PixelFormat::nv12, 64, 48);
  EXPECT_EQ(nv12.plane_count(), 2);
  EXPECT_EQ(nv12.stride(1), 64u);
  EXPECT_EQ(nv12.plane_rows(1), 24u);
  EXPECT_EQ(nv12.packed_size(), 64u * 48 * 3 / 2);
  Frame i420 = make(PixelFormat::i420, 64, 48);
  EXPECT_EQ(i420.plane_count(), 3);
  EXPECT_EQ(i420.stride(2), 32u);
  Frame gray = make(PixelFormat::gray8, 63, 47);  // odd sizes are fine without chroma
  EXPECT_EQ(gray.packed_size(), 63u * 47);
  Frame rgb = make(PixelFormat::rgb888, 5, 3);
  EXPECT_EQ(rgb.stride(0), 15u);
  for (int i = 0; i < nv12.plane_count(); ++i) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(nv12.plane(i)) % 64, 0u);
  }
}

TEST(FrameTest, RejectsBadSizes) {
  EXPECT_EQ(Frame::allocate(PixelFormat::nv12, 0, 16).status().code(), Errc::invalid_argument);
  EXPECT_EQ(Frame::allocate(PixelFormat::nv12, 17, 16).status().code(), Errc::invalid_argument);
  EXPECT_EQ(Frame::allocate(PixelFormat::i420, 16, 15).status().code(), Errc::invalid_argument);
  EXPECT_EQ(Frame::allocate(PixelFormat::gray8, 8193, 16).status().code(), Errc::invalid_argument);
  EXPECT_EQ(Frame::allocate(PixelFormat::gray8, 16, 16, 13).status().code(),
            Errc::invalid_argument);
  auto aligned = Frame::allocate(PixelFormat::nv12, 64, 64, 12);
  ASSERT_TRUE(aligned.has_value());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(aligned->plane(0)) % 4096, 0u);
}

TEST(FrameTest, PackedRoundTripAndClone) {
  Frame f = make(PixelFormat::i420, 4, 2);
  std::vector<uint8_t> packed(f.packed_size());
  for (size_t i = 0; i < packed.size(); ++i) packed[i] = static_cast<uint8_t>(i * 7);
  ASSERT_TRUE(f.load_packed(packed).is_ok());
  f.pts_us = 42;
  f.sequence = 7;
  auto c = f.clone();
  ASSERT_TRUE(c.has_value());
  std::vector<uint8_t> back;
  c->append_packed(back);
  EXPECT_EQ(back, packed);
  EXPECT_EQ(c->pts_us, 42);
  EXPECT_EQ(c->sequence, 7u);
  EXPECT_EQ(f.load_packed(std::vector<uint8_t>(3)).code(), Errc::invalid_argument);
}

TEST(FrameTest, WrapShowsMemoryItDoesNotOwnUntilTheLastReferenceGoes) {
  // An odd start, as a Y4M frame after its "FRAME\n" line has: no alignment is promised.
  const uint32_t w = 6, h = 4;
  auto memory = std::make_shared<std::vector<uint8_t>>(1 + w * h * 3 / 2);
  for (size_t i = 0; i < memory->size(); ++i) (*memory)[i] = static_cast<uint8_t>(i * 5 + 1);
  std::span<const uint8_t> packed(memory->data() + 1, w * h * 3 / 2);
  std::weak_ptr<std::vector<uint8_t>> watch = memory;
  auto f = Frame::wrap(PixelFormat::i420, w, h, packed, std::move(memory), 42, 7);
  ASSERT_TRUE(f.has_value()) << f.status().to_string();
  FramePtr frame = std::move(*f);  // the only reference now
  EXPECT_EQ(frame->plane(0), packed.data());  // no copy
  EXPECT_EQ(frame->plane(1), packed.data() + w * h);
  EXPECT_EQ(frame->plane(2), packed.data() + w * h + w * h / 4);
  EXPECT_EQ(frame->stride(1), w / 2);
  EXPECT_EQ(frame->pts_us, 42);
  EXPECT_EQ(frame->sequence, 7u);
  std::vector<uint8_t> back;
  frame->append_packed(back);
  EXPECT_TRUE(std::equal(back.begin(), back.end(), packed.begin(), packed.end()));
  // A clone owns an aligned copy.
  auto c = frame->clone();
  ASSERT_TRUE(c.has_value());
  EXPECT_NE(c->plane(0), frame->plane(0));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(c->plane(1)) % 64, 0u);
  back.clear();
  c->append_packed(back);
  EXPECT_TRUE(std::equal(back.begin(), back.end(), packed.begin(), packed.end()));
  // Converted and scaled from where it lies (libyuv reads unaligned planes).
  auto nv12 = convert_to(*frame, PixelFormat::nv12, w, h);
  ASSERT_TRUE(nv12.has_value()) << nv12.status().to_string();
  EXPECT_EQ(nv12->plane(0)[5], packed[5]);
  EXPECT_EQ(nv12->plane(1)[0], packed[w * h]);  // U then V, interleaved
  EXPECT_EQ(nv12->plane(1)[1], packed[w * h + w * h / 4]);
  EXPECT_FALSE(watch.expired());
  FramePtr copy = frame;
  frame.reset();
  EXPECT_FALSE(watch.expired());  // a copy still shows it
  copy.reset();
  EXPECT_TRUE(watch.expired());   // the owner went with the last reference, and the memory with it
}

TEST(FrameTest, WrapChecksTheSize) {
  std::vector<uint8_t> bytes(64 * 64 * 3 / 2 + 1);
  EXPECT_EQ(Frame::wrap(PixelFormat::nv12, 64, 64, bytes, nullptr).status().code(), Errc::invalid_argument);
  EXPECT_EQ(Frame::wrap(PixelFormat::nv12, 64, 64, std::span(bytes).first(bytes.size() - 2), nullptr)
                .status().code(), Errc::invalid_argument);
  EXPECT_EQ(Frame::wrap(PixelFormat::nv12, 3, 3, bytes, nullptr).status().code(), Errc::invalid_argument);
  auto gray = Frame::wrap(PixelFormat::gray8, 64, 64, std::span(bytes).first(64 * 64), nullptr);
  ASSERT_TRUE(gray.has_value());  // no owner: the caller keeps the memory alive
  EXPECT_EQ((*gray)->packed_size(), 64u * 64u);
}

TEST(FramePoolTest, ReusesBuffers) {
  FramePool pool(2);
  for (int i = 0; i < 10; ++i) {
    auto f = pool.acquire(PixelFormat::nv12, 64, 64);
    ASSERT_TRUE(f.has_value());
  }
  EXPECT_EQ(pool.allocations(), 1u);
  auto a = pool.acquire(PixelFormat::nv12, 64, 64);
  auto b = pool.acquire(PixelFormat::nv12, 64, 64);
  EXPECT_EQ(pool.allocations(), 2u);
  EXPECT_NE((*a)->plane(0), (*b)->plane(0));
  EXPECT_EQ(pool.acquire(PixelFormat::nv12, 3, 3).status().code(), Errc::invalid_argument);
}

TEST(FramePoolTest, FramesOutliveThePool) {
  std::shared_ptr<Frame> kept;
  {
    FramePool pool;
    kept = *pool.acquire(PixelFormat::gray8, 16, 16);
  }
  kept->plane(0)[0] = 1;  // still valid memory
  EXPECT_EQ(kept->plane(0)[0], 1);
}

TEST(ConvertTest, RgbRedToYuvUsesLimitedRangeBt601) {
  Frame rgb = make(PixelFormat::rgb888, 16, 16);
  for (uint32_t i = 0; i < 16 * 16; ++i) {
    rgb.plane(0)[3 * i] = 255;  // R
  }
  auto yuv = convert_to(rgb, PixelFormat::i420, 16, 16);
  ASSERT_TRUE(yuv.has_value());
  EXPECT_NEAR(yuv->plane(0)[0], 82, 2);
  EXPECT_NEAR(yuv->plane(1)[0], 90, 2);
  EXPECT_NEAR(yuv->plane(2)[0], 240, 2);
  auto back = convert_to(*yuv, PixelFormat::rgb888, 16, 16);
  ASSERT_TRUE(back.has_value());
  EXPECT_NEAR(back->plane(0)[0], 255, 3);
  EXPECT_NEAR(back->plane(0)[1], 0, 3);
  EXPECT_NEAR(back->plane(0)[2], 0, 3);
}

TEST(ConvertTest, GrayGetsNeutralChroma) {
  Frame g = make(PixelFormat::gray8, 8, 8);
  std::memset(g.plane(0), 77, 64);
  auto nv12 = convert_to(g, PixelFormat::nv12, 8, 8);
  ASSERT_TRUE(nv12.has_value());
  EXPECT_EQ(nv12->plane(0)[9], 77);
  EXPECT_EQ(nv12->plane(1)[0], 128);
  EXPECT_EQ(nv12->plane(1)[1], 128);
}

TEST(ConvertTest, ScalingKeepsAFlatColourAndCopiesTimes) {
  Frame src = make(PixelFormat::nv12, 640, 480);
  fill_nv12(src, 100, 60, 200);
  src.pts_us = 1234;
  src.sequence = 5;
  for (PixelFormat f : {PixelFormat::nv12, PixelFormat::i420, PixelFormat::gray8}) {
    auto dst = convert_to(src, f, 320, 240);
    ASSERT_TRUE(dst.has_value());
    EXPECT_EQ(dst->plane(0)[1000], 100) << pixel_format_name(f);
    EXPECT_EQ(dst->pts_us, 1234);
    EXPECT_EQ(dst->sequence, 5u);
    if (f == PixelFormat::nv12) {
      EXPECT_EQ(dst->plane(1)[10], 60);
      EXPECT_EQ(dst->plane(1)[11], 200);
    }
    if (f == PixelFormat::i420) {
      EXPECT_EQ(dst->plane(1)[10], 60);
      EXPECT_EQ(dst->plane(2)[10], 200);
    }
  }
}

// A picture with detail in every plane (a different value at each pixel), so a plane read
// from the wrong place or with the wrong stride shows.
Frame patterned(PixelFormat f, uint32_t w, uint32_t h, uint32_t seed) {
  Frame frame = make(f, w, h);
  for (int p = 0; p < frame.plane_count(); ++p) {
    for (uint32_t r = 0; r < frame.plane_rows(p); ++r) {
      uint8_t* row = frame.plane(p) + size_t{r} * frame.stride(p);
      for (uint32_t c = 0; c < frame.stride(p); ++c) row[c] = static_cast<uint8_t>(16 + (r * 7 + c * 13 + p * 50 + seed) % 220);
    }
  }
  return frame;
}

bool same_pixels(const Frame& a, const Frame& b) {
  if (a.format() != b.format() || a.width() != b.width() || a.height() != b.height()) return false;
  for (int p = 0; p < a.plane_count(); ++p) {
    auto x = a.plane_span(p), y = b.plane_span(p);
    if (!std::equal(x.begin(), x.end(), y.begin(), y.end())) return false;
  }
  return true;
}

// NV12 and I420 hold the same samples: between them, at one size, nothing may change (the
// I420 side is read or written in place, without a scratch picture).
TEST(ConvertTest, Nv12AndI420ConvertLosslesslyAtOneSize) {
  const Frame i420 = patterned(PixelFormat::i420, 64, 48, 1);
  auto nv12 = convert_to(i420, PixelFormat::nv12, 64, 48);
  ASSERT_TRUE(nv12.has_value());
  EXPECT_EQ(nv12->plane(1)[0], i420.plane(1)[0]);
  EXPECT_EQ(nv12->plane(1)[1], i420.plane(2)[0]);
  auto back = convert_to(*nv12, PixelFormat::i420, 64, 48);
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(same_pixels(*back, i420));
  const Frame nv = patterned(PixelFormat::nv12, 64, 48, 2);
  auto planar = convert_to(nv, PixelFormat::i420, 64, 48);
  ASSERT_TRUE(planar.has_value());
  auto again = convert_to(*planar, PixelFormat::nv12, 64, 48);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(same_pixels(*again, nv));
}

// Scaling goes through I420: from an I420 frame in place or from a scratch conversion, into
// an I420 frame in place or through a scratch picture. Every route must give the same
// pixels, whatever size the last call left the (reused) scratch buffers at.
TEST(ConvertTest, EveryRouteThroughI420GivesTheSamePixels) {
  for (auto [sw, sh, dw, dh] : std::vector<std::array<uint32_t, 4>>{{64, 48, 32, 24}, {32, 24, 96, 72}, {640, 480, 32, 24}}) {
    SCOPED_TRACE(std::to_string(sw) + "x" + std::to_string(sh) + " to " + std::to_string(dw) + "x" + std::to_string(dh));
    const Frame rgb = patterned(PixelFormat::rgb888, sw, sh, sw);
    auto i420 = convert_to(rgb, PixelFormat::i420, sw, sh);  // a scratch-free reference source
    ASSERT_TRUE(i420.has_value());
    auto nv12 = convert_to(*i420, PixelFormat::nv12, sw, sh);
    ASSERT_TRUE(nv12.has_value());
    auto reference = convert_to(*i420, PixelFormat::i420, dw, dh);  // in place, both ends
    ASSERT_TRUE(reference.has_value());
    for (const Frame* src : std::vector<const Frame*>{&rgb, &*nv12}) {
      auto scaled = convert_to(*src, PixelFormat::i420, dw, dh);  // scratch source, I420 in place
      ASSERT_TRUE(scaled.has_value());
      EXPECT_TRUE(same_pixels(*scaled, *reference)) << "from " << pixel_format_name(src->format());
    }
    auto as_nv12 = convert_to(*i420, PixelFormat::nv12, dw, dh);  // I420 in place, scratch result
    ASSERT_TRUE(as_nv12.has_value());
    auto nv12_reference = convert_to(*reference, PixelFormat::nv12, dw, dh);
    ASSERT_TRUE(nv12_reference.has_value());
    EXPECT_TRUE(same_pixels(*as_nv12, *nv12_reference));
  }
}

TEST(ConvertTest, FitPictureLetterboxesAnotherShape) {
  auto rect = [](uint32_t sw, uint32_t sh, uint32_t dw, uint32_t dh, ScaleFit fit) {
    PictureRect r = fit_picture(sw, sh, dw, dh, fit);
    return std::to_string(r.x) + "," + std::to_string(r.y) + " " + std::to_string(r.width) + "x" +
           std::to_string(r.height);
  };
  EXPECT_EQ(rect(320, 240, 1280, 720, ScaleFit::letterbox), "160,0 960x720");  // 4:3 in 16:9: pillarbox
  EXPECT_EQ(rect(1920, 1080, 640, 480, ScaleFit::letterbox), "0,60 640x360");  // 16:9 in 4:3
  EXPECT_EQ(rect(320, 240, 640, 480, ScaleFit::letterbox), "0,0 640x480");     // same shape
  EXPECT_EQ(rect(1000, 720, 1008, 720, ScaleFit::letterbox), "4,0 1000x720");  // encoder's width alignment
  EXPECT_EQ(rect(320, 240, 1280, 720, ScaleFit::stretch), "0,0 1280x720");
  // Sides stay even (4:2:0 chroma), however odd the ratio, and never below 2.
  EXPECT_EQ(rect(1000, 999, 64, 64, ScaleFit::letterbox), "0,0 64x64");
  EXPECT_EQ(rect(8192, 2, 64, 64, ScaleFit::letterbox), "0,30 64x2");
}

TEST(ConvertTest, LetterboxKeepsThePictureAndPaintsBlackBars) {
  Frame src = make(PixelFormat::nv12, 64, 48);
  fill_nv12(src, 200, 60, 180);
  src.pts_us = 77;
  for (PixelFormat f : {PixelFormat::nv12, PixelFormat::i420, PixelFormat::gray8, PixelFormat::rgb888}) {
    SCOPED_TRACE(pixel_format_name(f));
    Frame dst = make(f, 128, 48);  // the 64x48 picture at x 32..95
    ASSERT_TRUE(convert_frame(src, dst, ScaleFit::letterbox).is_ok());
    EXPECT_EQ(dst.pts_us, 77);
    const uint32_t bpp = f == PixelFormat::rgb888 ? 3 : 1;
    for (uint32_t row : {0u, 47u}) {
      const uint8_t* y = dst.plane(0) + row * dst.stride(0);
      const uint8_t black = f == PixelFormat::rgb888 ? 0 : 16;
      EXPECT_EQ(y[0], black);
      EXPECT_EQ(y[31 * bpp], black);
      EXPECT_EQ(y[96 * bpp], black);
      EXPECT_EQ(y[127 * bpp], black);
      if (f != PixelFormat::rgb888) {
        EXPECT_EQ(y[32], 200);
        EXPECT_EQ(y[95], 200);
      } else {
        EXPECT_NE(y[32 * 3], 0);
      }
    }
    if (f == PixelFormat::nv12) {
      EXPECT_EQ(dst.plane(1)[0], 128);
      EXPECT_EQ(dst.plane(1)[32], 60);
      EXPECT_EQ(dst.plane(1)[33], 180);
      EXPECT_EQ(dst.plane(1)[96], 128);
    }
    if (f == PixelFormat::i420) {
      EXPECT_EQ(dst.plane(1)[0], 128);
      EXPECT_EQ(dst.plane(1)[16], 60);
      EXPECT_EQ(dst.plane(2)[16], 180);
      EXPECT_EQ(dst.plane(2)[48], 128);
    }
  }
}

TEST(ConvertTest, YuyvKnownPixels) {
  // Two rows of 4 pixels: Y0 U Y1 V per pair, with a 12-byte stride (4 padding bytes).
  std::vector<uint8_t> yuyv = {10, 50, 20, 60, 30, 70, 40, 80, 0, 0, 0, 0,
                               11, 52, 21, 62, 31, 72, 41, 82, 0, 0, 0, 0};
  Frame nv12 = make(PixelFormat::nv12, 4, 2);
  ASSERT_TRUE(convert_yuyv(yuyv, 12, 4, 2, nv12).is_ok());
  EXPECT_EQ(std::vector<uint8_t>(nv12.plane(0), nv12.plane(0) + 8),
            (std::vector<uint8_t>{10, 20, 30, 40, 11, 21, 31, 41}));
  // Chroma of the two rows is averaged (rounded): (50+52)/2, (60+62)/2, ...
  EXPECT_EQ(std::vector<uint8_t>(nv12.plane(1), nv12.plane(1) + 4),
            (std::vector<uint8_t>{51, 61, 71, 81}));
  EXPECT_EQ(convert_yuyv(std::span(yuyv).first(10), 12, 4, 2, nv12).code(),
            Errc::invalid_argument);
  EXPECT_EQ(convert_yuyv(yuyv, 6, 4, 2, nv12).code(), Errc::invalid_argument);
  Frame wrong = make(PixelFormat::nv12, 8, 2);
  EXPECT_EQ(convert_yuyv(yuyv, 12, 4, 2, wrong).code(), Errc::invalid_argument);
}

TEST(ConvertTest, StridedNv12) {
  // 4x2 image with an 8-byte pitch.
  std::vector<uint8_t> buf = {1, 2, 3, 4, 9, 9, 9, 9, 5, 6, 7, 8, 9, 9, 9, 9,
                              100, 200, 101, 201, 9, 9, 9, 9};
  Frame i420 = make(PixelFormat::i420, 4, 2);
  ASSERT_TRUE(convert_nv12_strided(buf, 8, 4, 2, i420).is_ok());
  EXPECT_EQ(std::vector<uint8_t>(i420.plane(0), i420.plane(0) + 8),
            (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(i420.plane(1)[0], 100);
  EXPECT_EQ(i420.plane(1)[1], 101);
  EXPECT_EQ(i420.plane(2)[0], 200);
  EXPECT_EQ(i420.plane(2)[1], 201);
  EXPECT_EQ(convert_nv12_strided(std::span(buf).first(20), 8, 4, 2, i420).code(),
            Errc::invalid_argument);
}

std::vector<uint8_t> jpeg_of_solid(int w, int h, uint8_t r, uint8_t g, uint8_t b, int subsamp) {
  std::vector<uint8_t> rgb(static_cast<size_t>(w * h * 3));
  for (int i = 0; i < w * h; ++i) {
    rgb[3 * i] = r;
    rgb[3 * i + 1] = g;
    rgb[3 * i + 2] = b;
  }
  tjhandle h_ = tjInitCompress();
  unsigned char* out = nullptr;
  unsigned long size = 0;
  EXPECT_EQ(tjCompress2(h_, rgb.data(), w, w * 3, h, TJPF_RGB, &out, &size, subsamp, 95, 0), 0);
  std::vector<uint8_t> jpeg(out, out + size);
  tjFree(out);
  tjDestroy(h_);
  return jpeg;
}

TEST(MjpegTest, DecodesToTheExpectedColour) {
  auto jpeg = jpeg_of_solid(64, 32, 0, 0, 255, TJSAMP_422);  // blue, 4:2:2 like webcams
  MjpegDecoder dec;
  Frame nv12 = make(PixelFormat::nv12, 64, 32);
  ASSERT_TRUE(dec.decode(jpeg, nv12).is_ok());
  // Blue in limited-range BT.601: Y 41, U 240, V 110.
  EXPECT_NEAR(nv12.plane(0)[100], 41, 3);
  EXPECT_NEAR(nv12.plane(1)[20], 240, 3);
  EXPECT_NEAR(nv12.plane(1)[21], 110, 3);
  // A smaller target is scaled.
  Frame small = make(PixelFormat::gray8, 32, 16);
  ASSERT_TRUE(dec.decode(jpeg, small).is_ok());
  EXPECT_NEAR(small.plane(0)[50], 41, 3);
}

TEST(MjpegTest, GarbageIsMalformed) {
  MjpegDecoder dec;
  Frame f = make(PixelFormat::nv12, 16, 16);
  std::vector<uint8_t> junk(200, 0x5A);
  EXPECT_EQ(dec.decode(junk, f).code(), Errc::malformed);
  EXPECT_EQ(dec.decode({}, f).code(), Errc::malformed);
  auto jpeg = jpeg_of_solid(16, 16, 1, 2, 3, TJSAMP_420);
  jpeg.resize(20);  // cut before the frame header
  EXPECT_EQ(dec.decode(jpeg, f).code(), Errc::malformed);
}

}  // namespace
}  // namespace camrec::media
