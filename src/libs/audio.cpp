// SPDX-License-Identifier: LGPL-2.1-or-later
#include "libs/audio.h"

#include "libs/loader.h"

// The libavutil functions of a table whose other functions come from `lib`.
#define CAMREC_LIBS_RESOLVE_UTIL(fn) util.resolve(table.fn, CAMREC_LIBS_SYMBOL_NAME(fn));

namespace camrec::libs {

Result<const Opus*> opus() {
  static const Result<Opus> loaded = load_table<Opus>(Lib::opus, [](Library& lib, Opus& table) {
    CAMREC_LIBS_OPUS_FUNCTIONS(CAMREC_LIBS_RESOLVE)
  });
  return table_or_error(loaded);
}

Result<const AvCodec*> avcodec() {
  static const Result<AvCodec> loaded = []() -> Result<AvCodec> {
    // libavutil first: libavcodec needs it, and its error names the library that is missing.
    CAMREC_ASSIGN_OR_RETURN(Library util, Library::open(Lib::avutil));
    CAMREC_ASSIGN_OR_RETURN(Library lib, Library::open(Lib::avcodec));
    AvCodec table;
    CAMREC_LIBS_AVCODEC_FUNCTIONS(CAMREC_LIBS_RESOLVE)
    CAMREC_LIBS_AVUTIL_FUNCTIONS(CAMREC_LIBS_RESOLVE_UTIL)
    CAMREC_RETURN_IF_ERROR(util.status());
    CAMREC_RETURN_IF_ERROR(lib.status());
    return table;
  }();
  return table_or_error(loaded);
}

Result<const SwResample*> swresample() {
  static const Result<SwResample> loaded = []() -> Result<SwResample> {
    CAMREC_ASSIGN_OR_RETURN(Library util, Library::open(Lib::avutil));
    CAMREC_ASSIGN_OR_RETURN(Library lib, Library::open(Lib::swresample));
    SwResample table;
    CAMREC_LIBS_SWRESAMPLE_FUNCTIONS(CAMREC_LIBS_RESOLVE)
    CAMREC_LIBS_RESOLVE_UTIL(av_channel_layout_default)
    CAMREC_LIBS_RESOLVE_UTIL(av_channel_layout_uninit)
    CAMREC_RETURN_IF_ERROR(util.status());
    CAMREC_RETURN_IF_ERROR(lib.status());
    return table;
  }();
  return table_or_error(loaded);
}

}  // namespace camrec::libs
