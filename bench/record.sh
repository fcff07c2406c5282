#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Recording: one Y4M source (600 frames) encoded with the same x264 / x265 settings as camrec
# uses (veryfast, tune zerolatency, Main, 4 Mbit/s CBR with a 1 s VBV, 1 s closed GOP without
# scene cuts, no B-frames, headers on every key frame, automatic threads) by
# `camrec record --source file:... --fast`, by ffmpeg and by GStreamer, in alternation. camrec
# queues one frame before the encoder (--queue-frames 1): a file source only waits for it.
# Then a real-time paced recording of a test pattern: CPU per recorded second beside
# `ffmpeg -re`.
#   bench/record.sh BUILD_DIR WORK_DIR    (BENCH_RECORD_ROUNDS=N, default 3; BENCH_X265=0 skips x265)
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
rounds=${BENCH_RECORD_ROUNDS:-3}
out=$(mktemp -d "${TMPDIR:-/tmp}/camrec-bench-record.XXXXXX")
trap 'rm -rf "$results" "$out"' EXIT

x264_opts="keyint-min=30:scenecut=0:vbv-maxrate=4000:vbv-bufsize=4000:repeat-headers=1"
x265_opts="keyint=30:min-keyint=30:scenecut=0:open-gop=0:bframes=0:vbv-maxrate=4000:vbv-bufsize=4000:repeat-headers=1:info=0:log-level=error"

command_for() {  # TOOL CODEC Y4M FRAMES -> cmd
  local tool=$1 codec=$2 y4m=$3 frames=$4 o="$out/$1.mp4"
  case $tool/$codec in
    camrec/*) cmd=("$camrec" record -q -y --source "file:$y4m" --fast --frames $frames --codec "$codec"
      --preset veryfast --profile main --bitrate 4000 --rc cbr --gop 30 --fsync never --queue-frames 1 -o "$o") ;;
    ffmpeg/h264) cmd=(ffmpeg -nostdin -v error -y -i "$y4m" -frames:v $frames -c:v libx264 -preset veryfast
      -tune zerolatency -profile:v main -b:v 4000k -maxrate 4000k -bufsize 4000k -g 30 -bf 0
      -x264-params "$x264_opts" "$o") ;;
    ffmpeg/h265) cmd=(ffmpeg -nostdin -v error -y -i "$y4m" -frames:v $frames -c:v libx265 -preset veryfast
      -tune zerolatency -profile:v main -b:v 4000k -tag:v hvc1 -x265-params "$x265_opts" "$o") ;;
    gstreamer/h264) cmd=(gst-launch-1.0 -q filesrc location="$y4m" ! y4mdec ! x264enc speed-preset=veryfast
      tune=zerolatency bitrate=4000 vbv-buf-capacity=1000 key-int-max=30 bframes=0 option-string="$x264_opts"
      ! video/x-h264,profile=main ! h264parse ! mp4mux ! filesink location="$o") ;;
    gstreamer/h265) cmd=(gst-launch-1.0 -q filesrc location="$y4m" ! y4mdec ! x265enc speed-preset=veryfast
      tune=zerolatency bitrate=4000 key-int-max=30 option-string="$x265_opts" ! h265parse ! mp4mux
      ! filesink location="$o") ;;
  esac
}

run_encode() {  # SIZE CODEC FRAMES (x265 is 5-10x slower: fewer frames keep the run short)
  local size=$1 codec=$2 frames=$3 y4m="$work/src-$1-$3.y4m" tool
  if [ ! -s "$y4m" ]; then
    ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=$size:rate=30" -frames:v $frames -pix_fmt yuv420p \
      "$y4m.tmp.y4m"
    mv "$y4m.tmp.y4m" "$y4m"
  fi
  cat "$y4m" >/dev/null
  local tools=(ffmpeg gstreamer camrec)
  for _ in $(seq "$rounds"); do
    for tool in "${tools[@]}"; do
      command_for "$tool" "$codec" "$y4m" "$frames"
      bench_once "rec/$size/$codec/$tool" "${cmd[@]}"
      # Same frame count, or the comparison is void.
      local n
      n=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$out/$tool.mp4")
      [ "$n" = $frames ] || { echo "bench: $tool wrote $n frames, not $frames" >&2; exit 1; }
    done
  done
  echo
  echo "### record $size $codec, $frames frames, $rounds rounds (ratios to the faster peer)"
  printf '| %-10s | %7s | %7s | %7s | %8s | %7s | %8s | %7s |\n' tool "wall s" fps "CPU s" "RSS MB" "kbit/s" "fps/peer" "RSS/ffmpeg"
  printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "------------" "--------:" "--------:" "--------:" "---------:" "--------:" "---------:" "--------:"
  local fw gw best
  fw=$(median "rec/$size/$codec/ffmpeg" wall_s)
  gw=$(median "rec/$size/$codec/gstreamer" wall_s)
  best=$(awk -v a="$fw" -v b="$gw" 'BEGIN { print (a < b) ? a : b }')
  local fr
  fr=$(median "rec/$size/$codec/ffmpeg" max_rss_kb)
  for tool in "${tools[@]}"; do
    local w c r kbps
    w=$(median "rec/$size/$codec/$tool" wall_s)
    c=$(median "rec/$size/$codec/$tool" cpu_s)
    r=$(median "rec/$size/$codec/$tool" max_rss_kb)
    kbps=$(awk -v b="$(stat -c %s "$out/$tool.mp4")" -v f=$frames 'BEGIN { printf "%.0f", b * 8 / (f / 30) / 1000 }')
    printf '| %-10s | %7.2f | %7.1f | %7.2f | %8.1f | %7s | %8s | %7s |\n' "$tool" "$w" "$(ratio $frames "$w" 1)" "$c" \
      "$(ratio "$r" 1024 1)" "$kbps" "$(ratio "$best" "$w")" "$(ratio "$r" "$fr")"
  done
}

run_encode 1280x720 h264 600
run_encode 1920x1080 h264 600
if [ "${BENCH_X265:-1}" != 0 ]; then run_encode 1280x720 h265 150; fi

# Real time: 10 s of a 1280x720 test pattern at 30 fps, paced by the clock.
seconds=10
for _ in $(seq "$rounds"); do
  bench_once "rt/ffmpeg" ffmpeg -nostdin -v error -y -re -f lavfi -i "testsrc2=size=1280x720:rate=30" -t $seconds \
    -pix_fmt yuv420p -c:v libx264 -preset veryfast -tune zerolatency -profile:v main -b:v 4000k -maxrate 4000k \
    -bufsize 4000k -g 30 -bf 0 -x264-params "$x264_opts" "$out/rt-ffmpeg.mp4"
  bench_once "rt/camrec" "$camrec" record -q -y --duration $seconds --size 1280x720 --preset veryfast --profile main \
    --bitrate 4000 --gop 30 --fsync never -o "$out/rt-camrec.mp4"
done
echo
echo "### real-time recording, 1280x720 test pattern, $seconds s, $rounds rounds"
printf '| %-10s | %7s | %12s | %8s | %9s |\n' tool "wall s" "CPU s per s" "RSS MB" "CPU/ffmpeg"
printf '|%s|%s|%s|%s|%s|\n' "------------" "--------:" "-------------:" "---------:" "----------:"
for tool in ffmpeg camrec; do
  c=$(median "rt/$tool" cpu_s)
  printf '| %-10s | %7.2f | %12.3f | %8.1f | %9s |\n' "$tool" "$(median "rt/$tool" wall_s)" "$(ratio "$c" $seconds 3)" \
    "$(ratio "$(median "rt/$tool" max_rss_kb)" 1024 1)" "$(ratio "$c" "$(median rt/ffmpeg cpu_s)")"
done
