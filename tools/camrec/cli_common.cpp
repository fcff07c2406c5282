// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_common.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "io/sink.h"

namespace camrec::cli {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int exit_code_for(const Status& status) {
  switch (status.code()) {
    case Errc::ok: return kExitOk;
    case Errc::invalid_argument: return kExitUsage;
    case Errc::malformed:
    case Errc::unsupported:
    case Errc::limit_exceeded: return kExitDataError;
    case Errc::not_found:
    case Errc::permission_denied: return kExitNoInput;
    case Errc::already_exists:
    case Errc::busy: return kExitCantCreate;
    case Errc::io:
    case Errc::no_space:
    case Errc::file_too_large: return kExitIoError;
    default: return kExitSoftware;
  }
}

std::string hint_for(const std::string& command, const Status& status) {
  const std::string& m = status.message();
  switch (status.code()) {
    case Errc::invalid_argument: return "camrec help " + command + " lists the options and their ranges";
    case Errc::not_found:
      if (m.rfind("cannot load lib", 0) == 0 || m.rfind("cannot use lib", 0) == 0)
        return "install the library (camrec --version lists those it loads when needed), or record "
               "without what needs it (--codec, --audio)";
      if (m.find("/dev/video") != std::string::npos || m.find("v4l2") != std::string::npos)
        return "camrec devices lists the cameras; --source testpattern records without one";
      if (m.find("alsa") != std::string::npos || m.find("ALSA") != std::string::npos)
        return "camrec devices lists the capture devices; --audio-source tone records without one";
      return "check the path (ls -l shows what is there)";
    case Errc::permission_denied: return "check the permissions of the file and its folder (ls -l)";
    case Errc::malformed:
      // The input is fine as a format; another program cut it while it was read.
      if (m.find("while being read") != std::string::npos)
        return "another program changed the input while camrec read it: wait until it is done, or remux a copy";
      if (command == "remux" && m.find("first box") != std::string::npos)
        return "if it is a raw H.264/H.265 stream, name it .h264/.h265 or pass --codec h264 (or h265)";
      if (command == "remux")
        return "remux reads H.264/H.265 Annex B streams (.h264/.h265, or --codec) and MP4/MOV files";
      if (command == "info" || command == "extract") return "camrec recover repairs a file cut by a crash";
      return "";
    case Errc::unsupported:
      if (m.find("V4L2") != std::string::npos || m.find("camera") != std::string::npos ||
          m.find("video device") != std::string::npos || m.find("capture video") != std::string::npos)
        return "camrec devices lists the cameras and the pixel formats each offers (--pixel-format picks one)";
      return "";
    case Errc::no_space: return "free some space or write to another disk: the file keeps everything written before";
    case Errc::file_too_large:
      return "the file system limits the file size: --segment-size 2G splits the recording into several files";
    default: return "";
  }
}

int report_error(const std::string& command, const Status& status) {
  std::fprintf(stderr, "camrec %s: %s\n", command.c_str(), status.message().c_str());
  std::string hint = hint_for(command, status);
  if (!hint.empty()) std::fprintf(stderr, "  hint: %s\n", hint.c_str());
  return exit_code_for(status);
}

Status check_output_directory(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return io::errno_status(errno, "cannot create '" + path + "' in '" + dir.string() + "'");
  return Status::ok();
}

int report_output_error(const std::string& command, const Status& status) {
  std::fprintf(stderr, "camrec %s: %s\n", command.c_str(), status.message().c_str());
  std::string hint;
  switch (status.code()) {
    case Errc::not_found: hint = "create the folder first (mkdir -p), or choose another output path"; break;
    case Errc::permission_denied: hint = "choose a folder you can write to, or check its permissions (ls -ld)"; break;
    default: hint = hint_for(command, status);
  }
  if (!hint.empty()) std::fprintf(stderr, "  hint: %s\n", hint.c_str());
  switch (status.code()) {
    case Errc::io:
    case Errc::no_space:
    case Errc::file_too_large: return kExitIoError;
    default: return kExitCantCreate;
  }
}

}  // namespace camrec::cli
