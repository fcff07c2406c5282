// SPDX-License-Identifier: LGPL-2.1-or-later
#include "libs/image.h"

#include "libs/loader.h"

namespace camrec::libs {

Result<const Yuv*> yuv() {
  static const Result<Yuv> loaded = load_table<Yuv>(Lib::yuv, [](Library& lib, Yuv& table) {
    CAMREC_LIBS_YUV_FUNCTIONS(CAMREC_LIBS_RESOLVE)
  });
  return table_or_error(loaded);
}

Result<const TurboJpeg*> turbojpeg() {
  static const Result<TurboJpeg> loaded = load_table<TurboJpeg>(Lib::turbojpeg, [](Library& lib, TurboJpeg& table) {
    CAMREC_LIBS_TURBOJPEG_FUNCTIONS(CAMREC_LIBS_RESOLVE)
  });
  return table_or_error(loaded);
}

}  // namespace camrec::libs
