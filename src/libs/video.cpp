// SPDX-License-Identifier: LGPL-2.1-or-later
#include "libs/video.h"

#include "libs/loader.h"

namespace camrec::libs {

Result<const X264*> x264() {
  static const Result<X264> loaded = load_table<X264>(Lib::x264, [](Library& lib, X264& table) {
    CAMREC_LIBS_X264_FUNCTIONS(CAMREC_LIBS_RESOLVE)
  });
  return table_or_error(loaded);
}

namespace {

// x265 hands out its whole API as one table; the entry point's name carries X265_BUILD.
struct X265Entry {
  CAMREC_LIBS_MEMBER(x265_api_get)
};

}  // namespace

Result<const x265_api*> x265() {
  static const Result<const x265_api*> loaded = []() -> Result<const x265_api*> {
    CAMREC_ASSIGN_OR_RETURN(X265Entry entry, load_table<X265Entry>(Lib::x265, [](Library& lib, X265Entry& table) {
      CAMREC_LIBS_RESOLVE(x265_api_get)
    }));
    const x265_api* api = entry.x265_api_get(8);
    if (api == nullptr) {
      return make_error(Errc::not_found, "cannot use " + std::string(library_infos()[size_t(Lib::x265)].soname) +
                                             ": it has no 8-bit encoder");
    }
    return api;
  }();
  return loaded;
}

}  // namespace camrec::libs
