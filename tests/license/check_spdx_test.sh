#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The license checker itself: in a scratch tree (not a git checkout) it must name each source
# file without an SPDX line and fail, accept the line after a #! line, ignore data files, and
# --add must leave a tree it accepts.
set -euo pipefail
checker="$1"
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT

mkdir -p "$tree/src" "$tree/data"
printf '// SPDX-License-Identifier: LGPL-2.1-or-later\nint a;\n' >"$tree/src/good.cpp"
printf 'int b;\n' >"$tree/src/bad.h"
printf '#!/bin/sh\n# SPDX-License-Identifier: LGPL-2.1-or-later\ntrue\n' >"$tree/run"
printf '#!/bin/sh\ntrue\n' >"$tree/bad_script"
printf 'project(x)\n' >"$tree/CMakeLists.txt"
printf '\x00\x01binary' >"$tree/data/clip.mp4"

if out=$(bash "$checker" "$tree"); then
  echo "FAIL: the checker accepted a tree with files lacking the line"; exit 1
fi
for f in src/bad.h bad_script CMakeLists.txt; do
  grep -q ": $f\$" <<<"$out" || { echo "FAIL: $f not reported:"; echo "$out"; exit 1; }
done
for f in src/good.cpp run data/clip.mp4; do
  if grep -q ": $f\$" <<<"$out"; then echo "FAIL: $f wrongly reported"; exit 1; fi
done

bash "$checker" --add "$tree" >/dev/null
bash "$checker" "$tree" >/dev/null || { echo "FAIL: tree still rejected after --add"; exit 1; }
[ "$(head -n 1 "$tree/bad_script")" = '#!/bin/sh' ] || { echo "FAIL: --add moved the #! line"; exit 1; }
echo "ok"
