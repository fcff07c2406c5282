#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A day in the life: 24 hours of 30 fps video (a real 160x128 x264 stream, repeated) and 50
# G.711 packets a second, muxed at full speed in each layout (regular, fragmented, regular
# cut every 300 s), beside a 5-minute recording of the same. Memory and per-sample mux cost
# hour by hour, the close's time and bytes, and a check that the files read back whole.
#   bench/day.sh BUILD_DIR WORK_DIR    (BENCH_DAY_HOURS=N simulates N hours instead of 24)
set -euo pipefail
build=$1
work=$2
hours=${BENCH_DAY_HOURS:-24}
day="$build/bench/bench_day"
stream="$work/day-160x128.h264"
if [ ! -s "$stream" ]; then
  ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x128:rate=30 -frames:v 300 -pix_fmt yuv420p \
    -c:v libx264 -preset veryfast -tune zerolatency -b:v 64k -g 30 -bf 0 "$stream.tmp.h264"
  mv "$stream.tmp.h264" "$stream"
fi
dir="$work/day"
rm -rf "$dir"
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

peak() { sed -nE 's/.*peak RSS ([0-9.]+) MB.*/\1/p' "$1"; }

for layout in regular fragmented segments; do
  out="$dir/day.mp4"
  [ $layout = segments ] && out="$dir/day-{index:03}.mp4"
  "$day" $layout 0.0833333 "$out" "$stream" >"$dir/short.txt"
  rm -f "$dir"/day*.mp4
  "$day" $layout "$hours" "$out" "$stream" >"$dir/long.txt"
  echo
  echo "### $layout layout$([ $layout = segments ] && echo ', cut every 300 s'): $hours hours simulated"
  cat "$dir/long.txt"
  # Every file must read back whole (camrec info, ffprobe): the right frame count over all files.
  frames=0
  for f in "$dir"/day*.mp4; do
    n=$("$build/camrec" info "$f" | sed -nE 's/^ *track 1: video .*, ([0-9]+) frames,.*/\1/p')
    ffprobe -v error "$f" </dev/null
    frames=$((frames + n))
  done
  want=$(awk -v h="$hours" 'BEGIN { printf "%.0f", h * 3600 * 30 }')
  files=$(find "$dir" -name 'day*.mp4' | wc -l)
  verdict=$([ "$frames" = "$want" ] && echo "complete" || echo "INCOMPLETE (want $want)")
  short=$(peak "$dir/short.txt")
  long=$(peak "$dir/long.txt")
  echo
  echo "files: $files, video frames read back: $frames ($verdict); peak RSS 5 min: $short MB, $hours h: $long MB," \
    "growth $(awk -v a="$long" -v b="$short" 'BEGIN { printf "%.1f", a - b }') MB (goal: within 2 MB)"
  rm -f "$dir"/day*.mp4
done
