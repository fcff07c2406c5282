// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec devices: the cameras (V4L2: formats, sizes, frame rates) and the audio capture
// devices (ALSA) that record --source / --audio-source can use.
#include <cstdio>

#include "capture/devices.h"
#include "cli_common.h"

namespace camrec::cli {

namespace {

int run_devices() {
  auto cameras = media::list_cameras();
  std::printf("Cameras (--source v4l2:DEVICE --pixel-format FOURCC):\n");
  if (cameras.empty()) std::printf("  none found (--source testpattern records without one)\n");
  for (const auto& camera : cameras) {
    std::printf("  %s: %s\n", camera.device.c_str(), camera.name.c_str());
    for (const auto& format : camera.formats) {
      std::printf("    %s (%s):", format.fourcc.c_str(), format.description.c_str());
      for (const auto& size : format.sizes) {
        std::printf(" %ux%u", size.width, size.height);
        if (!size.rates.empty()) {
          std::printf("@");
          for (size_t i = 0; i < size.rates.size(); ++i) std::printf("%s%s", i ? "," : "", size.rates[i].c_str());
        }
      }
      std::printf("\n");
    }
  }
  auto audio = media::list_audio_capture_devices();
  std::printf("Audio capture devices (--audio-source alsa:NAME):\n");
  if (!audio) {
    std::printf("  none: %s\n", audio.error().message().c_str());
  } else if (audio->empty()) {
    std::printf("  none found (--audio-source tone records without one)\n");
  }
  if (audio) {
    for (const auto& device : *audio) std::printf("  %s: %s\n", device.name.c_str(), device.description.c_str());
  }
  return kExitOk;
}

}  // namespace

void add_devices_command(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("devices", "List the cameras (formats, sizes, frame rates) and audio capture devices");
  cmd->callback([&run] { run = [] { return run_devices(); }; });
}

}  // namespace camrec::cli
