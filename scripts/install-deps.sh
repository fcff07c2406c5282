#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the Debian packages camrec needs.
#   install-deps.sh build   what the library, the CLI and the Python module need (make run, make install)
#   install-deps.sh         everything: also the tests, benchmarks, fuzzers and packaging tools
# Idempotent: asks apt only for what is missing, so a second run costs a dpkg query.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libx264-dev libx265-dev libopus-dev libogg-dev libyuv-dev libturbojpeg0-dev libasound2-dev
  libavcodec-dev libavutil-dev libswresample-dev libcli11-dev
  python3-dev pybind11-dev
)
[ "${1:-all}" = build ] || packages+=(
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  ffmpeg mediainfo gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-plugins-base-apps
  linux-perf
  chromium
  python3-pytest
  dpkg-dev file lintian
  libboost-dev libssl-dev nlohmann-json3-dev curl openssl iproute2
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm run the npm readers of tests/node; a machine whose node comes from elsewhere
# (it bundles npm) keeps it.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# mp4box.js (GPAC's JavaScript MP4 parser), one more independent reader for the tests, and
# hls.js, the player the live server's HLS test loads into Chromium, at the versions the
# lockfile pins.
node_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/node"
if [ ! -d "$node_dir/node_modules/mp4box" ] || [ ! -d "$node_dir/node_modules/hls.js" ]; then
  echo "Installing the npm test readers (tests/node)"
  npm ci --prefix "$node_dir" --no-audit --no-fund --loglevel=error >/dev/null
fi
