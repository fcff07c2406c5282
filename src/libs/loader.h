// SPDX-License-Identifier: LGPL-2.1-or-later
// The codec and device libraries (x264, x265, Opus, libavcodec, libswresample, ALSA, libyuv,
// TurboJPEG) are opened with dlopen the first time camrec needs one, not linked: mapping them
// and relocating their data at start cost every run of the CLI 14 MB of memory (libavcodec
// alone brings in about 80 libraries), `camrec remux` included, which uses none of them.
// Each library has a table of the functions camrec calls, typed from the library's own
// header, filled once per process and never unloaded.
#pragma once

#include <string>
#include <vector>

#include "camrec/status.h"

namespace camrec::libs {

/// The libraries of this layer.
enum class Lib { x264, x265, opus, avcodec, avutil, swresample, asound, yuv, turbojpeg };

/// An opened shared library, kept open for the rest of the process (the function pointers
/// taken from it stay valid).
class Library {
 public:
  /// Opens `which` by its SONAME, searched as the dynamic linker does (LD_LIBRARY_PATH, the
  /// loader's cache, the default folders). Errors: not_found naming the library, what camrec
  /// needs it for and the loader's reason.
  static Result<Library> open(Lib which);

  /// Sets `fn` to the function `name` of the library. A missing one leaves `fn` null and is
  /// reported by status(), so a table is filled in one pass and checked once.
  template <typename F>
  void resolve(F& fn, const char* name) {
    fn = reinterpret_cast<F>(lookup(name));
  }

  /// Ok when every resolve() found its function. Errors: not_found naming the library and
  /// the missing functions (a library too old or not the one camrec was built against).
  Status status() const;

 private:
  Library(void* handle, std::string soname, std::string needed_for)
      : handle_(handle), soname_(std::move(soname)), needed_for_(std::move(needed_for)) {}
  void* lookup(const char* name);

  void* handle_ = nullptr;
  std::string soname_;
  std::string needed_for_;
  std::vector<std::string> missing_;
};

/// A library camrec loads on first use.
struct LibraryInfo {
  Lib lib;                 ///< Which.
  const char* soname;      ///< The file name the build was made against, e.g. "libx264.so.164".
  const char* needed_for;  ///< What camrec uses it for, e.g. "H.264 encoding".
};
/// Every library of this layer, in the order of Lib (for `camrec --version` and the errors).
const std::vector<LibraryInfo>& library_infos();

}  // namespace camrec::libs

// The name a function has in the library: headers such as x264.h make `x264_encoder_open` a
// macro for the versioned `x264_encoder_open_164`, so the argument is expanded first.
#define CAMREC_LIBS_SYMBOL_NAME(fn) CAMREC_LIBS_SYMBOL_NAME_INNER(fn)
#define CAMREC_LIBS_SYMBOL_NAME_INNER(fn) #fn
// A table member holding the library function `fn`, typed from its declaration.
#define CAMREC_LIBS_MEMBER(fn) decltype(&::fn) fn = nullptr;

namespace camrec::libs {

/// Opens `which` and fills a `Table` with `fill(library, table)` (CAMREC_LIBS_RESOLVE per
/// function). Errors: as Library::open() and Library::status().
template <typename Table, typename Fill>
Result<Table> load_table(Lib which, Fill fill) {
  CAMREC_ASSIGN_OR_RETURN(Library lib, Library::open(which));
  Table table;
  fill(lib, table);
  CAMREC_RETURN_IF_ERROR(lib.status());
  return table;
}

/// The table inside a loaded-once result, or its error.
template <typename Table>
Result<const Table*> table_or_error(const Result<Table>& loaded) {
  if (!loaded) return loaded.error();
  return &*loaded;
}

}  // namespace camrec::libs

// Inside a `fill`: resolves the member `fn` of `table` from `lib`.
#define CAMREC_LIBS_RESOLVE(fn) lib.resolve(table.fn, CAMREC_LIBS_SYMBOL_NAME(fn));
