#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Remux: camrec against `ffmpeg -c copy`, GStreamer (MP4 input only: mp4mux refuses the
# untimed buffers of a raw Annex B stream) and the copy floor `dd bs=4M`, on a cached
# 10-minute 720p30 H.264 Annex B stream (and a 1-hour one), output on disk and on a tmpfs.
#   bench/remux.sh BUILD_DIR WORK_DIR     (BENCH_LONG=0 skips the 1-hour file,
#                                          BENCH_ROUNDS=N runs each tool N times, default 3)
set -euo pipefail
build=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
camrec="$build/camrec"
measure="$build/bench/bench_measure"
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
rounds=${BENCH_ROUNDS:-3}

# The source: 20 s of x264 (veryfast, Main, 4 Mbit/s CBR, 1 s GOP, no B-frames), repeated.
clip="$work/clip20s.h264"
if [ ! -s "$clip" ]; then
  ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -t 20 -pix_fmt yuv420p \
    -c:v libx264 -preset veryfast -profile:v main -b:v 4M -maxrate 4M -bufsize 8M -g 30 -bf 0 "$clip.tmp.h264"
  mv "$clip.tmp.h264" "$clip"
fi
make_long() {  # COPIES OUTPUT
  [ -s "$2" ] && return
  local tmp="$2.tmp"
  : >"$tmp"
  for _ in $(seq "$1"); do cat "$clip" >>"$tmp"; done
  mv "$tmp" "$2"
}
make_long 30 "$work/10min.h264"
inputs=(10min)
if [ "${BENCH_LONG:-1}" != 0 ]; then
  make_long 180 "$work/1h.h264"
  inputs+=(1h)
fi

# Output places: the work directory (a disk) and, when it has room, a tmpfs, where no
# write-back to a device blurs the ratios.
dests=("disk:$work")
shm=/dev/shm
if [ -d "$shm" ] && [ -w "$shm" ]; then dests+=("tmpfs:$shm"); fi

command_for() {  # TOOL INPUT OUTPUT -> sets cmd
  local tool=$1 in=$2 out=$3
  case $tool in
    dd) cmd=(dd if="$in" of="$out" bs=4M status=none) ;;
    ffmpeg) cmd=(ffmpeg -nostdin -v error -y -framerate 30 -i "$in" -c copy -f mp4 "$out") ;;
    ffmpeg-mp4) cmd=(ffmpeg -nostdin -v error -y -i "$in" -c copy -f mp4 "$out") ;;
    gstreamer-mp4) cmd=(gst-launch-1.0 -q filesrc location="$in" ! qtdemux ! h264parse ! mp4mux ! filesink location="$out") ;;
    camrec) cmd=("$camrec" remux -q -y --fps 30 "$in" "$out") ;;
    camrec-fmp4) cmd=("$camrec" remux -q -y --fps 30 --fmp4 "$in" "$out") ;;
    camrec-mp4) cmd=("$camrec" remux -q -y "$in" "$out") ;;
    camrec-mp4-fmp4) cmd=("$camrec" remux -q -y --fmp4 "$in" "$out") ;;
  esac
}

# run_table TITLE INPUT DEST TOOLS...: BENCH_ROUNDS alternating rounds, then the table
# (the first tool is the floor).
run_table() {
  local title=$1 in=$2 dest=$3
  shift 3
  local tools=("$@") out="$dest/camrec-bench-out.mp4" tool round outsize
  declare -A size
  cat "$in" >/dev/null  # cached, as every tool below sees it
  for round in $(seq "$rounds"); do
    for tool in "${tools[@]}"; do
      rm -f "$out"
      # Nobody pays for the write-back of the previous tool's output.
      [ "$dest" = "$shm" ] || sync
      command_for "$tool" "$in" "$out"
      bench_once "$title/$tool" "${cmd[@]}"
      size[$tool]=$(stat -c %s "$out")
    done
  done
  rm -f "$out"
  table_header "$title: $(basename "$in"), $(stat -c %s "$in") bytes, $rounds rounds (floor: ${tools[0]})"
  for tool in "${tools[@]}"; do table_row "$title/$tool" "$tool" "$title/${tools[0]}" "${size[$tool]}"; done
}


# room_for DIR FILE: DIR can take a copy of FILE with room to spare.
room_for() { [ $(($(df -Pk "$1" | awk 'NR == 2 { print $4 }') * 1024)) -gt $(($(stat -c %s "$2") * 3 / 2)) ]; }

for label in "${inputs[@]}"; do
  in="$work/$label.h264"
  for d in "${dests[@]}"; do
    if ! room_for "${d#*:}" "$in"; then
      echo
      echo "(remux $label to ${d%%:*}: skipped, not enough free space in ${d#*:})"
      continue
    fi
    run_table "remux $label to ${d%%:*}" "$in" "${d#*:}" dd ffmpeg camrec camrec-fmp4
  done
done

# MP4 -> MP4: the same 10 minutes as an MP4 written by ffmpeg (not by camrec itself).
mp4="$work/10min.mp4"
if [ ! -s "$mp4" ]; then
  ffmpeg -nostdin -v error -y -framerate 30 -i "$work/10min.h264" -c copy "$mp4.tmp.mp4"
  mv "$mp4.tmp.mp4" "$mp4"
fi
for d in "${dests[@]}"; do
  room_for "${d#*:}" "$mp4" || continue
  run_table "MP4 remux to ${d%%:*}" "$mp4" "${d#*:}" dd ffmpeg-mp4 gstreamer-mp4 camrec-mp4 camrec-mp4-fmp4
done
