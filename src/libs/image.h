// SPDX-License-Identifier: LGPL-2.1-or-later
// The picture libraries, loaded on first use (see loader.h): libyuv (pixel conversion and
// scaling) and TurboJPEG (MJPEG cameras).
#pragma once

#include <turbojpeg.h>

#include "camrec/status.h"
#include "libs/loader.h"
#include "libyuv.h"

namespace camrec::libs {

#define CAMREC_LIBS_YUV_FUNCTIONS(X)                                                          \
  X(I420Copy) X(NV12Copy) X(CopyPlane) X(NV12ToI420) X(I400ToI420) X(RAWToI420) X(I420ToNV12) \
  X(I420ToRAW) X(NV12Scale) X(I420Scale) X(YUY2ToNV12) X(YUY2ToI420)
#define CAMREC_LIBS_YUV_MEMBER(fn) decltype(&libyuv::fn) fn = nullptr;

/// The libyuv functions camrec calls, named as in libyuv.h (C linkage, so dlsym finds them).
struct Yuv {
  CAMREC_LIBS_YUV_FUNCTIONS(CAMREC_LIBS_YUV_MEMBER)
};
/// libyuv, opened on the first call (thread-safe). Errors: not_found naming the library.
Result<const Yuv*> yuv();

#define CAMREC_LIBS_TURBOJPEG_FUNCTIONS(X)                                                   \
  X(tjInitDecompress) X(tjDestroy) X(tjDecompressHeader3) X(tjDecompress2) X(tjGetErrorStr2) \
  X(tjGetErrorCode)

/// The TurboJPEG functions camrec calls, named as in turbojpeg.h.
struct TurboJpeg {
  CAMREC_LIBS_TURBOJPEG_FUNCTIONS(CAMREC_LIBS_MEMBER)
};
/// libturbojpeg, opened on the first call. Errors: not_found naming the library.
Result<const TurboJpeg*> turbojpeg();

}  // namespace camrec::libs
