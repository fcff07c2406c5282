// SPDX-License-Identifier: LGPL-2.1-or-later
#include "libs/alsa.h"

#include "libs/loader.h"

namespace camrec::libs {

Result<const Alsa*> alsa() {
  static const Result<Alsa> loaded = load_table<Alsa>(Lib::asound, [](Library& lib, Alsa& table) {
    CAMREC_LIBS_ALSA_FUNCTIONS(CAMREC_LIBS_RESOLVE)
  });
  return table_or_error(loaded);
}

}  // namespace camrec::libs
