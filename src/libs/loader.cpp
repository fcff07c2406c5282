// SPDX-License-Identifier: LGPL-2.1-or-later
#include "libs/loader.h"

#include <dlfcn.h>

namespace camrec::libs {

Result<Library> Library::open(Lib which) {
  const LibraryInfo& info = library_infos()[static_cast<size_t>(which)];
  const char* soname = info.soname;
  const char* needed_for = info.needed_for;
  // RTLD_NOW: a library that cannot bind all its own symbols fails here, with the loader's
  // message, not later in the middle of a recording. RTLD_LOCAL: its symbols serve only the
  // pointers taken from it, so two versions of one library in a process do not mix.
  void* handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return make_error(Errc::not_found, std::string("cannot load ") + soname + ", needed for " + needed_for +
                                           ": " + (why != nullptr ? why : "unknown reason"));
  }
  return Library(handle, soname, needed_for);
}

void* Library::lookup(const char* name) {
  dlerror();  // clear a stale message
  void* p = dlsym(handle_, name);
  if (p == nullptr) missing_.emplace_back(name);
  return p;
}

Status Library::status() const {
  if (missing_.empty()) return Status::ok();
  std::string names;
  for (const auto& m : missing_) names += (names.empty() ? "" : ", ") + m;
  return make_error(Errc::not_found, "cannot use " + soname_ + ", needed for " + needed_for_ +
                                         ": it lacks " + names + " (not the library camrec was built against)");
}

const std::vector<LibraryInfo>& library_infos() {
  static const std::vector<LibraryInfo> infos = {
      {Lib::x264, CAMREC_SONAME_X264, "H.264 encoding"},
      {Lib::x265, CAMREC_SONAME_X265, "H.265 encoding"},
      {Lib::opus, CAMREC_SONAME_OPUS, "Opus audio"},
      {Lib::avcodec, CAMREC_SONAME_AVCODEC, "AAC audio"},
      {Lib::avutil, CAMREC_SONAME_AVUTIL, "AAC audio and audio rate conversion"},
      {Lib::swresample, CAMREC_SONAME_SWRESAMPLE, "audio rate conversion"},
      {Lib::asound, CAMREC_SONAME_ASOUND, "ALSA audio capture"},
      {Lib::yuv, CAMREC_SONAME_YUV, "pixel format conversion and scaling"},
      {Lib::turbojpeg, CAMREC_SONAME_TURBOJPEG, "MJPEG camera capture"},
  };
  return infos;
}

}  // namespace camrec::libs
